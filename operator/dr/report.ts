// From this pass's per-target results to what the Release records: status.disasterRecovery (the
// state and since when, kept while the state holds), the DisasterRecoveryConsistent condition,
// and an Event whenever a target's state or differences change. Pure.
import type { ReleaseStatus } from "../../api/index.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";
import type { DrComparison } from "./compare.js";

export const DR_CONSISTENT = "DisasterRecoveryConsistent";
export type TargetStatus = NonNullable<ReleaseStatus["disasterRecovery"]>[number];
export type TargetResult = { target: string } & (DrComparison | { state: "Unreachable"; reason: string } | { state: "Unknown" });

const MAX = 20;

export interface DrReport {
  targets: TargetStatus[];
  condition: ConditionInput;
  events: PlannedEvent[];
}

export function reportTargets(previous: readonly TargetStatus[] | undefined, results: readonly TargetResult[], nowIso: string): DrReport {
  const targets: TargetStatus[] = [];
  const events: PlannedEvent[] = [];
  for (const r of results) {
    const old = previous?.find((p) => p.target === r.target);
    // Not read yet (the first read is in flight): keep what was known.
    if (r.state === "Unknown") {
      if (old) targets.push(old);
      continue;
    }
    const differences = r.state === "Drifted" ? r.differences.slice(0, MAX) : undefined;
    const reason = r.state === "Unreachable" ? r.reason.slice(0, 1024) : undefined;
    const same = old?.state === r.state;
    const next: TargetStatus = { target: r.target, state: r.state, since: same ? old.since : nowIso, checkedAt: nowIso, ...(differences ? { differences: differences.map((d) => d.slice(0, 1024)) } : {}), ...(reason ? { reason } : {}) };
    targets.push(next);
    const changed = !same || JSON.stringify(old?.differences ?? []) !== JSON.stringify(next.differences ?? []);
    if (!changed) continue;
    if (r.state === "InSync") events.push({ type: "Normal", reason: "DisasterRecoveryInSync", message: `DR target ${r.target} runs the sealed images and configuration` });
    else if (r.state === "Drifted") events.push({ type: "Warning", reason: "DisasterRecoveryDrifted", message: `DR target ${r.target} differs from the seal: ${next.differences!.join("; ")}` });
    else events.push({ type: "Warning", reason: "DisasterRecoveryUnreachable", message: `DR target ${r.target} is unreachable since ${next.since}: ${next.reason ?? ""}` });
  }
  return { targets, condition: consistency(targets, results.length), events };
}

export function consistency(targets: readonly TargetStatus[], expected: number): ConditionInput {
  const bad = targets.filter((t) => t.state !== "InSync");
  if (bad.length === 0 && targets.length === expected) return { type: DR_CONSISTENT, status: "True", reason: "InSync", message: `every DR target (${targets.map((t) => t.target).join(", ")}) runs the sealed version` };
  if (bad.length === 0) return { type: DR_CONSISTENT, status: "Unknown", reason: "NotCheckedYet", message: "the DR targets are being read" };
  const reason = bad.some((t) => t.state === "Drifted") ? "Drifted" : "Unreachable";
  const message = bad.map((t) => (t.state === "Drifted" ? `${t.target} Drifted since ${t.since}: ${(t.differences ?? []).join("; ")}` : `${t.target} Unreachable since ${t.since}: ${t.reason ?? ""}`)).join(" | ");
  return { type: DR_CONSISTENT, status: "False", reason, message: message.slice(0, 4000) };
}
