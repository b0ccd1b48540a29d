// Sealing an image: write a cosign-compatible legacy signature to the registry, so teams without
// cosign can seal and `cosign verify --key` accepts the result.
//
// The signature manifest is what cosign writes: an OCI image manifest tagged sha256-<hex>.sig
// whose layers are simple-signing payloads (application/vnd.dev.cosign.simplesigning.v1+json), each
// with its base64 signature in the dev.cosignproject.cosign/signature annotation, and a config
// listing the layers as diff_ids. An existing signature manifest keeps its layers (other signers'
// signatures) and gets ours appended; sealing twice with the same key changes nothing.
import { createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { checkKeyType, keyIdOf } from "../gates/dsse.js";
import { digestTag, ImageManifest, MediaType, parseJson, type Descriptor } from "./oci.js";
import { DEFAULT_REGISTRY, type PinnedImage } from "./reference.js";
import { RegistryError, type RegistryClient } from "./registry-client.js";
import { COSIGN_SIGNATURE_ANNOTATION, signingDigest } from "./signatures.js";
import { simpleSigningPayload } from "./simple-signing.js";

export interface SealResult {
  /** The signature manifest's tag: sha256-<hex>.sig */
  tag: string;
  /** Digest of the signature manifest written (or found). */
  manifestDigest: string;
  keyId: string;
  /** False when a signature by this key over the same payload was already there. */
  written: boolean;
}

/** The docker-reference cosign puts in the payload (go-containerregistry names Docker Hub index.docker.io). */
export function dockerReferenceOf(image: Pick<PinnedImage, "registry" | "repository">): string {
  return `${image.registry === DEFAULT_REGISTRY ? "index.docker.io" : image.registry}/${image.repository}`;
}

/** cosign's signature-image config: empty platform, the zero time, one diff_id per layer. */
function signatureConfig(layers: readonly Descriptor[]): Buffer {
  const zero = "0001-01-01T00:00:00Z";
  return Buffer.from(
    JSON.stringify({
      architecture: "",
      created: zero,
      history: layers.map(() => ({ created: zero })),
      os: "",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
}

export async function sealImage(
  client: RegistryClient,
  image: PinnedImage,
  privateKey: KeyObject,
  opts: { annotations?: Readonly<Record<string, string>>; signal?: AbortSignal } = {},
): Promise<SealResult> {
  const problem = checkKeyType(privateKey);
  if (problem) throw new Error(problem);
  const signal = opts.signal ? { signal: opts.signal } : {};
  const subject = await client.getManifest(image, image.digest, signal);
  if (!subject) throw new RegistryError("NotFound", `${image.name}@${image.digest}: no such manifest in the registry; push the image before sealing it`);

  const payload = simpleSigningPayload(dockerReferenceOf(image), image.digest, opts.annotations);
  const payloadDigest = await client.putBlob(image, payload, signal);
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  const tag = digestTag(image.digest, ".sig");

  let layers: Descriptor[] = [];
  const existing = await client.getManifest(image, tag, signal);
  if (existing) {
    const parsed = parseJson(ImageManifest, existing.bytes, `the existing signature manifest ${tag}`);
    if (!parsed.ok) throw new RegistryError("Invalid", `${image.name}: ${parsed.reason}; refusing to overwrite it`);
    layers = parsed.value.layers;
    const mine = layers.find((l) => {
      if (l.digest !== payloadDigest) return false;
      const sig = l.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
      try {
        return sig !== undefined && verify(signingDigest(publicKey), payload, publicKey, Buffer.from(sig, "base64"));
      } catch {
        return false;
      }
    });
    if (mine) return { tag, manifestDigest: existing.digest, keyId, written: false };
  }

  const signature = sign(signingDigest(privateKey), payload, privateKey).toString("base64");
  layers = [...layers, { mediaType: MediaType.simpleSigning, size: payload.length, digest: payloadDigest, annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature } }];
  const config = signatureConfig(layers);
  const configDigest = await client.putBlob(image, config, signal);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, size: config.length, digest: configDigest },
      layers,
    }),
  );
  const manifestDigest = await client.putManifest(image, tag, manifest, MediaType.ociManifest, signal);
  return { tag, manifestDigest, keyId, written: true };
}
