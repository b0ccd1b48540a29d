// The Release reconcile: gather from the stores, verify seals (through the seal cache, off the
// admission path), plan with the pure planRelease, then write once: the status patch, Events for
// a transition, and an audit record. The key is namespace/name.
import { verificationExposure, VERIFICATION_EXCLUSIVE } from "../network/verification-exposure.js";
import type { Logger } from "pino";
import type { Phase, Release, ReleaseStatus } from "../../api/index.js";
import type { AuditLog } from "../../audit/audit-log.js";
import { chainRecord, type AuditEntry, type AuditRecord } from "../../audit/chain.js";
import type { TrustedKey } from "../../gates/dsse.js";
import { imageKeys } from "../../gates/trusted-keys.js";
import { canonicalJson } from "../../gates/canonical-json.js";
import { parseDuration } from "../../api/index.js";
import { escapeControl } from "../../api/escape.js";
import { supersededBy, type MonitoringPass, type ReleaseMonitoring } from "../monitoring/release-monitoring.js";
import { DRIFTED, type DriftPass, type DriftRecord, type ReleaseDrift } from "../drift/check.js";
import type { Notifier } from "../notify/notifier.js";
import type { RolloutController } from "../rollout/controller.js";
import type { KubeClient } from "../runtime/kube-client.js";
import { mergePatchFor } from "../runtime/merge-patch.js";
import { setConditions, type ConditionInput } from "./conditions.js";
import { escapeStatusText } from "./escape-status.js";
import { capacityFor, evidenceFor, governingPolicy, type ReleaseStores } from "./gather.js";
import { planRelease, type PlannedEvent, type SealView } from "./plan.js";
import { decisionEntries, type AuditedAction } from "../audit/decisions.js";
import type { SummaryPublisher } from "../summary/publish.js";
import { closingSignOff, SIGNED_OFF } from "../closing/sign-off.js";
import { designConformance } from "../design/conformance.js";
import { workloadPodLabels } from "../network/pod-labels.js";
import { networkIsolation, NETWORK_ISOLATED } from "../network/isolation.js";
import type { DisasterRecovery } from "../dr/check.js";
import { DR_CONSISTENT, type DrReport } from "../dr/report.js";

/** A success past the cache's lifetime, in force while re-verification fails transiently (images/seal-cache.ts StaleSeal). */
interface StaleSealLike {
  expiredAt: Date;
  graceEndsAt: Date;
  due: boolean;
  failure?: string;
  reason?: string;
  failingSince?: Date;
}
type SealVerdictLike = { sealed: true; signer: string; stale?: StaleSealLike } | { sealed: false; reason: string };

/** What the reconcile needs of the seal cache (images/seal-cache.ts SealCache fits it). */
export interface SealSource {
  /** graceMs: how long a success past its lifetime stays in force (the policy's spec.images.sealGracePeriod). */
  peek(name: string, digest: string, keys: readonly TrustedKey[], graceMs?: number): SealVerdictLike | undefined;
  verify(name: string, digest: string, keys: readonly TrustedKey[]): Promise<SealVerdictLike>;
}

export interface ReleaseReconcilerDeps {
  client: KubeClient;
  stores: ReleaseStores;
  seals?: SealSource;
  audit?: AuditLog;
  log: Logger;
  ownNamespace: string;
  identity: string;
  now?: () => Date;
  /** Ask for another reconcile of this key (a seal verification finished). */
  enqueue: (key: string) => void;
  /** Progressive delivery after Approved (operator/rollout); without it Approved is final. */
  rollout?: RolloutController;
  /** Outbound webhooks on phase changes (spec.notifications). */
  notifier?: Notifier;
  /** Monitoring enrollment and capacity reports (operator/monitoring); without it neither happens. */
  monitoring?: ReleaseMonitoring;
  /** Drift after admission (operator/drift): pods' image digests and sealed configuration; without it none is checked. */
  drift?: ReleaseDrift;
  /** DR consistency (operator/dr): each policy DR target runs the sealed version; without it none is checked. */
  disasterRecovery?: DisasterRecovery;
  /** Signs the release's SLSA verification summary at Approved, Released and RolledBack (operator/summary). */
  summaries?: SummaryPublisher;
}

