// The rollout's edges: gather what planRollout needs (Deployments and Jobs from informers, the
// pod-template hashes from ReplicaSets, what the router has in effect, measurements that are due),
// and execute the actions it returns. The Release reconcile calls prepare() after the gate plan,
// writes the status (with the audit record of a transition), then runs execute(): the status
// that records a decision is written before anything acts on it, so a crash in between is
// resumed from the decision, never lost.
import type { EvidenceObject } from "../../gates/opened-evidence.js";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { verificationExposure } from "../network/verification-exposure.js";
import type { KeyObject } from "node:crypto";
import type { Logger } from "pino";
import { RELEASE_LABEL, VERIFIED_GATE, type Release, type ReleasePolicy, type ReleaseStatus } from "../../api/index.js";
import { canonicalJson } from "../../gates/canonical-json.js";
import { createEvidence } from "../../gates/sign.js";
import { QueryError, queryValue } from "../analysis/prometheus.js";
import { dueMetrics, expandQuery, type Measurement } from "../analysis/run.js";
import type { Store } from "../release/gather.js";
import { routerFor } from "../routers/index.js";
import type { DeploymentLike } from "../routers/replica-ratio.js";
import { verificationTokenOf } from "../routers/verification-token.js";
import { applyPath, FIELD_MANAGER, MANAGED_BY, ownerReference, paths, TRACK_LABEL, type KubeObjectLike, type RouterContext, type TrafficRouter, type VerificationMatch } from "../routers/types.js";
import type { MonitoringCheck } from "../monitoring/readiness.js";
import { Informer, type KubeObject } from "../runtime/informer.js";
import { KubeError, type KubeClient } from "../runtime/kube-client.js";
import { inventoryConfigMap, inventoryRecord, type InventoryHow } from "./inventory.js";
import { jobManifest, jobView, type JobLike } from "./jobs.js";
import { canaryServiceName, governsWorkload, INVENTORY_CONFIGMAP, rolloutWorkload, stableName, stableServiceName } from "./names.js";
import { desiredTraffic, directWorkload, planRollout, runsSealedImages, unitReplicas } from "./plan.js";
import { ACTIVE_PHASES, type JobView, type RolloutAction, type RolloutObserved, type RolloutPlan, type UnitObserved, type WorkloadView } from "./types.js";
import { otherActiveRelease, rolloutUnits, type RolloutUnit } from "./waves.js";
import { restorableStable, stableCopy, stableUpToDate, workloadView } from "./workloads.js";
import { desiredPartition, partitionOf, partitionTraffic, replicasOf, REVISION_LABEL, revisionTemplate, statefulSetViews, type StatefulSetLike } from "./statefulset.js";
import { gateChanges, gateApply, inVerification, keepsCandidateOrdinal, candidateHeldBack, templateDeclaresGate, verificationPods, verifyName, verifyPolicy, verifyService, type GatedPodLike } from "./statefulset-gate.js";
import { daemonSetStatusView, daemonSetViews, held, maxUnavailableOf, nodeAction, nodeStage, nodeTraffic, STABLE_STRATEGY_ANNOTATION, type DaemonSetLike } from "./daemonset.js";
import { holdDaemonSet, observeDaemonSet, releaseDaemonSet, replaceDaemonPods, restoreAndHandBack, rollBackDaemonSet, type DaemonSetObserved } from "./daemonset-io.js";

export interface RolloutStores {
  releases: Store<Release>;
  evidence: Store<EvidenceObject>;
  deployments: Store<DeploymentLike>;
  statefulsets: Store<StatefulSetLike>;
  daemonsets: Store<DaemonSetLike>;
  jobs: Store<JobLike>;
  /** 4.6 c: the pods verification reaches and the NetworkPolicies that might open them to others. */
  pods?: Store<{ metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown } }>;
  networkPolicies?: Store<V1NetworkPolicy>;
}

/** A key the policy trusts for VerificationReport evidence: the operator signs Job results with it. */
export interface EvidenceSigner {
  name: string;
  key: KeyObject;
}

export interface RolloutDeps {
  client: KubeClient;
  stores: RolloutStores;
  log: Logger;
  signer?: EvidenceSigner | undefined;
  /** Reconcile this key again now. */
  enqueue: (key: string) => void;
  queryTimeoutMs?: number;
  /** The monitoring check before Released (operator/monitoring/readiness.ts monitoringCheck). */
  checkMonitoring?: MonitoringCheck;
}

export interface PrepareInput {
  key: string;
  release: Release;
  base: ReleaseStatus;
  policy: ReleasePolicy | undefined;
  evidence: readonly EvidenceObject[];
  now: Date;
}

export interface PreparedRollout {
  plan: RolloutPlan;
  /**
   * Acts on the plan. True when what it did is in effect already (a route object golive wrote is
   * what the gateway reads), so the caller looks again at once instead of after the queue's turn:
   * a rollback records traffic on stable in the pass right after its route write (issue 20).
   */
  execute(status: ReleaseStatus): Promise<boolean>;
}

/** What the executor needs of one Deployment of the rollout. */
interface UnitEdge {
  workload: string;
  candidateRaw: DeploymentLike | undefined;
  stableRaw: DeploymentLike | undefined;
  candidate: WorkloadView | undefined;
  kind?: "StatefulSet" | "DaemonSet" | undefined;
  /** A StatefulSet unit's StatefulSet (canaried by partition). */
  statefulSet?: StatefulSetLike | undefined;
  /** A DaemonSet unit's DaemonSet, its revisions and pods (canaried node by node). */
  daemonSet?: DaemonSetObserved | undefined;
  /** The unit's wave (a DaemonSet's stage depends on it). */
  wave?: number;
  router: TrafficRouter;
  ctx: RouterContext;
}

interface ServiceLike extends KubeObjectLike {
  spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string }[] };
}

const ROLLOUT_AWARE = new Set(["Approved", "Failed", ...ACTIVE_PHASES]);
const RESYNC_MS = 5 * 60_000;
/** The longest wait between retries of failing rollout actions. */
const FAILURE_BACKOFF_MAX_MS = 30_000;

export class RolloutController {
  private readonly hashes = new Map<string, { key: string; hash: string | undefined }>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly watches = new Map<string, Informer<KubeObject>>();
  private readonly applied = new Map<string, { digest: string; at: number }>();
  /** Releases whose inventory record is known to be written (by uid). */
  private readonly inventoried = new Set<string>();
  /** The last failure of each release's actions, until they succeed again (by key). */
  private readonly failures = new Map<string, { message: string; attempts: number; since: string }>();

  constructor(private readonly d: RolloutDeps) {}

