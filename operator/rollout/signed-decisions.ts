// Signed decisions by people during a rollout, read from verified ReleaseEvidence:
//   - promote: an Approval for the Promotion stage, in a role holding the Promote permission and
//     signed with a key bound to that role. It ends a pause (or an inconclusive analysis) when it
//     was signed after the pause began, or names the pause (`golive promote` does, so clock skew
//     between the signer's machine and the cluster does not matter);
//   - abort: an Approval whose predicate carries no stage but summary {decision: "Abort", role,
//     reason}, in a role holding the Abort permission, signed with a key bound to that role
//     (4.10 a). It carries no stage so no stage's approval gate can ever count it.
import type { Permission, ReleasePolicySpec } from "../../api/index.js";
import type { VerifiedEvidence } from "../../gates/evidence.js";

export interface SignedDecision {
  evidence: string;
  signer: string;
  role: string;
  issuedAt: Date;
  reason?: string | undefined;
}

/** Roles holding a permission whose keys include the signer. */
function rolesOf(policy: ReleasePolicySpec, signer: string, permission: Permission): string[] {
  return policy.roles.filter((r) => r.permissions.includes(permission) && (r.signers ?? []).includes(signer)).map((r) => r.name);
}

/** The name `golive promote` writes into an approval so it counts for exactly this pause. */
export function pauseId(step: string, since: string): string {
  return `${step}@${since}`;
}

export function findPromotion(policy: ReleasePolicySpec, verified: readonly VerifiedEvidence[], pause: { step: string; since: string }): SignedDecision | undefined {
  const since = Date.parse(pause.since);
  for (const e of [...verified].sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime())) {
    const approval = e.predicate.approval;
    if (e.type !== "Approval" || approval?.stage !== "Promotion") continue;
    if (!rolesOf(policy, e.signer, "Promote").includes(approval.role)) continue;
    const named = (e.predicate.summary as { pause?: unknown } | undefined)?.pause === pauseId(pause.step, pause.since);
    if (named || e.issuedAt.getTime() >= since) return { evidence: e.name, signer: e.signer, role: approval.role, issuedAt: e.issuedAt, reason: approval.comment };
  }
  return undefined;
}

export interface AbortSummary {
  decision: "Abort";
  role: string;
  reason?: string;
}

export function abortSummary(s: unknown): AbortSummary | undefined {
  const o = s as { decision?: unknown; role?: unknown; reason?: unknown } | undefined;
  if (o?.decision !== "Abort" || typeof o.role !== "string") return undefined;
  return { decision: "Abort", role: o.role, ...(typeof o.reason === "string" ? { reason: o.reason } : {}) };
}

export function findAbort(policy: ReleasePolicySpec, verified: readonly VerifiedEvidence[]): { abort?: SignedDecision; refused: string[] } {
  const refused: string[] = [];
  for (const e of [...verified].sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime())) {
    if (e.type !== "Approval" || e.predicate.approval) continue;
    const summary = abortSummary(e.predicate.summary);
    if (!summary) continue;
    if (!rolesOf(policy, e.signer, "Abort").includes(summary.role)) {
      refused.push(`${e.name}: signer ${e.signer} does not hold role ${summary.role} with the Abort permission`);
      continue;
    }
    return { abort: { evidence: e.name, signer: e.signer, role: summary.role, issuedAt: e.issuedAt, reason: summary.reason }, refused };
  }
  return { refused };
}
