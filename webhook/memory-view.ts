// An AdmissionView over plain arrays, for tests and the bench: the same interface the
// informer-backed view implements, with setters to change what admission sees. Objects are
// reduced on put with the informers' own reducers (lean.ts), so every test and the bench see
// what the webhook's caches hold, not more.
import type { V1ClusterRole, V1ClusterRoleBinding, V1ConfigMap, V1DaemonSet, V1Namespace, V1NetworkPolicy, V1Pod, V1PodDisruptionBudget, V1Role, V1RoleBinding, V1Secret } from "@kubernetes/client-node";
import type { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import type { TrustedKey } from "../gates/dsse.js";
import { cachedAutoscaler, cachedDaemonSet, cachedEvidence, cachedPod, cachedRelease, cachedReplicaSet, cachedWorkload, leanMetadata, withoutStatus } from "./lean.js";
import { ReleaseIndex } from "./release-index.js";
import type { AdmissionView, CachedEvidence, KubeAutoscaler, KubeWorkload, ObjectStore, RbacStores, ReleaseStore, SealVerdict } from "./view.js";

interface Named {
  metadata?: { name?: string; namespace?: string } | undefined;
}

/** Objects put as In and kept as T, reduced on arrival (as the informers reduce them). */
export class ReducingStore<In extends Named, T extends Named> implements ObjectStore<T> {
  private readonly byNamespace = new Map<string, Map<string, T>>();

  constructor(
    items: readonly In[],
    private readonly reduce: (item: In) => T,
  ) {
    this.replace(items);
  }

  /** Replace every object (as a relist would). */
  replace(items: readonly In[]): void {
    this.byNamespace.clear();
    for (const item of items) this.put(item);
  }

  /** Store the reduced object and return it. */
  put(item: In): T {
    const reduced = this.reduce(item);
    const ns = reduced.metadata?.namespace ?? "";
    let names = this.byNamespace.get(ns);
    if (!names) this.byNamespace.set(ns, (names = new Map<string, T>()));
    names.set(reduced.metadata?.name ?? "", reduced);
    return reduced;
  }

  delete(namespace: string | undefined, name: string): void {
    this.byNamespace.get(namespace ?? "")?.delete(name);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.byNamespace.get(namespace ?? "")?.get(name);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.byNamespace.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const names of this.byNamespace.values()) for (const item of names.values()) all.push(item);
    return all;
  }
}

/** Objects kept as they are put, less managedFields and kubectl's last-applied copy (lean.ts), or reduced by `reduce`. */
export class MemoryStore<T extends Named> extends ReducingStore<T, T> {
  constructor(items: readonly T[] = [], reduce: (item: T) => T = leanMetadata) {
    super(items, reduce);
  }
}

/** Releases, reduced as the webhook keeps them and indexed by application. */
export class MemoryReleases extends MemoryStore<Release> implements ReleaseStore {
  private index: ReleaseIndex | undefined;

  constructor(items: readonly Release[] = []) {
    super([], cachedRelease);
    this.replace(items);
  }

  private get idx(): ReleaseIndex {
    return (this.index ??= new ReleaseIndex());
  }

  override replace(items: readonly Release[]): void {
    this.idx.clear();
    super.replace(items);
  }

  override put(item: Release): Release {
    const reduced = super.put(item);
    this.idx.put(reduced);
    return reduced;
  }

  override delete(namespace: string | undefined, name: string): void {
    super.delete(namespace, name);
    this.idx.delete(namespace, name);
  }

  byApplication(application: string, namespace?: string): Release[] {
    return this.idx.byApplication(application, namespace);
  }
}

/** Seal verdicts by image name and digest, as the seal cache's memory holds them. */
export class MemorySeals {
  private readonly verdicts = new Map<string, SealVerdict>();

  set(name: string, digest: string, verdict: SealVerdict): void {
    this.verdicts.set(`${name}@${digest}`, verdict);
  }

  sealed(name: string, digest: string, signer = "image-signer"): void {
    this.set(name, digest, { sealed: true, signer, format: "legacy-sig", verifiedAt: new Date(0) });
  }

  clear(): void {
    this.verdicts.clear();
  }

  peek(name: string, digest: string, _keys: readonly TrustedKey[]): SealVerdict | undefined {
    return this.verdicts.get(`${name}@${digest}`);
  }
}

/** RBAC objects in memory; synced unless a test says otherwise. */
export class MemoryRbac implements RbacStores {
  readonly roles: MemoryStore<V1Role>;
  readonly roleBindings: MemoryStore<V1RoleBinding>;
  readonly clusterRoles: MemoryStore<V1ClusterRole>;
  readonly clusterRoleBindings: MemoryStore<V1ClusterRoleBinding>;
  isSynced = true;

