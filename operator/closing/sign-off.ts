// The sign-off at the end of the go-live (JR/T 0179 4.3 l). Once a release is Released, the
// policy's Closing gates (typically an approvals gate for the Closing stage, signed by the role the
// policy names; gates/closing.ts) decide whether the go-live is complete. The answer is a condition
// on the Released release, SignedOff, and not a phase of its own: Released keeps meaning "serving
// all traffic" for kstatus, Argo CD, Flux and the webhook, and a missing sign-off never blocks a
// running workload (admission reads only GoLive gates). Until it arrives the release says whom it
// waits for. Pure: the reconcile passes the planned status, the policy, the evidence and the clock.
import type { EvidenceObject } from "../../gates/opened-evidence.js";
import type { Condition, Release, ReleasePolicySpec, ReleaseStatus } from "../../api/index.js";
import { gatesFor } from "../../gates/evaluate.js";
import { awaitedClosingRoles, evaluateClosingGates } from "../../gates/closing.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";

export const SIGNED_OFF = "SignedOff";
export const AWAITING = "AwaitingClosingSignOff";
export const REFUSED = "ClosingSignOffRefused";

export interface ClosingInput {
  release: Release;
  /** The status this pass is about to write (the release's phase is read from it). */
  status: ReleaseStatus;
  policy: ReleasePolicySpec | undefined;
  evidence: readonly EvidenceObject[];
  now: Date;
}

export interface ClosingPass {
  /** The SignedOff condition; undefined when the release is not Released or the policy asks for no sign-off. */
  condition?: ConditionInput;
  /** What the release says while Released (status.message), when a sign-off is due. */
  message?: string;
  events: PlannedEvent[];
}

/** Whether a release's status records the closing sign-off. */
export function signedOff(status: ReleaseStatus | undefined): boolean {
  return status?.conditions?.some((c) => c.type === SIGNED_OFF && c.status === "True") ?? false;
}

export function closingSignOff(i: ClosingInput): ClosingPass {
  const { status, policy } = i;
  if (status.phase !== "Released" || !policy || gatesFor(policy, "Closing").length === 0) return { events: [] };
  const previous = i.release.status?.conditions?.find((c) => c.type === SIGNED_OFF);
  // A sign-off given is a fact of the release's history: later evidence does not take it back.
  if (previous?.status === "True") return { condition: strip(previous), message: `Released and signed off (4.3 l): ${previous.message}`, events: [] };

  const releasedAt = new Date(status.releasedAt ?? i.now.toISOString());
  const e = evaluateClosingGates(i.release, policy, i.evidence, i.now, releasedAt);
  const notPassed = e.results.filter((r) => r.status !== "Passed");
  if (notPassed.length === 0) {
    const message = e.results.map((r) => `${r.name}: ${r.reason}`).join("; ");
    return {
      condition: { type: SIGNED_OFF, status: "True", reason: SIGNED_OFF, message },
      message: `Released and signed off (4.3 l): ${message}`,
      events: [{ type: "Normal", reason: SIGNED_OFF, message: `the go-live of ${i.release.spec.application} ${i.release.spec.version} is signed off (4.3 l): ${message}` }],
    };
  }

  const roles = awaitedClosingRoles(policy, e.verified);
  const who = roles.length ? ` by ${roles.map((r) => `role ${r}`).join(", ")}` : "";
  const how = roles.length ? ` (golive approve --release ${i.release.metadata.name} --stage Closing --role ${roles[0]} --key KEY --apply, with a key bound to the role)` : "";
  const refusedAll = [...e.rejected, ...e.refused];
  const refusals = refusedAll.map((r) => r.reason).join("; ");
  // Approval gates' own reasons repeat the roles and refusals said above; other gates say theirs.
  const gateReasons = notPassed.filter((r) => !/^(waiting for|no valid) Closing approval/.test(r.reason)).map((r) => `${r.name} ${r.status}: ${r.reason}`);
  const message = `waiting for the closing sign-off (4.3 l)${who}${how}${gateReasons.length ? `; ${gateReasons.join("; ")}` : ""}${refusals ? `; refused: ${refusals}` : ""}`;
  const reason = refusedAll.length > 0 || notPassed.some((r) => r.status === "Failed") ? REFUSED : AWAITING;
  const events: PlannedEvent[] = [];
  // One Warning per new refusal (the message changes), not one per pass.
  if (reason === REFUSED && (previous?.reason !== REFUSED || previous.message !== message)) events.push({ type: "Warning", reason: REFUSED, message: `closing sign-off of ${i.release.metadata.name} not given: ${refusals || gateReasons.join("; ")}` });
  return { condition: { type: SIGNED_OFF, status: "False", reason, message }, message: `Released; ${message}`, events };
}

function strip(c: Condition): ConditionInput {
  return { type: c.type, status: c.status, reason: c.reason, message: c.message };
}
