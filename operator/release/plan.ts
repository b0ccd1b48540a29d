// planRelease: the pure heart of the Release reconcile. From what was observed (the release,
// its policy, its evidence, seal verdicts, the clock) it computes the next status, the
// transition (if any), the Events to emit and when to look again. No I/O.
import type { EvidenceObject } from "../../gates/opened-evidence.js";
import { parseDuration, type Condition, type GateResult, type Phase, type Release, type ReleasePolicy, type ReleaseStatus } from "../../api/index.js";
import { evaluateGates } from "../../gates/evaluate.js";
import { artifactDigest, planDigest } from "../../gates/statement.js";
import { capacityFit, type CapacityInput } from "../capacity/fit.js";
import { unsupportedWorkloads } from "../rollout/names.js";
import { lifecycleConditions, setConditions, type ConditionInput } from "./conditions.js";

export type SealView = { sealed: true; signer: string } | { sealed: false; reason: string } | undefined;

export interface ObservedRelease {
  release: Release;
  policy: ReleasePolicy | undefined;
  /** Why no single policy governs the namespace, when that is the case. */
  policyProblem?: string;
  evidence: readonly EvidenceObject[];
  /** Verdict per `${image.name}@${digest}`; undefined while verification is still running. */
  seals: ReadonlyMap<string, SealView>;
  /** Quotas, HPAs and the Deployments' pod templates (operator/capacity); unset: not checked. */
  capacity?: CapacityInput | undefined;
  now: Date;
}

export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface ReleasePlan {
  status: ReleaseStatus;
  transition?: { from: Phase | undefined; to: Phase; reason: string };
  events: PlannedEvent[];
  requeueAfterMs: number;
}

/** Phases the gate-and-seal reconcile owns; later phases belong to the rollout. */
const GATE_PHASES: readonly (Phase | undefined)[] = [undefined, "Pending", "Blocked", "Approved"];
const RESYNC_MS = 5 * 60_000;
const SEAL_POLL_MS = 2_000;

/** Keep evaluatedAt of an unchanged result so status does not change on every pass. */
function stableResults(previous: readonly GateResult[] | undefined, next: GateResult[]): GateResult[] {
  return next.map((r) => {
    const old = previous?.find((p) => p.name === r.name);
    return old && old.status === r.status && old.reason === r.reason && JSON.stringify(old.evidence) === JSON.stringify(r.evidence) ? { ...r, evaluatedAt: old.evaluatedAt } : r;
  });
}

function sealResults(observed: ObservedRelease, requireSignature: boolean) {
  return observed.release.spec.images.map((image) => {
    if (!requireSignature) return { image: image.name, digest: image.digest, status: "Verified" as const, reason: "the policy does not require signatures; the digest is pinned" };
    const v = observed.seals.get(`${image.name}@${image.digest}`);
    if (v === undefined) return { image: image.name, digest: image.digest, status: "Pending" as const, reason: "verifying the signature" };
    return v.sealed
      ? { image: image.name, digest: image.digest, status: "Verified" as const, reason: "signature verified", signer: v.signer }
      : { image: image.name, digest: image.digest, status: "Failed" as const, reason: v.reason };
  });
}

/** When the next time-driven change can happen: evidence expiring, or the periodic resync. */
function nextCheckMs(observed: ObservedRelease, verifiedIssuedAt: Date[]): number {
  const maxAge = observed.policy?.spec.evidenceMaxAge ? parseDuration(observed.policy.spec.evidenceMaxAge) : undefined;
  let next = RESYNC_MS;
  if (maxAge !== undefined) {
    for (const issued of verifiedIssuedAt) {
      const expiresIn = issued.getTime() + maxAge - observed.now.getTime();
      if (expiresIn > 0) next = Math.min(next, expiresIn + 1_000);
    }
  }
  if (observed.policy?.spec.gates.some((g) => g.changeWindow)) next = Math.min(next, 60_000);
  return next;
}

