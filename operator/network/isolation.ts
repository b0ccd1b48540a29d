// 8.7 e after admission: the webhook admits a workload only when a NetworkPolicy isolates its
// pods' Ingress (webhook/rules/network-isolation.ts), but a NetworkPolicy deleted or loosened
// later is not an admission of the workload, so nothing would notice. The operator watches the
// NetworkPolicies and reports, on each live Release under a policy with
// spec.safeguards.requireNetworkPolicy, a NetworkIsolated condition naming every governed
// workload whose pods have lost it, with a Warning Event when it is lost and a Normal one when
// it is back. Pure: the reconciler passes the informers' objects.
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { matchesSelector, type LabelSelector, type Phase, type Release, type ReleasePolicy } from "../../api/index.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";

export const NETWORK_ISOLATED = "NetworkIsolated";

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

/** Why pods with these labels are not isolated, or undefined when a policy isolates them and none opens them to all. */
export function isolationProblem(podLabels: Record<string, string>, policies: readonly V1NetworkPolicy[]): { missing: true } | { openBy: string[] } | undefined {
  const selecting = policies.filter((np) => isolatesIngress(np) && selectsPods(np, podLabels));
  if (selecting.length === 0) return { missing: true };
  const open = selecting.filter(opensIngressToAll).map((np) => np.metadata?.name ?? "");
  return open.length ? { openBy: open } : undefined;
}

/** Phases in which the release's workloads run (admitted): isolation is watched from Approved on. */
const LIVE: ReadonlySet<Phase> = new Set(["Approved", "Verifying", "CleaningUp", "Progressing", "Released"]);

export interface IsolationInput {
  release: Release;
  policy: ReleasePolicy["spec"] | undefined;
  /** The pod template labels of a listed workload, undefined when it does not exist (yet). */
  podLabels: (kind: string, name: string) => Record<string, string> | undefined;
  /** The namespace's NetworkPolicies; undefined until the informer has listed them. */
  networkPolicies: readonly V1NetworkPolicy[] | undefined;
}

export interface IsolationPass {
  condition?: ConditionInput;
  events: PlannedEvent[];
}

/** The NetworkIsolated condition (none when the policy does not require isolation or the release is not live). */
export function networkIsolation(i: IsolationInput): IsolationPass {
  const phase = i.release.status?.phase;
  if (!i.policy?.safeguards?.requireNetworkPolicy || !phase || !LIVE.has(phase) || !i.networkPolicies) return { events: [] };
  const ns = i.release.metadata.namespace ?? "";
  const lines: string[] = [];
  let compared = 0;
  for (const w of i.release.spec.workloads) {
    const labels = i.podLabels(w.kind, w.name);
    if (!labels) continue;
    compared++;
    const problem = isolationProblem(labels, i.networkPolicies);
    if (!problem) continue;
    if ("missing" in problem) lines.push(`no NetworkPolicy in namespace ${ns} selects the pods of ${w.kind} ${w.name} and isolates their Ingress any more: add one back whose podSelector matches its pod labels`);
    else lines.push(`NetworkPolicy ${problem.openBy.join(", ")} now opens the pods of ${w.kind} ${w.name} to every source on every port (an ingress rule with neither from nor ports): name the allowed sources or ports`);
  }
  const was = i.release.status?.conditions?.find((c) => c.type === NETWORK_ISOLATED)?.status;
  const name = i.release.metadata.name;
  if (lines.length) {
    const message = `8.7 e: ${lines.join("; ")}`.slice(0, 4096);
    return { condition: { type: NETWORK_ISOLATED, status: "False", reason: "IsolationLost", message }, events: was === "False" ? [] : [{ type: "Warning", reason: "NetworkIsolationLost", message: `Release ${name}: ${message}`.slice(0, 1024) }] };
  }
  if (!compared) return { condition: { type: NETWORK_ISOLATED, status: "Unknown", reason: "NotRunning", message: "no workload of the release exists yet" }, events: [] };
  const message = `every one of ${compared} workload(s) is selected by a NetworkPolicy that isolates its Ingress`;
  return { condition: { type: NETWORK_ISOLATED, status: "True", reason: "Isolated", message }, events: was === "False" ? [{ type: "Normal", reason: "NetworkIsolationRestored", message: `Release ${name}: ${message}` }] : [] };
}
