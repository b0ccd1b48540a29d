// The signed verification summary of a release: an in-toto Statement with the SLSA Verification
// Summary predicate (https://slsa.dev/verification_summary/v1), in a DSSE envelope signed with a
// given key (gates/dsse.ts), embedded in the report. Its subjects are the release (artifact
// digest), the sealed images (name and digest, so the same statement attached to an image in the
// registry names it, as cosign's claim check wants), and the report's own HTML (hashed with the summary left out), so
// `golive report verify` refuses a report where any byte was changed.
import type { KeyObject } from "node:crypto";
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, InTotoStatement, type DsseEnvelope } from "../api/index.js";
import { canonicalJson, sha256Hex } from "../gates/canonical-json.js";
import { keyIdOf, signEnvelope, verifyEnvelope } from "../gates/dsse.js";
import { statementDigestOf, type EvidenceObject } from "../gates/opened-evidence.js";
import { RELEASE_SUBJECT_PREFIX } from "../gates/statement.js";
import type { ReportModel } from "./model.js";

export const VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1";
export const VERIFIER_ID = "https://golive.dev/verifier";
export const GOLIVE_VERSION = "0.1.0";
export const REPORT_SUBJECT_PREFIX = "golive.dev/report/";
/** Stands in for the summary while the report is hashed. */
export const SUMMARY_PLACEHOLDER = "GOLIVE-VERIFICATION-SUMMARY";

const SCRIPT = /<script type="application\/vnd\.in-toto\+json" id="golive-verification-summary">([^<]*)<\/script>/;

export function summaryOf(m: ReportModel, evidence: readonly EvidenceObject[], reportDigest?: string): InTotoStatement {
  const used = new Set(m.clauses.flatMap((c) => c.evidence.map((e) => e.name)));
  const inputs = evidence
    .filter((e) => e.spec.release === m.release.name)
    .map((e) => ({ name: e.metadata.name, digest: statementDigestOf(e) }))
    .flatMap((e) => (e.digest ? [{ name: e.name, digest: e.digest }] : []))
    .filter((e) => (used.has(e.name) || m.accepted.some((a) => a.evidence === e.name) || m.approvals.some((s) => s.signed.some((x) => x.evidence === e.name))))
    .map((e) => ({ uri: `golive.dev/releaseevidence/${m.release.namespace ?? ""}/${e.name}`, digest: { sha256: e.digest } }))
    .sort((a, b) => a.uri.localeCompare(b.uri));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      { name: `${RELEASE_SUBJECT_PREFIX}${m.release.application}@${m.release.version}`, digest: { sha256: m.artifactDigest.slice("sha256:".length) } },
      ...m.images.map((i) => ({ name: i.name, digest: { sha256: i.digest.slice("sha256:".length) } })),
      ...(reportDigest ? [{ name: `${REPORT_SUBJECT_PREFIX}${m.release.name}.html`, digest: { sha256: reportDigest } }] : []),
    ],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: VERIFIER_ID, version: { golive: GOLIVE_VERSION } },
      timeVerified: m.generatedAt,
      resourceUri: `golive.dev/release/${m.release.namespace ?? ""}/${m.release.name}`,
      policy: { uri: `golive.dev/releasepolicy/${m.policy.name}`, digest: { sha256: m.policy.digest.slice("sha256:".length) } },
      inputAttestations: inputs,
      verificationResult: m.verdict,
      verifiedLevels: [`JR/T 0179-2019${m.policy.level !== undefined ? ` protection level ${m.policy.level}` : ""}`],
    },
  };
}

export function signSummary(statement: InTotoStatement, key: KeyObject): DsseEnvelope {
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(canonicalJson(statement), "utf8"), key);
}

/** Put the signed summary in place of the placeholder of an HTML report. */
export function embedSummary(htmlWithPlaceholder: string, envelope: DsseEnvelope): string {
  return htmlWithPlaceholder.replace(`>${SUMMARY_PLACEHOLDER}<`, `>${JSON.stringify(envelope).replace(/</g, "\\u003c")}<`);
}

/** sha256 of a report with its summary replaced by the placeholder. */
export function reportDigest(html: string): string {
  return sha256Hex(html.replace(SCRIPT, (_all, _s) => `<script type="application/vnd.in-toto+json" id="golive-verification-summary">${SUMMARY_PLACEHOLDER}</script>`));
}

export type ReportVerification = { ok: true; keyid: string; result: string; subject: string; policy: string; timeVerified: string } | { ok: false; reason: string };

export function verifyReportHtml(html: string, key: KeyObject): ReportVerification {
  const m = SCRIPT.exec(html);
  if (!m) return { ok: false, reason: "the report embeds no verification summary (write it with golive report --sign-key)" };
  let envelope: DsseEnvelope;
  try {
    envelope = JSON.parse(m[1]!) as DsseEnvelope;
  } catch {
    return { ok: false, reason: "the embedded verification summary is not JSON" };
  }
  if (envelope?.payloadType !== IN_TOTO_PAYLOAD_TYPE || !Array.isArray(envelope.signatures) || typeof envelope.payload !== "string") return { ok: false, reason: "the embedded verification summary is not a DSSE envelope of an in-toto statement" };
  const v = verifyEnvelope(envelope, [{ name: "the given key", key }]);
  if (!v.ok) return { ok: false, reason: `the verification summary's signature does not verify: ${v.reason}` };
  let statement: InTotoStatement;
  try {
    statement = InTotoStatement.parse(JSON.parse(v.payload.toString("utf8")));
  } catch (e) {
    return { ok: false, reason: `the signed payload is not an in-toto Statement: ${(e as Error).message}` };
  }
  if (statement.predicateType !== VSA_PREDICATE_TYPE) return { ok: false, reason: `the signed statement's predicateType is ${statement.predicateType}, not ${VSA_PREDICATE_TYPE}` };
  const report = statement.subject.find((s) => s.name.startsWith(REPORT_SUBJECT_PREFIX));
  if (!report) return { ok: false, reason: "the signed summary names no report among its subjects" };
  const digest = reportDigest(html);
  if (report.digest.sha256 !== digest) return { ok: false, reason: `the report was changed after it was signed: its content hashes to sha256:${digest}, the signed summary names sha256:${report.digest.sha256}` };
  const p = statement.predicate as { verificationResult?: string; policy?: { uri?: string }; timeVerified?: string };
  const release = statement.subject.find((s) => s.name.startsWith(RELEASE_SUBJECT_PREFIX));
  return { ok: true, keyid: keyIdOf(key), result: p.verificationResult ?? "?", subject: release ? `${release.name.slice(RELEASE_SUBJECT_PREFIX.length)} (sha256:${release.digest.sha256})` : "?", policy: p.policy?.uri ?? "?", timeVerified: p.timeVerified ?? "?" };
}
