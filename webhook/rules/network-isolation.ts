// Network isolation (8.7 e): a governed workload's pods must be selected by a NetworkPolicy of
// their namespace that isolates Ingress, and none of those policies may open Ingress to every
// source on every port (NetworkPolicies add up: one allow-all rule undoes every other policy).
// Pure: the NetworkPolicies come from the view's informer cache; until it has listed, the rule
// fails closed rather than read an empty cache as "no policy".
import type { ReleasePolicy } from "../../api/index.js";
import { isolationProblem } from "../../operator/network/isolation.js";
import type { Findings } from "../findings.js";
import { clip } from "../object.js";
import type { NetworkPolicyStore } from "../view.js";

const CLAUSE = "8.7 e";

export function checkNetworkIsolation(kind: string, name: string, namespace: string, podLabels: Record<string, string>, policy: ReleasePolicy, store: NetworkPolicyStore, f: Findings): void {
  if (!policy.spec.safeguards?.requireNetworkPolicy) return;
  if (!store.synced()) {
    f.deny(`golive has not yet listed the NetworkPolicies (${CLAUSE}: ReleasePolicy ${policy.metadata.name} requires one to select every governed pod), so it cannot judge ${kind} ${clip(name, 120)}: retry in a moment; if this persists, grant golive's webhook list and watch on networkpolicies`);
    return;
  }
  const problem = isolationProblem(podLabels, store.list(namespace));
  const shown = Object.entries(podLabels).slice(0, 4).map(([k, v]) => `${clip(k, 63)}: ${clip(v, 63)}`).join(", ");
  if (problem && "missing" in problem) {
    f.deny(
      `no NetworkPolicy in namespace ${namespace} selects the pods of ${kind} ${clip(name, 120)} and isolates their Ingress (${CLAUSE}, required by ReleasePolicy ${policy.metadata.name} spec.safeguards.requireNetworkPolicy): add a NetworkPolicy with policyTypes [Ingress] whose podSelector matches the pod template's labels (${shown || "it has none"}), allowing only the sources the service needs`,
    );
    return;
  }
  if (problem)
    f.deny(`NetworkPolicy ${problem.openBy.slice(0, 3).map((n) => clip(n, 80)).join(", ")} in namespace ${namespace} selects the pods of ${kind} ${clip(name, 120)} but has an ingress rule with neither from nor ports, which admits every source on every port (${CLAUSE}): name the allowed sources (from) or ports in that rule`);
}
