// Conditions in the kstatus convention (what Flux, Argo CD and kubectl wait read): Ready when the
// release may go live, Reconciling while golive is still working it out, Stalled when it cannot
// progress without a person (a gate failed, evidence missing). lastTransitionTime changes only
// when a condition's status changes, so status does not churn on every pass.
import type { Condition, Phase } from "../../api/index.js";

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

export function setConditions(previous: readonly Condition[] | undefined, next: ConditionInput[], generation: number, now: Date): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : now.toISOString();
    return { ...c, observedGeneration: generation, lastTransitionTime };
  });
}

const READY_PHASES: readonly Phase[] = ["Approved", "Verifying", "CleaningUp", "Progressing", "Released"];
const STALLED_PHASES: readonly Phase[] = ["Blocked", "Failed", "RolledBack"];

export function lifecycleConditions(phase: Phase, message: string): ConditionInput[] {
  const ready = READY_PHASES.includes(phase);
  const stalled = STALLED_PHASES.includes(phase);
  return [
    { type: "Ready", status: ready ? "True" : "False", reason: phase, message },
    { type: "Reconciling", status: !ready && !stalled ? "True" : "False", reason: phase, message: !ready && !stalled ? message : "" },
    { type: "Stalled", status: stalled ? "True" : "False", reason: phase, message: stalled ? message : "" },
  ];
}

/**
 * A rollout phase that has not been able to act for its whole progress deadline: whatever the
 * phase, Ready=False and Stalled=True with the reason, so kstatus and Flux read Failed and Argo CD
 * Degraded instead of a canary under way.
 */
export function stalledConditions(reason: string, message: string): ConditionInput[] {
  return [
    { type: "Ready", status: "False", reason, message },
    { type: "Reconciling", status: "False", reason, message: "" },
    { type: "Stalled", status: "True", reason, message },
  ];
}
