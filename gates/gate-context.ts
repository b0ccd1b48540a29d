// What every gate evaluator receives and returns. Evaluators are pure: the clock is `now`.
import type { EvidenceType, Gate, GateResult, Release, ReleasePolicySpec } from "../api/index.js";
import type { RejectedEvidence, VerifiedEvidence } from "./evidence.js";

export interface GateContext {
  gate: Gate;
  release: Release;
  policy: ReleasePolicySpec;
  verified: readonly VerifiedEvidence[];
  rejected: readonly RejectedEvidence[];
  now: Date;
}

export type GateOutcome = Pick<GateResult, "status" | "reason" | "evidence">;

export const passed = (reason: string, evidence: string[] = []): GateOutcome => ({ status: "Passed", reason, evidence });
export const failed = (reason: string, evidence: string[] = []): GateOutcome => ({ status: "Failed", reason, evidence });
export const pending = (reason: string, evidence: string[] = []): GateOutcome => ({ status: "Pending", reason, evidence });

/** Valid evidence of a type, newest first. */
export function evidenceOf(ctx: GateContext, type: EvidenceType): VerifiedEvidence[] {
  return ctx.verified.filter((e) => e.type === type).sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime());
}

/**
 * The newest valid evidence of a type; when there is none, the outcome to report: Failed when
 * evidence of that type was supplied but rejected (naming why), Pending when none was supplied.
 */
export function latestOrOutcome(ctx: GateContext, type: EvidenceType): { evidence: VerifiedEvidence } | { outcome: GateOutcome } {
  const newest = evidenceOf(ctx, type)[0];
  if (newest) return { evidence: newest };
  const rejected = ctx.rejected.filter((r) => r.type === type);
  if (rejected.length > 0) return { outcome: failed(rejected.map((r) => r.reason).join("; "), rejected.map((r) => r.name)) };
  return { outcome: pending(`waiting for ${type} evidence: create it with \`golive evidence create --type ${type}\``) };
}