  constructor(init: { roles?: V1Role[]; roleBindings?: V1RoleBinding[]; clusterRoles?: V1ClusterRole[]; clusterRoleBindings?: V1ClusterRoleBinding[] } = {}) {
    this.roles = new MemoryStore(init.roles);
    this.roleBindings = new MemoryStore(init.roleBindings);
    this.clusterRoles = new MemoryStore(init.clusterRoles);
    this.clusterRoleBindings = new MemoryStore(init.clusterRoleBindings);
  }

  synced(): boolean {
    return this.isSynced;
  }
}

/** NetworkPolicies in memory; synced unless a test says otherwise. */
export class MemoryNetworkPolicies extends MemoryStore<V1NetworkPolicy> {
  isSynced = true;

  synced(): boolean {
    return this.isSynced;
  }
}

export interface MemoryViewInit {
  namespaces?: V1Namespace[];
  policies?: ReleasePolicy[];
  releases?: Release[];
  evidence?: ReleaseEvidence[];
  pdbs?: V1PodDisruptionBudget[];
  configMaps?: V1ConfigMap[];
  secrets?: V1Secret[];
  deployments?: KubeWorkload[];
  statefulSets?: KubeWorkload[];
  replicaSets?: KubeWorkload[];
  replicationControllers?: KubeWorkload[];
  daemonSets?: V1DaemonSet[];
  pods?: V1Pod[];
  autoscalers?: KubeAutoscaler[];
  rbac?: MemoryRbac;
  networkPolicies?: V1NetworkPolicy[];
  now?: () => Date;
  operatorIdentity?: string;
  ownNamespace?: string;
}

export class MemoryView implements AdmissionView {
  readonly namespaces: MemoryStore<V1Namespace>;
  readonly policies: MemoryStore<ReleasePolicy>;
  readonly releases: MemoryReleases;
  readonly evidence: ReducingStore<ReleaseEvidence, CachedEvidence>;
  readonly pdbs: MemoryStore<V1PodDisruptionBudget>;
  readonly configMaps: MemoryStore<V1ConfigMap>;
  readonly secrets: MemoryStore<V1Secret>;
  readonly deployments: MemoryStore<KubeWorkload>;
  readonly statefulSets: MemoryStore<KubeWorkload>;
  readonly replicaSets: MemoryStore<KubeWorkload>;
  readonly replicationControllers: MemoryStore<KubeWorkload>;
  readonly daemonSets: ReducingStore<V1DaemonSet, KubeWorkload>;
  readonly pods: ReducingStore<V1Pod, KubeWorkload>;
  readonly autoscalers: MemoryStore<KubeAutoscaler>;
  readonly rbac: MemoryRbac;
  readonly networkPolicies: MemoryNetworkPolicies;
  readonly seals = new MemorySeals();
  operatorIdentity: string;
  ownNamespace: string;
  private clock: () => Date;

  constructor(init: MemoryViewInit = {}) {
    this.namespaces = new MemoryStore(init.namespaces);
    this.policies = new MemoryStore(init.policies);
    this.releases = new MemoryReleases(init.releases);
    this.evidence = new ReducingStore(init.evidence ?? [], cachedEvidence);
    this.pdbs = new MemoryStore(init.pdbs, withoutStatus);
    this.configMaps = new MemoryStore(init.configMaps);
    this.secrets = new MemoryStore(init.secrets);
    this.deployments = new MemoryStore(init.deployments, cachedWorkload);
    this.statefulSets = new MemoryStore(init.statefulSets, cachedWorkload);
    this.replicaSets = new MemoryStore(init.replicaSets, cachedReplicaSet);
    this.replicationControllers = new MemoryStore(init.replicationControllers, cachedReplicaSet);
    this.daemonSets = new ReducingStore(init.daemonSets ?? [], (d) => cachedDaemonSet(d));
    this.pods = new ReducingStore(init.pods ?? [], (p) => cachedPod(p));
    this.autoscalers = new MemoryStore(init.autoscalers, cachedAutoscaler);
    this.rbac = init.rbac ?? new MemoryRbac();
    this.networkPolicies = new MemoryNetworkPolicies(init.networkPolicies);
    this.clock = init.now ?? (() => new Date());
    this.operatorIdentity = init.operatorIdentity ?? "system:serviceaccount:golive-system:golive-operator";
    this.ownNamespace = init.ownNamespace ?? "golive-system";
  }

  now(): Date {
    return this.clock();
  }

  setClock(clock: () => Date): void {
    this.clock = clock;
  }
}
