// evaluateGates: verify every ReleaseEvidence for a release, then run each gate of the policy.
// Pure: the same inputs and clock always give the same results.
import { gateKind, type Gate, type GateKind, type GatePhase, type GateResult, type Release, type ReleasePolicySpec } from "../api/index.js";
import { releaseDigests, verifyEvidence, type RejectedEvidence, type VerifiedEvidence } from "./evidence.js";
import type { EvidenceObject } from "./opened-evidence.js";
import type { GateContext, GateOutcome } from "./gate-context.js";
import { evaluateApprovals } from "./evaluators/approvals.js";
import { evaluateBaseline } from "./evaluators/baseline.js";
import { evaluateChangeWindowGate } from "./evaluators/change-window-gate.js";
import { evaluateDefects } from "./evaluators/defects.js";
import { evaluateDocuments } from "./evaluators/documents.js";
import { evaluateDrDrill } from "./evaluators/dr-drill.js";
import { evaluatePerformance } from "./evaluators/performance.js";
import { evaluateReviews } from "./evaluators/reviews.js";
import { evaluateSecurity } from "./evaluators/security.js";
import { evaluateTests } from "./evaluators/tests.js";

const EVALUATORS: Record<GateKind, (ctx: GateContext) => GateOutcome> = {
  tests: evaluateTests,
  defects: evaluateDefects,
  performance: evaluatePerformance,
  security: evaluateSecurity,
  documents: evaluateDocuments,
  approvals: evaluateApprovals,
  changeWindow: evaluateChangeWindowGate,
  configurationBaseline: evaluateBaseline,
  drDrill: evaluateDrDrill,
  reviews: evaluateReviews,
};

export interface GateEvaluation {
  results: GateResult[];
  verified: VerifiedEvidence[];
  rejected: RejectedEvidence[];
  allPassed: boolean;
}

export function verifyAll(evidence: readonly EvidenceObject[], release: Release, policy: ReleasePolicySpec, now: Date) {
  const verified: VerifiedEvidence[] = [];
  const rejected: RejectedEvidence[] = [];
  const digests = releaseDigests(release);
  for (const e of evidence) {
    if (e.spec.release !== release.metadata.name) continue;
    const v = verifyEvidence(e, release, policy, now, digests);
    if (v.ok) verified.push({ name: v.name, type: v.type, signer: v.signer, issuedAt: v.issuedAt, predicate: v.predicate });
    else rejected.push({ name: v.name, type: v.type, reason: v.reason });
  }
  return { verified, rejected };
}

export function evaluateGate(gate: Gate, base: Omit<GateContext, "gate">): GateResult {
  const outcome = EVALUATORS[gateKind(gate)]({ ...base, gate });
  // The verified signer of each evidence used, so readers of the status (the console) need not
  // verify signatures against keys they may not read.
  const signers = (outcome.evidence ?? []).flatMap((name) => base.verified.filter((v) => v.name === name).map((v) => ({ evidence: name, signer: v.signer })));
  return { name: gate.name, clause: gate.clause, ...outcome, ...(signers.length ? { signers } : {}), evaluatedAt: base.now.toISOString() };
}

/** The gates guarding one lifecycle point; GoLive gates decide admission. */
export function gatesFor(policy: ReleasePolicySpec, phase: GatePhase): Gate[] {
  return policy.gates.filter((g) => g.phase === phase);
}

export function evaluateGates(release: Release, policy: ReleasePolicySpec, evidence: readonly EvidenceObject[], now: Date, gates: readonly Gate[] = gatesFor(policy, "GoLive")): GateEvaluation {
  const { verified, rejected } = verifyAll(evidence, release, policy, now);
  const results = gates.map((gate) => evaluateGate(gate, { release, policy, verified, rejected, now }));
  // The batch-test gate binds only high-risk batch Jobs (checked at admission), not every release.
  const binding = results.filter((r) => r.name !== policy.batch.gate);
  return { results, verified, rejected, allPassed: binding.every((r) => r.status === "Passed") };
}
