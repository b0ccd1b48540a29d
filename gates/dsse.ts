// DSSE (Dead Simple Signing Envelope) signing and verification with Node's crypto.
// Signatures are over the pre-authentication encoding (PAE), never over the raw payload, so a
// signature for one payload type cannot be replayed as another. ECDSA signatures are ASN.1 DER,
// as cosign writes them.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { DsseEnvelope } from "../api/index.js";

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The digest algorithm a key type signs with (Ed25519 hashes internally). */
function digestFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === "ed25519" ? null : "sha256";
}

export const SUPPORTED_KEY_TYPES = "ECDSA P-256, Ed25519 or RSA (2048 bits or more)";

/** Reject key types and sizes we do not accept, with a message that says what is accepted. */
export function checkKeyType(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === "prime256v1" ? undefined : `EC curve ${curve ?? "unknown"} is not supported; use ${SUPPORTED_KEY_TYPES}`;
  }
  if (type === "ed25519") return undefined;
  if (type === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= 2048 ? undefined : `RSA key of ${bits} bits is too short; use ${SUPPORTED_KEY_TYPES}`;
  }
  return `key type ${type ?? "unknown"} is not supported; use ${SUPPORTED_KEY_TYPES}`;
}

/** A stable key id: sha256 of the DER-encoded SubjectPublicKeyInfo. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return "sha256:" + createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex");
}

export function signEnvelope(payloadType: string, payload: Buffer, privateKey: KeyObject): DsseEnvelope {
  const sig = sign(digestFor(privateKey), preAuthEncoding(payloadType, payload), privateKey);
  return {
    payloadType: payloadType as DsseEnvelope["payloadType"],
    payload: payload.toString("base64"),
    signatures: [{ keyid: keyIdOf(privateKey), sig: sig.toString("base64") }],
  };
}

export interface TrustedKey {
  name: string;
  key: KeyObject;
}

/** Strict base64 (standard or URL alphabet); undefined when the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const normalized = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized) || normalized.length % 4 === 1) return undefined;
  return Buffer.from(normalized, "base64");
}

export const NO_TRUSTED_KEY = "no trusted key could verify it (the policy trusts no signer for this)";
export const PAYLOAD_NOT_BASE64 = "the envelope's payload is not valid base64";

export type EnvelopeVerification = { ok: true; signer: string; payload: Buffer } | { ok: false; reason: string };

/**
 * Verify that at least one signature of the envelope verifies with one of the trusted keys.
 * The keyid is only a hint: every signature is tried against every key.
 */
export function verifyEnvelope(envelope: DsseEnvelope, trusted: readonly TrustedKey[]): EnvelopeVerification {
  const payload = decodeBase64(envelope.payload);
  if (!payload) return { ok: false, reason: PAYLOAD_NOT_BASE64 };
  if (trusted.length === 0) return { ok: false, reason: NO_TRUSTED_KEY };
  const pae = preAuthEncoding(envelope.payloadType, payload);
  for (const signature of envelope.signatures) {
    const sig = decodeBase64(signature.sig);
    if (!sig) continue;
    for (const t of trusted) if (signatureVerifies(t.key, pae, sig)) return { ok: true, signer: t.name, payload };
  }
  return { ok: false, reason: noTrustedSignature(trusted) };
}

/** Why an envelope is refused when none of its signatures verifies with the trusted keys. */
export function noTrustedSignature(trusted: readonly TrustedKey[]): string {
  return `no signature verifies with a trusted key (${trusted.map((t) => t.name).join(", ")}): the content was changed after signing or was signed by another key`;
}

/** Whether one signature over the PAE verifies with the key. */
export function signatureVerifies(key: KeyObject, pae: Buffer, sig: Buffer): boolean {
  try {
    return verify(digestFor(key), pae, key, sig);
  } catch {
    // A malformed signature for this key type is simply not a match.
    return false;
  }
}
