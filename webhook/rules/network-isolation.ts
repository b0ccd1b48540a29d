// Network isolation (8.7 e): a governed workload's pods must be selected by a NetworkPolicy of
// their namespace that isolates Ingress, and none of those policies may open Ingress to every
// source on every port (NetworkPolicies add up: one allow-all rule undoes every other policy).
// Pure: the NetworkPolicies come from the view's informer cache; until it has listed, the rule
// fails closed rather than read an empty cache as "no policy".
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { matchesSelector, type LabelSelector, type ReleasePolicy } from "../../api/index.js";
import type { Findings } from "../findings.js";
import { clip } from "../object.js";
import type { NetworkPolicyStore } from "../view.js";

const CLAUSE = "8.7 e";

/** Kubernetes defaults policyTypes to Ingress (plus Egress when egress rules are given). */
export function isolatesIngress(np: V1NetworkPolicy): boolean {
  const types = np.spec?.policyTypes;
  return types === undefined || types.length === 0 || types.includes("Ingress");
}

/** Does the policy's podSelector select pods with these labels? An empty selector selects them all. */
export function selectsPods(np: V1NetworkPolicy, podLabels: Record<string, string>): boolean {
  return matchesSelector((np.spec?.podSelector ?? {}) as LabelSelector, podLabels);
}

/**
 * An ingress rule with neither from nor ports admits every source on every port. The typed list
 * calls name the field _from, watch events carry the JSON's from: read both.
 */
export function opensIngressToAll(np: V1NetworkPolicy): boolean {
  return (np.spec?.ingress ?? []).some((r) => {
    const peers = r._from ?? (r as { from?: unknown[] }).from ?? [];
    return peers.length === 0 && (r.ports ?? []).length === 0;
  });
}

export function checkNetworkIsolation(kind: string, name: string, namespace: string, podLabels: Record<string, string>, policy: ReleasePolicy, store: NetworkPolicyStore, f: Findings): void {
  if (!policy.spec.safeguards?.requireNetworkPolicy) return;
  if (!store.synced()) {
    f.deny(`golive has not yet listed the NetworkPolicies (${CLAUSE}: ReleasePolicy ${policy.metadata.name} requires one to select every governed pod), so it cannot judge ${kind} ${clip(name, 120)}: retry in a moment; if this persists, grant golive's webhook list and watch on networkpolicies`);
    return;
  }
  const selecting = store.list(namespace).filter((np) => isolatesIngress(np) && selectsPods(np, podLabels));
  const shown = Object.entries(podLabels).slice(0, 4).map(([k, v]) => `${clip(k, 63)}: ${clip(v, 63)}`).join(", ");
  if (selecting.length === 0) {
    f.deny(
      `no NetworkPolicy in namespace ${namespace} selects the pods of ${kind} ${clip(name, 120)} and isolates their Ingress (${CLAUSE}, required by ReleasePolicy ${policy.metadata.name} spec.safeguards.requireNetworkPolicy): add a NetworkPolicy with policyTypes [Ingress] whose podSelector matches the pod template's labels (${shown || "it has none"}), allowing only the sources the service needs`,
    );
    return;
  }
  const open = selecting.filter(opensIngressToAll).map((np) => np.metadata?.name ?? "");
  if (open.length)
    f.deny(`NetworkPolicy ${open.slice(0, 3).map((n) => clip(n, 80)).join(", ")} in namespace ${namespace} selects the pods of ${kind} ${clip(name, 120)} but has an ingress rule with neither from nor ports, which admits every source on every port (${CLAUSE}): name the allowed sources (from) or ports in that rule`);
}
