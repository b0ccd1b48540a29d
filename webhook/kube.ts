// The webhook's Kubernetes I/O, all off the admission hot path: the TLS Secret, the caBundle in
// the ValidatingWebhookConfiguration, break-glass Events, and informer-backed stores for a
// standalone `golive webhook` process.
import { escapeControl } from "../api/escape.js";
import {
  AdmissionregistrationV1Api,
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  ListWatch,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1ConfigMap,
  type V1DaemonSet,
  type V1Deployment,
  type V1Namespace,
  type V1NetworkPolicy,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1ReplicaSet,
  type V1ReplicationController,
  type V1Role,
  type V1RoleBinding,
  type V1Secret,
  type V1StatefulSet,
  type V1ValidatingWebhookConfiguration,
  type V2HorizontalPodAutoscaler,
  Watch,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { RELEASE_LABEL, type Release, type ReleaseEvidence, type ReleasePolicy } from "../api/index.js";
import type { BreakGlassAudit } from "./admission.js";
import { TLS_SECRET_NAME, type StoredTls, type TlsBundle, type TlsSecretStore } from "./tls.js";
import { governance } from "./governance.js";
import type { AdmissionView, CachedEvidence, KubeAutoscaler, KubeWorkload, ObjectStore, ReleaseStore, SealLookup } from "./view.js";
import { cachedAutoscaler, cachedDaemonSet, cachedEvidence, cachedPod, cachedRelease, cachedReplicaSet, cachedWorkload, leanMetadata, withoutStatus } from "./lean.js";
import { ReleaseIndex } from "./release-index.js";

export const codeOf = (e: unknown): number | undefined => (e instanceof ApiException ? e.code : undefined);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, "base64").toString("utf8") : "");

const BUNDLE_SINCE = "golive.dev/ca-bundle-since";

function toSecret(namespace: string, name: string, bundle: TlsBundle, resourceVersion?: string): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: {
      name,
      namespace,
      labels: { "app.kubernetes.io/name": "golive", "app.kubernetes.io/component": "webhook" },
      ...(bundle.bundleSince ? { annotations: { [BUNDLE_SINCE]: bundle.bundleSince } } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { "tls.crt": b64(bundle.cert), "tls.key": b64(bundle.key), "ca.crt": b64(bundle.caBundle), "ca-signing.crt": b64(bundle.caCert), "ca-signing.key": b64(bundle.caKey) },
  };
}

/** The TLS bundle kept in a Secret: create-if-absent and conditional replace, so replicas agree. */
export function secretTlsStore(kc: KubeConfig, namespace: string, name = TLS_SECRET_NAME): TlsSecretStore {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async read(): Promise<StoredTls | undefined> {
      let s: V1Secret;
      try {
        s = await core.readNamespacedSecret({ name, namespace });
      } catch (e) {
        if (codeOf(e) === 404) return undefined;
        throw e;
      }
      const d = s.data ?? {};
      const since = s.metadata?.annotations?.[BUNDLE_SINCE];
      return {
        resourceVersion: s.metadata?.resourceVersion ?? "",
        bundle: { cert: unb64(d["tls.crt"]), key: unb64(d["tls.key"]), caBundle: unb64(d["ca.crt"]), caCert: unb64(d["ca-signing.crt"]), caKey: unb64(d["ca-signing.key"]), ...(since ? { bundleSince: since } : {}) },
      };
    },
    async create(bundle) {
      try {
        await core.createNamespacedSecret({ namespace, body: toSecret(namespace, name, bundle) });
        return true;
      } catch (e) {
        if (codeOf(e) === 409) return false;
        throw e;
      }
    },
    async replace(bundle, resourceVersion) {
      try {
        await core.replaceNamespacedSecret({ name, namespace, body: toSecret(namespace, name, bundle, resourceVersion) });
        return true;
      } catch (e) {
        if (codeOf(e) === 409 || codeOf(e) === 404) return false;
        throw e;
      }
    },
  };
}