const RELEASES = "/apis/golive.dev/v1alpha1";

export class ReleaseReconciler {
  private readonly verifying = new Set<string>();
  /** release key + image: stale seals a Warning Event was emitted for (once per episode). */
  private readonly staleWarned = new Set<string>();
  private readonly transitions = new Mutex();
  /**
   * Our own last writes, until the informer delivers them (caughtUp): the key may come back
   * before its watch event. Not kept after that, or every release would be held twice.
   */
  private readonly written = new Map<string, Release>();
  /** Per release key: the route and replica decisions last recorded in the audit trail. */
  private readonly decided = new Map<string, Map<string, string>>();
  private readonly pendingMemo = new Map<string, Map<string, string>>();
  constructor(private readonly d: ReleaseReconcilerDeps) {}

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const first = await this.pass(key);
    // What the rollout just did is in effect already (a route it wrote): the next pass records it
    // now, without waiting its turn behind every other release in the queue (issue 20). Once
    // only: the rollout's own schedule brings any further pass.
    return first.lookAgain ? this.pass(key) : first;
  }

  private async pass(key: string): Promise<{ requeueAfterMs?: number; lookAgain?: boolean }> {
    const [namespace, name] = key.split("/") as [string, string];
    const release = newest(this.d.stores.releases.get(namespace, name), this.written.get(key));
    if (!release) {
      this.written.delete(key);
      this.decided.delete(key);
      this.d.monitoring?.forget(key);
      this.d.drift?.forget(key);
      this.d.disasterRecovery?.forget(key);
      return {};
    }
    const now = (this.d.now ?? (() => new Date()))();
    const { policy, problem } = governingPolicy(this.d.stores, namespace, this.d.ownNamespace);
    const graceMs = policy?.spec.images?.sealGracePeriod ? parseDuration(policy.spec.images.sealGracePeriod) : undefined;
    const seals = policy ? this.sealVerdicts(release, imageKeys(policy.spec.signers), key, graceMs, now) : new Map<string, SealView>();
    const gatePlan = planRelease({ release, policy, ...(problem ? { policyProblem: problem } : {}), evidence: evidenceFor(this.d.stores, release), seals, capacity: capacityFor(this.d.stores, release), now });
    let plan: { status: ReleaseStatus; transition?: { from: Phase | undefined; to: Phase; reason: string; details?: Record<string, unknown> } | undefined; events: PlannedEvent[]; requeueAfterMs: number; actions?: readonly AuditedAction[] } = gatePlan;
    let execute: ((status: ReleaseStatus) => Promise<boolean>) | undefined;
    // After Approved the rollout drives the release; it never acts in a pass that changed the gate phase.
    if (this.d.rollout && !gatePlan.transition) {
      const prepared = await this.d.rollout.prepare({ key, release, base: gatePlan.status, policy, evidence: evidenceFor(this.d.stores, release), now });
      if (prepared) {
        plan = prepared.plan;
        execute = (status) => prepared.execute(status);
      }
    }

    if (this.d.monitoring) {
      const superseded = supersededBy(release, plan.status, () => this.d.stores.releases.list(namespace)) !== undefined;
      const pass = await this.d.monitoring.pass(release, plan.status, policy?.spec, superseded);
      plan = { ...plan, status: withMonitoring(plan.status, pass, release, now), events: [...plan.events, ...pass.events], requeueAfterMs: Math.min(plan.requeueAfterMs, pass.requeueAfterMs ?? Infinity) };
    }

    let drift: DriftRecord | undefined;
    if (this.d.drift) {
      const pass = await this.d.drift.pass(release, plan.status.phase);
      drift = pass.audit;
      plan = { ...plan, status: withDrift(plan.status, pass, release, now), events: [...plan.events, ...pass.events] };
    }

    // 5.2 a–c: the running Deployments and StatefulSets against their designs.
    const running = (kind: string, name: string) => (kind === "Deployment" ? this.d.stores.deployments : this.d.stores.statefulsets)?.get(namespace, name);
    const design = designConformance(release, running, this.d.stores.pdbs?.list(namespace));
    if (design) plan = { ...plan, status: withCondition(plan.status, design, release, now) };
    // 8.7 e after admission: a NetworkPolicy deleted or loosened under the release's pods.
    const stores = this.d.stores;
    const podLabels = (kind: string, name: string) =>
      workloadPodLabels(kind, name, {
        controller: (k, n) => (k === "Deployment" ? stores.deployments : k === "StatefulSet" ? stores.statefulsets : stores.daemonsets)?.get(namespace, n) as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | undefined,
        pods: () => stores.pods?.list(namespace) ?? [],
      });
    const isolation = networkIsolation({ release: { ...release, status: { ...plan.status, conditions: release.status?.conditions } }, policy: policy?.spec, podLabels, networkPolicies: this.d.stores.networkPolicies?.list(namespace) });
    if (isolation.condition) plan = { ...plan, status: withCondition(plan.status, isolation.condition, release, now), events: [...plan.events, ...isolation.events] };
    else plan = { ...plan, status: withoutCondition(plan.status, NETWORK_ISOLATED) };
    // 4.6 c: another NetworkPolicy opening the pods only verification may reach (they add up).
    const exposure = verificationExposure({ release: { ...release, status: { ...plan.status, conditions: release.status?.conditions } }, pods: stores.pods?.list(namespace), networkPolicies: stores.networkPolicies?.list(namespace) });
    if (exposure.condition) plan = { ...plan, status: withCondition(plan.status, exposure.condition, release, now), events: [...plan.events, ...exposure.events] };
    else plan = { ...plan, status: withoutCondition(plan.status, VERIFICATION_EXCLUSIVE) };
    // 4.3 g: the DR clusters run the same sealed version (read in the background, never awaited here).
    if (this.d.disasterRecovery) {
      const dr = this.d.disasterRecovery.pass(key, release, plan.status.phase, policy?.spec, now.toISOString());
      plan = { ...plan, status: withDisasterRecovery(plan.status, dr, release, now), events: [...plan.events, ...(dr?.events ?? [])], requeueAfterMs: dr ? Math.min(plan.requeueAfterMs, this.d.disasterRecovery.resyncMs) : plan.requeueAfterMs };
    }

    // 4.3 l: a Released release under a policy with Closing gates waits for its closing sign-off.
    const closing = closingSignOff({ release, status: plan.status, policy: policy?.spec, evidence: evidenceFor(this.d.stores, release), now });
    if (closing.condition) plan = { ...plan, status: withClosing(plan.status, closing, release, now), events: [...plan.events, ...closing.events] };

    // Messages quote what users wrote: control and bidi characters leave escaped (api/escape.ts),
    // before the comparison below so an unchanged status is not written again.
    plan = { ...plan, status: escapeStatusText(plan.status) };
    let written = release.status ?? {};
    const transition = plan.transition;
    const object = `${namespace}/Release/${name}`;
    const entries: AuditEntry[] = [];
    if (transition) entries.push({ type: "transition", object, user: this.d.identity, result: transition.to, reason: transition.reason, details: { from: transition.from ?? null, version: release.spec.version, ...(transition.details ?? {}) } });
    if (drift) entries.push({ type: "drift", object, user: this.d.identity, result: drift.result, reason: drift.reason, details: { version: release.spec.version, phase: plan.status.phase ?? null, ...drift.details } });
    // Rollbacks, aborts, router, replica and monitoring changes, milestones (operator/audit/decisions.ts).
    if (this.d.audit) entries.push(...this.decisions(key, release, plan));
    if (entries.length) {
      // Transitions and drift changes are rare: serialise them so the audit head written into
      // status is exactly the last record appended, and append only once the status write succeeded.
      await this.transitions.run(async () => {
        const records: AuditRecord[] = [];
        for (const entry of this.d.audit ? entries : []) {
          const last = records.at(-1);
          records.push(last ? chainRecord(entry, last, new Date(last.time)) : this.d.audit!.prepare(entry));
        }
        const head = records.at(-1);
        const status = head ? { ...plan.status, audit: { head: head.hash, sequence: head.seq } } : plan.status;
        await this.writeStatus(release, status);
        written = status;
        for (const record of records) this.d.audit!.commit(record);
      });
    } else if (canonicalJson(plan.status) !== canonicalJson(release.status ?? {})) {
      await this.writeStatus(release, plan.status);
      written = plan.status;
    }
    this.decidedCommit(key);
    // The decision is recorded; now act on it (route, scale, Jobs). A failure retries the key.
    const lookAgain = execute ? await execute(written) : false;
    // The signed verification summary of an Approved, Released or RolledBack release (issue 17).
    const summaries = this.d.summaries && policy ? await this.d.summaries.ensure(release, written, policy, evidenceFor(this.d.stores, release), now) : [];
    const audit = this.d.audit;
    for (const summary of audit ? summaries : []) {
      // Through the mutex: never between a prepared transition record and its commit.
      await this.transitions.run(() => {
        audit!.append({ type: "summary", object, user: this.d.identity, result: summary.verdict, reason: `signed verification summary at ${summary.phase} stored in ConfigMap ${summary.configMap} key ${summary.phase}.dsse.json`, details: { version: release.spec.version, phase: summary.phase, configMap: summary.configMap, digest: summary.digest, keyid: summary.keyid } });
        return Promise.resolve();
      });
    }
    for (const e of plan.events) void this.emitEvent(release, e, now);
    if (plan.transition?.to === "Released") {
      // Earlier releases of the application stop being what runs: their monitoring is retired.
      for (const r of this.d.stores.releases.list(namespace)) if (r.spec.application === release.spec.application && r.metadata.name !== name) this.d.enqueue(`${namespace}/${r.metadata.name}`);
    }
    if (plan.transition) {
      this.d.log.info({ release: key, from: plan.transition.from, to: plan.transition.to }, plan.transition.reason);
      this.notify(release, written, plan.transition, now);
    }
    // A pass that changed the phase looks again at once (the rollout starts in the pass after
    // Approved): its own status write's echo no longer queues it while a requeue is pending.
    if (plan.transition && !execute) return { requeueAfterMs: 0 };
    return { requeueAfterMs: execute ? Math.max(plan.requeueAfterMs, 60_000) : plan.requeueAfterMs, ...(lookAgain ? { lookAgain } : {}) };
  }

  /** This pass's decisions beyond the transition, against what was last recorded for the key. */
  private decisions(key: string, release: Release, plan: { status: ReleaseStatus; transition?: { from: Phase | undefined; to: Phase; reason: string; details?: Record<string, unknown> } | undefined; events: PlannedEvent[]; actions?: readonly AuditedAction[] }): AuditEntry[] {
    const namespace = release.metadata.namespace ?? "";
    // Work on a copy: the memo moves only once the status (with the records) is written.
    const memo = new Map(this.decided.get(key) ?? []);
    const t = release.spec.strategy?.trafficRouting;
    const entries = decisionEntries({
      namespace,
      release: release.metadata.name,
      version: release.spec.version,
      identity: this.d.identity,
      before: release.status ?? {},
      after: plan.status,
      transition: plan.transition,
      events: plan.events,
      actions: plan.actions,
      router: t ? (t.gatewayAPI ? "gatewayAPI" : t.nginx ? "nginx" : "replicaRatio") : undefined,
      // The Deployments informer the operator passes in its stores (manager.ts), when it does.
      replicasOf: (d) => (this.d.stores as { deployments?: { get(ns: string, name: string): { spec?: { replicas?: number } } | undefined } }).deployments?.get(namespace, d)?.spec?.replicas,
      memo,
    });
    this.pendingMemo.set(key, memo);
    return entries;
  }

  private decidedCommit(key: string): void {
    const memo = this.pendingMemo.get(key);
    if (memo) this.decided.set(key, memo);
    this.pendingMemo.delete(key);
  }

  private notify(release: Release, status: ReleaseStatus, t: { from: Phase | undefined; to: Phase; reason: string; details?: Record<string, unknown> | undefined }, now: Date): void {
    const targets = release.spec.notifications;
    if (!this.d.notifier || targets.length === 0) return;
    this.d.notifier.notify(targets, {
      namespace: release.metadata.namespace ?? "",
      release: release.metadata.name,
      application: release.spec.application,
      version: release.spec.version,
      from: t.from,
      to: t.to,
      reason: t.reason,
      time: now.toISOString(),
      step: status.canary?.stepName,
      weight: status.canary?.weight,
      ...(t.details ? { details: t.details } : {}),
    });
  }

  /** Verdicts from the cache; missing ones are verified in the background and the key requeued. */
  private sealVerdicts(release: Release, keys: TrustedKey[], key: string, graceMs: number | undefined, now: Date): Map<string, SealView> {
    const out = new Map<string, SealView>();
    for (const image of release.spec.images) {
      const id = `${image.name}@${image.digest}`;
      const cached = this.d.seals?.peek(image.name, image.digest, keys, graceMs);
      const warned = `${key} ${id}`;
      if (cached?.sealed && cached.stale) {
        // Past the cache's lifetime: still sealed while re-verification fails transiently,
        // until the policy's grace ends; re-verified at most every negativeTtlMs.
        const stale = cached.stale;
        if (!this.staleWarned.has(warned) && stale.failure) {
          this.staleWarned.add(warned);
          const message = `image ${id}: its seal (signer ${cached.signer}) expired at ${stale.expiredAt.toISOString()} and cannot be re-verified (${stale.failure}: ${stale.reason ?? ""}) since ${stale.failingSince?.toISOString() ?? "now"}; it stays sealed until ${stale.graceEndsAt.toISOString()} (spec.images.sealGracePeriod) unless re-verification succeeds or fails definitively`;
          this.d.log.warn({ release: key, image: id, failure: stale.failure, graceEndsAt: stale.graceEndsAt }, "stale image seal in force: the registry cannot re-verify it");
          void this.emitEvent(release, { type: "Warning", reason: "SealStale", message }, now);
        }
        out.set(id, { sealed: true, signer: cached.signer });
        if (stale.due && this.d.seals && !this.verifying.has(id)) this.startVerify(image.name, image.digest, keys, id, key);
        continue;
      }
      if (cached) {
        if (this.staleWarned.delete(warned) && cached.sealed) this.d.log.info({ release: key, image: id }, "image seal re-verified");
        out.set(id, cached.sealed ? { sealed: true, signer: cached.signer } : { sealed: false, reason: cached.reason });
        continue;
      }
      this.staleWarned.delete(warned);
      if (!this.d.seals) {
        out.set(id, { sealed: false, reason: "this operator was started without image verification" });
        continue;
      }
      out.set(id, undefined);
      if (this.verifying.has(id)) continue;
      this.startVerify(image.name, image.digest, keys, id, key);
    }
    return out;
  }

  /** Verify in the background, then reconcile the key again. */
  private startVerify(name: string, digest: string, keys: TrustedKey[], id: string, key: string): void {
    if (!this.d.seals) return;
    this.verifying.add(id);
    this.d.seals
      .verify(name, digest, keys)
      .catch((e: unknown) => this.d.log.warn({ image: id, err: e }, "seal verification failed"))
      .finally(() => {
        this.verifying.delete(id);
        this.d.enqueue(key);
      });
  }

  /** The informer delivered this version of the key: a write of ours it includes is no longer kept. */
  caughtUp(key: string, observed: Release): void {
    const own = this.written.get(key);
    if (own && own.metadata.uid === observed.metadata.uid && Number(observed.metadata.resourceVersion) >= Number(own.metadata.resourceVersion)) this.written.delete(key);
  }

  /** Our own writes the informer has not delivered yet (how many releases are held twice). */
  get undelivered(): number {
    return this.written.size;
  }

  /** The resourceVersion our last status write of the key returned, until its watch event (our echo) arrives. */
  ownResourceVersion(key: string): string | undefined {
    return this.written.get(key)?.metadata.resourceVersion;
  }

  private async writeStatus(release: Release, status: ReleaseStatus): Promise<void> {
    const path = `${RELEASES}/namespaces/${release.metadata.namespace}/releases/${release.metadata.name}/status`;
    // resourceVersion makes the write conditional: a stale view gets 409 and the queue retries.
    // The patch is the difference from the status this pass started from, so fields the new
    // status no longer has are removed (a merge patch keeps whatever it does not mention).
    const updated = await this.d.client.patch<Release>(path, { metadata: { resourceVersion: release.metadata.resourceVersion }, status: mergePatchFor(release.status ?? {}, status) }, "merge");
    this.written.set(`${release.metadata.namespace ?? ""}/${release.metadata.name}`, updated);
  }

  private async emitEvent(release: Release, e: PlannedEvent, now: Date): Promise<void> {
    const ns = release.metadata.namespace ?? "default";
    try {
      await this.d.client.create(`/api/v1/namespaces/${ns}/events`, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${release.metadata.name}.`, namespace: ns },
        involvedObject: { apiVersion: release.apiVersion, kind: "Release", name: release.metadata.name, namespace: ns, uid: release.metadata.uid, resourceVersion: release.metadata.resourceVersion },
        type: e.type,
        reason: e.reason,
        message: escapeControl(e.message, { maxLength: 1024 }),
        source: { component: "golive-operator" },
        reportingComponent: "golive.dev/operator",
        reportingInstance: this.d.identity,
        firstTimestamp: now.toISOString(),
        lastTimestamp: now.toISOString(),
        count: 1,
      });
    } catch (err) {
      this.d.log.warn({ err, release: release.metadata.name }, "could not record an Event");
    }
  }
}

const MONITORING_CONDITIONS = ["CapacityAtRisk"];

/** The planned status with the monitoring pass's enrollment, capacity report and conditions. */
function withMonitoring(status: ReleaseStatus, pass: MonitoringPass, release: Release, now: Date): ReleaseStatus {
  const { monitoring: _m, capacity: _c, ...rest } = status;
  const kept = (status.conditions ?? []).filter((c) => !MONITORING_CONDITIONS.includes(c.type));
  return {
    ...rest,
    ...(pass.monitoring ? { monitoring: pass.monitoring } : {}),
    ...(pass.capacity ? { capacity: pass.capacity } : {}),
    conditions: [...kept, ...setConditions(release.status?.conditions, pass.conditions, release.metadata.generation ?? 0, now)],
  };
}

/** The planned status with this pass's Drifted condition (none when the release is not live). */
function withDrift(status: ReleaseStatus, pass: DriftPass, release: Release, now: Date): ReleaseStatus {
  const kept = (status.conditions ?? []).filter((c) => c.type !== DRIFTED);
  return { ...status, conditions: [...kept, ...(pass.condition ? setConditions(release.status?.conditions, [pass.condition], release.metadata.generation ?? 0, now) : [])] };
}

function withoutCondition(status: ReleaseStatus, type: string): ReleaseStatus {
  return status.conditions?.some((c) => c.type === type) ? { ...status, conditions: status.conditions.filter((c) => c.type !== type) } : status;
}

function withCondition(status: ReleaseStatus, condition: ConditionInput, release: Release, now: Date): ReleaseStatus {
  const kept = (status.conditions ?? []).filter((c) => c.type !== condition.type);
  return { ...status, conditions: [...kept, ...setConditions(release.status?.conditions, [condition], release.metadata.generation ?? 0, now)] };
}

/** The planned status with the DR targets and their condition (neither when no DR check applies). */
function withDisasterRecovery(status: ReleaseStatus, dr: DrReport | undefined, release: Release, now: Date): ReleaseStatus {
  const { disasterRecovery: _d, ...rest } = status;
  const kept = (status.conditions ?? []).filter((c) => c.type !== DR_CONSISTENT);
  if (!dr) return { ...rest, conditions: kept };
  return { ...rest, ...(dr.targets.length ? { disasterRecovery: dr.targets } : {}), conditions: [...kept, ...setConditions(release.status?.conditions, [dr.condition], release.metadata.generation ?? 0, now)] };
}

/** The planned status with the SignedOff condition and the message saying whom a Released release waits for. */
function withClosing(status: ReleaseStatus, pass: ReturnType<typeof closingSignOff>, release: Release, now: Date): ReleaseStatus {
  const kept = (status.conditions ?? []).filter((c) => c.type !== SIGNED_OFF);
  return { ...status, ...(pass.message ? { message: pass.message.slice(0, 4096) } : {}), conditions: [...kept, ...(pass.condition ? setConditions(release.status?.conditions, [pass.condition], release.metadata.generation ?? 0, now) : [])] };
}

/** The later of two views of one object (resourceVersions are etcd revisions: compare as numbers). */
function newest(a: Release | undefined, b: Release | undefined): Release | undefined {
  if (!a) return undefined; // deleted: the store is the truth for existence
  if (!b || a.metadata.uid !== b.metadata.uid) return a;
  return Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion) ? b : a;
}

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

