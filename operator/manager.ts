// The operator process: informers for the golive resources and namespaces, a work queue of
// Release keys, leader election (only the leader reconciles; followers keep warm caches),
// metrics, health endpoints and graceful shutdown.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isPlainHttp, RELEASE_LABEL, type Release, type ReleasePolicy } from "../api/index.js";
import { AuditLog } from "../audit/audit-log.js";
import { AUDIT_CHECKPOINT_INTERVAL_MS, Checkpointer } from "../audit/checkpoint.js";
import { configMapCheckpointStore } from "../audit/configmap-store.js";
import { RETENTION_INTERVAL_MS, RetentionSchedule, retentionDays } from "../audit/retention.js";
import type { Config } from "../settings/config.js";
import { startHealthServer } from "./runtime/health.js";
import { metricsTlsOptions } from "../webhook/probe-server.js";
import { Informer, objectKey, type KubeObject } from "./runtime/informer.js";
import { logRetry } from "./runtime/transient.js";
import { KubeClient } from "./runtime/kube-client.js";
import { LeaderElector } from "./runtime/leader-election.js";
import { OperatorMetrics } from "./runtime/metrics.js";
import { WorkQueue } from "./runtime/workqueue.js";
import { isOwnWriteEcho } from "./runtime/own-write.js";
import { ReleaseReconciler, type SealSource } from "./release/reconciler.js";
import { readPrivateKey } from "../settings/keyfile.js";
import { Notifier } from "./notify/notifier.js";
import { RolloutController, type EvidenceSigner } from "./rollout/controller.js";
import { JOB_PURPOSE_LABEL, type JobLike } from "./rollout/jobs.js";
import { monitoringCheck } from "./monitoring/readiness.js";
import { ReleaseMonitoring } from "./monitoring/release-monitoring.js";
import { EvidenceOpener, evidenceReleaseKey, governingPolicy, rolloutInFlight } from "./release/gather.js";
import type { EvidenceObject } from "../gates/opened-evidence.js";
import type { DeploymentLike } from "./routers/replica-ratio.js";
import type { StatefulSetLike } from "./rollout/statefulset.js";
import type { DaemonSetLike } from "./rollout/daemonset.js";
import { ReleaseDrift } from "./drift/check.js";
import type { PodLike } from "./drift/detect.js";
import { DeliveryMetrics } from "./delivery/metrics.js";
import { DriftMetrics } from "./drift/metrics.js";
import { PodIndex } from "./drift/pods.js";
import type { HpaObject, QuotaObject } from "./capacity/observe.js";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import type { PdbLike } from "./design/conformance.js";
import { DisasterRecovery } from "./dr/check.js";
import { DrMetrics } from "./dr/metrics.js";
import { SummaryPublisher } from "./summary/publish.js";

/** Phases the gate reconcile (and so the capacity check) owns. */
const GATE_PHASES = new Set<string | undefined>([undefined, "Pending", "Blocked", "Approved"]);

export interface OperatorHandle {
  stop(): Promise<void>;
  isLeader(): boolean;
  idle(): Promise<void>;
  /** Releases whose last status write the informer has not delivered yet (each is held twice meanwhile). */
  undeliveredWrites(): number;
  stores: { releases: Informer<Release>; policies: Informer<ReleasePolicy>; evidence: Informer<EvidenceObject>; namespaces: Informer<KubeObject>; deployments: Informer<DeploymentLike>; statefulsets: Informer<StatefulSetLike>; daemonsets: Informer<DaemonSetLike>; jobs: Informer<JobLike>; pods: Informer<PodLike>; resourceQuotas: Informer<QuotaObject & KubeObject>; autoscalers: Informer<HpaObject & KubeObject>; pdbs: Informer<PdbLike & KubeObject> };
  metrics: OperatorMetrics;
}

export interface OperatorOptions {
  config: Config;
  log: Logger;
  seals?: SealSource;
  kubeConfig?: KubeConfig;
  identity?: string;
  /** Called when leadership is lost; the default exits so a fresh process starts clean. */
  onLostLeadership?: () => void;
  healthServer?: boolean;
  /**
   * The key the operator signs verification Job results with (VerificationReport evidence); the
   * policy must trust it for that type. Default: config.evidenceKey (--evidence-key), signer name
   * config.evidenceSigner (none: results stay in status only).
   */
  evidenceSigner?: EvidenceSigner;
  /** Outbound webhook delivery (retries, backoff); a default one is created. */
  notifier?: Notifier;
}

function signerFromConfig(config: Config): EvidenceSigner | undefined {
  return config.evidenceKey ? { name: config.evidenceSigner, key: readPrivateKey(config.evidenceKey) } : undefined;
}

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

