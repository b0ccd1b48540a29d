// Gathering what the Release reconcile observes, from the informers' in-memory stores.
import { matchesSelector, type Release, type ReleaseEvidence, type ReleasePolicy } from "../../api/index.js";
import { isOpened, knownKeysOf, openEvidence, type EvidenceObject, type KnownKey, type OpenedEvidence } from "../../gates/opened-evidence.js";
import type { KubeObject } from "../runtime/informer.js";
import { ACTIVE_PHASES } from "../rollout/types.js";
import type { CapacityInput } from "../capacity/fit.js";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import type { PdbLike, RunningWorkload } from "../design/conformance.js";
import { capacityInput, type DeploymentObject, type HpaObject, type QuotaObject } from "../capacity/observe.js";

export interface Store<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
  /** Objects by the store's own index (the evidence store: by `namespace/release`). */
  byIndex?(value: string): T[];
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The evidence store keeps an object without kubectl's last-applied annotation: `kubectl apply`
 * puts a second copy of the whole object (envelope included) there, doubling what each evidence
 * object costs in memory. The operator never writes an evidence object back (it only creates
 * new ones), so the dropped annotation can never be removed from the server by golive.
 */
export function leanEvidence(e: ReleaseEvidence): ReleaseEvidence {
  const annotations = e.metadata.annotations;
  if (!annotations || !(LAST_APPLIED in annotations)) return e;
  const { [LAST_APPLIED]: _copy, ...rest } = annotations;
  return { ...e, metadata: { ...e.metadata, annotations: rest } };
}

/**
 * The evidence store's transform: each object opened on arrival against the signer keys of every
 * policy in the store then (gates/opened-evidence.ts), without kubectl's last-applied copy.
 * The keys are gathered again after a policy changes (invalidate). A store filled before the
 * policies were listed would keep whole envelopes: the operator lists policies first.
 */
export class EvidenceOpener {
  private keys: KnownKey[] | undefined;
  constructor(private readonly policies: Store<ReleasePolicy>) {}

  invalidate(): void {
    this.keys = undefined;
  }

  readonly open = (e: EvidenceObject): EvidenceObject => (isOpened(e) ? e : openEvidence(leanEvidence(e), this.known()));

  private known(): KnownKey[] {
    return (this.keys ??= knownKeysOf(...this.policies.list()));
  }
}

export type { OpenedEvidence };

/**
 * Whether the release queued under `namespace/name` is in a phase whose next reconcile moves
 * traffic (a canary step, a cleanup, a rollback): the work queue takes those first.
 */
export function rolloutInFlight(releases: Store<Release>, key: string): boolean {
  const slash = key.indexOf("/");
  const phase = releases.get(key.slice(0, slash), key.slice(slash + 1))?.status?.phase;
  return phase !== undefined && ACTIVE_PHASES.includes(phase);
}

/** The evidence store's index: the release an evidence object is for. */
export const evidenceReleaseKey = (e: { metadata: ReleaseEvidence["metadata"]; spec: Pick<ReleaseEvidence["spec"], "release"> }): string => `${e.metadata.namespace ?? ""}/${e.spec.release}`;

export interface ReleaseStores {
  releases: Store<Release>;
  policies: Store<ReleasePolicy>;
  evidence: Store<EvidenceObject>;
  namespaces: Store<KubeObject>;
  /** The capacity check (operator/capacity): governed Deployments and their stable copies, quotas, HPAs. */
  deployments?: Store<DeploymentObject>;
  resourceQuotas?: Store<QuotaObject>;
  autoscalers?: Store<HpaObject>;
  /** The design conformance (operator/design): the releases' StatefulSets and PodDisruptionBudgets of governed namespaces. */
  statefulsets?: Store<RunningWorkload>;
  /** The design conformance (operator/design): PodDisruptionBudgets of governed namespaces. */
  pdbs?: Store<PdbLike>;
  /** NetworkIsolated (operator/network): every namespace's NetworkPolicies. */
  networkPolicies?: Store<V1NetworkPolicy>;
  /** NetworkIsolated: the releases' DaemonSets (their pod template) and the pods carrying the release label (Jobs, CronJobs, Pods). */
  daemonsets?: Store<{ spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } & KubeObject>;
  pods?: Store<KubeObject>;
}

/** The one policy governing a namespace, or why there is none (none match, or several do). */
export function governingPolicy(stores: Pick<ReleaseStores, "policies" | "namespaces">, namespace: string, ownNamespace: string): { policy?: ReleasePolicy; problem?: string } {
  if (namespace === "kube-system" || namespace === ownNamespace) return { problem: `namespace ${namespace} is never governed by golive` };
  const labels = stores.namespaces.get(undefined, namespace)?.metadata?.labels ?? {};
  const matching = stores.policies.list().filter((p) => matchesSelector(p.spec.namespaceSelector, labels));
  if (matching.length === 1) return { policy: matching[0]! };
  if (matching.length === 0) return {};
  const names = matching.map((p) => p.metadata.name).sort();
  return { problem: `namespace ${namespace} matches ${matching.length} ReleasePolicies (${names.join(", ")}); make their namespaceSelectors disjoint` };
}

export function evidenceFor(stores: Pick<ReleaseStores, "evidence">, release: Release): EvidenceObject[] {
  const { evidence } = stores;
  if (evidence.byIndex) return evidence.byIndex(`${release.metadata.namespace ?? ""}/${release.metadata.name}`);
  return evidence.list(release.metadata.namespace).filter((e) => e.spec.release === release.metadata.name);
}

/** The capacity check's input (operator/capacity), or undefined when this operator does not watch quotas and HPAs. */
export function capacityFor(stores: Partial<Pick<ReleaseStores, "deployments" | "resourceQuotas" | "autoscalers">>, release: Release): CapacityInput | undefined {
  if (!stores.resourceQuotas || !stores.autoscalers) return undefined;
  const ns = release.metadata.namespace ?? "";
  const deployments = stores.deployments;
  return capacityInput(release, (name) => deployments?.get(ns, name), stores.resourceQuotas.list(ns), stores.autoscalers.list(ns));
}
