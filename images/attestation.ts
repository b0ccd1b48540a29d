// Attestations on images in cosign's format, so `cosign verify-attestation`, Kyverno and the
// sigstore policy-controller read what golive attaches: the manifest tagged sha256-<hex>.att
// (cosign's legacy attestation layout, which cosign v3 still reads when an image has no bundle),
// one layer per attestation, each layer a DSSE envelope (application/vnd.dsse.envelope.v1+json)
// with annotations predicateType and an empty dev.cosignproject.cosign/signature (the signature is
// inside the envelope). Layers of other predicate types (other tools' attestations) are kept;
// an earlier attestation of the same predicate type is replaced, as `cosign attest --replace`
// does, so a FAILED summary written after a PASSED one cannot leave the PASSED one in force.
//
// Reading (fetchAttestations) returns the envelopes of one predicate type; checking them is pure
// (checkAttestation below) and never confuses registry trouble (RegistryError) with a bad one.
import { IN_TOTO_PAYLOAD_TYPE, InTotoStatement, type DsseEnvelope } from "../api/index.js";
import { verifyEnvelope, type TrustedKey } from "../gates/dsse.js";
import { digestTag, ImageManifest, MediaType, parseJson, type Descriptor } from "./oci.js";
import type { PinnedImage } from "./reference.js";
import { RegistryError, type RegistryClient } from "./registry-client.js";
import { COSIGN_SIGNATURE_ANNOTATION } from "./signatures.js";

export const DSSE_LAYER_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
export const PREDICATE_TYPE_ANNOTATION = "predicateType";
/** An attestation layer over this is not read (cosign caps bundles similarly). */
const MAX_ATTESTATION_BYTES = 1024 * 1024;
/** At most this many attestations of one predicate type are examined. */
const MAX_EXAMINED = 16;

export interface AttachResult {
  tag: string;
  manifestDigest: string;
  /** Earlier layers of the same predicate type that were replaced. */
  replaced: number;
}

/** cosign's signature-image config: empty platform, the zero time, one diff_id per layer. */
function attestationConfig(layers: readonly Descriptor[]): Buffer {
  const zero = "0001-01-01T00:00:00Z";
  return Buffer.from(JSON.stringify({ architecture: "", created: zero, history: layers.map(() => ({ created: zero })), os: "", rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) }, config: {} }));
}

async function attestationManifest(client: RegistryClient, image: PinnedImage, signal?: AbortSignal): Promise<ImageManifest | undefined> {
  const tag = digestTag(image.digest, ".att");
  const existing = await client.getManifest(image, tag, signal ? { signal } : {});
  if (!existing) return undefined;
  const parsed = parseJson(ImageManifest, existing.bytes, `the attestation manifest ${tag}`);
  if (!parsed.ok) throw new RegistryError("Invalid", `${image.name}: ${parsed.reason}`);
  return parsed.value;
}

/** Attach a signed DSSE envelope to an image as a cosign attestation of `predicateType`. */
export async function attachAttestation(client: RegistryClient, image: PinnedImage, envelope: DsseEnvelope, predicateType: string, opts: { signal?: AbortSignal } = {}): Promise<AttachResult> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  const subject = await client.getManifest(image, image.digest, signal);
  if (!subject) throw new RegistryError("NotFound", `${image.name}@${image.digest}: no such manifest in the registry; push the image before attesting it`);
  const blob = Buffer.from(JSON.stringify(envelope), "utf8");
  const blobDigest = await client.putBlob(image, blob, signal);
  const existing = (await attestationManifest(client, image, opts.signal))?.layers ?? [];
  const kept = existing.filter((l) => l.annotations?.[PREDICATE_TYPE_ANNOTATION] !== predicateType);
  const layers: Descriptor[] = [...kept, { mediaType: DSSE_LAYER_MEDIA_TYPE, size: blob.length, digest: blobDigest, annotations: { [COSIGN_SIGNATURE_ANNOTATION]: "", [PREDICATE_TYPE_ANNOTATION]: predicateType } }];
  const config = attestationConfig(layers);
  const configDigest = await client.putBlob(image, config, signal);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, size: config.length, digest: configDigest }, layers }));
  const tag = digestTag(image.digest, ".att");
  const manifestDigest = await client.putManifest(image, tag, manifest, MediaType.ociManifest, signal);
  return { tag, manifestDigest, replaced: existing.length - kept.length };
}

