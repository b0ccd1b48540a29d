// The kinds of evidence a release can carry, after JR/T 0179 clause 4.5 (documents under
// configuration management) and the gates of clauses 6, 7 and 8. Each has its own in-toto
// predicateType so a signer can be trusted for some types and not others.
import { z } from "zod";

export const EVIDENCE_TYPES = [
  "UnitTestReport", // 7.1.1
  "IntegrationTestReport", // 7.1.2 b
  "FunctionalTestReport", // 7.1.2 a
  "NonFunctionalTestReport", // 7.1.8
  "PerformanceTestReport", // 6.1.3, 7.1.2 c
  "SecurityScan", // 8.6 (SAST, DAST, configuration check)
  "PenetrationTestReport", // 8.6 (internet-facing)
  "DefectList", // 4.3 b, 7.3
  "ConfigurationBaseline", // 4.4 a (SBOM)
  "BatchTestReport", // 7.1.9
  "VerificationReport", // 4.7 c,d,e
  "SLA", // 4.5
  "OperationsManual", // 4.5
  "UserManual", // 4.5
  "RolloutPlan", // 4.5
  "RollbackPlan", // 4.3 f
  "RollbackTestReport", // 4.5
  "TrainingPlan", // 4.5
  "RiskAssessment", // 4.3 k
  "ChangeList", // 4.2 d
  "AuthorizationProof", // 4.5
  "DRDrillReport", // 9.2 c,d (JSON form: drill date, declared and achieved RTO/RPO)
  "TestReviewRecord", // 7.2.1
  "ReleaseReviewRecord", // 7.2.2
  "DDoSProtection", // 8.7 a: anti-DDoS and intrusion detection in place
  "ApplicationFirewall", // 8.7 b: application-layer protection (WAF)
  "AntivirusProtection", // 8.7 c: antivirus and threat detection in place
  "Approval", // 4.2 b, 4.7 f
  "Waiver", // 8.6: an accepted security finding
  "Acceptance", // 4.3 b, 7.1.2 a, 7.3: the business owner accepts deferred defects and known test failures
] as const;

export const EvidenceType = z
  .enum(EVIDENCE_TYPES)
  .describe(
    "The kind of evidence: a test report (UnitTestReport, IntegrationTestReport, FunctionalTestReport, NonFunctionalTestReport, PerformanceTestReport, BatchTestReport, VerificationReport), a security result (SecurityScan, PenetrationTestReport, Waiver), a DefectList, a ConfigurationBaseline (SBOM), a document (SLA, OperationsManual, UserManual, RolloutPlan, RollbackPlan, RollbackTestReport, TrainingPlan, RiskAssessment, ChangeList, AuthorizationProof, DRDrillReport), a review record (TestReviewRecord, ReleaseReviewRecord), proof of security protection (DDoSProtection, ApplicationFirewall, AntivirusProtection), an Approval, or an Acceptance (the business owner's signed acceptance of deferred defects and known test failures).",
  );
export type EvidenceType = z.infer<typeof EvidenceType>;

export const PREDICATE_TYPE_PREFIX = "https://golive.dev/evidence/";

/** The in-toto predicateType of an evidence type, e.g. https://golive.dev/evidence/SecurityScan/v1. */
export function predicateTypeOf(type: EvidenceType): string {
  return `${PREDICATE_TYPE_PREFIX}${type}/v1`;
}

/** The evidence type named by a predicateType, or undefined when it is not one of ours. */
export function evidenceTypeOfPredicate(predicateType: string): EvidenceType | undefined {
  const m = /^https:\/\/golive\.dev\/evidence\/([A-Za-z]+)\/v1$/.exec(predicateType);
  const name = m?.[1];
  return (EVIDENCE_TYPES as readonly string[]).includes(name ?? "") ? (name as EvidenceType) : undefined;
}
