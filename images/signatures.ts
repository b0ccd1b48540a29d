// Verifying one cosign signature artifact against the trusted keys, offline and pure: the
// registry I/O is in verify.ts. Two formats:
//
// legacy-sig       a layer of the manifest tagged sha256-<hex>.sig: the simple-signing payload is
//                  the layer blob, the signature (base64, ASN.1 DER for ECDSA) over the payload
//                  bytes is its `dev.cosignproject.cosign/signature` annotation.
// sigstore-bundle  a Sigstore bundle (v0.1-v0.3) whose DSSE envelope carries an in-toto Statement
//                  with predicateType https://sigstore.dev/cosign/sign/v1 (what `cosign sign`
//                  writes; attestations of other predicates do not seal) and the image as subject.
//
// How a failure is classified (precisely, so that "another key" and "tampered" are never
// confused where the artifact lets them be told apart):
// - UntrustedKey: the signature names its key (a bundle's verificationMaterial.publicKey.hint,
//   base64 of the SHA-256 of the key's DER SubjectPublicKeyInfo) and the policy does not trust
//   that key for images.
// - BadSignature: the signature cannot be a valid seal of this image whatever key made it: it is
//   malformed; it verifies but claims another image's digest (a copied signature) or is not an
//   image signature; it names a trusted key and does not verify under it (changed after
//   signing); or it names no key and verifies under none of the trusted keys. The legacy format
//   names no key, so there a signature by another key and a tampered payload are both
//   BadSignature, and the reason says so.
// - KeylessUnsupported: a Fulcio certificate instead of a key (keyless signing), and no trusted key
//   verifies it. golive does not verify keyless signatures (no Fulcio roots, no Rekor); a
//   KeylessVerifier would slot in here, beside the key check.
// Transparency-log entries are not checked: the trusted key is the root of trust (cosign's
// --insecure-ignore-tlog, or --tlog-upload=false when signing).
import { verify, X509Certificate, type KeyObject } from "node:crypto";
import { z } from "zod";
import { IN_TOTO_PAYLOAD_TYPE } from "../api/index.js";
import { decodeBase64, keyIdOf, verifyEnvelope, type TrustedKey } from "../gates/dsse.js";
import { isSigstoreBundleType, parseJson } from "./oci.js";
import { checkSimpleSigningPayload } from "./simple-signing.js";

export type SignatureFormat = "legacy-sig" | "sigstore-bundle";
export type SignatureCheck =
  | { ok: true; signer: string; format: SignatureFormat }
  | { ok: false; failure: "BadSignature" | "UntrustedKey" | "KeylessUnsupported"; format: SignatureFormat; reason: string };

export const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const COSIGN_CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
export const COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";
const STATEMENT_TYPES = new Set(["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"]);

/** The digest a key signs with: Ed25519 hashes internally (as in gates/dsse.ts). */
export function signingDigest(key: KeyObject): string | null {
  return key.asymmetricKeyType === "ed25519" ? null : "sha256";
}

const hints = new WeakMap<KeyObject, string>();
/** The key hint cosign writes into bundles: base64 of the SHA-256 of the DER SubjectPublicKeyInfo. */
export function keyHintOf(key: KeyObject): string {
  let hint = hints.get(key);
  if (hint === undefined) {
    hint = Buffer.from(keyIdOf(key).slice("sha256:".length), "hex").toString("base64");
    hints.set(key, hint);
  }
  return hint;
}

function names(keys: readonly TrustedKey[]): string {
  return keys.length ? keys.map((k) => k.name).join(", ") : "none: the policy trusts no signer with images: true";
}

function verifiesWith(keys: readonly TrustedKey[], data: Buffer, signature: Buffer): TrustedKey | undefined {
  for (const k of keys) {
    try {
      if (verify(signingDigest(k.key), data, k.key, signature)) return k;
    } catch {
      // A signature of the wrong shape for this key type is simply not a match.
    }
  }
  return undefined;
}

function describeCertificate(pem: string | undefined, der?: Buffer): string {
  try {
    const cert = new X509Certificate(der ?? pem ?? "");
    return ` (certificate for ${cert.subjectAltName ?? cert.subject} issued by ${cert.issuer.replace(/\n/g, ", ")})`;
  } catch {
    return "";
  }
}

const KEYLESS = "it is signed keyless (a Fulcio certificate, not a key); golive verifies key-based signatures only: sign with a key the policy trusts for images (cosign sign --key, or golive seal)";

