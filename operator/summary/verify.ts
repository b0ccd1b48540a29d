// Offline check of a stored summary (operator/summary/publish.ts): the DSSE envelope of one data
// key of ConfigMap <release>-golive-summary, against the operator's public key. The same checks as
// `golive report verify` on a report, minus the report's own digest (a stored summary names none).
import type { KeyObject } from "node:crypto";
import { IN_TOTO_PAYLOAD_TYPE, InTotoStatement, type DsseEnvelope } from "../../api/index.js";
import { keyIdOf, verifyEnvelope } from "../../gates/dsse.js";
import { RELEASE_SUBJECT_PREFIX } from "../../gates/statement.js";
import { VSA_PREDICATE_TYPE } from "../../report/summary.js";

export type SummaryVerification = { ok: true; keyid: string; result: string; subject: string; resource: string; policy: string; timeVerified: string } | { ok: false; reason: string };

export function verifySummaryEnvelope(text: string, key: KeyObject): SummaryVerification {
  let envelope: DsseEnvelope;
  try {
    envelope = JSON.parse(text) as DsseEnvelope;
  } catch {
    return { ok: false, reason: "not JSON: give the value of one data key of ConfigMap <release>-golive-summary" };
  }
  if (envelope?.payloadType !== IN_TOTO_PAYLOAD_TYPE || !Array.isArray(envelope.signatures) || typeof envelope.payload !== "string") return { ok: false, reason: "not a DSSE envelope of an in-toto statement" };
  const v = verifyEnvelope(envelope, [{ name: "the given key", key }]);
  if (!v.ok) return { ok: false, reason: `the signature does not verify: ${v.reason}` };
  let statement: InTotoStatement;
  try {
    statement = InTotoStatement.parse(JSON.parse(v.payload.toString("utf8")));
  } catch (e) {
    return { ok: false, reason: `the signed payload is not an in-toto Statement: ${(e as Error).message}` };
  }
  if (statement.predicateType !== VSA_PREDICATE_TYPE) return { ok: false, reason: `the predicateType is ${statement.predicateType}, not ${VSA_PREDICATE_TYPE}` };
  const p = statement.predicate as { verificationResult?: string; policy?: { uri?: string }; timeVerified?: string; resourceUri?: string };
  const release = statement.subject.find((s) => s.name.startsWith(RELEASE_SUBJECT_PREFIX));
  return { ok: true, keyid: keyIdOf(key), result: p.verificationResult ?? "?", subject: release ? `${release.name.slice(RELEASE_SUBJECT_PREFIX.length)} (sha256:${release.digest.sha256})` : "?", resource: p.resourceUri ?? "?", policy: p.policy?.uri ?? "?", timeVerified: p.timeVerified ?? "?" };
}
