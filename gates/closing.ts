// The Closing gates (JR/T 0179 4.3 l): the sign-off at the end of the go-live, evaluated once the
// release is Released. Closing approvals count only when signed after Released (a sign-off given
// before the go-live was seen is no sign-off of it) and by a key bound to the role they name; the
// others are refused, each with why, so the release can say it rather than wait in silence.
// Pure: the operator (operator/closing) and the report (report/model.ts) both use it.
import type { GateResult, Release, ReleasePolicySpec } from "../api/index.js";
import type { EvidenceObject } from "./opened-evidence.js";
import { evaluateGate, gatesFor, verifyAll } from "./evaluate.js";
import type { RejectedEvidence, VerifiedEvidence } from "./evidence.js";

export interface ClosingEvaluation {
  results: GateResult[];
  /** Closing approvals that verified but cannot count, each with why. */
  refused: RejectedEvidence[];
  /** Approvals that did not verify at all (signature, trust, plan digest). */
  rejected: RejectedEvidence[];
  /** The evidence the Closing gates counted. */
  verified: VerifiedEvidence[];
}

const EARLY = "before the release was Released";

/** The Closing-stage approvals that cannot count, each with why: signed before Released, or by a key not bound to the role named. */
export function refusedClosingApprovals(policy: ReleasePolicySpec, verified: readonly VerifiedEvidence[], releasedAt: Date): RejectedEvidence[] {
  const refused: RejectedEvidence[] = [];
  for (const v of verified) {
    const a = v.predicate.approval;
    if (v.type !== "Approval" || a?.stage !== "Closing") continue;
    const role = policy.roles.find((r) => r.name === a.role);
    const why =
      v.issuedAt.getTime() < releasedAt.getTime()
        ? `signed at ${v.issuedAt.toISOString()}, ${EARLY} at ${releasedAt.toISOString()}: a closing sign-off follows the go-live; sign it again now`
        : !role
          ? `names role ${a.role}, which the policy does not have (roles: ${policy.roles.map((r) => r.name).join(", ") || "none"})`
          : !(role.signers ?? []).includes(v.signer)
            ? `names role ${a.role}, but is signed by ${v.signer}, whose key is not bound to that role (its signers: ${(role.signers ?? []).join(", ") || "none"})`
            : undefined;
    if (why) refused.push({ name: v.name, type: v.type, reason: `evidence ${v.name} (Approval, Closing stage) refused: ${why}` });
  }
  return refused;
}

export function evaluateClosingGates(release: Release, policy: ReleasePolicySpec, evidence: readonly EvidenceObject[], now: Date, releasedAt: Date): ClosingEvaluation {
  const all = verifyAll(evidence, release, policy, now);
  const refused = refusedClosingApprovals(policy, all.verified, releasedAt);
  const early = new Set(refused.filter((r) => r.reason.includes(EARLY)).map((r) => r.name));
  const verified = all.verified.filter((v) => !early.has(v.name));
  const results = gatesFor(policy, "Closing").map((gate) => evaluateGate(gate, { release, policy, verified, rejected: all.rejected, now }));
  return { results, refused, rejected: all.rejected.filter((r) => r.type === "Approval"), verified };
}

/** Roles of the Closing approval requirement that no counted approval fills yet. */
export function awaitedClosingRoles(policy: ReleasePolicySpec, verified: readonly VerifiedEvidence[]): string[] {
  const requirement = policy.approvals.find((a) => a.stage === "Closing");
  if (!requirement) return [];
  return requirement.roles.filter((role) => {
    const signers = policy.roles.find((r) => r.name === role)?.signers ?? [];
    return !verified.some((v) => v.type === "Approval" && v.predicate.approval?.stage === "Closing" && v.predicate.approval.role === role && signers.includes(v.signer));
  });
}