/** One legacy signature: a simple-signing layer's payload bytes and annotations. */
export function checkLegacySignature(payload: Buffer, annotations: Readonly<Record<string, string>> | undefined, digest: string, keys: readonly TrustedKey[]): SignatureCheck {
  const bad = (reason: string): SignatureCheck => ({ ok: false, failure: "BadSignature", format: "legacy-sig", reason: `legacy signature: ${reason}` });
  const encoded = annotations?.[COSIGN_SIGNATURE_ANNOTATION];
  if (!encoded) return bad(`the layer has no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
  const signature = decodeBase64(encoded);
  if (!signature || signature.length === 0) return bad("the signature annotation is not base64");
  const signer = verifiesWith(keys, payload, signature);
  if (!signer) {
    const certificate = annotations[COSIGN_CERTIFICATE_ANNOTATION];
    if (certificate) return { ok: false, failure: "KeylessUnsupported", format: "legacy-sig", reason: `legacy signature: ${KEYLESS}${describeCertificate(certificate)}` };
    return bad(
      `it does not verify with any trusted key (${names(keys)}): it was made by another key or changed after signing (the legacy format names no key, so these cannot be told apart)`,
    );
  }
  const claims = checkSimpleSigningPayload(payload, digest);
  if (!claims.ok) return bad(`signed by ${signer.name}, but ${claims.reason}`);
  return { ok: true, signer: signer.name, format: "legacy-sig" };
}

const Bundle = z.looseObject({
  mediaType: z.string().max(256),
  verificationMaterial: z.looseObject({
    publicKey: z.looseObject({ hint: z.string().max(1024).optional() }).optional(),
    certificate: z.looseObject({ rawBytes: z.string().max(65536) }).optional(),
    x509CertificateChain: z.looseObject({ certificates: z.array(z.looseObject({ rawBytes: z.string().max(65536) })).max(16) }).optional(),
  }),
  dsseEnvelope: z
    .looseObject({
      payload: z.string().max(1_000_000),
      payloadType: z.string().max(256),
      signatures: z.array(z.looseObject({ sig: z.string().max(8192), keyid: z.string().max(256).optional() })).min(1).max(8),
    })
    .optional(),
  messageSignature: z.unknown().optional(),
});

const Statement = z.looseObject({
  _type: z.string(),
  subject: z.array(z.looseObject({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).max(1024),
  predicateType: z.string(),
});

/** One Sigstore bundle (the layer blob of a referrer of the image). */
export function checkBundle(bytes: Buffer, digest: string, keys: readonly TrustedKey[]): SignatureCheck {
  const bad = (reason: string): SignatureCheck => ({ ok: false, failure: "BadSignature", format: "sigstore-bundle", reason: `Sigstore bundle: ${reason}` });
  const parsed = parseJson(Bundle, bytes, "the bundle");
  if (!parsed.ok) return bad(parsed.reason);
  const bundle = parsed.value;
  if (!isSigstoreBundleType(bundle.mediaType)) return bad(`media type "${bundle.mediaType}" is not a Sigstore bundle`);
  const envelope = bundle.dsseEnvelope;
  if (!envelope) return bad("it holds a message signature, not a DSSE envelope: that signs a blob digest, not an image");
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return bad(`the envelope's payload type is "${envelope.payloadType}", not ${IN_TOTO_PAYLOAD_TYPE}`);
  const material = bundle.verificationMaterial;
  const checked = verifyEnvelope({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: envelope.payload, signatures: envelope.signatures }, keys);
  if (!checked.ok) {
    const certificate = material.certificate?.rawBytes ?? material.x509CertificateChain?.certificates[0]?.rawBytes;
    if (certificate !== undefined && !material.publicKey) {
      return { ok: false, failure: "KeylessUnsupported", format: "sigstore-bundle", reason: `Sigstore bundle: ${KEYLESS}${describeCertificate(undefined, decodeBase64(certificate))}` };
    }
    const hint = material.publicKey?.hint;
    if (hint) {
      const named = keys.find((k) => keyHintOf(k.key) === hint);
      if (named) return bad(`it names trusted key ${named.name} but its signature does not verify with it: the bundle was changed after signing`);
      return { ok: false, failure: "UntrustedKey", format: "sigstore-bundle", reason: `Sigstore bundle: signed by key ${hint} (SHA-256 of its public key, base64), which the policy does not trust for images (trusted: ${names(keys)})` };
    }
    return bad(`it names no key and verifies with no trusted key (${names(keys)})`);
  }
  const statement = parseJson(Statement, checked.payload, "the in-toto statement");
  if (!statement.ok) return bad(`signed by ${checked.signer}, but ${statement.reason}`);
  const s = statement.value;
  if (!STATEMENT_TYPES.has(s._type)) return bad(`signed by ${checked.signer}, but the payload is not an in-toto Statement (_type ${s._type})`);
  if (s.predicateType !== COSIGN_SIGN_PREDICATE) return bad(`signed by ${checked.signer}, but it is an attestation of ${s.predicateType}, not an image signature (${COSIGN_SIGN_PREDICATE})`);
  const hex = digest.slice("sha256:".length);
  if (!s.subject.some((x) => x.digest.sha256 === hex)) {
    const claimed = s.subject.map((x) => (x.digest.sha256 ? `sha256:${x.digest.sha256}` : JSON.stringify(x.digest))).join(", ") || "nothing";
    return bad(`signed by ${checked.signer}, but the signature is for another image: its subject is ${claimed}, not ${digest}`);
  }
  return { ok: true, signer: checked.signer, format: "sigstore-bundle" };
}

