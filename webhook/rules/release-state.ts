// Is the Release in a state that admits its workloads (4.1 d)? Approved or later, every
// required gate Passed and the images sealed — as the operator wrote it in status, for the
// Release's current generation.
import { FROZEN_PHASES, type GateResult, type Phase, type Release } from "../../api/index.js";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import { clip } from "../object.js";

export const ADMITTING_PHASES: ReadonlySet<Phase> = new Set(["Approved", "Verifying", "CleaningUp", "Progressing", "Released"]);
/** Phases reached only after approval: the whole spec is frozen in all of them. */
export const SEALED_PHASES: ReadonlySet<Phase> = new Set(FROZEN_PHASES);

export function checkReleaseState(release: Release, policy: CompiledPolicy, f: Findings): void {
  const name = release.metadata.name;
  const ns = release.metadata.namespace ?? "";
  const status = release.status;
  const see = `kubectl get release ${name} -n ${ns}`;
  if (!status?.phase) {
    f.deny(`Release ${name} has not been evaluated by the golive operator yet: wait until its phase is Approved (${see})`);
    return;
  }
  const phase = status.phase;
  if (phase === "RollingBack" || phase === "RolledBack" || phase === "Failed") {
    f.deny(`Release ${name} is ${phase}: its workloads cannot be admitted any more; roll forward with a new Release (a new version)`);
    return;
  }
  if (!ADMITTING_PHASES.has(phase)) {
    // The per-gate lines below carry each gate's reason; the release's message (which names the
    // first of them) is added only when no gate explains it (a seal, a missing policy).
    const explained = unpassedGates(release, policy).length > 0;
    f.deny(`Release ${name} is ${phase}, not Approved${status.message && !explained ? `: ${clip(status.message, 300)}` : ""}`);
    checkRequiredGates(release, policy, f);
    return;
  }
  const generation = release.metadata.generation;
  if (generation !== undefined && status.observedGeneration !== generation) {
    f.deny(`Release ${name} changed (generation ${generation}) after the operator evaluated it (generation ${status.observedGeneration ?? "none"}): wait for the operator to evaluate it again (${see})`);
  }
  for (const type of ["GatesPassed", "Sealed"] as const) {
    const c = status.conditions?.find((x) => x.type === type);
    if (!c) f.deny(`Release ${name} has no ${type} condition: wait for the operator to evaluate it (${see})`);
    else if (c.status !== "True") f.deny(`Release ${name} condition ${type} is ${c.status}${c.message ? `: ${clip(c.message, 300)}` : ""}`);
    else if (generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration !== generation)
      f.deny(`Release ${name} condition ${type} is for generation ${c.observedGeneration}, not the current ${generation}: wait for the operator to evaluate it again`);
  }
  checkRequiredGates(release, policy, f);
}

/** The policy's GoLive gates without a Passed result in the Release's status, with the result if any. */
function unpassedGates(release: Release, policy: CompiledPolicy): { gate: string; result: GateResult | undefined }[] {
  const gates = release.status?.gates ?? [];
  return policy.requiredGates.map((gate) => ({ gate, result: gates.find((g) => g.name === gate) })).filter((g) => g.result?.status !== "Passed");
}

/** Every GoLive gate of the policy has a Passed result in the Release's status. */
function checkRequiredGates(release: Release, policy: CompiledPolicy, f: Findings): void {
  const name = release.metadata.name;
  for (const { gate, result } of unpassedGates(release, policy)) {
    if (!result) f.deny(`gate ${gate} (ReleasePolicy ${policy.name}) has no result in Release ${name}'s status: wait for the operator to evaluate it (kubectl get release ${name} -n ${release.metadata.namespace ?? ""})`);
    else f.deny(`gate ${gate} is ${result.status}: ${clip(result.reason, 300)}: provide or fix its evidence (golive gates --release ${name})`);
  }
}
