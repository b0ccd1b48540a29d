// Verifying one ReleaseEvidence against a Release and its ReleasePolicy: signature by a signer
// trusted for that evidence type, a statement about exactly this release's sealed content,
// a well-formed predicate, and an age the policy accepts. Pure; the clock is injected.
import { evidenceTypeOfPredicate, InTotoStatement, parseDuration, type EvidenceType, type Release, type ReleaseEvidence, type ReleasePolicySpec } from "../api/index.js";
import { verifyEnvelope } from "./dsse.js";
import { artifactDigest, EvidencePredicate, PLAN_BOUND_TYPES, PLAN_SUBJECT_PREFIX, planDigest, planSubjectName, releaseSubjectName, RELEASE_SUBJECT_PREFIX } from "./statement.js";
import { allKeys, keysTrustedFor } from "./trusted-keys.js";

export interface VerifiedEvidence {
  name: string;
  type: EvidenceType;
  signer: string;
  issuedAt: Date;
  predicate: EvidencePredicate;
}

export interface RejectedEvidence {
  name: string;
  type: EvidenceType;
  reason: string;
}

export type EvidenceVerdict = ({ ok: true } & VerifiedEvidence) | ({ ok: false } & RejectedEvidence);

/** Tolerated clock skew for evidence signed "in the future". */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export function verifyEvidence(evidence: ReleaseEvidence, release: Release, policy: ReleasePolicySpec, now: Date): EvidenceVerdict {
  const name = evidence.metadata.name;
  const type = evidence.spec.type;
  const reject = (reason: string): EvidenceVerdict => ({ ok: false, name, type, reason: `evidence ${name} (${type}): ${reason}` });

  if (evidence.spec.release !== release.metadata.name) return reject(`is for release ${evidence.spec.release}, not ${release.metadata.name}`);

  const verified = verifyEnvelope(evidence.spec.envelope, keysTrustedFor(policy.signers, type));
  if (!verified.ok) {
    const anySigner = verifyEnvelope(evidence.spec.envelope, allKeys(policy.signers));
    if (anySigner.ok) return reject(`signed by ${anySigner.signer}, who is not trusted for ${type} evidence (spec.signers[].evidenceTypes)`);
    return reject(`signature invalid: ${verified.reason}`);
  }

  let json: unknown;
  try {
    json = JSON.parse(verified.payload.toString("utf8"));
  } catch {
    return reject("the signed payload is not JSON");
  }
  const statement = InTotoStatement.safeParse(json);
  if (!statement.success) return reject(`the signed payload is not an in-toto Statement v1: ${statement.error.issues[0]?.message ?? "invalid"}`);
  const { subject, predicateType, predicate } = statement.data;

  const declared = evidenceTypeOfPredicate(predicateType);
  if (declared !== type) return reject(`the statement's predicateType ${predicateType} is not that of ${type} evidence`);

  const expectedName = releaseSubjectName(release.spec);
  const releaseSubject = subject.find((s) => s.name.startsWith(RELEASE_SUBJECT_PREFIX));
  if (!releaseSubject) return reject("the statement names no release among its subjects");
  if (releaseSubject.name !== expectedName)
    return reject(`the statement is about ${releaseSubject.name.slice(RELEASE_SUBJECT_PREFIX.length)}, not ${expectedName.slice(RELEASE_SUBJECT_PREFIX.length)} (evidence from another release or version cannot be reused)`);
  const artifact = artifactDigest(release.spec);
  if (releaseSubject.digest.sha256 !== artifact)
    return reject(`the statement was signed for artifact sha256:${releaseSubject.digest.sha256}, but the release's artifact digest is sha256:${artifact}: its images or configuration changed since the evidence was signed; sign it again for this artifact`);
  if (PLAN_BOUND_TYPES.has(type)) {
    const plan = planDigest(release.spec);
    const planSubject = subject.find((s) => s.name.startsWith(PLAN_SUBJECT_PREFIX));
    if (!planSubject || planSubject.name !== planSubjectName(release.spec))
      return reject(`the approval names no plan digest (golive approvals sign the plan: workloads, strategy, rollback, architecture, capacity, flags, changes, monitoring): sign it again with golive approve for plan sha256:${plan}`);
    if (planSubject.digest.sha256 !== plan)
      return reject(`the approval was signed for plan sha256:${planSubject.digest.sha256}, but the release's plan digest is now sha256:${plan}: the plan changed after it was approved; the approvers must sign again for this plan (golive approve)`);
  }

  const parsed = EvidencePredicate.safeParse(predicate);
  if (!parsed.success) return reject(`the predicate is malformed: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  if (parsed.data.release.application !== release.spec.application || parsed.data.release.version !== release.spec.version)
    return reject("the predicate names another release than its subject");

  const issuedAt = new Date(parsed.data.issuedAt);
  if (issuedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) return reject(`issued in the future (${parsed.data.issuedAt})`);
  const maxAge = policy.evidenceMaxAge ? parseDuration(policy.evidenceMaxAge) : undefined;
  if (maxAge !== undefined && now.getTime() - issuedAt.getTime() > maxAge)
    return reject(`expired: issued ${parsed.data.issuedAt}, older than the policy's evidenceMaxAge of ${policy.evidenceMaxAge}; test again and sign new evidence`);

  return { ok: true, name, type, signer: verified.signer, issuedAt, predicate: parsed.data };
}
