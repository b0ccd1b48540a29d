// Whether a release that is otherwise ready may become Released, as far as its DR targets go
// (4.3 g: the DR environment runs the same version). The policy decides: wait until every target
// is InSync or only warn (releasedWaitsForConsistency; unset means wait at level 3 and above). A
// wait has a deadline (disasterRecovery.deadlineSeconds) counted from the first pass that held
// Released (status.disasterRecoveryHold.since); past it the release says Stalled with the
// targets and what differs, and keeps waiting: it goes Released by itself once the DR site is put
// right. Pure: the target states are what the DR pass last recorded in status (operator/dr/check.ts).
// The rollout planner calls it on every path to Released (operator/rollout/plan.ts drConsistent).
import type { ReleasePolicySpec, ReleaseStatus } from "../../api/index.js";
import type { TargetStatus } from "./report.js";

export const DR_DEADLINE_EXCEEDED = "DisasterRecoveryDeadlineExceeded";
export const RELEASED_DR_INCONSISTENT = "ReleasedWithDisasterRecoveryInconsistent";
/** Where the hold is kept between passes: status.disasterRecoveryHold. */
export type DrHold = NonNullable<ReleaseStatus["disasterRecoveryHold"]>;

/** How often a held release looks again: the DR pass records new target states every resync (30 s by default). */
const RECHECK_MS = 5_000;

export type DrDecision =
  /** warning: the targets are not consistent but the policy only warns (say so in a Warning Event). */
  | { decision: "proceed"; warning?: string }
  | { decision: "wait"; hold: DrHold; message: string; recheckMs: number }
  /** firstTime: this pass crossed the deadline (record the Warning Event once). */
  | { decision: "stall"; hold: DrHold; message: string; recheckMs: number; firstTime: boolean };

/** The policy's choice, with the level default: unset waits at protection level 3 and above. */
export function waitsForConsistency(policy: Pick<ReleasePolicySpec, "protectionLevel" | "disasterRecovery">): boolean {
  return policy.disasterRecovery?.releasedWaitsForConsistency ?? policy.protectionLevel >= 3;
}

export interface DrDecisionInput {
  policy: Pick<ReleasePolicySpec, "protectionLevel" | "disasterRecovery"> | undefined;
  /** status.disasterRecovery as last recorded. */
  targets: readonly TargetStatus[] | undefined;
  /** status.disasterRecoveryHold as last recorded. */
  hold: DrHold | undefined;
  now: Date;
}

export function beforeReleased({ policy, targets, hold, now }: DrDecisionInput): DrDecision {
  const rules = policy?.disasterRecovery;
  if (!policy || !rules) return { decision: "proceed" };
  const pending = rules.targets.flatMap((t) => {
    const s = targets?.find((x) => x.target === t.name);
    return s?.state === "InSync" ? [] : [describe(t.name, s)];
  });
  if (pending.length === 0) return { decision: "proceed" };
  const what = pending.join("; ");
  if (!waitsForConsistency(policy)) return { decision: "proceed", warning: `Released although the DR targets are not consistent (the policy only warns: disasterRecovery.releasedWaitsForConsistency is off): ${what}`.slice(0, 4096) };
  const since = hold?.since ?? now.toISOString();
  const due = Date.parse(since) + rules.deadlineSeconds * 1000;
  if (now.getTime() < due) {
    const message = `waiting for DR consistency before Released (4.3 g): ${what}; Stalled at ${new Date(due).toISOString()} if a target is still not InSync`;
    return { decision: "wait", hold: { since }, message: message.slice(0, 4096), recheckMs: Math.min(RECHECK_MS, due - now.getTime() + 1) };
  }
  const message = `Released held since ${since}: the DR targets were not InSync within disasterRecovery.deadlineSeconds (${rules.deadlineSeconds} s): ${what}. Put the DR site on the sealed version (golive dr status shows what differs); the release goes Released once every target is InSync`;
  return { decision: "stall", hold: { since, stalledAt: hold?.stalledAt ?? now.toISOString() }, message: message.slice(0, 4096), recheckMs: RECHECK_MS, firstTime: !hold?.stalledAt };
}

function describe(name: string, s: TargetStatus | undefined): string {
  if (!s) return `${name} not read yet`;
  if (s.state === "Drifted") return `${name} Drifted since ${s.since}${s.differences?.length ? `: ${s.differences.join(", ")}` : ""}`;
  return `${name} Unreachable since ${s.since}${s.reason ? ` (${s.reason})` : ""}`;
}
