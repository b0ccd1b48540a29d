// Approvals (4.2 b, 4.7 f): each role the stage requires has signed an Approval with a key bound
// to that role; with distinctSigners, one signer cannot fill two roles (separation of duties),
// decided by a bipartite matching of roles to signers.
import type { ApprovalStage } from "../../api/index.js";
import type { VerifiedEvidence } from "../evidence.js";
import { failed, passed, pending, type GateContext, type GateOutcome } from "../gate-context.js";

export interface ApprovalCheck {
  satisfied: boolean;
  reason: string;
  evidence: string[];
}

/** Who may fill each role: approvals for the stage naming the role, signed by a key bound to it. */
function candidates(ctx: Pick<GateContext, "policy">, approvals: readonly VerifiedEvidence[], stage: ApprovalStage, role: string): VerifiedEvidence[] {
  const keys = new Set(ctx.policy.roles.find((r) => r.name === role)?.signers ?? []);
  return approvals.filter((a) => a.predicate.approval?.stage === stage && a.predicate.approval.role === role && keys.has(a.signer));
}

/** Assign roles to distinct signers (augmenting paths; a handful of roles, so this is tiny). */
function matchDistinct(roles: string[], options: Map<string, VerifiedEvidence[]>): Map<string, VerifiedEvidence> | undefined {
  const bySigner = new Map<string, string>();
  const chosen = new Map<string, VerifiedEvidence>();
  const tryAssign = (role: string, seen: Set<string>): boolean => {
    for (const ev of options.get(role) ?? []) {
      if (seen.has(ev.signer)) continue;
      seen.add(ev.signer);
      const holder = bySigner.get(ev.signer);
      if (holder === undefined || tryAssign(holder, seen)) {
        bySigner.set(ev.signer, role);
        chosen.set(role, ev);
        return true;
      }
    }
    return false;
  };
  for (const role of roles) if (!tryAssign(role, new Set())) return undefined;
  return chosen;
}

export function checkApprovals(ctx: Pick<GateContext, "policy" | "verified" | "rejected">, stage: ApprovalStage): ApprovalCheck {
  const requirement = ctx.policy.approvals.find((a) => a.stage === stage);
  if (!requirement) return { satisfied: true, reason: `the policy requires no ${stage} approval`, evidence: [] };
  const approvals = ctx.verified.filter((e) => e.type === "Approval");
  const options = new Map(requirement.roles.map((role) => [role, candidates(ctx, approvals, stage, role)]));
  const missing = requirement.roles.filter((r) => (options.get(r) ?? []).length === 0);
  if (missing.length) {
    // A rejected approval (forged, wrong key) is a failure to look at, not something to wait for.
    const rejected = ctx.rejected.filter((r) => r.type === "Approval");
    if (rejected.length) return { satisfied: false, reason: `no valid ${stage} approval by ${missing.join(", ")}; rejected: ${rejected.map((r) => r.reason).join("; ")}`, evidence: rejected.map((r) => r.name) };
    return { satisfied: false, reason: `waiting for ${stage} approval by ${missing.join(", ")} (\`golive approve --role ROLE\` with a key bound to the role)`, evidence: [] };
  }
  if (requirement.distinctSigners) {
    const matched = matchDistinct(requirement.roles, options);
    if (!matched) return { satisfied: false, reason: `${stage} approvals do not come from ${requirement.roles.length} different signers: one signer cannot fill two roles (${requirement.roles.join(", ")})`, evidence: [] };
    const used = requirement.roles.map((r) => matched.get(r)!);
    return { satisfied: true, reason: `${stage} approved by ${used.map((e) => `${e.predicate.approval!.role} (${e.signer})`).join(", ")}`, evidence: used.map((e) => e.name) };
  }
  const used = requirement.roles.map((r) => options.get(r)![0]!);
  return { satisfied: true, reason: `${stage} approved by ${used.map((e) => `${e.predicate.approval!.role} (${e.signer})`).join(", ")}`, evidence: used.map((e) => e.name) };
}

export function evaluateApprovals(ctx: GateContext): GateOutcome {
  const check = checkApprovals(ctx, ctx.gate.approvals!.stage);
  if (check.satisfied) return passed(check.reason, check.evidence);
  return check.reason.startsWith("waiting") ? pending(check.reason) : failed(check.reason);
}

