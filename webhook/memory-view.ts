// An AdmissionView over plain arrays, for tests and the bench: the same interface the
// informer-backed view implements, with setters to change what admission sees.
import type { V1ClusterRole, V1ClusterRoleBinding, V1ConfigMap, V1Namespace, V1PodDisruptionBudget, V1Role, V1RoleBinding, V1Secret } from "@kubernetes/client-node";
import type { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import type { TrustedKey } from "../gates/dsse.js";
import type { AdmissionView, ObjectStore, RbacStores, SealVerdict } from "./view.js";

interface Named {
  metadata?: { name?: string; namespace?: string } | undefined;
}

export class MemoryStore<T extends Named> implements ObjectStore<T> {
  private readonly byNamespace = new Map<string, Map<string, T>>();

  constructor(items: readonly T[] = []) {
    this.replace(items);
  }

  /** Replace every object (as a relist would). */
  replace(items: readonly T[]): void {
    this.byNamespace.clear();
    for (const item of items) this.put(item);
  }

  put(item: T): void {
    const ns = item.metadata?.namespace ?? "";
    let names = this.byNamespace.get(ns);
    if (!names) this.byNamespace.set(ns, (names = new Map<string, T>()));
    names.set(item.metadata?.name ?? "", item);
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

export interface MemoryViewInit {
  namespaces?: V1Namespace[];
  policies?: ReleasePolicy[];
  releases?: Release[];
  evidence?: ReleaseEvidence[];
  pdbs?: V1PodDisruptionBudget[];
  configMaps?: V1ConfigMap[];
  secrets?: V1Secret[];
  rbac?: MemoryRbac;
  now?: () => Date;
  operatorIdentity?: string;
  ownNamespace?: string;
}

export class MemoryView implements AdmissionView {
  readonly namespaces: MemoryStore<V1Namespace>;
  readonly policies: MemoryStore<ReleasePolicy>;
  readonly releases: MemoryStore<Release>;
  readonly evidence: MemoryStore<ReleaseEvidence>;
  readonly pdbs: MemoryStore<V1PodDisruptionBudget>;
  readonly configMaps: MemoryStore<V1ConfigMap>;
  readonly secrets: MemoryStore<V1Secret>;
  readonly rbac: MemoryRbac;
  readonly seals = new MemorySeals();
  operatorIdentity: string;
  ownNamespace: string;
  private clock: () => Date;

  constructor(init: MemoryViewInit = {}) {
    this.namespaces = new MemoryStore(init.namespaces);
    this.policies = new MemoryStore(init.policies);
    this.releases = new MemoryStore(init.releases);
    this.evidence = new MemoryStore(init.evidence);
    this.pdbs = new MemoryStore(init.pdbs);
    this.configMaps = new MemoryStore(init.configMaps);
    this.secrets = new MemoryStore(init.secrets);
    this.rbac = init.rbac ?? new MemoryRbac();
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