export interface FetchedAttestation {
  /** The layer's digest in the attestation manifest. */
  layer: string;
  bytes: Buffer;
}

/**
 * The attestation layers of `predicateType` on an image (those annotated with it; a layer without
 * the annotation is read too, since other writers may omit it). [] when the image has none.
 * Throws RegistryError for registry trouble, NotFound when the image itself is missing.
 */
export async function fetchAttestations(client: RegistryClient, image: PinnedImage, predicateType: string, opts: { signal?: AbortSignal } = {}): Promise<FetchedAttestation[]> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  const subject = await client.getManifest(image, image.digest, signal);
  if (!subject) throw new RegistryError("NotFound", `${image.name}@${image.digest}: no such manifest in the registry`);
  const manifest = await attestationManifest(client, image, opts.signal);
  const layers = (manifest?.layers ?? []).filter((l) => l.mediaType === DSSE_LAYER_MEDIA_TYPE && (l.annotations?.[PREDICATE_TYPE_ANNOTATION] ?? predicateType) === predicateType).slice(-MAX_EXAMINED);
  const out: FetchedAttestation[] = [];
  for (const l of layers) {
    const bytes = await client.getBlob(image, l.digest, { maxBytes: MAX_ATTESTATION_BYTES, ...signal });
    if (!bytes) throw new RegistryError("NotFound", `${image.name}: attestation layer ${l.digest} is listed in ${digestTag(image.digest, ".att")} but the registry has no such blob`);
    out.push({ layer: l.digest, bytes });
  }
  return out;
}

export type AttestationCheck = { ok: true; signer: string; statement: InTotoStatement } | { ok: false; reason: string };

/**
 * Whether one attestation layer is a DSSE envelope of an in-toto Statement of `predicateType`,
 * signed by one of `keys`, whose subjects include the image's digest (as cosign's claim check).
 */
export function checkAttestation(bytes: Buffer, image: PinnedImage, predicateType: string, keys: readonly TrustedKey[]): AttestationCheck {
  let envelope: DsseEnvelope;
  try {
    envelope = JSON.parse(bytes.toString("utf8")) as DsseEnvelope;
  } catch {
    return { ok: false, reason: "the layer is not JSON" };
  }
  if (envelope?.payloadType !== IN_TOTO_PAYLOAD_TYPE || typeof envelope.payload !== "string" || !Array.isArray(envelope.signatures)) return { ok: false, reason: `the layer is not a DSSE envelope with payloadType ${IN_TOTO_PAYLOAD_TYPE}` };
  const v = verifyEnvelope(envelope, keys);
  if (!v.ok) return { ok: false, reason: `its signature does not verify with the given key: it was made by another key or changed after signing (${v.reason})` };
  let statement: InTotoStatement;
  try {
    statement = InTotoStatement.parse(JSON.parse(v.payload.toString("utf8")));
  } catch (e) {
    return { ok: false, reason: `the signed payload is not an in-toto Statement: ${(e as Error).message}` };
  }
  if (statement.predicateType !== predicateType) return { ok: false, reason: `the signed statement's predicateType is ${statement.predicateType}, not ${predicateType}` };
  const hex = image.digest.slice("sha256:".length);
  if (!statement.subject.some((s) => s.digest.sha256 === hex)) return { ok: false, reason: `signed for other subjects (${statement.subject.map((s) => `${s.name}@sha256:${s.digest.sha256 ?? "?"}`).join(", ")}), not for ${image.digest}` };
  return { ok: true, signer: v.signer, statement };
}
