// OCI image-spec and distribution-spec shapes golive reads and writes: media types, descriptors,
// manifests and indexes, validated with zod at the boundary (registries are untrusted input).
import { z } from "zod";
import { sha256Hex } from "../gates/canonical-json.js";

export const MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  /** cosign's legacy signature layer: a simple-signing payload. */
  simpleSigning: "application/vnd.dev.cosign.simplesigning.v1+json",
  /** Sigstore bundle as cosign v3 stores it (artifactType and layer media type). */
  sigstoreBundleV03: "application/vnd.dev.sigstore.bundle.v0.3+json",
} as const;

/** Every manifest kind an image digest may name (schema 1 is long deprecated and not accepted). */
export const MANIFEST_ACCEPT = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList] as const;

/** Any Sigstore bundle media type: v0.1 and v0.2 are "application/vnd.dev.sigstore.bundle+json;version=0.x". */
export function isSigstoreBundleType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && /^application\/vnd\.dev\.sigstore\.bundle(?:\.v0\.\d+)?\+json(?:;\s*version=[\d.]+)?$/.test(mediaType);
}

export const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, { message: 'must be "sha256:" and 64 lowercase hex digits' });

export const Descriptor = z.looseObject({
  mediaType: z.string().max(256),
  digest: Digest,
  size: z.int().min(0),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().max(256).optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

export const ImageManifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor).max(1024),
  subject: Descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof ImageManifest>;

export const ImageIndex = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(Descriptor).max(4096).nullish(),
});
export type ImageIndex = z.infer<typeof ImageIndex>;

export function digestOf(bytes: Uint8Array | string): string {
  return `sha256:${sha256Hex(bytes)}`;
}

/** The tag cosign gives an image's artifacts: sha256:<hex> -> sha256-<hex> (+ ".sig" for legacy signatures). */
export function digestTag(digest: string, suffix = ""): string {
  return `${digest.replace(":", "-")}${suffix}`;
}

/** Parse JSON bytes with a zod schema; the message says what was wrong. */
export function parseJson<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): { ok: true; value: T } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    return { ok: false, reason: `${what} is not JSON: ${(e as Error).message}` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${what} is malformed: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}` };
  }
  return { ok: true, value: parsed.data };
}
