// Evidence opened once, on arrival in the operator's cache (issue 20): the DSSE envelope is
// replaced by what the gates read of it — which known keys its signatures verify with, the
// statement's subjects and predicate type, the parsed predicate, the payload's digest. The
// signature check of every later pass is then a look-up of the trusted keys' fingerprints, and
// 50,000 evidence objects no longer keep 50,000 base64 payloads and signatures in memory.
//
// The verdict stays the one the full envelope would give (gates/evidence.ts decides from either):
// - the keys tried are every signer key of every policy known when the object arrived; a
//   signature that none of them verifies keeps the whole envelope, so a key trusted later (a
//   rotation, a new policy) is still tried against it on every pass, as before;
// - a signature that verified is recorded by the key's fingerprint (sha256 of its SPKI), so the
//   same key under another signer name or in another policy is recognised;
// - everything that depends on the release or the policy (subjects against the artifact and plan
//   digests, trust for the type, age) is still decided on every pass.
// The form is keyed by the object's uid and resourceVersion: an update arrives as a new object and
// is opened again.
import { createHash, type KeyObject } from "node:crypto";
import { InTotoStatement, type DsseEnvelope, type ReleaseEvidence, type ReleasePolicy } from "../api/index.js";
import { decodeBase64, keyIdOf, PAYLOAD_NOT_BASE64, preAuthEncoding, signatureVerifies, type TrustedKey } from "./dsse.js";
import { EvidencePredicate, PLAN_SUBJECT_PREFIX, RELEASE_SUBJECT_PREFIX } from "./statement.js";
import { publicKeyOf } from "./trusted-keys.js";

/** A subject as verifyEvidence reads it: its name and sha256 digest. */
export interface OpenedSubject {
  name: string;
  sha256: string | undefined;
}

/**
 * The statement inside the payload, or why the payload is none (the messages of gates/evidence.ts).
 * Only the subjects the gates compare are kept: the first naming a release and the first naming a
 * plan (the image subjects are for other tools).
 */
export type OpenedStatement =
  | { ok: true; predicateType: string; release: OpenedSubject | undefined; plan: OpenedSubject | undefined; predicate: { ok: true; value: EvidencePredicate } | { ok: false; reason: string } }
  | { ok: false; reason: string };

export interface OpenedEnvelope {
  /** The payload's digest and statement, or why the payload cannot be read. */
  payload: { ok: true; sha256: string; statement: OpenedStatement } | { ok: false; reason: string };
  /** Fingerprints (keyIdOf) of the keys a signature verified with, among those known when opened. */
  verifiedBy: readonly string[];
  /** Kept only while a signature verifies with none of the keys known when opened. */
  envelope?: DsseEnvelope;
}

/** A ReleaseEvidence as the operator's store keeps it: no envelope, what was read from it instead. */
export type OpenedEvidence = Omit<ReleaseEvidence, "spec"> & { spec: Omit<ReleaseEvidence["spec"], "envelope">; opened: OpenedEnvelope };

/** Evidence as the API server holds it (the CLI, the console) or as the operator's cache does. */
export type EvidenceObject = ReleaseEvidence | OpenedEvidence;

const NONE: readonly string[] = Object.freeze([]);

/** A key to open evidence with: a signer key of some policy and its fingerprint. */
export interface KnownKey {
  fingerprint: string;
  key: KeyObject;
}

const fingerprints = new WeakMap<KeyObject, string>();

/** keyIdOf, computed once per KeyObject (trusted-keys.ts parses each PEM once). */
export function fingerprintOf(key: KeyObject): string {
  let f = fingerprints.get(key);
  if (f === undefined) fingerprints.set(key, (f = keyIdOf(key)));
  return f;
}

/** Every usable signer key of these policies, once per key. */
export function knownKeysOf(...policies: readonly ReleasePolicy[]): KnownKey[] {
  const byFingerprint = new Map<string, KnownKey>();
  for (const p of policies)
    for (const s of p.spec.signers ?? []) {
      const key = publicKeyOf(s);
      if (typeof key !== "string") byFingerprint.set(fingerprintOf(key), { fingerprint: fingerprintOf(key), key });
    }
  return [...byFingerprint.values()];
}

export function isOpened(e: EvidenceObject): e is OpenedEvidence {
  return "opened" in e;
}