/** Put the caBundle into every webhook of the configuration (JSON patch guarded by each webhook's name). */
export function caBundlePublisher(kc: KubeConfig, configurationName: string): (caBundle: string) => Promise<"patched" | "unchanged" | "absent"> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  return async (caBundle) => {
    let config: V1ValidatingWebhookConfiguration;
    try {
      config = await api.readValidatingWebhookConfiguration({ name: configurationName });
    } catch (e) {
      if (codeOf(e) === 404) return "absent";
      throw e;
    }
    const value = b64(caBundle);
    const ops: object[] = [];
    (config.webhooks ?? []).forEach((w, i) => {
      if (w.clientConfig.caBundle === value) return;
      ops.push({ op: "test", path: `/webhooks/${i}/name`, value: w.name }, { op: "add", path: `/webhooks/${i}/clientConfig/caBundle`, value });
    });
    if (ops.length === 0) return "unchanged";
    await api.patchValidatingWebhookConfiguration({ name: configurationName, body: ops }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));
    return "patched";
  };
}

/** Create the configuration, or replace it when it differs. */
export async function applyConfiguration(kc: KubeConfig, desired: V1ValidatingWebhookConfiguration): Promise<void> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const name = desired.metadata!.name!;
  try {
    const current = await api.readValidatingWebhookConfiguration({ name });
    await api.replaceValidatingWebhookConfiguration({ name, body: { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } } });
  } catch (e) {
    if (codeOf(e) !== 404) throw e;
    await api.createValidatingWebhookConfiguration({ body: desired });
  }
}

/** Delete the configuration (absent already is fine). */
export async function removeConfiguration(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(AdmissionregistrationV1Api).deleteValidatingWebhookConfiguration({ name });
  } catch (e) {
    if (codeOf(e) !== 404) throw e;
  }
}

