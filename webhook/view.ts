// What an admission decision reads: in-memory stores kept by informers (the operator provides
// informer-backed ones; memory-view.ts has plain arrays for tests and the bench), the seal
// cache's memory, the clock and who the operator is. Nothing here may do I/O: decide() runs on
// the API server's hot path.
import type { V1ClusterRole, V1ClusterRoleBinding, V1ConfigMap, V1Namespace, V1NetworkPolicy, V1PodDisruptionBudget, V1Role, V1RoleBinding, V1Secret } from "@kubernetes/client-node";
import type { Release, ReleasePolicy } from "../api/index.js";
import type { TrustedKey } from "../gates/dsse.js";
import type { SealVerdict } from "../images/seal-cache.js";

export type { SealVerdict };

export interface ObjectStore<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export interface SealLookup {
  /** The seal cache's verdict from memory only; undefined when the operator has not verified it yet. */
  /** graceMs: how long a success past its lifetime stays in force (the policy's spec.images.sealGracePeriod). */
  peek(name: string, digest: string, keys: readonly TrustedKey[], graceMs?: number): SealVerdict | undefined;
}

/** The releases, with an index by application (kept up to date with the store, webhook/release-index.ts). */
export interface ReleaseStore extends ObjectStore<Release> {
  /**
   * The releases of one application, in one namespace when given (all namespaces otherwise):
   * the version-uniqueness check and the newest-Released check read these, O(releases of the
   * application), instead of scanning every release.
   */
  byApplication(application: string, namespace?: string): readonly Release[];
}

/**
 * A ReleaseEvidence object as the webhook keeps it (webhook/lean.ts): no envelope, only what
 * the evidence-age warning reads.
 */
export interface CachedEvidence {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec: { release: string; type: string };
  /** predicate.issuedAt of the signed statement in ms, decoded on arrival; absent when the statement has none or cannot be decoded. */
  issuedAt?: number;
}

/** A Deployment or StatefulSet as the peak capacity check reads it. */
export interface KubeWorkload {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: unknown }; volumeClaimTemplates?: unknown[]; updateStrategy?: unknown };
}

/** The store that holds a workload kind's objects (6.2.1), if the view keeps that kind. */
export function workloadStore(view: AdmissionView, kind: string): ObjectStore<KubeWorkload> | undefined {
  const stores: Record<string, ObjectStore<KubeWorkload> | undefined> = {
    Deployment: view.deployments,
    StatefulSet: view.statefulSets,
    ReplicaSet: view.replicaSets,
    ReplicationController: view.replicationControllers,
    DaemonSet: view.daemonSets,
    Pod: view.pods,
  };
  return stores[kind];
}

export interface KubeAutoscaler {
  metadata?: { name?: string; namespace?: string };
  spec?: { scaleTargetRef?: { kind?: string; name?: string }; maxReplicas?: number };
}

/** RBAC objects, for the rule that no governed pod runs as a cluster admin (4.4 c). */
export interface RbacStores {
  roles: ObjectStore<V1Role>;
  roleBindings: ObjectStore<V1RoleBinding>;
  clusterRoles: ObjectStore<V1ClusterRole>;
  clusterRoleBindings: ObjectStore<V1ClusterRoleBinding>;
  /**
   * True once each of the four has listed successfully: an empty store that never listed (a
   * missing grant, an API error) would otherwise look like "no bindings" and admit.
   */
  synced(): boolean;
}

/** NetworkPolicies (8.7 e); synced() once listed, so an empty cache is never read as "none". */
export interface NetworkPolicyStore extends ObjectStore<V1NetworkPolicy> {
  synced(): boolean;
}

export interface AdmissionView {
  namespaces: ObjectStore<V1Namespace>;
  policies: ObjectStore<ReleasePolicy>;
  releases: ReleaseStore;
  evidence: ObjectStore<CachedEvidence>;
  pdbs: ObjectStore<V1PodDisruptionBudget>;
  configMaps: ObjectStore<V1ConfigMap>;
  /** Only digests of Secret data are ever computed from these: never log values. */
  secrets: ObjectStore<V1Secret>;
  /**
   * The releases' workloads (label golive.dev/release) and the HPAs: the peak capacity check
   * (6.2.1). DaemonSets carry status.desiredNumberScheduled as spec.replicas, Pods (bare ones
   * only: owned pods are counted through their owner) replicas 1 and their spec as the template
   * (lean.ts).
   */
  deployments?: ObjectStore<KubeWorkload>;
  statefulSets?: ObjectStore<KubeWorkload>;
  replicaSets?: ObjectStore<KubeWorkload>;
  replicationControllers?: ObjectStore<KubeWorkload>;
  daemonSets?: ObjectStore<KubeWorkload>;
  pods?: ObjectStore<KubeWorkload>;
  autoscalers?: ObjectStore<KubeAutoscaler>;
  rbac: RbacStores;
  networkPolicies: NetworkPolicyStore;
  seals: SealLookup;
  now(): Date;
  /** The operator's ServiceAccount username (system:serviceaccount:<ns>:<name>). */
  operatorIdentity: string;
  /** golive's own namespace: never governed. */
  ownNamespace: string;
}