/**
 * One copy of each string many evidence objects repeat (subject names, digests, the application
 * and version, predicate types): the five objects of a release name the same artifact. Bounded:
 * emptied when it grows past its limit, which only costs the sharing.
 */
const interned = new Map<string, string>();
function intern<T extends string | undefined>(text: T): T {
  if (text === undefined) return text;
  const known = interned.get(text);
  if (known !== undefined) return known as T;
  if (interned.size >= 100_000) interned.clear();
  interned.set(text, text);
  return text;
}

const subjectOf = (subject: InTotoStatement["subject"], prefix: string): OpenedSubject | undefined => {
  const s = subject.find((x) => x.name.startsWith(prefix));
  return s ? { name: intern(s.name), sha256: intern(s.digest.sha256) } : undefined;
};

/** The statement of a signed payload, with the predicate parsed: what does not depend on a release or policy. */
export function openStatement(payload: Buffer): OpenedStatement {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch {
    return { ok: false, reason: "the signed payload is not JSON" };
  }
  const statement = InTotoStatement.safeParse(json);
  if (!statement.success) return { ok: false, reason: `the signed payload is not an in-toto Statement v1: ${statement.error.issues[0]?.message ?? "invalid"}` };
  const { subject, predicateType, predicate } = statement.data;
  const parsed = EvidencePredicate.safeParse(predicate);
  if (parsed.success) parsed.data.release = { application: intern(parsed.data.release.application), version: intern(parsed.data.release.version) };
  return {
    ok: true,
    predicateType: intern(predicateType),
    release: subjectOf(subject, RELEASE_SUBJECT_PREFIX),
    plan: subjectOf(subject, PLAN_SUBJECT_PREFIX),
    predicate: parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `the predicate is malformed: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` },
  };
}

/**
 * Opens an evidence object against the keys known now. A signature is tried first against the key
 * its keyid names (golive and cosign write the fingerprint there), then against the others.
 */
export function openEvidence(e: ReleaseEvidence, known: readonly KnownKey[]): OpenedEvidence {
  const { envelope, ...spec } = e.spec;
  // The namespace, release and type are repeated by every evidence object of a release.
  const metadata = e.metadata.namespace === undefined ? e.metadata : { ...e.metadata, namespace: intern(e.metadata.namespace) };
  const reduced = (opened: OpenedEnvelope): OpenedEvidence => ({ apiVersion: e.apiVersion, kind: e.kind, metadata, spec: { ...spec, release: intern(spec.release), type: intern(spec.type) }, opened });
  const payload = decodeBase64(envelope.payload);
  if (!payload) return reduced({ payload: { ok: false, reason: PAYLOAD_NOT_BASE64 }, verifiedBy: [] });
  const pae = preAuthEncoding(envelope.payloadType, payload);
  const verifiedBy = new Set<string>();
  let unresolved = false;
  for (const signature of envelope.signatures) {
    const sig = decodeBase64(signature.sig);
    if (!sig) continue; // never verifies, whatever the key: the full check skips it too
    const hinted = known.filter((k) => k.fingerprint === signature.keyid);
    const match = [...hinted, ...known.filter((k) => k.fingerprint !== signature.keyid)].find((k) => signatureVerifies(k.key, pae, sig));
    if (match) verifiedBy.add(match.fingerprint);
    else unresolved = true;
  }
  return reduced({
    payload: { ok: true, sha256: createHash("sha256").update(payload).digest("hex"), statement: openStatement(payload) },
    verifiedBy: verifiedBy.size ? [...verifiedBy] : NONE,
    ...(unresolved ? { envelope } : {}),
  });
}

/** The trusted key a recorded signature verified with, if any. */
export function openedSigner(opened: OpenedEnvelope, trusted: readonly TrustedKey[]): string | undefined {
  return trusted.find((t) => opened.verifiedBy.includes(fingerprintOf(t.key)))?.name;
}

/** sha256 (hex) of the signed payload: the digest reports and summaries name a statement by. */
export function statementDigestOf(e: EvidenceObject): string | undefined {
  if (isOpened(e)) return e.opened.payload.ok ? e.opened.payload.sha256 : undefined;
  const payload = decodeBase64(e.spec.envelope.payload);
  return payload ? createHash("sha256").update(payload).digest("hex") : undefined;
}