/** A Warning Event on the admitted object for every (non-dry-run) break-glass admission. */
export function breakGlassEvents(kc: KubeConfig, reportingInstance: string): (audit: BreakGlassAudit) => Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  return async (audit) => {
    if (audit.dryRun) return;
    const { namespace, kind, name } = audit.details;
    const now = new Date();
    const apiVersion = kind === "Pod" || kind === "ReplicationController" ? "v1" : kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1";
    const overridden = audit.details.overridden.length ? ` Overrode: ${audit.details.overridden.join("; ")}` : "";
    await core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name.replace(/<generated>$/, "")}.golive-break-glass.`, namespace },
        involvedObject: { apiVersion, kind, name, namespace },
        type: "Warning",
        reason: "BreakGlass",
        message: escapeControl(`Admitted by break glass for ${audit.user} (${audit.details.roles.join(", ")}): ${audit.reason}.${overridden}`, { maxLength: 1024 }),
        source: { component: "golive-webhook" },
        reportingComponent: "golive.dev/webhook",
        reportingInstance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  };
}

interface CacheLike<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

function store<T>(cache: CacheLike<T>): ObjectStore<T> {
  return { get: (namespace, name) => cache.get(name, namespace), list: (namespace) => cache.list(namespace) };
}

type RunningInformer<T extends KubernetesObject> = ListWatch<T>;

/**
 * client-node's informer (list + watch into a cache), with every object reduced on arrival
 * (lean.ts; client-go's SetTransform): the cache, and everything its events hand out, hold the
 * reduced form only. The reducer must keep metadata.name, namespace and resourceVersion (the
 * cache keys on them and resumes its watch from the last resourceVersion). Bookmarks and watch
 * errors pass through untouched.
 */
function makeInformer<T extends KubernetesObject, S extends KubernetesObject = T>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  labelSelector?: string,
  reduce: (o: T) => S = leanMetadata as unknown as (o: T) => S,
): ListWatch<S> {
  const watch = new Watch(kc);
  const reducing = {
    watch: (p: string, query: Record<string, string | number | boolean | undefined>, callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void, done: (err: unknown) => void) =>
      watch.watch(p, query, (phase, obj) => callback(phase, phase === "ADDED" || phase === "MODIFIED" || phase === "DELETED" ? reduce(obj as T) : obj), done),
  } as unknown as Watch;
  return new ListWatch<S>(path, reducing, () => list().then((l) => ({ ...l, items: l.items.map(reduce) })), false, labelSelector);
}

/** Restart an informer after an error (a 403 in a namespace not yet onboarded, a dropped watch), backing off to 5 minutes. */
function keepRunning<T extends KubernetesObject>(informer: RunningInformer<T>, what: string, log: Logger): { stopped: boolean } {
  const state = { stopped: false };
  let delay = 1_000;
  informer.on("connect", () => (delay = 1_000));
  informer.on("error", (err: unknown) => {
    if (state.stopped) return;
    log.warn({ err, informer: what, retryInMs: delay }, "informer error; restarting it");
    setTimeout(() => {
      if (!state.stopped) informer.start().catch(() => undefined);
    }, delay).unref();
    delay = Math.min(delay * 2, 300_000);
  });
  return state;
}

export interface InformerView extends AdmissionView {
  /** Resolves once every informer has listed once. */
  start(): Promise<void>;
  synced(): boolean;
  stop(): Promise<void>;
}

/** Pods of a release no built-in controller stamped out (theirs carry these labels). */
export const BARE_POD_SELECTOR = `${RELEASE_LABEL},!pod-template-hash,!controller-revision-hash,!batch.kubernetes.io/controller-uid,!controller-uid`;

/**
 * An AdmissionView from client-node informers (list + watch). Secrets are watched only in
 * governed namespaces, one informer per namespace, started and stopped as namespaces and
 * policies change: golive never needs (or is granted) cluster-wide Secret access.
 */
export function informerView(kc: KubeConfig, opts: { seals: SealLookup; operatorIdentity: string; ownNamespace: string; log: Logger }): InformerView {
  const { log } = opts;
  const core = kc.makeApiClient(CoreV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const golive = <T extends KubernetesObject, S extends KubernetesObject = T>(plural: string, cluster: boolean, reduce?: (o: T) => S) =>
    makeInformer<T, S>(
      kc,
      `/apis/golive.dev/v1alpha1/${plural}`,
      () => (cluster ? custom.listClusterCustomObject({ group: "golive.dev", version: "v1alpha1", plural }) : custom.listCustomObjectForAllNamespaces({ group: "golive.dev", version: "v1alpha1", plural })) as Promise<KubernetesListObject<T>>,
      undefined,
      reduce,
    );
  const namespaces = makeInformer<V1Namespace>(kc, "/api/v1/namespaces", () => core.listNamespace());
  const policies = golive<ReleasePolicy & KubernetesObject>("releasepolicies", true);
  const releases = golive<Release & KubernetesObject>("releases", false, (r) => cachedRelease(r) as Release & KubernetesObject);
  // Evidence is the bulk of what a large cluster holds (five or more per release, each with its
  // signed envelope): the webhook keeps a few fields of each (lean.ts).
  const evidence = golive<ReleaseEvidence & KubernetesObject, CachedEvidence & KubernetesObject>("releaseevidences", false, (e) => cachedEvidence(e));
  // Releases by application, kept in step with the releases' cache by its events.
  const releaseIndex = new ReleaseIndex();
  releases.on("add", (r) => releaseIndex.put(r));
  releases.on("update", (r) => releaseIndex.put(r));
  releases.on("delete", (r) => releaseIndex.delete(r.metadata?.namespace, r.metadata?.name ?? ""));
  /** Kinds whose first list succeeded (RBAC and NetworkPolicies fail closed until then). */
  const listed = new Set<string>();
  const pdbs = makeInformer<V1PodDisruptionBudget>(kc, "/apis/policy/v1/poddisruptionbudgets", () => policy.listPodDisruptionBudgetForAllNamespaces(), undefined, withoutStatus);
  const configMaps = makeInformer<V1ConfigMap>(kc, "/api/v1/configmaps", () => core.listConfigMapForAllNamespaces());
  // The peak capacity check (6.2.1) sums the release's other workloads and reads HPAs' maxReplicas.
  const apps = kc.makeApiClient(AppsV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const workload = (o: V1Deployment | V1StatefulSet) => cachedWorkload(o) as KubeWorkload & KubernetesObject;
  const deployments = makeInformer<V1Deployment, KubeWorkload & KubernetesObject>(kc, "/apis/apps/v1/deployments", () => apps.listDeploymentForAllNamespaces({ labelSelector: RELEASE_LABEL }), RELEASE_LABEL, workload);
  const statefulSets = makeInformer<V1StatefulSet, KubeWorkload & KubernetesObject>(kc, "/apis/apps/v1/statefulsets", () => apps.listStatefulSetForAllNamespaces({ labelSelector: RELEASE_LABEL }), RELEASE_LABEL, workload);
  // A Deployment's revisions carry its release label too: kept lean, counted through the Deployment.
  const replicaSet = (o: V1ReplicaSet | V1ReplicationController) => cachedReplicaSet(o) as KubeWorkload & KubernetesObject;
  const replicaSets = makeInformer<V1ReplicaSet, KubeWorkload & KubernetesObject>(kc, "/apis/apps/v1/replicasets", () => apps.listReplicaSetForAllNamespaces({ labelSelector: RELEASE_LABEL }), RELEASE_LABEL, replicaSet);
  const replicationControllers = makeInformer<V1ReplicationController, KubeWorkload & KubernetesObject>(kc, "/api/v1/replicationcontrollers", () => core.listReplicationControllerForAllNamespaces({ labelSelector: RELEASE_LABEL }), RELEASE_LABEL, replicaSet);
  const daemonSets = makeInformer<V1DaemonSet, KubeWorkload & KubernetesObject>(kc, "/apis/apps/v1/daemonsets", () => apps.listDaemonSetForAllNamespaces({ labelSelector: RELEASE_LABEL }), RELEASE_LABEL, (d) => cachedDaemonSet(d));
  // Bare pods only count (an owned pod counts through its owner): the selector leaves out, on the
  // server, the pods of Deployments, StatefulSets, DaemonSets and Jobs by the labels their
  // controllers stamp on them, so the webhook does not watch every pod of every release.
  const pods = makeInformer<V1Pod, KubeWorkload & KubernetesObject>(kc, "/api/v1/pods", () => core.listPodForAllNamespaces({ labelSelector: BARE_POD_SELECTOR }), BARE_POD_SELECTOR, (p) => cachedPod(p));
  const autoscalers = makeInformer<V2HorizontalPodAutoscaler, KubeAutoscaler & KubernetesObject>(kc, "/apis/autoscaling/v2/horizontalpodautoscalers", () => autoscaling.listHorizontalPodAutoscalerForAllNamespaces(), undefined, (h) => cachedAutoscaler(h));
  // NetworkPolicies (8.7 e): like RBAC, the rule fails closed until the first list succeeded.
  const networking = kc.makeApiClient(NetworkingV1Api);
  const networkPolicies = makeInformer<V1NetworkPolicy>(kc, "/apis/networking.k8s.io/v1/networkpolicies", () => networking.listNetworkPolicyForAllNamespaces().then((l) => (listed.add("networkpolicies"), l)));
  // RBAC (4.4 c: no governed pod runs as a cluster admin). An informer's start() resolves even
  // when its list fails, so each records its first successful list: until all four have listed,
  // the rule denies in governed namespaces instead of reading empty stores as "no bindings".
  const rbacApi = kc.makeApiClient(RbacAuthorizationV1Api);
  const rbacInformer = <T extends KubernetesObject>(plural: string, list: () => Promise<KubernetesListObject<T>>) =>
    makeInformer<T>(kc, `/apis/rbac.authorization.k8s.io/v1/${plural}`, () => list().then((l) => (listed.add(plural), l)));
  const roles = rbacInformer<V1Role>("roles", () => rbacApi.listRoleForAllNamespaces());
  const roleBindings = rbacInformer<V1RoleBinding>("rolebindings", () => rbacApi.listRoleBindingForAllNamespaces());
  const clusterRoles = rbacInformer<V1ClusterRole>("clusterroles", () => rbacApi.listClusterRole());
  const clusterRoleBindings = rbacInformer<V1ClusterRoleBinding>("clusterrolebindings", () => rbacApi.listClusterRoleBinding());
  const all = [namespaces, policies, releases, evidence, pdbs, configMaps, deployments, statefulSets, replicaSets, replicationControllers, daemonSets, pods, autoscalers, roles, roleBindings, clusterRoles, clusterRoleBindings, networkPolicies] as RunningInformer<KubernetesObject>[];
  const names = ["namespaces", "releasepolicies", "releases", "releaseevidences", "poddisruptionbudgets", "configmaps", "deployments", "statefulsets", "replicasets", "replicationcontrollers", "daemonsets", "pods", "horizontalpodautoscalers", "roles", "rolebindings", "clusterroles", "clusterrolebindings", "networkpolicies"];
  const states = all.map((i, n) => keepRunning(i, names[n]!, log));

  const secretInformers = new Map<string, { informer: RunningInformer<V1Secret>; state: { stopped: boolean } }>();
  const secrets: ObjectStore<V1Secret> = {
    get: (namespace, name) => (namespace === undefined ? undefined : secretInformers.get(namespace)?.informer.get(name, namespace)),
    list: (namespace) => (namespace === undefined ? [...secretInformers.values()].flatMap((s) => s.informer.list()) : (secretInformers.get(namespace)?.informer.list(namespace) ?? [])),
  };
  let synced = false;
  let stopped = false;

  const view: InformerView = {
    namespaces: store(namespaces),
    policies: store(policies),
    releases: { ...store(releases), byApplication: (application, namespace) => releaseIndex.byApplication(application, namespace) } satisfies ReleaseStore,
    evidence: store(evidence),
    pdbs: store(pdbs),
    configMaps: store(configMaps),
    deployments: store(deployments),
    statefulSets: store(statefulSets),
    replicaSets: store(replicaSets),
    replicationControllers: store(replicationControllers),
    daemonSets: store(daemonSets),
    pods: store(pods),
    autoscalers: store(autoscalers),
    secrets,
    rbac: { roles: store(roles), roleBindings: store(roleBindings), clusterRoles: store(clusterRoles), clusterRoleBindings: store(clusterRoleBindings), synced: () => ["roles", "rolebindings", "clusterroles", "clusterrolebindings"].every((k) => listed.has(k)) },
    networkPolicies: { ...store(networkPolicies), synced: () => listed.has("networkpolicies") },
    seals: opts.seals,
    now: () => new Date(),
    operatorIdentity: opts.operatorIdentity,
    ownNamespace: opts.ownNamespace,
    async start() {
      await Promise.all(all.map((i) => i.start()));
      await syncSecretInformers();
      synced = true;
    },
    synced: () => synced,
    async stop() {
      stopped = true;
      for (const s of states) s.stopped = true;
      await Promise.all([...all.map((i) => i.stop()), ...[...secretInformers.values()].map((s) => ((s.state.stopped = true), s.informer.stop()))]);
    },
  };

  /** One Secret informer per governed namespace; the first list of a new one is awaited (bounded). */
  async function syncSecretInformers(): Promise<void> {
    if (stopped) return;
    const governed = new Set(namespaces.list().map((n) => n.metadata?.name ?? "").filter((ns) => ns && governance(view, ns).kind !== "ungoverned"));
    const starting: Promise<unknown>[] = [];
    for (const ns of governed) {
      if (secretInformers.has(ns)) continue;
      const informer = makeInformer<V1Secret>(kc, `/api/v1/namespaces/${ns}/secrets`, () => core.listNamespacedSecret({ namespace: ns }));
      const state = keepRunning(informer, `secrets in ${ns}`, log);
      secretInformers.set(ns, { informer, state });
      starting.push(Promise.race([informer.start().catch((e: unknown) => log.warn({ err: e, namespace: ns }, "cannot watch Secrets (grant golive's webhook get/list/watch on secrets there)")), new Promise((r) => setTimeout(r, 5_000).unref())]));
    }
    for (const [ns, s] of secretInformers) {
      if (governed.has(ns)) continue;
      s.state.stopped = true;
      secretInformers.delete(ns);
      await s.informer.stop();
    }
    await Promise.all(starting);
  }
  let queued = false;
  const resync = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      syncSecretInformers().catch((e: unknown) => log.warn({ err: e }, "could not update the Secret informers"));
    }, 100).unref();
  };
  for (const verb of ["add", "update", "delete"] as const) {
    namespaces.on(verb, resync);
    policies.on(verb, resync);
  }
  return view;
}