export function planRelease(observed: ObservedRelease): ReleasePlan {
  const { release, policy, now } = observed;
  const previous = release.status;
  const generation = release.metadata.generation ?? 0;
  const from = previous?.phase;

  if (!GATE_PHASES.includes(from)) {
    // The rollout owns these phases; only keep observedGeneration current.
    return { status: { ...previous, observedGeneration: generation }, events: [], requeueAfterMs: RESYNC_MS };
  }

  if (from === undefined) {
    // A new release: say so first (kstatus Reconciling), then evaluate on the next pass.
    const message = "evaluating gates and seals";
    const status: ReleaseStatus = { phase: "Pending", observedGeneration: generation, conditions: setConditions(undefined, lifecycleConditions("Pending", message), generation, now), message };
    return { status, transition: { from, to: "Pending", reason: message }, events: [{ type: "Normal", reason: "Pending", message: `new release ${release.spec.application} ${release.spec.version}: ${message}` }], requeueAfterMs: 0 };
  }

  let phase: Phase;
  let message: string;
  let gates: GateResult[] = [];
  let seals: NonNullable<ReleaseStatus["seals"]> = [];
  const gateConditions: ConditionInput[] = [];
  let requeueAfterMs = RESYNC_MS;

  if (!policy) {
    phase = "Blocked";
    message = observed.policyProblem ?? `no ReleasePolicy governs namespace ${release.metadata.namespace ?? ""}: label the namespace to match a policy's namespaceSelector`;
    gateConditions.push({ type: "GatesPassed", status: "Unknown", reason: "NoPolicy", message }, { type: "Sealed", status: "Unknown", reason: "NoPolicy", message });
  } else {
    const evaluation = evaluateGates(release, policy.spec, observed.evidence, now);
    gates = stableResults(previous?.gates, evaluation.results);
    seals = sealResults(observed, policy.spec.images.requireSignature);
    const notPassed = evaluation.results.filter((g) => g.status !== "Passed" && g.name !== policy.spec.batch.gate);
    const unsealed = seals.filter((s) => s.status !== "Verified");
    const sealPending = unsealed.length > 0 && unsealed.every((s) => s.status === "Pending");
    gateConditions.push(
      notPassed.length === 0
        ? { type: "GatesPassed", status: "True", reason: "AllGatesPassed", message: `${evaluation.results.length} gate(s) passed` }
        : { type: "GatesPassed", status: "False", reason: notPassed.some((g) => g.status === "Failed") ? "GateFailed" : "EvidenceMissing", message: notPassed.map((g) => `${g.name}: ${g.reason}`).join("; ") },
      unsealed.length === 0
        ? { type: "Sealed", status: "True", reason: "ImagesSealed", message: `${seals.length} image(s) sealed` }
        : { type: "Sealed", status: sealPending ? "Unknown" : "False", reason: sealPending ? "Verifying" : "NotSealed", message: unsealed.map((s) => `${s.image}@${s.digest}: ${s.reason}`).join("; ") },
    );
    // Fail closed: workloads golive cannot roll out are never admitted to all users unverified.
    const unsupported = unsupportedWorkloads(release.spec);
    gateConditions.push(unsupported ? { type: "WorkloadsSupported", status: "False", reason: "UnsupportedWorkloads", message: unsupported } : { type: "WorkloadsSupported", status: "True", reason: "Supported", message: "golive can roll out every workload of this release" });
    // 4.4 f, 6.2: the second copy the rollout runs must fit the quotas; an HPA must keep the declared bounds.
    const capacity = observed.capacity ? capacityFit(observed.capacity) : undefined;
    if (capacity) gateConditions.push({ type: "CapacityFits", status: capacity.fits ? "True" : capacity.waiting ? "Unknown" : "False", reason: capacity.reason, message: capacity.message });
    if (unsupported) {
      phase = "Blocked";
      message = `UnsupportedWorkloads: ${unsupported}`;
    } else if (notPassed.length === 0 && unsealed.length === 0 && capacity && !capacity.fits && !capacity.waiting) {
      phase = "Blocked";
      message = `${capacity.reason}: ${capacity.message}`;
    } else if (notPassed.length === 0 && unsealed.length === 0 && capacity?.waiting) {
      phase = "Pending";
      message = `gates passed; ${capacity.message}`;
      requeueAfterMs = SEAL_POLL_MS;
    } else if (notPassed.length === 0 && unsealed.length === 0) {
      phase = "Approved";
      // Never Approved for ever without saying why: a release with Deployments waits for them to run it.
      message = observed.release.spec.workloads.some((w) => w.kind === "Deployment")
        ? "every gate passed and every image is sealed: the workloads may be admitted; the rollout starts once every Deployment it lists runs this release (apply them)"
        : "every gate passed and every image is sealed: the workloads may be admitted";
    } else if (notPassed.length === 0 && sealPending) {
      phase = "Pending";
      message = "gates passed; verifying image signatures";
      requeueAfterMs = SEAL_POLL_MS;
    } else {
      phase = "Blocked";
      const first = notPassed[0];
      message = first ? `gate ${first.name} ${first.status}: ${first.reason}${notPassed.length > 1 ? ` (and ${notPassed.length - 1} more gate(s))` : ""}` : `image ${unsealed[0]!.image}@${unsealed[0]!.digest} is not sealed: ${unsealed[0]!.reason}`;
    }
    requeueAfterMs = Math.min(requeueAfterMs, nextCheckMs(observed, evaluation.verified.map((v) => v.issuedAt)));
  }

  const passedCount = gates.filter((g) => g.status === "Passed").length;
  const conditions: Condition[] = setConditions(previous?.conditions, [...lifecycleConditions(phase, message), ...gateConditions], generation, now);
  const status: ReleaseStatus = {
    ...previous,
    phase,
    observedGeneration: generation,
    conditions,
    gatesSummary: policy ? `${passedCount}/${gates.length}` : "0/0",
    artifactDigest: `sha256:${artifactDigest(observed.release.spec)}`,
    planDigest: `sha256:${planDigest(observed.release.spec)}`,
    gates,
    seals,
    message,
  };
  // A DR hold (4.3 g) belongs to the rollout it was decided in: sent back to Blocked or Pending
  // (evidence expired, a gate failing), the release is no longer about to go Released.
  if (phase !== "Approved") delete status.disasterRecoveryHold;
  const events: PlannedEvent[] = [];
  let transition: ReleasePlan["transition"];
  if (phase !== from) {
    transition = { from, to: phase, reason: message };
    events.push({ type: phase === "Blocked" ? "Warning" : "Normal", reason: phase, message: `${from ?? "new"} → ${phase}: ${message}` });
  }
  return { status, ...(transition ? { transition } : {}), events, requeueAfterMs };
}