  /** Reconcile `key` after `ms` (the earliest request wins; the queue's own delays are coarser). */
  schedule(key: string, ms: number): void {
    const at = Date.now() + Math.max(0, ms);
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.d.enqueue(key);
    }, Math.max(0, ms));
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
  }

  /** Releases to look at again when a workload changes: those rolling it out (or about to). */
  releasesFor(namespace: string, kind: "Deployment" | "StatefulSet" | "DaemonSet", name: string): string[] {
    return this.d.stores.releases
      .list(namespace)
      .filter((r) => ROLLOUT_AWARE.has(r.status?.phase ?? "") && governsWorkload(r.spec, kind, name))
      .map((r) => `${namespace}/${r.metadata.name}`);
  }

  /** A timed look again at the release is pending (schedule), e.g. its analysis's next measurement. */
  isScheduled(key: string): boolean {
    return this.timers.has(key);
  }

  async prepare(i: PrepareInput): Promise<PreparedRollout | undefined> {
    const { release, base, now } = i;
    const strategy = release.spec.strategy;
    try {
      await this.syncGates(release, base);
    } catch (e) {
      // Not fatal here: a rollout's execute() syncs them again and reports a failure as its own.
      this.d.log.warn({ release: i.key, err: e }, "cannot set the readiness gate of a StatefulSet's pods");
    }
    if (!strategy) return this.prepareDirect(i);
    const workload = rolloutWorkload(release.spec);
    const phase = base.phase;
    if (!workload) return undefined;
    if (phase === undefined || phase === "Pending" || phase === "Blocked" || phase === "Approved") {
      await this.holdPartitions(release);
      await this.holdDaemonSets(release);
      await this.restoreStableCopies(release);
    }
    if (phase === "Released" || phase === "RolledBack" || phase === "Failed") await this.settleDaemonSets(release, phase);
    if (phase === "Released") return this.ensureInventory(i, workload, this.inventoryLabelled(release, workload));
    if (!ROLLOUT_AWARE.has(phase ?? "")) return undefined;
    const ns = release.metadata.namespace ?? "default";
    const specUnits = rolloutUnits(release.spec);
    // The common case of an Approved release whose workloads do not run it yet costs no API call.
    if (phase === "Approved") {
      const runs = specUnits.some((u) => {
        const raw = u.kind === "StatefulSet" ? this.d.stores.statefulsets.get(ns, u.name) : u.kind === "DaemonSet" ? this.d.stores.daemonsets.get(ns, u.name) : this.d.stores.deployments.get(ns, u.name);
        return raw?.metadata?.labels?.[RELEASE_LABEL] === release.metadata.name && runsSealedImages(workloadView(raw, undefined, false).images, release.spec.images);
      });
      if (!runs) return undefined;
    }
    const otherActive = otherActiveRelease(release, this.d.stores.releases.list(ns), specUnits.map((u) => u.name));

    let match: VerificationMatch | undefined;
    const verificationMatch = async (): Promise<VerificationMatch> => (match ??= await this.verificationValue(release));
    const units = await Promise.all(specUnits.map((u) => this.observeUnit(release, base, ns, u, verificationMatch)));
    const primary = units.find((u) => u.observed.primary) ?? units[0]!;

    const jobs = new Map<string, JobView>();
    for (const j of this.d.stores.jobs.list(ns)) if (j.metadata?.labels?.[RELEASE_LABEL] === release.metadata.name) jobs.set(j.metadata.name ?? "", jobView(j));
    const measurements = phase === "Progressing" ? await this.measure(release, base, now) : new Map<string, Measurement>();

    const actionError = this.failures.get(i.key)?.message;
    const observed: RolloutObserved = {
      release,
      base,
      policy: i.policy?.spec,
      evidence: i.evidence,
      units: units.map((u) => u.observed),
      candidate: primary.observed.candidate,
      stable: primary.observed.stable,
      actionError,
      jobs,
      measurements,
      otherActive,
      verificationExposed: exposedVerification(release, base, this.d.stores.pods?.list(ns), this.d.stores.networkPolicies?.list(ns)),
      canSign: this.d.signer !== undefined,
      now,
    };
    let plan = planRollout(observed);
    // Only a pass that would reach Released asks Prometheus whether the monitoring is in place.
    if (plan?.checkMonitoring) plan = planRollout({ ...observed, monitoring: await this.monitoringReadiness(release, i.policy) });
    if (!plan) return undefined;
    const byName = new Map(units.map((u) => [u.observed.name, u]));
    return {
      plan,
      execute: async (status) => {
        // The gates first and whatever the actions do: a candidate leaves ordinary traffic the
        // moment a rollback is decided, and a failing action never keeps it exposed.
        const gates = await this.syncGates(release, status).then(
          () => undefined,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        );
        let inEffect = false;
        try {
          for (const action of plan.actions) {
            const unit = "workload" in action ? byName.get(action.workload) : primary;
            if (!unit) throw new Error(`rollout action ${action.type} for ${"workload" in action ? action.workload : "?"}: not a Deployment of this release`);
            const changed = await this.execute(action, { release: { ...release, status }, ns, verificationMatch, ...unit.edge });
            // A written HTTPRoute or Ingress is the traffic split; by replica ratio the controllers still have to act.
            if (changed && action.type === "route" && !unit.edge.kind && unit.edge.router.name !== "replicaRatio") inEffect = true;
          }
          if (gates) throw gates;
        } catch (e) {
          // Retried here with a backoff rather than thrown to the queue: the planner sees the error
          // (RolloutObserved.actionError) and says Stalled once it outlasts the progress deadline.
          const attempts = this.noteFailure(i.key, e);
          this.schedule(i.key, Math.min(Math.max(plan.requeueAfterMs, 1_000), FAILURE_BACKOFF_MAX_MS, 1_000 * 2 ** Math.min(attempts - 1, 10)));
          return false;
        }
        this.noteSuccess(i.key);
        // Also when the caller looks again at once: a route that keeps changing (another writer
        // reverting it) then goes at the plan's pace, never in a loop.
        this.schedule(i.key, plan.requeueAfterMs);
        return inEffect;
      },
    };
  }

  /** One Deployment of the rollout: its two versions, its router, what the router has in effect. */
  private async observeUnit(release: Release, base: ReleaseStatus, ns: string, u: RolloutUnit, verificationMatch: () => Promise<VerificationMatch>): Promise<{ observed: UnitObserved; edge: UnitEdge }> {
    const phase = base.phase;
    if (u.kind === "StatefulSet") return this.observeStatefulSet(base, ns, u);
    if (u.kind === "DaemonSet") return this.observeDaemonSetUnit(base, ns, u);
    const candidateRaw = this.d.stores.deployments.get(ns, u.name);
    const stableRaw = this.d.stores.deployments.get(ns, stableName(u.name));
    const [candidateHash, stableHash] = await Promise.all([this.podTemplateHash(candidateRaw), this.podTemplateHash(stableRaw)]);
    const candidate = candidateRaw ? workloadView(candidateRaw, candidateHash, false) : undefined;
    const stable = stableRaw ? workloadView(stableRaw, stableHash, true) : undefined;
    // A worker has no Service: replica ratio on its two Deployments only, never a verification copy.
    const routing = u.trafficRouting ?? { service: "" };
    const router = routerFor(routing);
    if (u.trafficRouting) this.watchRoutes(u.trafficRouting);
    const ctx: RouterContext = {
      client: this.d.client,
      namespace: ns,
      release: release.metadata.name,
      service: routing.service,
      stableService: stableServiceName(routing.service),
      canaryService: canaryServiceName(routing.service),
      candidate: u.name,
      stable: stableName(u.name),
      replicas: unitReplicas(release, { name: u.name, wave: u.wave, primary: u.primary, routing: u.routing, candidate, stable }, base),
      deployment: (name) => this.d.stores.deployments.get(ns, name),
    };
    const observed: UnitObserved = { name: u.name, wave: u.wave, waveName: u.waveName, routing: u.routing, primary: u.primary, candidate, stable };
    if (phase !== "Approved") {
      try {
        const want = desiredTraffic(base, u);
        observed.traffic = await router.observe(ctx, { weight: want.weight, verification: want.verification ? await verificationMatch() : undefined });
      } catch (e) {
        observed.trafficError = (e as Error).message;
        this.d.log.debug({ release: `${ns}/${release.metadata.name}`, deployment: u.name, err: e }, "cannot observe the route");
      }
    }
    if (phase === "RollingBack") observed.candidatePods = await this.countCandidatePods(ns, u.name, candidateRaw);
    return { observed, edge: { workload: u.name, candidateRaw, stableRaw, candidate, router, ctx } };
  }

  /** A StatefulSet of the rollout: its two revisions and what its partition has in effect. */
  private async observeStatefulSet(base: ReleaseStatus, ns: string, u: RolloutUnit): Promise<{ observed: UnitObserved; edge: UnitEdge }> {
    const raw = this.d.stores.statefulsets.get(ns, u.name);
    const views = raw ? statefulSetViews(raw) : undefined;
    const observed: UnitObserved = { name: u.name, kind: "StatefulSet", wave: u.wave, waveName: u.waveName, routing: u.routing, primary: false, candidate: views?.candidate, stable: views?.stable };
    const verifying = keepsCandidateOrdinal(base, u);
    const pods = raw && (verifying || base.phase === "RollingBack") ? await this.ownedPods(ns, raw) : [];
    const want = desiredTraffic(base, u);
    if (raw && base.phase !== "Approved") observed.traffic = partitionTraffic(raw, base, want.weight, verifying ? verificationPods(raw, pods, want.verification) : undefined);
    else if (base.phase !== "Approved") observed.trafficError = `StatefulSet ${ns}/${u.name} not found`;
    if (base.phase === "RollingBack") observed.candidatePods = raw ? pods.filter((p) => p.metadata?.labels?.[REVISION_LABEL] !== raw.status?.currentRevision || !raw.status?.currentRevision).length : 0;
    const ctx = { client: this.d.client, namespace: ns, release: "", service: "", stableService: "", canaryService: "", candidate: u.name, stable: u.name, replicas: raw ? replicasOf(raw) : 1 };
    return { observed, edge: { workload: u.name, kind: "StatefulSet", wave: u.wave, candidateRaw: undefined, stableRaw: undefined, candidate: views?.candidate, statefulSet: raw, router: routerFor({ service: "" }), ctx } };
  }

  /** A DaemonSet of the rollout: its two revisions, its pods node by node. */
  private async observeDaemonSetUnit(base: ReleaseStatus, ns: string, u: RolloutUnit): Promise<{ observed: UnitObserved; edge: UnitEdge }> {
    const raw = this.d.stores.daemonsets.get(ns, u.name);
    const o = raw ? await observeDaemonSet(this.d.client, ns, raw) : undefined;
    const views = raw && o ? daemonSetViews(raw, o.view) : undefined;
    const observed: UnitObserved = { name: u.name, kind: "DaemonSet", wave: u.wave, waveName: u.waveName, routing: u.routing, primary: false, candidate: views?.candidate, stable: views?.stable };
    if (o && base.phase !== "Approved") observed.traffic = nodeTraffic(o.view, nodeStage(base, u), desiredTraffic(base, u), base.phase === "RollingBack");
    else if (base.phase !== "Approved") observed.trafficError = `DaemonSet ${ns}/${u.name} not found`;
    if (base.phase === "RollingBack") observed.candidatePods = o ? o.view.pods.filter((p) => p.revision !== o.view.stableRevision).length + o.view.terminatingOffStable : 0;
    const ctx = { client: this.d.client, namespace: ns, release: "", service: "", stableService: "", canaryService: "", candidate: u.name, stable: u.name, replicas: o?.view.desired ?? 1 };
    return { observed, edge: { workload: u.name, kind: "DaemonSet", wave: u.wave, candidateRaw: undefined, stableRaw: undefined, candidate: views?.candidate, daemonSet: o, router: routerFor({ service: "" }), ctx } };
  }

  /** Another release of the namespace lists the workload and is not finished (it may hold it, or be rolling it out). */
  /**
   * A Deployment whose stable copy is gone (deleted with it, then created again with the
   * Released release's manifest) gets its stable copy back from what it runs, before the next
   * release's template reaches it: otherwise that release would be taken as a first one and its
   * template would become stable without verification. The webhook denies the new template
   * until the copy is back (webhook/rules/recreate.ts).
   */
  private async restoreStableCopies(release: Release): Promise<void> {
    const ns = release.metadata.namespace ?? "default";
    for (const u of rolloutUnits(release.spec).filter((x) => x.kind === "Deployment")) {
      const raw = this.d.stores.deployments.get(ns, u.name);
      if (!raw || this.d.stores.deployments.get(ns, stableName(u.name))) continue;
      const labelled = raw.metadata?.labels?.[RELEASE_LABEL];
      const released = labelled === undefined ? undefined : this.d.stores.releases.get(ns, labelled);
      if (!released || !restorableStable(raw, released) || !runsSealedImages(workloadView(raw, undefined, false).images, released.spec.images)) continue;
      const replicas = raw.spec?.replicas || release.spec.architecture?.replicas || 1;
      await this.d.client.patch(applyPath(paths.deployments(ns), stableName(u.name)), stableCopy(raw, replicas, released.metadata.name), "apply");
      this.d.log.info({ release: `${ns}/${release.metadata.name}`, deployment: stableName(u.name), from: released.metadata.name, replicas }, "stable copy restored from the Released version");
    }
  }

  private claimedByOther(release: Release, name: string): boolean {
    const ns = release.metadata.namespace ?? "default";
    return this.d.stores.releases.list(ns).some((r) => r.metadata.name !== release.metadata.name && !["Released", "RolledBack", "Failed"].includes(r.status?.phase ?? "Pending") && r.spec.strategy !== undefined && r.spec.workloads.some((w) => w.name === name && (w.kind === "DaemonSet" || w.kind === "StatefulSet")));
  }

  /**
   * Before a release's new template reaches a DaemonSet, hold it: OnDelete, with the stable
   * revision (its newest ControllerRevision now) recorded, so the template, once applied, changes
   * no pod until a step deletes some. A hold left by an earlier release is recorded afresh.
   */
  private async holdDaemonSets(release: Release): Promise<void> {
    const ns = release.metadata.namespace ?? "default";
    for (const u of rolloutUnits(release.spec).filter((x) => x.kind === "DaemonSet")) {
      const raw = this.d.stores.daemonsets.get(ns, u.name);
      if (!raw || raw.metadata?.labels?.[RELEASE_LABEL] === release.metadata.name) continue;
      if (otherActiveRelease(release, this.d.stores.releases.list(ns), [u.name])) continue;
      if (held(raw)) {
        const o = await observeDaemonSet(this.d.client, ns, raw);
        if (o.view.stableRevision === o.view.updateRevision) continue;
      }
      const stable = await holdDaemonSet(this.d.client, ns, raw);
      this.d.log.info({ release: `${ns}/${release.metadata.name}`, daemonSet: u.name, stableRevision: stable }, "DaemonSet held (OnDelete) before the new template");
    }
  }

  /**
   * A finished rollout hands a DaemonSet its update strategy back and drops golive's annotations:
   * once Released when it runs this release on every node, once rolled back (or stopped and put
   * back) when it runs the stable revision on every node; never while another release holds it.
   */
  private async settleDaemonSets(release: Release, phase: "Released" | "RolledBack" | "Failed"): Promise<void> {
    const ns = release.metadata.namespace ?? "default";
    for (const u of rolloutUnits(release.spec).filter((x) => x.kind === "DaemonSet")) {
      const raw = this.d.stores.daemonsets.get(ns, u.name);
      if (!raw || !held(raw) || this.claimedByOther(release, u.name)) continue;
      const ours = raw.metadata?.labels?.[RELEASE_LABEL] === release.metadata.name;
      if (phase === "Released" ? !ours : ours) continue;
      const { view } = await observeDaemonSet(this.d.client, ns, raw);
      const one = view.observed && view.pods.length === view.desired && view.pods.every((p) => p.revision === view.updateRevision);
      if (!one || (phase !== "Released" && view.updateRevision !== view.stableRevision)) continue;
      await releaseDaemonSet(this.d.client, ns, raw);
      this.d.log.info({ release: `${ns}/${release.metadata.name}`, daemonSet: u.name }, "DaemonSet update strategy handed back");
    }
  }

  /**
   * The readiness gate golive.dev/verified on the pods of the release's StatefulSets that declare
   * it (statefulset-gate.ts): True on the stable revision; on the candidate, False while the
   * release holds it back (until its wave is verified; at once while rolling back), True after.
   * Only the release the StatefulSet answers to acts: one rolling it out (Approved to
   * RollingBack), else the one its label names. The verification route goes before a candidate
   * may serve. Cheap when nothing can be due: a finished release whose pods are all ready.
   */
  async syncGates(release: Release, status: ReleaseStatus | undefined): Promise<void> {
    const ns = release.metadata.namespace ?? "default";
    const live = (phase: string | undefined) => phase === "Approved" || ACTIVE_PHASES.includes((phase ?? "Pending") as never);
    const units = release.spec.strategy ? rolloutUnits(release.spec) : release.spec.workloads.map((w) => ({ ...w, wave: 0 }));
    for (const u of units.filter((x) => x.kind === "StatefulSet")) {
      const s = this.d.stores.statefulsets.get(ns, u.name);
      if (!s) continue;
      const st = s.status ?? {};
      const settled = st.currentRevision === st.updateRevision && (st.readyReplicas ?? 0) >= replicasOf(s);
      if (!live(status?.phase) && settled) continue;
      if (!live(status?.phase) && s.metadata?.labels?.[RELEASE_LABEL] !== release.metadata.name) continue;
      const others = this.d.stores.releases.list(ns).some((r) => r.metadata.name !== release.metadata.name && live(r.status?.phase) && r.spec.workloads.some((w) => w.kind === "StatefulSet" && w.name === u.name));
      if (others) continue;
      // A release without a strategy has no verification-only access to hold a candidate for.
      const heldBack = release.spec.strategy !== undefined && candidateHeldBack(status, u.wave);
      const pods = await this.ownedPods(ns, s);
      const changes = gateChanges(s, pods, heldBack);
      if (!changes.length) continue;
      if (!heldBack) await this.removeVerifyRoute(ns, s);
      const now = new Date().toISOString();
      for (const c of changes) {
        try {
          await this.d.client.patch(`/api/v1/namespaces/${ns}/pods/${c.pod}/status?fieldManager=${FIELD_MANAGER}&force=true`, gateApply(c.pod, ns, c, now), "apply");
        } catch (e) {
          // Gone (or going) since the list: the next pass sees it anew.
          if (e instanceof KubeError && (e.code === 404 || e.code === 409)) continue;
          throw e;
        }
        this.d.log.info({ release: `${ns}/${release.metadata.name}`, statefulSet: u.name, pod: c.pod, [VERIFIED_GATE]: c.status }, c.status === "True" ? "pod may serve ordinary traffic" : "pod held out of ordinary traffic until verified");
      }
    }
  }

  /** The pods the StatefulSet owns, terminating ones included (an API list: golive keeps no cache of every pod). */
  private async ownedPods(ns: string, s: StatefulSetLike): Promise<GatedPodLike[]> {
    const labels = (s.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    if (!labels) return [];
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
    const list = await this.d.client.get<{ items: GatedPodLike[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
    return list.items.filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.uid === s.metadata?.uid));
  }

  /**
   * Before a release's new template reaches a StatefulSet, hold its partition at spec.replicas so
   * the template, once applied, changes no pod until the rollout lowers it. Only while the
   * release is Pending, Blocked or Approved, the StatefulSet does not run it yet, and no other
   * release is rolling it out.
   */
  private async holdPartitions(release: Release): Promise<void> {
    const ns = release.metadata.namespace ?? "default";
    for (const u of rolloutUnits(release.spec).filter((x) => x.kind === "StatefulSet")) {
      const raw = this.d.stores.statefulsets.get(ns, u.name);
      if (!raw || raw.metadata?.labels?.[RELEASE_LABEL] === release.metadata.name || partitionOf(raw) === replicasOf(raw)) continue;
      const busy = this.d.stores.releases.list(ns).some((r) => r.metadata.name !== release.metadata.name && ACTIVE_PHASES.includes(r.status?.phase ?? "Pending") && (r.status?.waves ?? []).some((w) => w.workloads.some((x) => x.name === u.name)));
      if (busy) continue;
      await this.setPartition(ns, u.name, replicasOf(raw));
      this.d.log.info({ release: `${ns}/${release.metadata.name}`, statefulSet: u.name, partition: replicasOf(raw) }, "partition held at replicas before the new template");
    }
  }

  private async setPartition(ns: string, name: string, partition: number): Promise<void> {
    await this.d.client.patch(`/apis/apps/v1/namespaces/${ns}/statefulsets/${name}?fieldManager=${FIELD_MANAGER}`, { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } } } }, "merge");
  }

  /**
   * Partition actions of a StatefulSet unit. A route sets the partition for the weight; while
   * rolling back it first puts the stable template back (from the ControllerRevision of the
   * current revision, with the release label it ran under), then sets partition 0, so the
   * controller replaces every candidate pod by a stable one. ensureStable (the promotion) is partition 0.
   */
  private async executePartition(a: RolloutAction, x: UnitEdge & { release: Release; ns: string }): Promise<void> {
    const s = x.statefulSet;
    if (!s) throw new Error(`StatefulSet ${x.ns}/${x.workload} not found`);
    const status = x.release.status;
    let partition: number;
    if (a.type === "ensureStable") partition = 0;
    else if (a.type === "restoreStable") {
      // A stopped (Failed) rollout puts the stable template back with partition 0 in one patch: the
      // StatefulSet controller then takes every pod back to the stable revision by itself.
      await this.removeVerifyRoute(x.ns, s);
      await this.restoreStableTemplate(x.ns, s, 0);
      return;
    } else if (a.type === "route") {
      if (status?.phase === "RollingBack") {
        await this.removeVerifyRoute(x.ns, s);
        if (!(await this.restoreStableTemplate(x.ns, s))) return;
      }
      // One candidate ordinal for verification, only behind its gate and with a stable pod left to serve.
      const unit = { name: x.workload, wave: x.wave ?? 0 };
      const keep = keepsCandidateOrdinal(status, unit) && templateDeclaresGate(s) && replicasOf(s) >= 2;
      if (keep && inVerification(status, unit)) await this.ensureVerifyRoute(x.ns, s);
      else await this.removeVerifyRoute(x.ns, s);
      partition = desiredPartition(status, replicasOf(s), a.weight, keep);
    } else return;
    if (partitionOf(s) === partition) return;
    await this.setPartition(x.ns, x.workload, partition);
    this.d.log.info({ release: `${x.ns}/${x.release.metadata.name}`, statefulSet: x.workload, partition }, "partition set");
  }

  /**
   * Node actions of a DaemonSet unit. A route deletes the pods of the stage the Release's status
   * asks for (nodeStage: canary nodes while Verifying, then each step's share of the rest) within
   * maxUnavailable; the promotion is every node; while rolling back (or stopped, restoreStable)
   * the stable template goes back and every candidate pod is deleted. The update strategy is
   * handed back once the rollout is over (settleDaemonSets).
   */
  private async executeNodes(a: RolloutAction, x: UnitEdge & { release: Release; ns: string }): Promise<void> {
    const o = x.daemonSet;
    if (!o) throw new Error(`DaemonSet ${x.ns}/${x.workload} not found`);
    const release = `${x.ns}/${x.release.metadata.name}`;
    const what = nodeAction(a, x.release.status, { name: x.workload, wave: x.wave ?? 0 });
    if (!what) return;
    if (what === "rollBack") {
      const did = await rollBackDaemonSet(this.d.client, x.ns, o);
      if (did !== "none") this.d.log.info({ release, daemonSet: x.workload, did }, did === "template" ? "DaemonSet stable template restored" : "DaemonSet candidate pods deleted");
      return;
    }
    if (what === "restoreAndHandBack") {
      await restoreAndHandBack(this.d.client, x.ns, o);
      this.d.log.info({ release, daemonSet: x.workload }, "rollout stopped: DaemonSet stable template and update strategy restored");
      return;
    }
    const recorded = o.ds.metadata?.annotations?.[STABLE_STRATEGY_ANNOTATION];
    const max = maxUnavailableOf(recorded ? (JSON.parse(recorded) as { rollingUpdate?: { maxUnavailable?: number | string } }) : undefined, o.view.desired);
    const deleted = await replaceDaemonPods(this.d.client, x.ns, o, what.stage, max);
    if (deleted.length) this.d.log.info({ release, daemonSet: x.workload, stage: what.stage, pods: deleted }, "DaemonSet pods replaced by the candidate");
  }

  /**
   * <statefulset>-verify, the Service and NetworkPolicy through which only verification reaches
   * the candidate ordinal (statefulset-gate.ts). Applied once the controller has made the update
   * revision (their selector names it), again only when they would change or a minute has passed.
   */
  private async ensureVerifyRoute(ns: string, s: StatefulSetLike): Promise<void> {
    const st = s.status;
    if (!st?.updateRevision || st.updateRevision === st.currentRevision) return;
    const name = verifyName(s.metadata?.name ?? "");
    for (const [collection, object] of [[paths.services(ns), verifyService(s)], [paths.networkPolicies(ns), verifyPolicy(s)]] as const) {
      const key = `${collection}/${name}`;
      const digest = canonicalJson(object);
      const last = this.applied.get(key);
      if (last?.digest === digest && Date.now() - last.at < 60_000) continue;
      await this.d.client.patch(applyPath(collection, name), object, "apply");
      this.applied.set(key, { digest, at: Date.now() });
      this.d.log.info({ statefulSet: `${ns}/${s.metadata?.name}`, kind: object.kind, name }, "verification route of the candidate ordinal applied");
    }
  }

  /** Removes <statefulset>-verify (both objects; either may already be gone). */
  private async removeVerifyRoute(ns: string, s: StatefulSetLike): Promise<void> {
    const name = verifyName(s.metadata?.name ?? "");
    for (const collection of [paths.services(ns), paths.networkPolicies(ns)]) {
      const key = `${collection}/${name}`;
      if (this.applied.get(key)?.digest === "deleted") continue;
      try {
        await this.d.client.delete(`${collection}/${name}`);
        this.d.log.info({ statefulSet: `${ns}/${s.metadata?.name}`, name }, "verification route of the candidate ordinal removed");
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 404)) throw e;
      }
      this.applied.set(key, { digest: "deleted", at: Date.now() });
    }
  }

  /** Whether the StatefulSet runs its stable template again; puts it back when it does not. */
  private async restoreStableTemplate(ns: string, s: StatefulSetLike, partition = replicasOf(s)): Promise<boolean> {
    const st = s.status ?? {};
    const observedNow = (st.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0);
    if (observedNow && st.currentRevision && st.currentRevision === st.updateRevision) return true;
    if (!observedNow || !st.currentRevision) return false;
    const revision = await this.d.client.get<{ data?: { spec?: { template?: Record<string, unknown> } } }>(`/apis/apps/v1/namespaces/${ns}/controllerrevisions/${st.currentRevision}`);
    const template = revisionTemplate(revision);
    if (!template) throw new Error(`ControllerRevision ${ns}/${st.currentRevision} holds no pod template: the stable template of StatefulSet ${s.metadata?.name} cannot be restored`);
    const label = (template.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[RELEASE_LABEL];
    // A rollback holds the partition at replicas while the template changes back, so no pod moves
    // until it is back and golive lowers it; a stopped rollout hands it over with partition 0.
    const ops: unknown[] = [
      { op: "replace", path: "/spec/template", value: template },
      { op: "add", path: "/spec/updateStrategy", value: { type: "RollingUpdate", rollingUpdate: { partition } } },
      ...(label ? [{ op: "add", path: `/metadata/labels/${RELEASE_LABEL.replace("~", "~0").replace("/", "~1")}`, value: label }] : []),
    ];
    await this.d.client.patch(`/apis/apps/v1/namespaces/${ns}/statefulsets/${s.metadata?.name}?fieldManager=${FIELD_MANAGER}`, ops, "json");
    this.d.log.info({ statefulSet: `${ns}/${s.metadata?.name}`, revision: st.currentRevision }, "stable template restored");
    return false;
  }

  /**
   * A rollout action failed. The first failure, and a failure with another message, is logged at
   * warn; the same failure again only at debug, with how often it happened (a retry every few
   * seconds for as long as a route is missing would otherwise fill the log).
   */
  private noteFailure(key: string, e: unknown): number {
    const message = (e as Error).message ?? String(e);
    const last = this.failures.get(key);
    const same = last?.message === message;
    const entry = { message, attempts: same ? last.attempts + 1 : 1, since: same ? last.since : new Date().toISOString() };
    this.failures.set(key, entry);
    if (!same) this.d.log.warn({ release: key, error: message }, "rollout action failed; retrying with backoff (repeats of the same failure are logged at debug)");
    else this.d.log.debug({ release: key, error: message, attempts: entry.attempts, since: entry.since, err: e }, "rollout action failed again");
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
    return entry.attempts;
  }

  private noteSuccess(key: string): void {
    const last = this.failures.get(key);
    if (!last) return;
    this.failures.delete(key);
    this.d.log.info({ release: key, error: last.message, attempts: last.attempts, since: last.since }, "rollout actions succeed again");
  }

  /**
   * A release without spec.strategy (planDirect): its listed Deployments as they run, no router,
   * no stable copy; the only action is the inventory record when it reaches Released.
   */
  private async prepareDirect(i: PrepareInput): Promise<PreparedRollout | undefined> {
    const { release, base, now } = i;
    const phase = base.phase;
    const ns = release.metadata.namespace ?? "default";
    const workload = directWorkload(release.spec);
    const isDeployment = release.spec.workloads.some((w) => w.kind === "Deployment" && w.name === workload);
    // Only a Deployment's label says which release runs there now: without one, the record is
    // written in the pass that reaches Released and never again (an older release must not overwrite it).
    if (phase === "Released") return isDeployment ? this.ensureInventory(i, workload, this.d.stores.deployments.get(ns, workload)?.metadata?.labels?.[RELEASE_LABEL], "applied") : undefined;
    if (phase !== "Approved" && phase !== "Verifying") return undefined;
    const deployments = release.spec.workloads
      .filter((w) => w.kind === "Deployment")
      .map((w) => this.d.stores.deployments.get(ns, w.name))
      .filter((raw) => raw !== undefined)
      .map((raw) => workloadView(raw, undefined, false));
    // StatefulSets and DaemonSets as they run (their update revision on every pod), waited for like the Deployments.
    const controllers = release.spec.workloads.flatMap((w): (WorkloadView & { kind: "StatefulSet" | "DaemonSet" })[] => {
      if (w.kind === "StatefulSet") {
        const raw = this.d.stores.statefulsets.get(ns, w.name);
        return raw ? [{ ...statefulSetViews(raw).candidate, kind: "StatefulSet" as const }] : [];
      }
      if (w.kind === "DaemonSet") {
        const raw = this.d.stores.daemonsets.get(ns, w.name);
        return raw ? [{ ...daemonSetStatusView(raw), kind: "DaemonSet" as const }] : [];
      }
      return [];
    });
    const actionError = this.failures.get(i.key)?.message;
    const observed: RolloutObserved = { release, base, policy: i.policy?.spec, evidence: i.evidence, candidate: deployments.find((v) => v.name === workload), stable: undefined, deployments, controllers, actionError, jobs: new Map(), measurements: new Map(), canSign: this.d.signer !== undefined, now };
    let plan = planRollout(observed);
    if (plan?.checkMonitoring) plan = planRollout({ ...observed, monitoring: await this.monitoringReadiness(release, i.policy) });
    if (!plan) return undefined;
    const done = plan;
    return {
      plan: done,
      execute: async (status) => {
        try {
          for (const a of done.actions) if (a.type === "recordInventory") await this.writeInventory({ ...release, status }, ns, workload, a.how);
        } catch (e) {
          const attempts = this.noteFailure(i.key, e);
          this.schedule(i.key, Math.min(FAILURE_BACKOFF_MAX_MS, 1_000 * 2 ** Math.min(attempts - 1, 10)));
          return false;
        }
        this.noteSuccess(i.key);
        this.schedule(i.key, done.requeueAfterMs);
        return false;
      },
    };
  }

  private async monitoringReadiness(release: Release, policy: ReleasePolicy | undefined): Promise<{ ready: boolean; reasons: string[] }> {
    if (!this.d.checkMonitoring) return { ready: false, reasons: ["this operator was started without a monitoring check"] };
    try {
      return await this.d.checkMonitoring(release, policy?.spec);
    } catch (e) {
      return { ready: false, reasons: [`cannot check the monitoring: ${(e as Error).message}`] };
    }
  }

  /**
   * Which release the lead workload runs, by its release label: a Deployment's stable copy
   * (<name>-stable, what serves once Released); a StatefulSet or DaemonSet itself, which has no
   * stable copy.
   */
  private inventoryLabelled(release: Release, workload: string): string | undefined {
    const ns = release.metadata.namespace ?? "default";
    const kind = release.spec.workloads.find((w) => w.name === workload)?.kind;
    const raw = kind === "StatefulSet" ? this.d.stores.statefulsets.get(ns, workload) : kind === "DaemonSet" ? this.d.stores.daemonsets.get(ns, workload) : this.d.stores.deployments.get(ns, stableName(workload));
    return raw?.metadata?.labels?.[RELEASE_LABEL];
  }

  /**
   * The inventory is written in the pass that reaches Released; should that write fail, the
   * retried pass finds the record missing and writes it, as long as this release is the one the
   * stable copy runs (an older release never overwrites a newer record).
   */
  private async ensureInventory(i: PrepareInput, workload: string, runs: string | undefined, direct?: "applied"): Promise<PreparedRollout | undefined> {
    const { release } = i;
    const uid = release.metadata.uid ?? release.metadata.name;
    const ns = release.metadata.namespace ?? "default";
    if (this.inventoried.has(uid)) return undefined;
    if (runs !== release.metadata.name) return undefined;
    let recorded: string | undefined;
    try {
      const cm = await this.d.client.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/${INVENTORY_CONFIGMAP}`);
      recorded = cm.data?.[workload];
    } catch (e) {
      if (!(e instanceof KubeError && e.code === 404)) throw e;
    }
    if (recorded && (JSON.parse(recorded) as { release?: string }).release === release.metadata.name) {
      this.inventoried.add(uid);
      return undefined;
    }
    const how = direct ?? (i.base.promotion?.promotedAt ? "promoted" : i.base.verification ? "promoted" : "initialised");
    const plan: RolloutPlan = { status: i.base, events: [], actions: [{ type: "recordInventory", workload, how }], requeueAfterMs: RESYNC_MS };
    return {
      plan,
      execute: async (status) => {
        await this.writeInventory({ ...release, status }, ns, workload, how);
        return false;
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Gathering

  /** The pod-template-hash of the Deployment's current ReplicaSet (cached per revision). */
  private async podTemplateHash(d: DeploymentLike | undefined): Promise<string | undefined> {
    if (!d?.metadata?.uid) return undefined;
    const revision = d.metadata.annotations?.["deployment.kubernetes.io/revision"];
    if (!revision || (d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return undefined;
    const cacheKey = `${d.metadata.uid}@${revision}`;
    const hit = this.hashes.get(d.metadata.uid);
    if (hit?.key === cacheKey && hit.hash) return hit.hash;
    const selector = Object.entries(d.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
    const list = await this.d.client.get<{ items: KubeObjectLike[] }>(`/apis/apps/v1/namespaces/${d.metadata.namespace}/replicasets?labelSelector=${encodeURIComponent(selector)}`);
    const rs = list.items.find((r) => r.metadata?.annotations?.["deployment.kubernetes.io/revision"] === revision && (r.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences?.some((o) => o.uid === d.metadata?.uid));
    const hash = rs?.metadata?.labels?.["pod-template-hash"];
    if (this.hashes.size > 10_000) this.hashes.clear();
    this.hashes.set(d.metadata.uid, { key: cacheKey, hash });
    return hash;
  }

  /** Pods of the candidate (not of its stable copy), terminating ones included. */
  private async countCandidatePods(ns: string, workload: string, candidate: DeploymentLike | undefined): Promise<number> {
    const labels = candidate?.spec?.selector?.matchLabels;
    if (!labels) return 0;
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
    const list = await this.d.client.get<{ items: KubeObjectLike[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
    const ownReplicaSet = new RegExp(`^${workload.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[a-z0-9]+$`);
    return list.items.filter((p) => p.metadata?.labels?.[TRACK_LABEL] === undefined && ((p.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences ?? []).some((o) => o.kind === "ReplicaSet" && ownReplicaSet.test(o.name))).length;
  }

  private async measure(release: Release, base: ReleaseStatus, now: Date): Promise<Map<string, Measurement>> {
    const out = new Map<string, Measurement>();
    const strategy = release.spec.strategy;
    const step = strategy?.steps[base.canary?.stepIndex ?? -1];
    if (!strategy?.analysis || !step?.analysis) return out;
    const run = base.analysis?.find((r) => r.stepIndex === base.canary?.stepIndex && r.step === step.name && (r.wave ?? 0) === (base.canary?.wave ?? 0));
    const address = strategy.analysis.prometheus.address;
    await Promise.all(
      dueMetrics(run, now).map(async (name) => {
        const metric = strategy.analysis!.metrics.find((m) => m.name === name);
        if (!metric) return;
        const query = expandQuery(metric.query, { canary: base.canary?.candidatePodTemplateHash, stable: base.canary?.stablePodTemplateHash });
        try {
          const value = await queryValue(address, query, { timeoutMs: this.d.queryTimeoutMs ?? 5_000 });
          out.set(name, { at: new Date(), value });
        } catch (e) {
          out.set(name, { at: new Date(), error: e instanceof QueryError ? `${e.kind}: ${e.message}` : (e as Error).message });
        }
      }),
    );
    return out;
  }

  private async verificationValue(release: Release): Promise<VerificationMatch> {
    const users = release.spec.strategy?.verification?.users;
    if (!users) throw new Error("spec.strategy.verification.users is not set: verification users cannot be recognised");
    const ns = release.metadata.namespace ?? "default";
    let secret: { data?: Record<string, string> };
    try {
      secret = await this.d.client.get(`/api/v1/namespaces/${ns}/secrets/${users.valueFrom.name}`);
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) throw new Error(`the verification Secret ${ns}/${users.valueFrom.name} does not exist`, { cause: e });
      throw e;
    }
    const raw = secret.data?.[users.valueFrom.key];
    if (!raw) throw new Error(`the verification Secret ${ns}/${users.valueFrom.name} has no key ${users.valueFrom.key}`);
    // 8.5: routes and Jobs carry a token derived per release, never the Secret's value itself.
    return { header: users.header, cookie: users.cookie, value: verificationTokenOf(Buffer.from(raw, "base64").toString("utf8").trim(), release) };
  }

  /** Watch the route kind the release uses, so a route changed by someone else is put right at once. */
  private watchRoutes(routing: NonNullable<Release["spec"]["strategy"]>["trafficRouting"]): void {
    const path = routing.gatewayAPI ? "/apis/gateway.networking.k8s.io/v1/httproutes" : routing.nginx ? "/apis/networking.k8s.io/v1/ingresses" : undefined;
    if (!path || this.watches.has(path)) return;
    const informer = new Informer<KubeObject>(this.d.client, path, { resyncMs: 0, onError: (e, what) => this.d.log.debug({ err: e }, `route watch: ${what}`) });
    informer.on((event, o) => {
      if (event === "resync") return;
      const ns = o.metadata?.namespace ?? "";
      const name = o.metadata?.name ?? "";
      for (const r of this.d.stores.releases.list(ns)) {
        const uses = rolloutUnits(r.spec).some(({ trafficRouting: t }) => t?.gatewayAPI?.httpRoute === name || t?.nginx?.ingress === name || (t?.nginx && name === `${t.nginx.ingress}-golive-canary`));
        if (uses && ACTIVE_PHASES.includes(r.status?.phase ?? "Pending")) this.d.enqueue(`${ns}/${r.metadata.name}`);
      }
    });
    this.watches.set(path, informer);
    void informer.start();
  }

  // -------------------------------------------------------------------------------------------
  // Executing

  private async execute(
    a: RolloutAction,
    x: UnitEdge & { release: Release; ns: string; verificationMatch: () => Promise<VerificationMatch> },
  ): Promise<boolean | undefined> {
    const { client } = this.d;
    // A StatefulSet has no router and no stable copy: routes and the promotion move its partition.
    const own = a.type === "route" || a.type === "ensureStable" || a.type === "scaleCandidate" || a.type === "ensureServices" || a.type === "restoreStable";
    if (x.kind === "StatefulSet" && own) return void (await this.executePartition(a, x));
    // A DaemonSet likewise: routes and the promotion move its pods node by node.
    if (x.kind === "DaemonSet" && own) return void (await this.executeNodes(a, x));
    switch (a.type) {
      case "route": {
        const changed = await x.router.apply(x.ctx, { weight: a.weight, verification: a.verification ? await x.verificationMatch() : undefined });
        if (changed) this.d.log.info({ release: `${x.ns}/${x.release.metadata.name}`, deployment: x.workload, weight: a.weight, verification: a.verification, router: x.router.name }, "traffic routed");
        return changed;
      }
      case "scaleCandidate": {
        if (!x.candidateRaw || x.candidateRaw.spec?.replicas === a.replicas) return;
        // Through the scale subresource, as an HPA does: a replica change is not a new workload.
        await client.patch(`${paths.deployments(x.ns)}/${x.workload}/scale?fieldManager=${FIELD_MANAGER}`, { spec: { replicas: a.replicas } }, "merge");
        this.d.log.info({ release: `${x.ns}/${x.release.metadata.name}`, deployment: x.workload, replicas: a.replicas }, "candidate scaled");
        return;
      }
      case "ensureStable": {
        if (!x.candidateRaw) throw new Error(`Deployment ${x.ns}/${x.workload} not found`);
        const want = stableCopy(x.candidateRaw, a.replicas, x.release.metadata.name);
        if (stableUpToDate(x.stableRaw, want)) return;
        await client.patch(applyPath(paths.deployments(x.ns), stableName(x.workload)), want, "apply");
        this.d.log.info({ release: `${x.ns}/${x.release.metadata.name}`, deployment: stableName(x.workload), replicas: a.replicas }, "stable copy applied");
        return;
      }
      case "ensureServices":
        return void (await this.ensureServices(x.ns, x.ctx, x.router, x.candidate?.podTemplateHash));
      case "createJob": {
        // The Job sends the release's verification token; a Secret that cannot be read leaves it out (never block a rollback hook).
        const token = x.release.spec.strategy?.verification?.users ? await x.verificationMatch().then((m) => m.value, () => undefined) : undefined;
        const manifest = jobManifest(x.release, a.purpose, a.name, a.job, token);
        try {
          await client.create(`/apis/batch/v1/namespaces/${x.ns}/jobs`, manifest);
          this.d.log.info({ release: `${x.ns}/${x.release.metadata.name}`, job: a.job, purpose: a.purpose }, "job created");
        } catch (e) {
          if (!(e instanceof KubeError && e.code === 409)) throw e;
        }
        return;
      }
      case "signVerificationReport": {
        if (!this.d.signer) return;
        const failures = a.jobs.filter((j) => j.phase !== "Succeeded");
        const evidence = createEvidence({
          release: x.release,
          type: "VerificationReport",
          key: this.d.signer.key,
          predicate: {
            issuedAt: new Date().toISOString(),
            summary: {
              totals: { planned: a.jobs.length, executed: a.jobs.length, passed: a.jobs.length - failures.length, failed: failures.length, errored: 0, skipped: 0 },
              failures: failures.map((j) => ({ name: j.name, message: j.reason ?? j.phase })),
              jobs: a.jobs.map((j) => ({ name: j.name, job: j.job, phase: j.phase, startedAt: j.startedAt ?? null, finishedAt: j.finishedAt ?? null })),
              source: "golive-operator: verification Jobs (4.7 c,d,e)",
            },
          },
        });
        evidence.metadata.name = a.evidenceName;
        evidence.metadata.labels = { ...evidence.metadata.labels, "golive.dev/generated-by": "golive-operator" };
        try {
          await client.create(`/apis/golive.dev/v1alpha1/namespaces/${x.ns}/releaseevidences`, evidence);
        } catch (e) {
          if (!(e instanceof KubeError && e.code === 409)) throw e;
        }
        return;
      }
      case "recordInventory":
        return void (await this.writeInventory(x.release, x.ns, x.workload, a.how));
    }
  }

  private async writeInventory(release: Release, ns: string, workload: string, how: InventoryHow): Promise<void> {
    const record = inventoryRecord(release, workload, release.status?.releasedAt ?? new Date().toISOString(), how);
    const cm = inventoryConfigMap(ns, workload, record);
    await this.d.client.patch(`/api/v1/namespaces/${ns}/configmaps/${INVENTORY_CONFIGMAP}?fieldManager=${encodeURIComponent(`golive-inventory-${workload}`.slice(0, 128))}&force=true`, cm, "apply");
    this.inventoried.add(release.metadata.uid ?? release.metadata.name);
  }

  private async ensureServices(ns: string, ctx: RouterContext, router: TrafficRouter, candidateHash: string | undefined): Promise<void> {
    let svc: ServiceLike;
    try {
      svc = await this.d.client.get<ServiceLike>(`${paths.services(ns)}/${ctx.service}`);
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) throw new Error(`Service ${ns}/${ctx.service} (spec.strategy.trafficRouting.service) not found`, { cause: e });
      throw e;
    }
    const selector = svc.spec?.selector ?? {};
    const ports = (svc.spec?.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}), protocol: p.protocol ?? "TCP", ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const owner = ownerReference({ ...svc, apiVersion: "v1", kind: "Service" });
    const make = (name: string, sel: Record<string, string>): KubeObjectLike => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns, labels: { ...MANAGED_BY, "golive.dev/service-of": ctx.service }, ...(owner ? { ownerReferences: [owner] } : {}) },
      spec: { selector: sel, ports },
    });
    for (const s of [make(ctx.stableService, { ...selector, [TRACK_LABEL]: "stable" }), make(ctx.canaryService, router.canarySelector(ctx, selector, candidateHash))]) {
      const name = s.metadata!.name!;
      const digest = canonicalJson(s);
      const key = `${ns}/${name}`;
      const last = this.applied.get(key);
      if (last?.digest === digest && Date.now() - last.at < 60_000) continue;
      await this.d.client.patch(applyPath(paths.services(ns), name), s, "apply");
      this.applied.set(key, { digest, at: Date.now() });
    }
  }
}

/** Why only verification does not reach the new version (another NetworkPolicy opens its pods), or undefined. */
function exposedVerification(release: Release, base: ReleaseStatus, pods: Parameters<typeof verificationExposure>[0]["pods"], networkPolicies: readonly V1NetworkPolicy[] | undefined): string | undefined {
  const c = verificationExposure({ release: { ...release, status: base }, pods, networkPolicies }).condition;
  return c?.status === "False" ? c.message : undefined;
}
