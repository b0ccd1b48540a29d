// Verifying one ReleaseEvidence against a Release and its ReleasePolicy: signature by a signer
// trusted for that evidence type, a statement about exactly this release's sealed content,
// a well-formed predicate, and an age the policy accepts. Pure; the clock is injected.
import { evidenceTypeOfPredicate, parseDuration, type EvidenceType, type Release, type ReleasePolicySpec } from "../api/index.js";
import { NO_TRUSTED_KEY, noTrustedSignature, verifyEnvelope, type TrustedKey } from "./dsse.js";
import { isOpened, openedSigner, openStatement, type EvidenceObject, type OpenedStatement } from "./opened-evidence.js";
import { artifactDigest, type EvidencePredicate, PLAN_BOUND_TYPES, planDigest, planSubjectName, releaseSubjectName, RELEASE_SUBJECT_PREFIX } from "./statement.js";
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

/** What a pass computes once for every evidence object of a release. */
export interface ReleaseDigests {
  artifact: string;
  plan: string;
}

export function releaseDigests(release: Release): ReleaseDigests {
  return { artifact: artifactDigest(release.spec), plan: planDigest(release.spec) };
}

type SignatureCheck = { ok: true; signer: string; statement: () => OpenedStatement } | { ok: false; reason: string };

/** Which trusted key signed the evidence, from the envelope itself or from what its opening recorded. */
function checkSignature(evidence: EvidenceObject, trusted: readonly TrustedKey[]): SignatureCheck {
  if (!isOpened(evidence) || evidence.opened.envelope) {
    const envelope = isOpened(evidence) ? evidence.opened.envelope! : evidence.spec.envelope;
    const v = verifyEnvelope(envelope, trusted);
    if (!v.ok) return v;
    const opened = isOpened(evidence) ? evidence.opened.payload : undefined;
    return { ok: true, signer: v.signer, statement: () => (opened?.ok ? opened.statement : openStatement(v.payload)) };
  }
  const { payload } = evidence.opened;
  if (!payload.ok) return payload;
  if (trusted.length === 0) return { ok: false, reason: NO_TRUSTED_KEY };
  const signer = openedSigner(evidence.opened, trusted);
  return signer === undefined ? { ok: false, reason: noTrustedSignature(trusted) } : { ok: true, signer, statement: () => payload.statement };
}

export function verifyEvidence(evidence: EvidenceObject, release: Release, policy: ReleasePolicySpec, now: Date, digests: ReleaseDigests = releaseDigests(release)): EvidenceVerdict {
  const name = evidence.metadata.name;
  const type = evidence.spec.type;
  const reject = (reason: string): EvidenceVerdict => ({ ok: false, name, type, reason: `evidence ${name} (${type}): ${reason}` });

  if (evidence.spec.release !== release.metadata.name) return reject(`is for release ${evidence.spec.release}, not ${release.metadata.name}`);

  const verified = checkSignature(evidence, keysTrustedFor(policy.signers, type));
  if (!verified.ok) {
    const anySigner = checkSignature(evidence, allKeys(policy.signers));
    if (anySigner.ok) return reject(`signed by ${anySigner.signer}, who is not trusted for ${type} evidence (spec.signers[].evidenceTypes)`);
    return reject(`signature invalid: ${verified.reason}`);
  }

  const statement = verified.statement();
  if (!statement.ok) return reject(statement.reason);
  const { predicateType, predicate } = statement;

  const declared = evidenceTypeOfPredicate(predicateType);
  if (declared !== type) return reject(`the statement's predicateType ${predicateType} is not that of ${type} evidence`);

  const expectedName = releaseSubjectName(release.spec);
  const releaseSubject = statement.release;
  if (!releaseSubject) return reject("the statement names no release among its subjects");
  if (releaseSubject.name !== expectedName)
    return reject(`the statement is about ${releaseSubject.name.slice(RELEASE_SUBJECT_PREFIX.length)}, not ${expectedName.slice(RELEASE_SUBJECT_PREFIX.length)} (evidence from another release or version cannot be reused)`);
  const artifact = digests.artifact;
  if (releaseSubject.sha256 !== artifact)
    return reject(`the statement was signed for artifact sha256:${releaseSubject.sha256}, but the release's artifact digest is sha256:${artifact}: its images or configuration changed since the evidence was signed; sign it again for this artifact`);
  if (PLAN_BOUND_TYPES.has(type)) {
    const plan = digests.plan;
    const planSubject = statement.plan;
    if (!planSubject || planSubject.name !== planSubjectName(release.spec))
      return reject(`the approval names no plan digest (golive approvals sign the plan: workloads, strategy, rollback, architecture, capacity, flags, changes, monitoring): sign it again with golive approve for plan sha256:${plan}`);
    if (planSubject.sha256 !== plan)
      return reject(`the approval was signed for plan sha256:${planSubject.sha256}, but the release's plan digest is now sha256:${plan}: the plan changed after it was approved; the approvers must sign again for this plan (golive approve)`);
  }

  if (!predicate.ok) return reject(predicate.reason);
  const parsed = predicate.value;
  if (parsed.release.application !== release.spec.application || parsed.release.version !== release.spec.version)
    return reject("the predicate names another release than its subject");

  const issuedAt = new Date(parsed.issuedAt);
  if (issuedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) return reject(`issued in the future (${parsed.issuedAt})`);
  const maxAge = policy.evidenceMaxAge ? parseDuration(policy.evidenceMaxAge) : undefined;
  if (maxAge !== undefined && now.getTime() - issuedAt.getTime() > maxAge)
    return reject(`expired: issued ${parsed.issuedAt}, older than the policy's evidenceMaxAge of ${policy.evidenceMaxAge}; test again and sign new evidence`);

  return { ok: true, name, type, signer: verified.signer, issuedAt, predicate: parsed };
}