const API = "/apis/golive.dev/v1alpha1";


export async function startOperator(o: OperatorOptions): Promise<OperatorHandle> {
  const { config, log } = o;
  const client = new KubeClient(o.kubeConfig ?? loadKubeConfig(config.kubeconfig));
  const identity = o.identity ?? `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString("hex")}`;
  const metrics = new OperatorMetrics();
  const onError = (e: unknown, what: string) => logRetry(log, e, `informer: ${what}`);
  const informerOpts = { resyncMs: config.resyncPeriod, onError };
  const policies = new Informer<ReleasePolicy>(client, `${API}/releasepolicies`, informerOpts);
  // Evidence is opened on arrival against the policies' signer keys (gates/opened-evidence.ts): the
  // store keeps no envelope of evidence signed by a known key.
  const opener = new EvidenceOpener(policies);
  policies.on((event) => event !== "resync" && opener.invalidate());
  const stores = {
    releases: new Informer<Release>(client, `${API}/releases`, informerOpts),
    policies,
    evidence: new Informer<EvidenceObject>(client, `${API}/releaseevidences`, { ...informerOpts, transform: opener.open, indexBy: evidenceReleaseKey }),
    namespaces: new Informer<KubeObject>(client, "/api/v1/namespaces", { ...informerOpts, resyncMs: 0 }),
    // The rollout's workloads: governed Deployments and their stable copies carry the release label.
    deployments: new Informer<DeploymentLike>(client, "/apis/apps/v1/deployments", { ...informerOpts, resyncMs: 0, labelSelector: RELEASE_LABEL }),
    statefulsets: new Informer<StatefulSetLike>(client, "/apis/apps/v1/statefulsets", { ...informerOpts, resyncMs: 0, labelSelector: RELEASE_LABEL }),
    daemonsets: new Informer<DaemonSetLike>(client, "/apis/apps/v1/daemonsets", { ...informerOpts, resyncMs: 0, labelSelector: RELEASE_LABEL }),
    jobs: new Informer<JobLike>(client, "/apis/batch/v1/jobs", { ...informerOpts, resyncMs: 0, labelSelector: JOB_PURPOSE_LABEL }),
    // Drift after admission: the pods of releases (label golive.dev/release), their reported image digests.
    pods: new Informer<PodLike>(client, "/api/v1/pods", { ...informerOpts, resyncMs: 0, labelSelector: RELEASE_LABEL }),
    // The capacity check before a rollout (operator/capacity): quotas and HPAs of governed namespaces.
    resourceQuotas: new Informer<QuotaObject & KubeObject>(client, "/api/v1/resourcequotas", { ...informerOpts, resyncMs: 0 }),
    autoscalers: new Informer<HpaObject & KubeObject>(client, "/apis/autoscaling/v2/horizontalpodautoscalers", { ...informerOpts, resyncMs: 0 }),
    // The design conformance (operator/design, 5.2 b): is a PodDisruptionBudget selecting the pods?
    pdbs: new Informer<PdbLike & KubeObject>(client, "/apis/policy/v1/poddisruptionbudgets", { ...informerOpts, resyncMs: 0 }),
    // NetworkIsolated (operator/network, 8.7 e): a NetworkPolicy deleted or loosened after admission.
    networkPolicies: new Informer<V1NetworkPolicy & KubeObject>(client, "/apis/networking.k8s.io/v1/networkpolicies", { ...informerOpts, resyncMs: 0 }),
  };

  let queue: WorkQueue | undefined;
  const enqueue = (key: string) => queue?.add(key);
  const enqueueAll = (namespace?: string) => stores.releases.list(namespace).forEach((r) => enqueue(objectKey(r)));
  const audit = new AuditLog(config.auditFile, log.child({ component: "audit" }));
  // Tamper evidence beyond the file (audit/checkpoint.ts): the chain head signed with the evidence key, in a ConfigMap.
  const checkpointer = config.evidenceKey
    ? new Checkpointer({ file: config.auditFile, source: "operator", head: () => audit.chainHead, key: readPrivateKey(config.evidenceKey), store: configMapCheckpointStore(client, config.namespace), onError: (e) => log.error({ err: e }, "audit: could not publish the signed checkpoint of the trail") })
    : undefined;
  checkpointer?.start(AUDIT_CHECKPOINT_INTERVAL_MS);
  const retention = new RetentionSchedule((days) => audit.prune(days), () => retentionDays(stores.policies.list()), (e) => log.error({ err: e }, "audit: retention failed; nothing was dropped"));
  retention.start(RETENTION_INTERVAL_MS);
  const notifier = o.notifier ?? new Notifier({ log: log.child({ component: "notify" }) });
  const signer = o.evidenceSigner ?? signerFromConfig(config);
  // 8.5: a requireHttps policy refuses a plain http --prometheus-url per release (prometheusRefusal,
  // with the reason in that release's status); say so once at start too. Info, not warn: below
  // level 3 a plain http Prometheus on loopback or in-cluster is a normal choice (the quick start's).
  if (config.prometheusUrl && isPlainHttp(config.prometheusUrl)) log.info({ prometheusUrl: config.prometheusUrl }, "--prometheus-url is plain http: releases governed by a ReleasePolicy with spec.safeguards.requireHttps (level 3) will not use it; give Prometheus's https:// address");
  const rollout = new RolloutController({ client, stores, log: log.child({ controller: "rollout" }), signer, enqueue, checkMonitoring: monitoringCheck(client, config.prometheusUrl) });
  const monitoringLog = log.child({ controller: "monitoring" });
  const monitoring = new ReleaseMonitoring({
    client,
    registry: metrics.registry,
    policyFor: (r) => governingPolicy(stores, r.metadata.namespace ?? "", config.namespace).policy?.spec,
    prometheusUrl: config.prometheusUrl,
    capacityIntervalMs: config.capacityReportInterval,
    capacityHistoryMs: config.capacityHistory,
    enqueue,
    onError: (key, err) => monitoringLog.warn({ release: key, err }, "monitoring"),
  });
  const pods = new PodIndex();
  // Release and delivery series (9.3), computed at scrape time from the stores.
  new DeliveryMetrics(metrics.registry, { releases: () => stores.releases.list(), evidence: () => stores.evidence.list() });
  const drift = new ReleaseDrift({ client, pods, metrics: new DriftMetrics(metrics.registry) });
  const disasterRecovery = new DisasterRecovery({ client, ownNamespace: config.namespace, log: log.child({ component: "dr" }), enqueue: (key) => enqueue(key), metrics: new DrMetrics(metrics.registry), resyncMs: config.drResyncPeriod, timeoutMs: config.drTimeout });
  const reconciler = new ReleaseReconciler({ client, stores, ...(o.seals ? { seals: o.seals } : {}), audit, log: log.child({ controller: "release" }), ownNamespace: config.namespace, identity: `system:golive-operator:${identity}`, enqueue, rollout, notifier, monitoring, drift, disasterRecovery, ...(signer ? { summaries: new SummaryPublisher({ client, key: signer.key, log: log.child({ component: "summary" }) }) } : {}) });

  // The echo of our own status write (its resourceVersion is the one the write returned) does not
  // queue a release whose pass already scheduled its next look (an analysis measuring every 2 s):
  // otherwise a hundred analysing releases re-queue themselves on every write and take the queue.
  stores.releases.on((event, r, old) => {
    const key = objectKey(r);
    if (isOwnWriteEcho(event, r, old, reconciler.ownResourceVersion(key))) queue?.addUnlessScheduled(key);
    else enqueue(key);
    if (event !== "delete") reconciler.caughtUp(key, r);
  });
  stores.evidence.on((_event, e) => enqueue(`${e.metadata.namespace ?? ""}/${e.spec.release}`));
  stores.policies.on((event) => event !== "resync" && enqueueAll());
  // A workload changed: the releases rolling it out (or about to) look again at once.
  const enqueueRollouts = (kind: "Deployment" | "StatefulSet" | "DaemonSet") => (event: string, w: KubeObject) => event !== "resync" && rollout.releasesFor(w.metadata?.namespace ?? "", kind, w.metadata?.name ?? "").forEach(enqueue);
  stores.deployments.on(enqueueRollouts("Deployment"));
  stores.statefulsets.on(enqueueRollouts("StatefulSet"));
  stores.daemonsets.on(enqueueRollouts("DaemonSet"));
  // 5.2: a governed Deployment, StatefulSet or DaemonSet scaled or changed in any phase: its release's DesignConformant may have changed.
  const enqueueLabelled = (event: string, d: { metadata?: { namespace?: string; labels?: Record<string, string> } }) => {
    const release = d.metadata?.labels?.[RELEASE_LABEL];
    if (event !== "resync" && release) enqueue(`${d.metadata?.namespace ?? ""}/${release}`);
  };
  stores.deployments.on(enqueueLabelled);
  stores.statefulsets.on(enqueueLabelled);
  // A DaemonSet too: a Released or RolledBack release hands its update strategy back once its pods settle.
  stores.daemonsets.on(enqueueLabelled);
  stores.jobs.on((event, j) => {
    const release = j.metadata?.labels?.[RELEASE_LABEL];
    if (event !== "resync" && release) enqueue(`${j.metadata?.namespace ?? ""}/${release}`);
  });
  // A pod started, stopped or reporting another image digest: its release's drift may have changed.
  stores.pods.on((event, p, old) => pods.update(event, p, old).forEach(enqueue));
  // A quota's usage or an HPA's bounds changed: releases not yet rolling out may fit now, or no longer.
  const enqueueGated = (namespace: string | undefined) => stores.releases.list(namespace).filter((r) => GATE_PHASES.has(r.status?.phase)).forEach((r) => enqueue(objectKey(r)));
  stores.resourceQuotas.on((event, q) => event !== "resync" && enqueueGated(q.metadata?.namespace));
  stores.autoscalers.on((event, h) => event !== "resync" && enqueueGated(h.metadata?.namespace));
  stores.pdbs.on((event, p) => event !== "resync" && enqueueAll(p.metadata?.namespace));
  stores.networkPolicies.on((event, p) => event !== "resync" && enqueueAll(p.metadata?.namespace));
  stores.namespaces.on((event, ns, old) => {
    if (event === "update" && JSON.stringify(ns.metadata?.labels) === JSON.stringify(old?.metadata?.labels)) return;
    if (event !== "resync") enqueueAll(ns.metadata?.name);
  });

  const startWorking = () => {
    metrics.leader.set({ name: "golive-operator" }, 1);
    log.info({ identity }, "became leader: reconciling");
    queue = new WorkQueue(
      async (key) => {
        const end = metrics.reconcileTime.startTimer({ controller: "release" });
        try {
          const result = await reconciler.reconcile(key);
          metrics.reconcileTotal.inc({ controller: "release", result: result.requeueAfterMs ? "requeue_after" : "success" });
          return result;
        } catch (e) {
          metrics.reconcileTotal.inc({ controller: "release", result: "error" });
          metrics.reconcileErrors.inc({ controller: "release" });
          // The message says what went wrong (a missing route, a conflict); the stack is for debugging.
          log.warn({ release: key, error: (e as Error).message }, "reconcile failed; retrying with backoff");
          log.debug({ err: e, release: key }, "reconcile failure");
          throw e;
        } finally {
          end();
        }
      },
      { concurrency: config.concurrency, qps: config.queueQps, burst: config.queueBurst, metrics: metrics.queue("release"), isUrgent: (key) => rolloutInFlight(stores.releases, key), isScheduled: (key) => rollout.isScheduled(key) },
    );
    enqueueAll();
  };

  // The policies first: evidence listed before their keys are known would keep its envelopes.
  await policies.start();
  await Promise.all(Object.values(stores).filter((s) => s !== policies).map((s) => s.start()));
  log.info({ releases: stores.releases.list().length, policies: stores.policies.list().length }, "caches synced");

  let elector: LeaderElector | undefined;
  if (config.leaderElect) {
    elector = new LeaderElector(client, {
      namespace: config.namespace,
      name: "golive-operator",
      identity,
      leaseDurationMs: config.leaseDuration,
      renewDeadlineMs: config.renewDeadline,
      retryPeriodMs: config.retryPeriod,
      onStartedLeading: startWorking,
      onStoppedLeading: () => {
        metrics.leader.set({ name: "golive-operator" }, 0);
        log.error("lost leadership");
        void queue?.shutdown();
        queue = undefined;
        (o.onLostLeadership ?? (() => process.exit(1)))();
      },
      onError: (e) => log.warn({ err: e }, "leader election"),
    });
    metrics.leader.set({ name: "golive-operator" }, 0);
    elector.start();
  } else {
    startWorking();
  }

  const health = o.healthServer === false ? undefined : await startHealthServer(config.healthPort, "0.0.0.0", { live: () => true, ready: () => Object.values(stores).every((s) => s.hasSynced()) }, metrics.registry, metricsTlsOptions(config, log, [process.env.POD_NAME ?? "golive-operator"]));

  return {
    stores,
    metrics,
    isLeader: () => (elector ? elector.isLeader() : true),
    idle: () => queue?.idle() ?? Promise.resolve(),
    undeliveredWrites: () => reconciler.undelivered,
    async stop() {
      await queue?.shutdown();
      retention.stop();
      await checkpointer?.stop();
      await rollout.stop();
      notifier.stop();
      await elector?.stop();
      await Promise.all(Object.values(stores).map((s) => s.stop()));
      await new Promise<void>((r) => (health ? health.close(() => r()) : r()));
      disasterRecovery.close();
      client.close();
    },
  };
}
