// 4.6 c: no user but the verifiers reaches the new version before verification passes. golive
// puts a NetworkPolicy `<workload>-verify` on the pods verification reaches (the replica-ratio
// verification copy, a StatefulSet's candidate ordinal) admitting only verification clients. But
// NetworkPolicies are additive: any other policy of the namespace that selects those pods and
// admits some source opens them to it (their pod IP, not a Service). While a release verifies,
// the operator reports a VerificationExclusive condition naming each such policy, with a Warning
// Event when it appears and a Normal one when it is gone. Pure: the reconciler passes the
// informers' objects.
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import type { Phase, Release } from "../../api/index.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";
import { MANAGED_BY, VERIFICATION_CLIENT_LABEL } from "../routers/types.js";
import { isolatesIngress, selectsPods } from "./isolation.js";

export const VERIFICATION_EXCLUSIVE = "VerificationExclusive";

/** The phases in which golive's verification-only NetworkPolicies stand. */
const VERIFYING: ReadonlySet<Phase> = new Set(["Verifying", "CleaningUp"]);

const isGolives = (np: V1NetworkPolicy): boolean => Object.entries(MANAGED_BY).every(([k, v]) => np.metadata?.labels?.[k] === v);

/** A peer that admits only golive's verification clients (a pod selector requiring the label, no namespace or IP block). */
function onlyVerificationClients(peer: unknown): boolean {
  const p = (peer ?? {}) as { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: unknown };
  return p.namespaceSelector === undefined && p.ipBlock === undefined && p.podSelector?.matchLabels?.[VERIFICATION_CLIENT_LABEL] === "true";
}

/** Does this policy admit some source other than verification clients to the pods it selects? */
export function admitsOthers(np: V1NetworkPolicy): boolean {
  if (!isolatesIngress(np)) return false;
  return (np.spec?.ingress ?? []).some((r) => {
    const peers = r._from ?? (r as { from?: unknown[] }).from ?? [];
    return peers.length === 0 || !peers.every(onlyVerificationClients);
  });
}

export interface ExposureInput {
  release: Release;
  /** The namespace's pods (labels and name), undefined until listed. */
  pods: readonly { metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown } }[] | undefined;
  networkPolicies: readonly V1NetworkPolicy[] | undefined;
}

export interface ExposurePass {
  condition?: ConditionInput;
  events: PlannedEvent[];
}

export function verificationExposure(i: ExposureInput): ExposurePass {
  const phase = i.release.status?.phase;
  if (!phase || !VERIFYING.has(phase) || !i.pods || !i.networkPolicies) return { events: [] };
  const policies = i.networkPolicies;
  const lines: string[] = [];
  let guarded = 0;
  for (const w of i.release.spec.workloads) {
    const own = policies.find((np) => np.metadata?.name === `${w.name}-verify` && isGolives(np));
    if (!own) continue;
    const pods = i.pods.filter((p) => !p.metadata?.deletionTimestamp && selectsPods(own, p.metadata?.labels ?? {}));
    if (!pods.length) continue;
    guarded++;
    const others = policies.filter((np) => np !== own && !isGolives(np) && admitsOthers(np) && pods.some((p) => selectsPods(np, p.metadata?.labels ?? {})));
    if (others.length)
      lines.push(
        `NetworkPolicy ${others.map((np) => np.metadata?.name ?? "").join(", ")} also select${others.length === 1 ? "s" : ""} the pods verification reaches for ${w.kind} ${w.name} (${pods.map((p) => p.metadata?.name ?? "").join(", ")}) and admit${others.length === 1 ? "s" : ""} other sources to them: NetworkPolicies add up, so those sources reach the new version by its pod IP before verification passes; narrow their podSelector so it leaves these pods out (the replica-ratio copy's carry golive.dev/track=verification), or admit only pods labelled ${VERIFICATION_CLIENT_LABEL}=true`,
      );
  }
  const was = i.release.status?.conditions?.find((c) => c.type === VERIFICATION_EXCLUSIVE)?.status;
  const name = i.release.metadata.name;
  if (lines.length) {
    const message = `4.6 c: ${lines.join("; ")}`.slice(0, 4096);
    return { condition: { type: VERIFICATION_EXCLUSIVE, status: "False", reason: "OpenedByNetworkPolicy", message }, events: was === "False" ? [] : [{ type: "Warning", reason: "VerificationNotExclusive", message: `Release ${name}: ${message}`.slice(0, 1024) }] };
  }
  if (!guarded) return { events: [] };
  const message = `only verification clients are admitted to the pods verification reaches (${guarded} workload(s)); no other NetworkPolicy of the namespace opens them`;
  return { condition: { type: VERIFICATION_EXCLUSIVE, status: "True", reason: "Exclusive", message }, events: was === "False" ? [{ type: "Normal", reason: "VerificationExclusive", message: `Release ${name}: ${message}` }] : [] };
}
