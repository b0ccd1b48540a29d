// planRollout: the pure heart of progressive delivery. From what was observed (the release and
// its status, the candidate Deployment and its stable copy, what the router has in effect, the
// operator's Jobs, measurements taken this pass, signed evidence, the clock) it computes the next
// status, the transition (if any), Events, the actions for the executor and when to look again.
// Everything needed to continue lives in the returned status, so a restarted operator resumes
// exactly where the last one stopped.
//
//   Approved ─(the Deployment runs the sealed images)─► Verifying ─► CleaningUp ─► Progressing ─► Released
//   (first release of a workload: Approved ─► Progressing (initialising) ─► Released)
//   Verifying | CleaningUp | Progressing ─(failed analysis, deadline, failed verification, abort)─► RollingBack ─► RolledBack
//   anything that needs a person ─► Failed
import { parseDuration, RELEASE_LABEL, type Condition, type GateResult, type Phase, type Release, type ReleaseSpec, type ReleaseStatus, type RolloutJobStatus } from "../../api/index.js";
import { evaluateGates, gatesFor, verifyAll } from "../../gates/evaluate.js";
import type { VerifiedEvidence } from "../../gates/evidence.js";
import { advanceRun, nextDue, startRun } from "../analysis/run.js";
import { beforeReleased, DR_DEADLINE_EXCEEDED, RELEASED_DR_INCONSISTENT } from "../dr/hold.js";
import { lifecycleConditions, setConditions, stalledConditions, type ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";
import { INVENTORY_CONFIGMAP, jobName, rolloutWorkload, verificationEvidenceName } from "./names.js";
import { findAbort, findPromotion } from "./signed-decisions.js";
import { ACTIVE_PHASES, type JobPurpose, type RolloutAction, type RolloutObserved, type RolloutPlan, type UnitObserved, type WorkloadView } from "./types.js";
import { DEFAULT_WAVE, hasServices, inPlace, isRatio, noVerificationRoute, routingOf } from "./waves.js";

const RESYNC_MS = 5 * 60_000;
const POLL_MS = 1_000;
/** How often a release waiting for its monitoring looks again (Prometheus scrapes every 15–60 s). */
const MONITORING_POLL_MS = 10_000;
type Strategy = NonNullable<ReleaseSpec["strategy"]>;
type Canary = NonNullable<ReleaseStatus["canary"]>;
type Rollback = NonNullable<ReleaseStatus["rollback"]>;
type Trigger = Rollback["trigger"];

/** Every container image is one of the release's sealed name@digest pairs (a tag before @ is allowed). */
export function runsSealedImages(images: readonly string[], sealed: ReleaseSpec["images"]): boolean {
  return (
    images.length > 0 &&
    images.every((image) => {
      const at = image.lastIndexOf("@");
      if (at < 0) return false;
      const repo = image.slice(0, at).replace(/:[^/:]+$/, "");
      const digest = image.slice(at + 1);
      return sealed.some((s) => s.name === repo && s.digest === digest);
    })
  );
}

/**
 * Replicas the design calls for: spec.architecture.replicas, else what the Deployments run (with a
 * router the candidate's own count, or the stable copy's once a rollback scaled the candidate to 0).
 */
export function declaredReplicas(release: Release, candidate: WorkloadView | undefined, stable: WorkloadView | undefined, ratio: boolean): number {
  const declared = release.spec.architecture?.replicas;
  if (declared !== undefined) return declared;
  const c = candidate?.replicas ?? 0;
  const s = stable?.replicas ?? 0;
  return Math.max(1, ratio ? c + s : c || s);
}

/** Every pod of the Deployment runs its current template and is available. */
export function rolledOut(w: WorkloadView | undefined, replicas?: number): boolean {
  if (!w) return false;
  if (replicas !== undefined && w.replicas !== replicas) return false;
  return w.observedGeneration >= w.generation && w.updatedReplicas === w.replicas && w.availableReplicas >= w.replicas && w.statusReplicas === w.replicas;
}

/** Keep evaluatedAt of an unchanged gate result so status does not change on every pass. */
function stableResults(previous: readonly GateResult[] | undefined, next: GateResult[]): GateResult[] {
  return next.map((r) => {
    const old = previous?.find((p) => p.name === r.name);
    return old && old.status === r.status && old.reason === r.reason && JSON.stringify(old.evidence) === JSON.stringify(r.evidence) ? { ...r, evaluatedAt: old.evaluatedAt } : r;
  });
}

type WaveStatus = NonNullable<ReleaseStatus["waves"]>[number];
type WaveWorkloadStatus = WaveStatus["workloads"][number];

class Draft {
  readonly status: ReleaseStatus;
  readonly events: PlannedEvent[] = [];
  /** Actions of this pass that are not the steady state of the phase (Jobs, evidence, inventory). */
  readonly extra: RolloutAction[] = [];
  requeueAfterMs = RESYNC_MS;
  transition: RolloutPlan["transition"];
  message = "";
  /** This pass would reach Released but the monitoring check was not observed: ask for it. */
  checkMonitoring = false;
  /** Released held past disasterRecovery.deadlineSeconds: the Stalled message (finish sets the conditions). */
  drStalled: string | undefined;
  /** When a DR hold that this pass released began (the Released reason says so). */
  drHeldSince: string | undefined;
  /** Every Deployment of the rollout, in rollout order. */
  readonly units: readonly UnitObserved[];
  private verifiedCache: VerifiedEvidence[] | undefined;

  constructor(
    readonly o: RolloutObserved,
    readonly strategy: Strategy,
    readonly workload: string,
  ) {
    this.status = structuredClone(o.base);
    this.units = o.units ?? [{ name: workload, wave: 0, waveName: DEFAULT_WAVE, routing: routingOf(strategy.trafficRouting), primary: true, candidate: o.candidate, stable: o.stable, traffic: o.traffic, trafficError: o.trafficError, candidatePods: o.candidatePods }];
  }

  get now(): Date {
    return this.o.now;
  }
  get iso(): string {
    return this.o.now.toISOString();
  }
  get canary(): Canary {
    this.status.canary ??= { stepIndex: 0, weight: 0 };
    return this.status.canary;
  }
  /** The wave being rolled out. */
  get wave(): number {
    return this.status.canary?.wave ?? 0;
  }
  get waveName(): string {
    return this.status.waves?.[this.wave]?.name ?? this.units.find((u) => u.wave === this.wave)?.waveName ?? DEFAULT_WAVE;
  }
  /** The recorded position of a unit (set when the rollout starts). */
  record(u: UnitObserved): WaveWorkloadStatus | undefined {
    return this.status.waves?.[u.wave]?.workloads.find((w) => w.name === u.name);
  }
  /** Whether the unit has a new pod template to roll out (fixed when the rollout starts). */
  changed(u: UnitObserved): boolean {
    const r = this.record(u);
    if (r) return r.changed;
    return !u.stable || !u.candidate || u.stable.templateHash !== u.candidate.templateHash;
  }
  /** The changed units of the current wave: what verification, the steps and analysis act on. */
  get current(): UnitObserved[] {
    return this.units.filter((u) => u.wave === this.wave && this.changed(u));
  }
  /** The changed units of this and earlier waves: what a rollback must put back. */
  get moved(): UnitObserved[] {
    return this.units.filter((u) => u.wave <= this.wave && this.changed(u));
  }
  /** The unit whose pod-template hashes {{canary}} and {{stable}} stand for: the first of the wave. */
  get lead(): UnitObserved {
    return this.current[0] ?? this.units[0]!;
  }
  /** Why a router of the current wave (else any) cannot be observed, if it cannot. */
  get trafficError(): string | undefined {
    return this.current.find((u) => u.trafficError)?.trafficError ?? this.units.find((u) => u.trafficError)?.trafficError;
  }
  get deadlineMs(): number {
    return parseDuration(this.strategy.progressDeadline) ?? 600_000;
  }
  /**
   * How long of trafficRouting.scaleDownDelay is left since `since` (traffic seen on stable):
   * until then a router's candidate keeps its pods, so requests the gateway still sends there
   * (it applies the route moments after golive writes it) are answered, not refused.
   */
  scaleDownLeftMs(since: string | undefined): number {
    if (since === undefined) return Infinity;
    const delay = parseDuration(this.strategy.trafficRouting.scaleDownDelay ?? DEFAULT_SCALE_DOWN_DELAY) ?? parseDuration(DEFAULT_SCALE_DOWN_DELAY)!;
    return Math.max(0, Date.parse(since) + delay - this.now.getTime());
  }
  /** Plan again when the scale-down delay since `since` is over (not at all when it is, or when traffic is not on stable yet). */
  wakeForScaleDown(since: string | undefined): void {
    const left = this.scaleDownLeftMs(since);
    if (left > 0 && Number.isFinite(left)) this.wake(left);
  }
  /** Replicas the design calls for, for one unit. */
  replicas(u: UnitObserved): number {
    return unitReplicas(this.o.release, u, this.status);
  }
  get verified(): VerifiedEvidence[] {
    if (!this.verifiedCache) this.verifiedCache = this.o.policy ? verifyAll(this.o.evidence, this.o.release, this.o.policy, this.now).verified : [];
    return this.verifiedCache;
  }

  wake(ms: number): void {
    this.requeueAfterMs = Math.min(this.requeueAfterMs, Math.max(0, Math.ceil(ms)));
  }

  to(phase: Phase, reason: string, details?: Record<string, unknown>): void {
    const from = this.o.base.phase;
    this.status.phase = phase;
    this.transition = { from, to: phase, reason, ...(details ? { details } : {}) };
    const warning = phase === "RollingBack" || phase === "RolledBack" || phase === "Failed";
    this.events.push({ type: warning ? "Warning" : "Normal", reason: phase, message: `${from ?? "new"} → ${phase}: ${reason}` });
    this.wake(0);
  }

  event(reason: string, message: string, type: PlannedEvent["type"] = "Normal"): void {
    this.events.push({ type, reason, message });
  }
}

/**
 * Replicas the rollout keeps for one Deployment (with replica ratio: both sides together): what
 * was recorded when the rollout started; before that, spec.architecture.replicas for the first
 * Deployment, else what its stable copy runs (the candidate's count for a first release). Fixed
 * at the start, so a pass that sees both sides scaled up mid-shift never counts them twice.
 */
export function unitReplicas(release: Release, u: Pick<UnitObserved, "name" | "wave" | "primary" | "routing" | "candidate" | "stable">, status?: ReleaseStatus): number {
  const recorded = status?.waves?.[u.wave]?.workloads.find((w) => w.name === u.name)?.replicas;
  if (recorded !== undefined) return Math.max(1, recorded);
  if (u.primary && release.spec.architecture?.replicas !== undefined) return release.spec.architecture.replicas;
  return Math.max(1, u.stable?.replicas || u.candidate?.replicas || 1);
}

const names = (units: readonly UnitObserved[]): string => units.map((u) => `${u.kind ?? "Deployment"} ${u.name}`).join(", ");
/** golive scales the user's Deployment itself: behind a router, not by replica ratio nor in place (StatefulSet, DaemonSet). */
const scalesCandidate = (u: UnitObserved): boolean => !isRatio(u.routing) && !inPlace(u.routing);
/** trafficRouting.scaleDownDelay when unset: what Argo Rollouts waits before scaling an aborted canary down. */
const DEFAULT_SCALE_DOWN_DELAY = "30s";

/** While the scale-down delay since `since` runs, the routed units keep their candidate's pods: say so and plan again when it is over. */
function keepingPods(d: Draft, routed: readonly UnitObserved[], since: string | undefined, where: string, then?: string): boolean {
  const keep = routed.length ? d.scaleDownLeftMs(since) : 0;
  if (keep <= 0) return false;
  const one = routed.length === 1;
  d.message = `${where}; ${names(routed)} keep${one ? "s" : ""} the candidate's pods ${Math.ceil(keep / 1000)} s more while the router finishes switching, then ${then ?? `scale${one ? "s" : ""} to 0`} (trafficRouting.scaleDownDelay)`;
  d.wake(keep);
  return true;
}

export function planRollout(o: RolloutObserved): RolloutPlan | undefined {
  const strategy = o.release.spec.strategy;
  if (!strategy) return planDirect(o);
  const workload = rolloutWorkload(o.release.spec);
  if (!workload) return undefined;
  const phase = o.base.phase;
  const d = new Draft(o, strategy, workload);
  if (d.units.length === 0) return undefined;
  if (phase === "Approved") {
    if (!start(d)) return undefined;
  } else if (phase === "Failed") {
    failed(d);
  } else if (phase !== undefined && ACTIVE_PHASES.includes(phase)) {
    ensureWaves(d);
    active(d);
  } else {
    return undefined;
  }
  return finish(d);
}

// ---------------------------------------------------------------------------------------------
// A release without spec.strategy: no canary, no stable copy, no router. Its workloads run as
// applied once Approved; it still goes Verifying (every Deployment it lists available, the
// Verification gates) and Released only with its monitoring in place (4.7 b) and the inventory
// written (4.9), through the same code as a rollout's.

/** The progress deadline of a release without a strategy (spec.strategy.progressDeadline's default). */
const DIRECT: Strategy = { trafficRouting: { service: "" }, steps: [], progressDeadline: "10m" };

/** Kinds a release without a strategy waits for, available on their new template; the others (Jobs, CronJobs, Pods, ReplicaSets) are seen only by the monitoring check. */
const OBSERVED_DIRECT = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
type Listed = { kind: string; name: string };
const label = (w: Listed) => `${w.kind} ${w.name}`;

function planDirect(o: RolloutObserved): RolloutPlan | undefined {
  const spec = o.release.spec;
  const d = new Draft(o, DIRECT, directWorkload(spec));
  const phase = o.base.phase;
  const name = o.release.metadata.name;
  const listed: Listed[] = spec.workloads.filter((w) => OBSERVED_DIRECT.has(w.kind)).map((w) => ({ kind: w.kind, name: w.name }));
  const view = (w: Listed) => (w.kind === "Deployment" ? o.deployments?.find((x) => x.name === w.name) : o.controllers?.find((x) => x.kind === w.kind && x.name === w.name));
  const runsThis = (w: Listed) => {
    const v = view(w);
    return v !== undefined && v.releaseLabel === name && runsSealedImages(v.images, spec.images);
  };
  if (phase === "Approved") {
    // Like a rollout, it starts once its workloads run this release (nothing to wait for without any).
    if (!listed.every(runsThis)) return undefined;
    d.status.verification = { startedAt: d.iso, jobs: [], gates: [] };
    const others = spec.workloads.filter((w) => !OBSERVED_DIRECT.has(w.kind)).map((w) => `${w.kind}/${w.name}`);
    d.to("Verifying", `no spec.strategy: the workloads run as applied, with no canary; ${listed.length ? `waiting for ${listed.map(label).join(", ")} to be available, then ` : ""}the Verification gates and the monitoring before Released (4.7)${others.length ? `; ${others.join(", ")}: not observed, only through the monitoring check` : ""}`);
  } else if (phase === "Verifying") {
    directVerifying(d, listed, view, runsThis);
  } else {
    return undefined;
  }
  return { ...finish(d), actions: d.extra.filter((a) => a.type === "recordInventory") };
}

/** The workload a release without a strategy records in the inventory: its first Deployment, else its first workload. */
export function directWorkload(spec: ReleaseSpec): string {
  return spec.workloads.find((w) => w.kind === "Deployment")?.name ?? spec.workloads[0]!.name;
}

function directVerifying(d: Draft, listed: Listed[], view: (w: Listed) => WorkloadView | undefined, runsThis: (w: Listed) => boolean): void {
  const { o } = d;
  const v = (d.status.verification ??= { startedAt: d.iso, jobs: [], gates: [] });
  const elsewhere = listed.find((w) => view(w) !== undefined && !runsThis(w));
  if (elsewhere) return stop(d, `${label(elsewhere)} no longer runs release ${o.release.metadata.name} (its golive.dev/release label or images changed): this release will not finish; a new Release goes live instead`, false);
  const waiting = listed.filter((w) => !rolledOut(view(w)));
  if (waiting.length) {
    if (o.now.getTime() - Date.parse(v.startedAt) > d.deadlineMs) return stop(d, `${waiting.map(label).join(", ")} not available within ${d.strategy.progressDeadline} (no spec.strategy: there is no stable copy to go back to; a person decides)`, false);
    const w = view(waiting[0]!);
    d.message = `no spec.strategy: waiting for ${label(waiting[0]!)} to be available (${w?.availableReplicas ?? 0}/${w?.replicas ?? "?"})${waiting.length > 1 ? ` and ${waiting.length - 1} more` : ""}`;
    d.wake(POLL_MS * 5);
    return;
  }
  v.candidateReadyAt ??= d.iso;
  const gates = verificationGates(d, v, "no spec.strategy: workloads available");
  if (!gates) return;
  if (!monitoringInPlace(d)) return;
  if (!drConsistent(d)) return;
  v.passedAt ??= d.iso;
  d.status.releasedAt = d.iso;
  d.status.inventory = { configMap: INVENTORY_CONFIGMAP, key: d.workload, recordedAt: d.iso };
  d.extra.push({ type: "recordInventory", workload: d.workload, how: "applied" });
  const kinds = ["Deployment", "StatefulSet", "DaemonSet"].map((k) => [k, listed.filter((w) => w.kind === k).length] as const).filter(([k, n]) => n > 0 || k === "Deployment");
  d.to("Released", `no spec.strategy: ${kinds.map(([k, n]) => `${n} ${k}(s)`).join(", ")} available as applied, ${gates.results.length} Verification gate(s) passed, monitoring in place (4.7 b)${drWaited(d)}; inventory updated (4.9)`);
}

// ---------------------------------------------------------------------------------------------
// Approved → start

/** The unit's candidate runs this release: labelled with it and running its sealed images. */
function runsRelease(d: Draft, u: UnitObserved): boolean {
  const c = u.candidate;
  return c !== undefined && c.releaseLabel === d.o.release.metadata.name && runsSealedImages(c.images, d.o.release.spec.images);
}

/** The first wave from `from` on with a Deployment to roll out; undefined when none is left. */
function nextWave(d: Draft, from: number): number | undefined {
  return d.units.find((u) => u.wave >= from && d.changed(u))?.wave;
}

/** Point status.canary at a wave: its lead unit's hashes, step 0, weight 0. */
function enterWave(d: Draft, wave: number): void {
  d.canary.wave = wave;
  const lead = d.lead;
  Object.assign(d.canary, { stepIndex: 0, weight: 0, stepStartedAt: d.iso, workload: lead.name });
  if (lead.candidate) d.canary.candidateTemplateHash = lead.candidate.templateHash;
  if (lead.candidate?.podTemplateHash) d.canary.candidatePodTemplateHash = lead.candidate.podTemplateHash;
  else delete d.canary.candidatePodTemplateHash;
  if (lead.stable) d.canary.stableTemplateHash = lead.stable.templateHash;
  if (lead.stable?.podTemplateHash) d.canary.stablePodTemplateHash = lead.stable.podTemplateHash;
  delete d.canary.stepName;
  delete d.canary.pause;
  delete d.status.promotion;
  const jobs = d.strategy.verification?.jobs ?? [];
  d.status.verification = { startedAt: d.iso, jobs: jobs.map((j) => pendingJob(d, "verify", j.name)), gates: [] };
}

/** What status.waves says of a wave's Deployments, for messages. */
const waveLabel = (d: Draft): string => (d.status.waves && d.status.waves.length > 1 ? `wave ${d.waveName} (${d.wave + 1} of ${d.status.waves.length}): ` : "");

function start(d: Draft): boolean {
  const { o } = d;
  // Like a release without a strategy, it starts once every Deployment it lists runs it.
  if (!d.units.every((u) => runsRelease(d, u))) {
    if (d.units.some((u) => runsRelease(d, u))) {
      const waiting = d.units.filter((u) => !runsRelease(d, u));
      d.message = `waiting for ${names(waiting)} to run this release's sealed images (labelled ${RELEASE_LABEL}=${o.release.metadata.name}) before the rollout starts; until then no ordinary traffic reaches the new version`;
      d.wake(10_000);
      return true;
    }
    return false;
  }
  if (o.otherActive) {
    d.message = `waiting for release ${o.otherActive} to finish rolling out ${names(d.units)}`;
    d.wake(10_000);
    return true;
  }
  // A StatefulSet's or DaemonSet's revisions say whether it changed only once its controller saw the template.
  const unobserved = d.units.find((u) => inPlace(u.routing) && u.candidate && u.candidate.observedGeneration < u.candidate.generation);
  if (unobserved) {
    d.message = `waiting for the ${unobserved.kind} controller to observe ${unobserved.kind} ${unobserved.name} (${unobserved.routing === "partition" ? "its partition holds" : "OnDelete holds"} every pod on the stable revision)`;
    d.wake(POLL_MS);
    return true;
  }
  const lead = d.units[0]!;
  const c = lead.candidate!;
  // A release held in Approved (nothing to roll out, monitoring not in place) keeps its start time.
  const since = d.status.canary?.candidateTemplateHash === c.templateHash ? (d.status.canary.startedAt ?? d.iso) : d.iso;
  d.status.canary = { stepIndex: 0, weight: 0, wave: 0, workload: lead.name, startedAt: since, stepStartedAt: since, candidateTemplateHash: c.templateHash, ...(c.podTemplateHash ? { candidatePodTemplateHash: c.podTemplateHash } : {}) };
  delete d.status.verification;
  delete d.status.analysis;
  delete d.status.promotion;
  delete d.status.rollback;
  const waves: WaveStatus[] = [];
  for (const u of d.units) {
    const w = (waves[u.wave] ??= { name: u.waveName, phase: "Pending", weight: 0, workloads: [] });
    w.workloads.push({ kind: u.kind ?? "Deployment", name: u.name, routing: u.routing, changed: !u.stable || u.stable.templateHash !== u.candidate!.templateHash, replicas: unitReplicas(o.release, u), candidateTemplateHash: u.candidate!.templateHash, ...(u.stable ? { stableTemplateHash: u.stable.templateHash } : {}) });
  }
  d.status.waves = waves.filter(Boolean);
  const missing = d.units.filter((u) => !u.stable);
  if (missing.length) {
    d.canary.initialising = true;
    const copies = missing.map((u) => `${u.name}-stable`).join(", ");
    d.to("Progressing", `first release of ${names(missing)}: ${missing.length > 1 ? "their current templates become the stable copies" : "its current template becomes the stable copy"} ${copies} (nothing to verify or compare against yet)${missing.length < d.units.length ? "; the other Deployments are rolled out in their waves afterwards" : ""}`);
    return true;
  }
  if (lead.stable?.templateHash) d.canary.stableTemplateHash = lead.stable.templateHash;
  if (lead.stable?.podTemplateHash) d.canary.stablePodTemplateHash = lead.stable.podTemplateHash;
  const first = nextWave(d, 0);
  if (first === undefined) {
    released(d, `the stable copies already run these pod templates: nothing to roll out`, "unchanged");
    return true;
  }
  enterWave(d, first);
  d.to("Verifying", `${waveLabel(d)}${names(d.current)} run${d.current.length > 1 ? "" : "s"} the sealed images: bringing up the candidate with no ordinary traffic; only verification users reach it (4.6 c)`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Active phases

function active(d: Draft): void {
  const { o } = d;
  const phase = d.status.phase!;
  const initialising = d.status.canary?.initialising === true && phase === "Progressing";

  if (phase !== "RollingBack") {
    const gone = d.units.find((u) => !u.candidate && d.changed(u));
    if (gone) return stop(d, `${gone.kind ?? "Deployment"} ${gone.name} was deleted during the rollout; traffic is back on the stable copies`);
    for (const u of d.units) {
      const r = d.record(u);
      if (!u.candidate || !r) continue;
      if (initialising && !u.stable) {
        r.candidateTemplateHash = u.candidate.templateHash;
        continue;
      }
      if (r.candidateTemplateHash && u.candidate.templateHash !== r.candidateTemplateHash) {
        const now = u.candidate.releaseLabel && u.candidate.releaseLabel !== o.release.metadata.name ? ` (it now belongs to release ${u.candidate.releaseLabel})` : "";
        return stop(d, `the pod template of Deployment ${u.name} changed during the rollout${now}: what was verified is no longer what runs; traffic is back on the stable copies and this release will not finish`);
      }
    }
    if (!initialising && o.policy) {
      const { abort } = findAbort(o.policy, d.verified);
      // Once the stable copies take the candidate's template there is no old version left to
      // send traffic back to: an abort then stops the rollout where it is, never a RolledBack.
      if (abort && d.status.promotion?.startedAt) return stop(d, promotedAbort(abort, d.status.promotion.startedAt), false);
      if (abort) return rollback(d, "Aborted", `aborted by ${abort.signer} in role ${abort.role}${abort.reason ? `: ${abort.reason}` : ""}`, abort.issuedAt, `${abort.signer} (${abort.role}), evidence ${abort.evidence}`);
    }
    const noStable = initialising ? undefined : d.units.find((u) => !u.stable);
    if (noStable) return stop(d, `the stable copy ${noStable.name}-stable is missing: there is no version to send traffic back to; a person must restore it`, false);
  }
  const lead = d.lead.candidate;
  if (lead?.podTemplateHash && phase !== "RollingBack") d.canary.candidatePodTemplateHash = lead.podTemplateHash;

  switch (phase) {
    case "Verifying":
      return verifying(d);
    case "CleaningUp":
      return cleaningUp(d);
    case "Progressing":
      return initialising ? initialise(d) : progressing(d);
    case "RollingBack":
      return rollingBack(d);
    default:
      return;
  }
}

/** The unit's candidate is up for verification: its verification copy (replica ratio), a DaemonSet's canary nodes, a StatefulSet's gated ordinal, or its own pods. */
function readyForVerification(u: UnitObserved): boolean {
  if (noVerificationRoute(u.routing)) return true;
  if (isRatio(u.routing) || inPlace(u.routing)) return u.traffic?.verification === true;
  const c = u.candidate;
  return c !== undefined && rolledOut(c) && c.replicas > 0 && c.podTemplateHash !== undefined;
}

function verifying(d: Draft): void {
  const { o } = d;
  const v = (d.status.verification ??= { startedAt: d.iso, jobs: [], gates: [] });
  const notReady = d.current.filter((u) => !readyForVerification(u));
  if (notReady.length) {
    if (o.now.getTime() - Date.parse(v.startedAt) > d.deadlineMs) return rollback(d, "ProgressDeadlineExceeded", `${waveLabel(d)}the candidate of ${names(notReady)} was not ready within the progress deadline of ${d.strategy.progressDeadline}`, d.now);
    const u = notReady[0]!;
    const c = u.candidate!;
    d.message = d.trafficError ? `waiting for the candidate: ${d.trafficError}` : isRatio(u.routing) ? `${waveLabel(d)}waiting for the verification copy of ${u.name} to be ready` : u.routing === "nodes" ? `${waveLabel(d)}waiting for the canary nodes of DaemonSet ${u.name} to run the candidate${u.traffic?.message ? ` (${u.traffic.message})` : ""}; every other node keeps the stable revision` : u.routing === "partition" ? `${waveLabel(d)}waiting for one ordinal of StatefulSet ${u.name} to run the candidate for verification only${u.traffic?.message ? ` (${u.traffic.message})` : ""}; every other ordinal keeps the stable revision` : `${waveLabel(d)}waiting for the pods of ${u.name} to be available (${c.availableReplicas}/${c.replicas}); ordinary traffic stays on stable`;
    d.wake(POLL_MS);
    return;
  }
  v.candidateReadyAt ??= d.iso;
  const open = d.current.every((u) => u.traffic?.settled && u.traffic.verification === !noVerificationRoute(u.routing));
  if (!open) {
    d.message = d.trafficError ? `cannot open verification-only access: ${d.trafficError}` : `${waveLabel(d)}opening verification-only access to the candidate`;
    d.wake(d.trafficError ? 5_000 : 250);
    return;
  }
  // NetworkPolicies add up: while another one opens these pods to others, nothing is verified
  // (4.6 c), unless the policy accepts that with a warning (the condition still says it).
  if (o.verificationExposed && (o.policy?.safeguards.verificationExposure ?? "Hold") === "Hold") {
    d.message = `${waveLabel(d)}verification held: ${o.verificationExposed}`;
    d.wake(5_000);
    return;
  }
  const specJobs = d.strategy.verification?.jobs ?? [];
  v.jobs = specJobs.map((j) => syncJob(d, "verify", j.name, v.jobs.find((x) => x.name === j.name)));
  const failedJob = v.jobs.find((j) => j.phase === "Failed");
  if (failedJob) return rollback(d, "VerificationFailed", `${waveLabel(d)}verification Job ${failedJob.name} failed${failedJob.reason ? `: ${failedJob.reason}` : ""}`, failedJob.finishedAt ? new Date(failedJob.finishedAt) : d.now);
  const done = v.jobs.filter((j) => j.phase === "Succeeded").length;
  if (done < v.jobs.length) {
    d.message = `${waveLabel(d)}verifying: ${done} of ${v.jobs.length} verification Job(s) succeeded; only verification users reach the candidate`;
    d.wake(POLL_MS * 5);
    return;
  }
  if (v.jobs.length > 0 && o.canSign) {
    v.evidence ??= verificationEvidenceName(o.release, d.wave);
    if (!o.evidence.some((e) => e.metadata.name === v.evidence)) d.extra.push({ type: "signVerificationReport", evidenceName: v.evidence, jobs: v.jobs });
  }
  const gates = verificationGates(d, v, "verification Jobs passed");
  if (!gates) return;
  v.passedAt = d.iso;
  const wave = d.status.waves?.[d.wave];
  if (wave) wave.verifiedAt = d.iso;
  if (d.strategy.cleanup) v.cleanup = pendingJob(d, "cleanup", d.strategy.cleanup.name);
  d.to("CleaningUp", `${waveLabel(d)}verification passed (${v.jobs.length} Job(s), ${gates.results.length} Verification gate(s)): verification access closed, cleaning up verification data before ordinary traffic moves (4.6 d)`);
}

/**
 * The Verification gates, recorded in status.verification; undefined (with the message saying
 * what is awaited) until every one but the batch gate passed.
 */
function verificationGates(d: Draft, v: NonNullable<ReleaseStatus["verification"]>, so: string): { results: GateResult[] } | undefined {
  const { o } = d;
  if (!o.policy) {
    d.message = "waiting for a ReleasePolicy to govern the namespace (Verification gates cannot be evaluated)";
    return undefined;
  }
  const gates = evaluateGates(o.release, o.policy, o.evidence, d.now, gatesFor(o.policy, "Verification"));
  v.gates = stableResults(v.gates, gates.results);
  const notPassed = gates.results.filter((g) => g.status !== "Passed" && g.name !== o.policy!.batch.gate);
  if (notPassed.length) {
    const first = notPassed[0]!;
    d.message = `${so}; waiting for Verification gate ${first.name} (${first.status}): ${first.reason}${notPassed.length > 1 ? ` (and ${notPassed.length - 1} more)` : ""}`;
    d.wake(60_000);
    return undefined;
  }
  return gates;
}

function cleaningUp(d: Draft): void {
  const v = (d.status.verification ??= { startedAt: d.iso, jobs: [], gates: [] });
  if (!d.current.every((u) => u.traffic?.settled && !u.traffic.verification)) {
    d.message = d.trafficError ? `cannot close verification access: ${d.trafficError}` : `${waveLabel(d)}closing verification-only access`;
    d.wake(d.trafficError ? 5_000 : 250);
    return;
  }
  if (d.strategy.cleanup) {
    v.cleanup = syncJob(d, "cleanup", d.strategy.cleanup.name, v.cleanup);
    if (v.cleanup.phase === "Failed") return rollback(d, "VerificationFailed", `${waveLabel(d)}cleanup Job ${v.cleanup.name} failed${v.cleanup.reason ? `: ${v.cleanup.reason}` : ""}; verification data may remain, so traffic must not open (4.6 d)`, d.now);
    if (v.cleanup.phase !== "Succeeded") {
      d.message = `${waveLabel(d)}cleaning up verification data: Job ${v.cleanup.job} ${v.cleanup.phase}`;
      d.wake(POLL_MS * 5);
      return;
    }
  }
  const first = d.strategy.steps[0];
  Object.assign(d.canary, { stepIndex: 0, stepStartedAt: d.iso, weight: 0 });
  if (first) d.canary.stepName = first.name;
  else delete d.canary.stepName;
  d.to("Progressing", `${waveLabel(d)}verification data cleaned up: trial run with ${d.strategy.steps.length} canary step(s) (4.8)`);
}

/** Units whose stable copy is being made from their current template (a first release). */
function initialisingUnits(d: Draft): UnitObserved[] {
  return d.units.filter((u) => d.record(u)?.stableTemplateHash === undefined);
}

function initialise(d: Draft): void {
  const { o } = d;
  const init = initialisingUnits(d);
  const notReady = init.filter((u) => !(u.stable !== undefined && u.candidate !== undefined && u.stable.templateHash === u.candidate.templateHash && rolledOut(u.stable, d.replicas(u))));
  for (const u of init) d.extra.push({ type: "ensureStable", workload: u.name, replicas: d.replicas(u) });
  if (notReady.length) {
    if (o.now.getTime() - Date.parse(d.canary.startedAt ?? d.iso) > d.deadlineMs) return stop(d, `the stable copy ${notReady[0]!.name}-stable did not become available within the progress deadline of ${d.strategy.progressDeadline}`, false);
    const u = notReady[0]!;
    d.message = `initialising: the stable copy ${u.name}-stable is being created from the current template (${u.stable?.availableReplicas ?? 0}/${d.replicas(u)} available)`;
    d.wake(POLL_MS);
    return;
  }
  for (const u of d.units) d.extra.push({ type: "route", workload: u.name, weight: 0, verification: false });
  if (!d.units.every((u) => u.traffic?.settled && u.traffic.weight === 0)) {
    // Behind a router the route may have sent ordinary requests to <service> (the Deployment's pods) until now.
    if (d.units.some((u) => scalesCandidate(u) && u.traffic && !(u.traffic.settled && u.traffic.weight === 0))) d.canary.routeMovedToStable ??= {};
    d.message = d.trafficError ? `initialising: cannot route to the stable copy: ${d.trafficError}` : "initialising: routing all traffic to the stable copy";
    d.wake(d.trafficError ? 5_000 : 250);
    return;
  }
  // The candidate's pods are the Deployment's: what comes next (Released, or a new template in
  // Verifying) replaces them, not before the gateway has had the delay to stop sending there.
  // A route that named <service>-stable from the start (nothing moved) waits for nothing.
  const routeMoved = d.canary.routeMovedToStable;
  if (routeMoved) routeMoved.settledAt ??= d.iso;
  const moved = routeMoved ? d.units.filter((u) => scalesCandidate(u) && (u.candidate?.replicas ?? 0) > 0) : [];
  if (keepingPods(d, moved, routeMoved?.settledAt, "initialising: all traffic on the stable copies", d.units.some((u) => !init.includes(u) && d.changed(u)) ? "the new version replaces them" : undefined)) return;
  delete d.canary.routeMovedToStable;
  // The new stable copies run what the Deployments run: nothing of theirs is left to roll out.
  for (const u of init) {
    const r = d.record(u)!;
    r.changed = false;
    r.stableTemplateHash = u.stable!.templateHash;
  }
  const next = nextWave(d, 0);
  if (next === undefined) {
    if (released(d, `first release of ${names(init)} initialised: the stable copies run ${init.length > 1 ? "their" : "its"} template and serve all traffic`, "initialised")) delete d.canary.initialising;
    return;
  }
  delete d.canary.initialising;
  enterWave(d, next);
  d.to("Verifying", `first release of ${names(init)} initialised; ${waveLabel(d)}${names(d.current)}: bringing up the candidate with no ordinary traffic; only verification users reach it (4.6 c)`);
}

function progressing(d: Draft): void {
  const { o } = d;
  const steps = d.strategy.steps;
  const i = d.canary.stepIndex;
  const step = steps[i];
  if (!step) return waveDone(d);
  const stepStart = Date.parse(d.canary.stepStartedAt ?? d.iso);
  const elapsed = o.now.getTime() - stepStart;
  const overdue = () => rollback(d, "ProgressDeadlineExceeded", `${waveLabel(d)}step ${step.name} did not finish within the progress deadline of ${d.strategy.progressDeadline}`, new Date(stepStart + d.deadlineMs));

  if (step.setWeight !== undefined) {
    if (d.canary.weight !== step.setWeight) {
      d.canary.weight = step.setWeight;
      d.event("Weight", `${waveLabel(d)}step ${step.name}: ${step.setWeight}% of ordinary traffic to the candidate`);
      d.message = `${waveLabel(d)}step ${step.name}: shifting ${step.setWeight}% of traffic to the candidate`;
      d.wake(0);
      return;
    }
    if (d.current.every((u) => u.traffic?.settled && (isRatio(u.routing) || inPlace(u.routing) || u.traffic.weight === step.setWeight))) return advance(d, `${step.setWeight}% of ordinary traffic on the candidate`);
    if (elapsed > d.deadlineMs) return overdue();
    const waiting = d.current.find((u) => !u.traffic?.settled) ?? d.current[0];
    d.message = d.trafficError ? `step ${step.name}: cannot set the weight: ${d.trafficError}` : `${waveLabel(d)}step ${step.name}: waiting for the router to send ${step.setWeight}% to the candidate${waiting?.traffic?.message ? ` (${waiting.name}: ${waiting.traffic.message})` : ""}`;
    d.wake(d.trafficError ? 5_000 : d.current.some((u) => isRatio(u.routing)) ? POLL_MS : 250);
    return;
  }

  if (step.pause) {
    const duration = step.pause.duration ? parseDuration(step.pause.duration) : undefined;
    if (duration !== undefined) {
      const left = stepStart + duration - o.now.getTime();
      if (left <= 0) return advance(d, `paused for ${step.pause.duration}`);
      d.message = `${waveLabel(d)}step ${step.name}: paused for ${step.pause.duration} at ${d.canary.weight}% (until ${new Date(stepStart + duration).toISOString()})`;
      d.wake(left);
      return;
    }
    d.canary.pause ??= { reason: "Approval", since: d.canary.stepStartedAt ?? d.iso };
    const approval = o.policy ? findPromotion(o.policy, d.verified, { step: step.name, since: d.canary.pause.since }) : undefined;
    if (approval) return advance(d, `approved by ${approval.signer} in role ${approval.role} (evidence ${approval.evidence})`);
    d.message = `${waveLabel(d)}step ${step.name}: paused at ${d.canary.weight}% until a role with the Promote permission signs a Promotion approval (golive promote ${o.release.metadata.name})`;
    return;
  }

  // An analysis step.
  const metricNames = step.analysis?.metrics ?? [];
  const defined = d.strategy.analysis?.metrics ?? [];
  const metrics = defined.filter((m) => metricNames.includes(m.name));
  if (!d.strategy.analysis || metrics.length !== metricNames.length) return stop(d, `step ${step.name} analyses metric(s) not defined in spec.strategy.analysis: fix the Release`, false);
  const runs = (d.status.analysis ??= []);
  const idx = runs.findIndex((r) => r.stepIndex === i && r.step === step.name && (r.wave ?? 0) === d.wave);
  if (idx < 0) {
    runs.push({ ...startRun(step.name, i, metrics, d.now), ...(d.wave > 0 ? { wave: d.wave } : {}) });
    if (runs.length > 64) runs.splice(0, runs.length - 64);
    d.message = `${waveLabel(d)}step ${step.name}: analysing ${metricNames.join(", ")} at ${d.canary.weight}%`;
    d.wake(0);
    return;
  }
  const run = (runs[idx] = advanceRun(runs[idx]!, metrics, o.measurements, d.now));
  const lastAt = (phase: string) =>
    run.metrics
      .filter((m) => m.phase === phase)
      .flatMap((m) => m.measurements.filter((x) => x.phase === (phase === "Error" ? "Error" : "Failed")).map((x) => Date.parse(x.at)))
      .reduce((a, b) => Math.max(a, b), 0);
  switch (run.phase) {
    case "Successful":
      return advance(d, `analysis successful: ${run.message ?? ""}`);
    case "Failed":
      return rollback(d, "AnalysisFailed", `${waveLabel(d)}analysis ${step.name} failed: ${run.message ?? ""}`, new Date(lastAt("Failed") || o.now.getTime()));
    case "Error":
      return rollback(d, "AnalysisError", `${waveLabel(d)}analysis ${step.name} could not measure: ${run.message ?? ""}`, new Date(lastAt("Error") || o.now.getTime()));
    case "Inconclusive": {
      d.canary.pause ??= { reason: "Inconclusive", since: run.finishedAt ?? d.iso };
      const approval = o.policy ? findPromotion(o.policy, d.verified, { step: step.name, since: d.canary.pause.since }) : undefined;
      if (approval) return advance(d, `inconclusive analysis accepted by ${approval.signer} in role ${approval.role}`);
      d.message = `${waveLabel(d)}step ${step.name}: analysis inconclusive (${run.message ?? ""}): waiting for a person — golive promote ${o.release.metadata.name} to continue, golive abort ${o.release.metadata.name} to roll back`;
      return;
    }
    default: {
      if (elapsed > d.deadlineMs) return overdue();
      const progress = run.metrics.map((m) => `${m.name} ${m.measured}/${defined.find((x) => x.name === m.name)?.count ?? "?"}${m.measurements.at(-1)?.value !== undefined ? ` (last ${m.measurements.at(-1)!.value})` : ""}`).join(", ");
      d.message = `${waveLabel(d)}step ${step.name}: analysing at ${d.canary.weight}%: ${progress}`;
      const due = nextDue(run);
      d.wake(due === undefined ? POLL_MS : due - o.now.getTime());
      d.wake(stepStart + d.deadlineMs - o.now.getTime() + 1);
    }
  }
}

/**
 * Every step of the wave is done. Its Deployments keep their last weight (still reversible: the
 * stable copies run the old template) and the next wave starts with its own verification; after
 * the last wave, every Deployment is promoted.
 */
function waveDone(d: Draft): void {
  const next = nextWave(d, d.wave + 1);
  if (next === undefined) return promote(d);
  const wave = d.status.waves?.[d.wave];
  const from = d.waveName;
  if (wave) {
    wave.weight = d.canary.weight;
    wave.passedAt = d.iso;
  }
  d.event("WavePassed", `wave ${from}: verification, ${d.strategy.steps.length} step(s) and analysis passed; ${names(d.current)} hold ${d.canary.weight}% until every wave passed`);
  enterWave(d, next);
  d.to("Verifying", `wave ${from} passed; ${waveLabel(d)}${names(d.current)}: bringing up the candidate with no ordinary traffic; only verification users reach it (4.6 c)`);
}

function advance(d: Draft, what: string): void {
  const steps = d.strategy.steps;
  const done = steps[d.canary.stepIndex];
  const next = d.canary.stepIndex + 1;
  d.canary.stepIndex = next;
  d.canary.stepStartedAt = d.iso;
  delete d.canary.pause;
  const step = steps[next];
  if (step) d.canary.stepName = step.name;
  else delete d.canary.stepName;
  d.event("StepCompleted", `step ${done?.name ?? next - 1} done (${what})${step ? `; next: ${step.name}` : "; all steps done: promoting"}`);
  d.message = `step ${done?.name ?? next - 1} done`;
  d.wake(0);
}

/** The Deployments to promote: every one with a new template, in rollout order. */
const toPromote = (d: Draft): UnitObserved[] => d.units.filter((u) => d.changed(u));

function promote(d: Draft): void {
  const { o } = d;
  const promotion = (d.status.promotion ??= { gates: [] });
  if (!o.policy) {
    d.message = "waiting for a ReleasePolicy to govern the namespace (Promotion gates cannot be evaluated)";
    return;
  }
  const units = toPromote(d);
  const label = units.length > 1 ? `the stable copies of ${names(units)}` : units[0] && inPlace(units[0].routing) ? `${units[0].kind} ${units[0].name}` : `${units[0]?.name ?? d.workload}-stable`;
  if (!promotion.startedAt) {
    const gates = evaluateGates(o.release, o.policy, o.evidence, d.now, gatesFor(o.policy, "Promotion"));
    promotion.gates = stableResults(promotion.gates, gates.results);
    const notPassed = gates.results.filter((g) => g.status !== "Passed" && g.name !== o.policy!.batch.gate);
    if (notPassed.length) {
      const first = notPassed[0]!;
      d.message = `all steps done at ${d.canary.weight}%; waiting for Promotion gate ${first.name} (${first.status}): ${first.reason}`;
      d.wake(60_000);
      return;
    }
    promotion.startedAt = d.iso;
    d.event("Promoting", `Promotion gates passed: ${label} take${units.length > 1 ? "" : "s"} the candidate's template (4.9)`);
  }
  for (const u of units) d.extra.push({ type: "ensureStable", workload: u.name, replicas: d.replicas(u) });
  const behind = units.filter((u) => !(u.stable !== undefined && u.candidate !== undefined && u.stable.templateHash === u.candidate.templateHash && rolledOut(u.stable, d.replicas(u))));
  if (behind.length) {
    if (o.now.getTime() - Date.parse(promotion.startedAt) > d.deadlineMs) {
      // A StatefulSet or DaemonSet has no stable copy that would serve instead: it gets its stable
      // template back, as in a rollback (steadyActions, Failed); a Deployment's stable copy stays.
      const late = behind[0]!;
      const own = units.filter((u) => inPlace(u.routing));
      const routed = units.filter((u) => !inPlace(u.routing));
      const what = inPlace(late.routing) ? `${late.kind} ${late.name} did not run the new template on every ${late.routing === "nodes" ? "node" : "pod"}` : `${late.name}-stable did not become available with the new template`;
      const after = [...(routed.length ? ["traffic stays as it is"] : []), ...(own.length ? [`${names(own)} get${own.length > 1 ? "" : "s"} the stable template back, as in a rollback (no stable copy serves instead)`] : [])];
      return stop(d, `promotion: ${what} within the progress deadline of ${d.strategy.progressDeadline}; ${after.join("; ")}`, false);
    }
    const u = behind[0]!;
    d.message = `promoting: ${inPlace(u.routing) ? `${u.kind} ${u.name}` : `${u.name}-stable`} is taking the candidate's template (${u.stable?.updatedReplicas ?? 0}/${d.replicas(u)} updated)`;
    d.wake(POLL_MS);
    return;
  }
  for (const u of d.units) d.extra.push({ type: "route", workload: u.name, weight: 0, verification: false });
  const wasOff = d.canary.weight === 0 && (d.status.waves ?? []).every((w) => w.weight === 0);
  if (!wasOff) {
    d.canary.weight = 0;
    for (const w of d.status.waves ?? []) w.weight = 0;
    d.message = "promoting: all traffic back to the (updated) stable copies";
    d.wake(0);
    return;
  }
  if (!d.units.every((u) => u.traffic?.settled && u.traffic.weight === 0 && !u.traffic.verification)) {
    d.message = d.trafficError ? `promoting: cannot route to stable: ${d.trafficError}` : "promoting: routing all traffic to the updated stable copies";
    d.wake(d.trafficError ? 5_000 : 250);
    return;
  }
  promotion.promotedAt ??= d.iso;
  // Released scales a router's candidate to 0 (steadyActions): not before the gateway has had
  // trafficRouting.scaleDownDelay to stop sending requests there.
  const routed = d.units.filter((u) => scalesCandidate(u) && (u.candidate?.replicas ?? 0) > 0 && u.candidate?.templateHash === u.stable?.templateHash);
  if (keepingPods(d, routed, promotion.promotedAt, "promoted: all traffic on the updated stable copies")) return;
  released(d, `promoted: ${label} run${units.length > 1 ? "" : "s"} ${o.release.spec.application} ${o.release.spec.version} and serve${units.length > 1 ? "" : "s"} all traffic (4.9)`, "promoted");
}

/**
 * 4.7 b: a release goes live only with its monitoring in place. The check is I/O, so in a pass
 * that would reach Released without it the planner asks for it (plan.checkMonitoring) and the
 * controller plans again with the result.
 */
function monitoringInPlace(d: Draft): boolean {
  if (d.o.policy && !d.o.policy.monitoring.requireReady) return true;
  const m = d.o.monitoring;
  if (!m) {
    d.checkMonitoring = true;
    d.message = "checking the release's monitoring before Released (4.7 b)";
    d.wake(POLL_MS);
    return false;
  }
  const previous = d.status.monitoring;
  const unchanged = previous?.ready === m.ready && JSON.stringify(previous.reasons ?? []) === JSON.stringify(m.reasons);
  d.status.monitoring = { mode: "Disabled", objects: [], ...previous, ready: m.ready, reasons: m.reasons.slice(0, 32), checkedAt: unchanged && previous.checkedAt ? previous.checkedAt : d.iso };
  if (m.ready) return true;
  if (!unchanged) d.event("MonitoringNotReady", `not Released yet: ${m.reasons.join("; ")}`, "Warning");
  d.message = `waiting for monitoring before Released (4.7 b): ${m.reasons.join("; ")}`;
  d.wake(MONITORING_POLL_MS);
  return false;
}

/**
 * 4.3 g: the DR environment runs the same version. Where the policy says so (level 3 by default,
 * operator/dr/hold.ts) Released waits until every DR target was last seen InSync: the phase stays,
 * status.disasterRecoveryHold says since when, the message names what differs, and past the
 * deadline the release is Stalled but keeps waiting. Otherwise an inconsistent DR site only warns.
 * The target states are what the DR pass recorded (it reads in the background and requeues).
 */
function drConsistent(d: Draft): boolean {
  const hold = d.status.disasterRecoveryHold;
  const decision = beforeReleased({ policy: d.o.policy, targets: d.status.disasterRecovery, hold, now: d.now });
  if (decision.decision === "proceed") {
    if (decision.warning) d.event(RELEASED_DR_INCONSISTENT, decision.warning, "Warning");
    d.drHeldSince = hold?.since;
    delete d.status.disasterRecoveryHold;
    return true;
  }
  if (!hold) d.event("DisasterRecoveryHold", decision.message, "Warning");
  d.status.disasterRecoveryHold = decision.hold;
  d.message = decision.message;
  d.wake(decision.recheckMs);
  if (decision.decision === "stall") {
    d.drStalled = decision.message;
    if (decision.firstTime) d.event(DR_DEADLINE_EXCEEDED, decision.message, "Warning");
  }
  return false;
}

/** The part of the Released reason that says a DR hold was waited out. */
const drWaited = (d: Draft): string => (d.drHeldSince ? `; every DR target InSync (Released held for it since ${d.drHeldSince}, 4.3 g)` : "");

/** Reach Released, once the monitoring is in place and the DR site consistent; false (and a message saying why) until then. */
function released(d: Draft, reason: string, how: "initialised" | "promoted" | "unchanged"): boolean {
  if (!monitoringInPlace(d)) return false;
  if (!drConsistent(d)) return false;
  d.canary.weight = 0;
  delete d.canary.stepName;
  delete d.canary.pause;
  const lead = d.units[0]!;
  if (lead.candidate) d.canary.stableTemplateHash = lead.candidate.templateHash;
  const hash = lead.stable?.templateHash === lead.candidate?.templateHash ? lead.stable?.podTemplateHash : undefined;
  if (hash) d.canary.stablePodTemplateHash = hash;
  for (const u of d.units) {
    const r = d.record(u);
    if (r && u.candidate) r.stableTemplateHash = u.candidate.templateHash;
  }
  for (const w of d.status.waves ?? []) w.weight = 0;
  d.status.releasedAt = d.iso;
  d.status.inventory = { configMap: INVENTORY_CONFIGMAP, key: d.workload, recordedAt: d.iso };
  for (const u of d.units) d.extra.push({ type: "recordInventory", workload: u.name, how: how === "promoted" && !d.changed(u) ? "unchanged" : how });
  d.to("Released", `${reason}${drWaited(d)}`);
  return true;
}

function rollback(d: Draft, trigger: Trigger, reason: string, decidedAt: Date, abortedBy?: string): void {
  const automatic = d.o.release.spec.rollback.automatic;
  if (!automatic && trigger !== "Aborted") {
    d.to("Failed", `${reason}; automatic rollback is off (spec.rollback.automatic): a person decides — golive abort ${d.o.release.metadata.name} rolls back`, { trigger });
    d.message = d.transition!.reason;
    return;
  }
  d.status.rollback = {
    trigger,
    reason,
    decidedAt: decidedAt.toISOString(),
    startedAt: d.iso,
    ...(abortedBy ? { abortedBy } : {}),
    hooks: d.o.release.spec.rollback.hooks.map((h) => pendingJob(d, "rollback", h.name)),
  };
  d.canary.weight = 0;
  for (const w of d.status.waves ?? []) w.weight = 0;
  delete d.canary.pause;
  d.to("RollingBack", `${reason}: all traffic back to stable, candidate scaled down (4.10)${d.moved.length > 1 ? `, every wave already moved, newest first (${names([...d.moved].reverse())})` : ""}`, { trigger, decidedAt: decidedAt.toISOString(), ...(abortedBy ? { abortedBy } : {}) });
  d.message = `rolling back: ${reason}`;
}

/** A unit is back on its stable version: 0 % ordinary traffic, no verification route, no candidate pods. */
function backOnStable(u: UnitObserved): { traffic: boolean; gone: boolean } {
  const c = u.candidate;
  return {
    traffic: u.traffic?.settled === true && u.traffic.weight === 0 && !u.traffic.verification,
    // A StatefulSet or DaemonSet keeps its pods: every one runs the stable revision again (candidatePods counts the others).
    gone: inPlace(u.routing) ? u.candidatePods === 0 && rolledOut(u.stable) : (!c || (c.replicas === 0 && c.statusReplicas === 0)) && u.candidatePods === 0,
  };
}

function rollingBack(d: Draft): void {
  const { o } = d;
  const rb = d.status.rollback;
  if (!rb) return stop(d, "rolling back without a rollback record", false);
  const moved = d.moved;
  for (const u of moved) {
    const r = d.record(u);
    const back = backOnStable(u);
    if (r && !r.rolledBackAt && back.traffic && back.gone) r.rolledBackAt = d.iso;
  }
  if (!rb.trafficOnStableAt && moved.every((u) => backOnStable(u).traffic)) rb.trafficOnStableAt = d.iso;
  if (!rb.candidateGoneAt && moved.every((u) => backOnStable(u).gone)) rb.candidateGoneAt = d.iso;
  if (!rb.trafficOnStableAt) {
    const waiting = [...moved].reverse().find((u) => !backOnStable(u).traffic);
    d.message = d.trafficError ? `rolling back: cannot route to stable: ${d.trafficError}` : `rolling back: sending all traffic of ${waiting ? `Deployment ${waiting.name}` : "every wave"} to stable (newest wave first)`;
    // By replica ratio traffic is on stable once Deployments settle, and each Deployment's change
    // wakes its release at once (manager.ts): poll each second, not every 100 ms (with a hundred
    // rolling back, 100 ms polls of three GETs each kept the operator from seeing the settled ones).
    d.wake(d.trafficError ? 2_000 : moved.every((u) => isRatio(u.routing)) ? POLL_MS : 100);
    return;
  }
  // Hooks run one after another, once traffic is back on stable (4.10 c,d).
  rb.hooks = o.release.spec.rollback.hooks.map((h) => rb.hooks.find((x) => x.name === h.name) ?? pendingJob(d, "rollback", h.name));
  for (let i = 0; i < rb.hooks.length; i++) {
    const hook = rb.hooks[i]!;
    if (hook.phase === "Succeeded") continue;
    rb.hooks[i] = syncJob(d, "rollback", hook.name, hook);
    const now = rb.hooks[i]!;
    if (now.phase === "Failed") {
      // Failed still scales a router's candidate to 0 (steadyActions) once the delay is over.
      d.wakeForScaleDown(rb.trafficOnStableAt);
      return stop(d, `rollback hook ${now.name} failed${now.reason ? `: ${now.reason}` : ""}; traffic is on stable and the candidate is scaled down (behind a router, once trafficRouting.scaleDownDelay is over), but a person must finish the compensation (4.10 c,d)`, false);
    }
    if (now.phase !== "Succeeded") {
      d.message = `rolling back: traffic on stable; running rollback hook ${now.name}`;
      d.wake(POLL_MS * 5);
      return;
    }
  }
  if (keepingPods(d, moved.filter((u) => scalesCandidate(u) && !backOnStable(u).gone), rb.trafficOnStableAt, "rolling back: traffic on stable")) return;
  if (!rb.candidateGoneAt) {
    const left = moved.filter((u) => !backOnStable(u).gone).map((u) => `${u.name}: ${u.candidatePods ?? "?"}`);
    d.message = `rolling back: traffic on stable; waiting for the candidates' pods to be gone (${left.join(", ")} left)`;
    d.wake(POLL_MS);
    return;
  }
  rb.verifiedAt = d.iso;
  const took = Date.parse(rb.trafficOnStableAt) - Date.parse(rb.decidedAt);
  const each = moved.length > 1 ? ` for each of ${names(moved)}` : "";
  const back = rolledBackMessage(moved);
  d.to("RolledBack", `rolled back (${rb.trigger}): ${rb.reason}. Verified${each}: ${back}, ${rb.hooks.length} rollback hook(s) succeeded (4.10 e)`, {
    trigger: rb.trigger,
    decidedAt: rb.decidedAt,
    trafficOnStableAt: rb.trafficOnStableAt,
    candidateGoneAt: rb.candidateGoneAt,
    decisionToStableMs: took,
    ...(moved.length > 1 ? { workloads: moved.map((u) => u.name) } : {}),
  });
}

/** What RolledBack says was verified, by how each moved workload went back. */
function rolledBackMessage(moved: readonly UnitObserved[]): string {
  const sets = moved.filter((u) => u.routing === "partition");
  const daemons = moved.filter((u) => u.routing === "nodes");
  const routed = moved.filter((u) => !inPlace(u.routing));
  const parts = [
    ...(routed.length ? ["the router sends 0% to the candidate and no verification route remains, the candidate has 0 replicas and no pods"] : []),
    ...(sets.length ? [`${routed.length ? `${names(sets)}: ` : ""}the stable template is back with partition 0 and every pod runs the stable revision${routed.length ? "" : " (0 candidate pods)"}`] : []),
    ...(daemons.length ? [`${routed.length || sets.length ? `${names(daemons)}: ` : ""}the stable template is back and every node runs one Ready pod of the stable revision${routed.length || sets.length ? "" : " (0 candidate pods)"}`] : []),
  ];
  return parts.join("; ");
}

function failed(d: Draft): void {
  const { o } = d;
  // A stopped rollback scales a router's candidate to 0 once trafficRouting.scaleDownDelay is over.
  if (d.status.rollback) d.wakeForScaleDown(d.status.rollback.trafficOnStableAt);
  if (!o.policy) return;
  const { abort } = findAbort(o.policy, d.verified);
  // A failure that stopped short of rolling back (automatic rollback off) can still be aborted,
  // as long as the Deployment still runs this release's candidate.
  const c = d.lead.candidate;
  if (abort && !d.status.rollback && !d.status.promotion?.startedAt && c && c.templateHash === d.status.canary?.candidateTemplateHash && !o.otherActive) {
    d.status.phase = "Failed";
    rollback(d, "Aborted", `aborted by ${abort.signer} in role ${abort.role}${abort.reason ? `: ${abort.reason}` : ""}`, abort.issuedAt, `${abort.signer} (${abort.role}), evidence ${abort.evidence}`);
  }
}

const promotedAbort = (abort: { signer: string; role: string }, since: string): string =>
  `aborted by ${abort.signer} in role ${abort.role} after the promotion began (${since}): the stable copies already take the new template, so there is no earlier version to roll back to; traffic stays as it is: roll forward with a new Release`;

/** Stop the rollout where it is: traffic back on stable (unless told otherwise), phase Failed. */
function stop(d: Draft, reason: string, toStable = true): void {
  if (toStable) d.canary.weight = 0;
  delete d.canary.pause;
  d.to("Failed", reason);
  d.message = reason;
}

// ---------------------------------------------------------------------------------------------
// Jobs

function pendingJob(d: Draft, purpose: JobPurpose, name: string): RolloutJobStatus {
  // A wave's verification and cleanup Jobs are its own; rollback hooks run once for the release.
  return { name, job: jobName(d.o.release.metadata.name, purpose, name, purpose === "rollback" ? 0 : d.wave), phase: "Pending" };
}

/** Move a Job's record forward from what is observed, creating the Job when it is due. */
function syncJob(d: Draft, purpose: JobPurpose, name: string, entry: RolloutJobStatus | undefined): RolloutJobStatus {
  const e: RolloutJobStatus = entry ? { ...entry } : pendingJob(d, purpose, name);
  if (e.phase === "Succeeded" || e.phase === "Failed") return e;
  const seen = d.o.jobs.get(e.job);
  if (seen) {
    e.phase = seen.phase;
    if (seen.reason) e.reason = seen.reason;
    if (seen.finishedAt) e.finishedAt = seen.finishedAt;
    e.startedAt ??= seen.startedAt ?? d.iso;
    if (e.phase !== "Running") d.event(e.phase === "Succeeded" ? "JobSucceeded" : "JobFailed", `${purpose} Job ${e.job} ${e.phase.toLowerCase()}${e.reason ? `: ${e.reason}` : ""}`, e.phase === "Failed" ? "Warning" : "Normal");
    return e;
  }
  // Not there (yet): create it. Creating an existing Job is harmless, so a pass that does not see
  // a Job it just created simply asks again.
  d.extra.push({ type: "createJob", purpose, name, job: e.job });
  if (e.phase === "Pending") {
    e.phase = "Running";
    e.startedAt = d.iso;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// The steady state of the phase, conditions and message

/**
 * The traffic a Deployment of the rollout should have in this status: the current wave's weight
 * (and, while Verifying, verification-only access) for the current wave; the weight a passed wave
 * holds for earlier waves; 0 % for waves not started, Deployments with nothing to roll out, and
 * every phase but Verifying, CleaningUp and Progressing. Pure; the controller observes the
 * routers against it.
 */
export function desiredTraffic(status: ReleaseStatus, u: Pick<UnitObserved, "name" | "wave" | "routing">): { weight: number; verification: boolean } {
  const off = { weight: 0, verification: false };
  const phase = status.phase;
  if (!(phase === "Verifying" || phase === "CleaningUp" || phase === "Progressing") || status.canary?.initialising) return off;
  const wave = status.canary?.wave ?? 0;
  const record = status.waves?.[u.wave]?.workloads.find((w) => w.name === u.name);
  if (record && !record.changed) return off;
  if (u.wave === wave) return { weight: status.canary?.weight ?? 0, verification: phase === "Verifying" && !noVerificationRoute(u.routing) };
  if (u.wave < wave) return { weight: status.waves?.[u.wave]?.weight ?? 0, verification: false };
  return off;
}

function steadyActions(d: Draft): RolloutAction[] {
  const phase = d.status.phase;
  const actions: RolloutAction[] = [];
  const services = (u: UnitObserved): RolloutAction[] => (hasServices(u.routing) ? [{ type: "ensureServices", workload: u.name }] : []);
  const route = (u: UnitObserved): RolloutAction => ({ type: "route", workload: u.name, ...desiredTraffic(d.status, u) });
  /** A candidate behind a router serves only through it: it runs its full replicas while it is rolled out. */
  const scaleUp = (u: UnitObserved): RolloutAction[] => (scalesCandidate(u) && u.candidate && u.candidate.replicas === 0 && d.changed(u) && u.wave === d.wave ? [{ type: "scaleCandidate", workload: u.name, replicas: d.replicas(u) }] : []);
  switch (phase) {
    case "Verifying":
    case "CleaningUp":
      for (const u of d.units) actions.push(...services(u), ...scaleUp(u), route(u));
      break;
    case "Progressing":
      if (d.status.canary?.initialising) for (const u of d.units) actions.push(...services(u), ...(d.record(u)?.stableTemplateHash === undefined ? [] : [route(u)]));
      else if (d.status.promotion?.startedAt && !d.extra.some((a) => a.type === "route")) for (const u of d.units) actions.push(...services(u));
      else for (const u of d.units) actions.push(...services(u), ...scaleUp(u), route(u));
      break;
    case "RollingBack": {
      // Newest wave first: an earlier wave goes back only once every later one is on stable, so a
      // new frontend never calls an old backend it was not verified with.
      const moved = d.moved;
      const waves = [...new Set(moved.map((u) => u.wave))].sort((a, b) => b - a);
      for (const w of waves) {
        const units = moved.filter((u) => u.wave === w);
        const drained = d.scaleDownLeftMs(d.status.rollback?.trafficOnStableAt) === 0;
        for (const u of units) {
          actions.push({ type: "route", workload: u.name, weight: 0, verification: false });
          if (scalesCandidate(u) && drained) actions.push({ type: "scaleCandidate", workload: u.name, replicas: 0 });
        }
        if (!units.every((u) => backOnStable(u).traffic)) break;
      }
      for (const u of d.units.filter((x) => !moved.includes(x))) actions.push({ type: "route", workload: u.name, weight: 0, verification: false });
      break;
    }
    case "Released":
      for (const u of d.units) actions.push({ type: "route", workload: u.name, weight: 0, verification: false });
      // Behind a router the promoted stable copy serves everything: the user's Deployment, which
      // runs the same template, would only double the pods. Replica ratio already scaled it to 0.
      if (d.transition) for (const u of d.units) if (scalesCandidate(u) && (u.candidate?.replicas ?? 0) > 0 && u.candidate?.templateHash === u.stable?.templateHash) actions.push({ type: "scaleCandidate", workload: u.name, replicas: 0 });
      break;
    case "Failed": {
      // Keep traffic on stable after a stop, unless another release now drives the workloads.
      if (d.o.otherActive) break;
      // A StatefulSet or DaemonSet that still runs this release's candidate gets its stable
      // template back once the rollout is stopped with traffic on stable (weight 0) or during the
      // promotion (progress deadline): it has no stable copy that would serve instead. Automatic
      // rollback off leaves everything where it is, for a person (rollback()).
      const toStable = (d.status.canary?.weight ?? 0) === 0;
      const inPromotion = d.status.promotion?.startedAt !== undefined && d.status.promotion.promotedAt === undefined;
      const restore = (u: UnitObserved) => inPlace(u.routing) && d.changed(u) && u.candidate?.templateHash === d.record(u)?.candidateTemplateHash;
      if (d.status.canary?.startedAt && (toStable || inPromotion))
        for (const u of d.units) {
          if (restore(u)) actions.push({ type: "restoreStable", workload: u.name });
          else if (toStable) actions.push({ type: "route", workload: u.name, weight: 0, verification: false });
        }
      if (d.status.rollback && d.scaleDownLeftMs(d.status.rollback.trafficOnStableAt) === 0) for (const u of d.moved) if (scalesCandidate(u) && u.candidate?.templateHash === d.record(u)?.candidateTemplateHash) actions.push({ type: "scaleCandidate", workload: u.name, replicas: 0 });
      break;
    }
    default:
      break;
  }
  // Extra actions of this pass; a route in them replaces the steady one of its Deployment.
  const extraRoutes = d.extra.filter((a) => a.type === "route");
  const replaced = new Set(extraRoutes.map((a) => a.workload));
  return [
    ...actions.filter((a) => !(a.type === "route" && replaced.has(a.workload))),
    ...d.extra.filter((a) => a.type === "ensureStable"),
    ...extraRoutes,
    ...d.extra.filter((a) => a.type !== "route" && a.type !== "ensureStable"),
  ];
}

function verifiedCondition(s: ReleaseStatus): ConditionInput | undefined {
  const v = s.verification;
  if (!v) return undefined;
  if (v.passedAt) return { type: "Verified", status: "True", reason: "VerificationPassed", message: `${v.jobs.length} verification Job(s) succeeded and ${v.gates.length} Verification gate(s) passed` };
  if (s.rollback?.trigger === "VerificationFailed") return { type: "Verified", status: "False", reason: "VerificationFailed", message: s.rollback.reason };
  return { type: "Verified", status: "Unknown", reason: "Verifying", message: "verification in progress" };
}

function monitoringCondition(s: ReleaseStatus): ConditionInput | undefined {
  const m = s.monitoring;
  if (m?.ready === undefined) return undefined;
  return m.ready
    ? { type: "MonitoringReady", status: "True", reason: "MonitoringInPlace", message: "scrape targets up, key capacity metrics sampled, backups as required (4.7 b)" }
    : { type: "MonitoringReady", status: "False", reason: "MonitoringMissing", message: (m.reasons ?? []).join("; ").slice(0, 4096) };
}

/**
 * The progress deadline over the whole rollout, not only its steps: while the router or an action
 * fails (the HTTPRoute missing, a Service missing, the API refusing a write) golive cannot act, and
 * from the first such pass the clock runs (status.stall.since). A pass that can act, or a phase
 * change, clears it. Past the deadline the release says Stalled (reason ProgressDeadlineExceeded,
 * the error in the message), Ready=False, and records one Warning Event; the phase stays, golive
 * keeps retrying, and the rollout continues by itself once the cause is fixed. Returns the stall
 * message once stalled.
 */
function watchStall(d: Draft): string | undefined {
  const s = d.status;
  const obstacle = d.trafficError ?? d.o.actionError;
  if (!obstacle || d.transition || !ACTIVE_PHASES.includes(s.phase!)) {
    delete s.stall;
    return undefined;
  }
  const since = s.stall?.since ?? d.iso;
  const reason = obstacle.slice(0, 1024);
  const due = Date.parse(since) + d.deadlineMs;
  s.stall = { since, reason, ...(s.stall?.stalledAt ? { stalledAt: s.stall.stalledAt } : {}) };
  if (d.now.getTime() < due) {
    d.wake(due - d.now.getTime() + 1);
    return undefined;
  }
  const message = `${s.phase} stalled: no progress within the progress deadline of ${d.strategy.progressDeadline} (since ${since}): ${reason}. golive keeps retrying and continues once this is fixed; golive abort ${d.o.release.metadata.name} rolls back`;
  if (!s.stall.stalledAt) {
    s.stall.stalledAt = d.iso;
    d.event("ProgressDeadlineExceeded", message, "Warning");
  }
  return message;
}

/** Each wave's phase and each workload's pods, from the release's position (status.waves). */
function syncWaves(d: Draft): void {
  const waves = d.status.waves;
  if (!waves) return;
  const phase = d.status.phase!;
  const current = d.wave;
  waves.forEach((w, i) => {
    const changed = w.workloads.some((x) => x.changed);
    if (!changed && !d.status.canary?.initialising) w.phase = "Skipped";
    else if (phase === "Released") w.phase = "Promoted";
    else if (phase === "RollingBack" || phase === "RolledBack" || (phase === "Failed" && d.status.rollback)) w.phase = i <= current ? (w.workloads.every((x) => !x.changed || x.rolledBackAt) ? "RolledBack" : "RollingBack") : "Pending";
    else if (i < current) w.phase = "Passed";
    else if (i === current && (phase === "Verifying" || phase === "CleaningUp" || phase === "Progressing")) w.phase = phase;
    else if (i > current) w.phase = "Pending";
    if (i === current && phase !== "RollingBack" && phase !== "RolledBack") w.weight = phase === "Released" ? 0 : (d.status.canary?.weight ?? 0);
  });
  for (const u of d.units) {
    const r = d.record(u);
    if (!r) continue;
    if (u.candidate) r.candidatePods = u.candidate.readyReplicas;
    if (u.stable) r.stablePods = u.stable.readyReplicas;
  }
}

/**
 * A rollout that started before golive knew waves has no status.waves: record its one Deployment
 * as changed, with the template hash status.canary recorded, so the checks that use it still hold.
 */
function ensureWaves(d: Draft): void {
  if (d.status.waves || !d.status.canary?.candidateTemplateHash) return;
  const u = d.units[0]!;
  d.status.waves = [{ name: u.waveName, phase: "Pending", weight: 0, workloads: [{ kind: "Deployment", name: u.name, routing: u.routing, changed: true, replicas: declaredReplicas(d.o.release, u.candidate, u.stable, isRatio(u.routing)), candidateTemplateHash: d.status.canary.candidateTemplateHash, ...(d.status.canary.stableTemplateHash && !d.status.canary.initialising ? { stableTemplateHash: d.status.canary.stableTemplateHash } : {}) }] }];
}

/** The phases in which Released may be held for DR consistency. */
const HOLD_PHASES: readonly Phase[] = ["Approved", "Verifying", "CleaningUp", "Progressing"];

function finish(d: Draft): RolloutPlan {
  syncWaves(d);
  const s = d.status;
  const phase = s.phase!;
  // A hold outlives no phase it was not decided in (a rollback or abort while held ends it).
  if (!HOLD_PHASES.includes(phase)) delete s.disasterRecoveryHold;
  const progress = watchStall(d);
  const stalled = progress ?? d.drStalled;
  const stalledReason = progress ? "ProgressDeadlineExceeded" : DR_DEADLINE_EXCEEDED;
  const message = stalled ?? (d.message || (d.transition ? d.transition.reason : (s.message ?? "")));
  s.message = message.slice(0, 4096);
  const generation = d.o.release.metadata.generation ?? 0;
  s.observedGeneration = generation;
  const keep: ConditionInput[] = (s.conditions ?? [])
    .filter((c: Condition) => !["Ready", "Reconciling", "Stalled", "Verified", "MonitoringReady"].includes(c.type))
    .map(({ type, status, reason, message: m }) => ({ type, status, reason, message: m }));
  const extra = [verifiedCondition(s), monitoringCondition(s)].filter((c) => c !== undefined);
  s.conditions = setConditions(d.o.base.conditions, [...(stalled ? stalledConditions(stalledReason, s.message) : lifecycleConditions(phase, s.message)), ...keep, ...extra], generation, d.now);
  return { status: s, ...(d.transition ? { transition: d.transition } : {}), events: d.events, actions: steadyActions(d), requeueAfterMs: d.requeueAfterMs, ...(d.checkMonitoring ? { checkMonitoring: true } : {}) };
}
