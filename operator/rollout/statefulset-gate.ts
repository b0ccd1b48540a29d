// Verification-only access to a StatefulSet's candidate ordinal (4.6 c). A StatefulSet has no
// router and no second copy: its candidate runs in place, on the ordinals at or above the
// partition, behind the same Services as the stable pods. A Service sends traffic only to Ready
// pods, and a pod is Ready only when every readiness gate its template declares is True; so the
// template declares the gate golive.dev/verified and golive sets that pod condition: True on
// every pod of the stable revision, False on a candidate pod until its wave's verification has
// passed (and again at once while rolling back). Verification reaches the candidate through
// <statefulset>-verify, a Service that publishes not-ready addresses, behind a NetworkPolicy that
// admits only golive's verification clients and the StatefulSet's own pods (its peers).
// Pure: decisions and manifests only; the I/O is in controller.ts.
import { VERIFIED_GATE, type ReleaseStatus } from "../../api/index.js";
import { MANAGED_BY, ownerReference, VERIFICATION_CLIENT_LABEL, type KubeObjectLike } from "../routers/types.js";
import { REVISION_LABEL, type StatefulSetLike, type VerificationPods } from "./statefulset.js";

export interface GatedPodLike {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { uid: string }[] };
  spec?: { readinessGates?: { conditionType?: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Whether a pod template (or a pod's spec) declares golive's readiness gate. */
export function declaresVerifiedGate(spec: { readinessGates?: unknown } | undefined): boolean {
  const gates = spec?.readinessGates;
  return Array.isArray(gates) && gates.some((g) => (g as { conditionType?: unknown } | null)?.conditionType === VERIFIED_GATE);
}

export const templateDeclaresGate = (s: StatefulSetLike): boolean => declaresVerifiedGate(s.spec?.template?.spec);

/**
 * The StatefulSet's candidate is up for verification (its wave Verifying, then CleaningUp): one
 * ordinal on the new revision, out of ordinary traffic. Not when the release leaves it unchanged.
 */
export function inVerification(status: ReleaseStatus | undefined, u: { name: string; wave: number }): boolean {
  const phase = status?.phase;
  if (!(phase === "Verifying" || phase === "CleaningUp") || status?.canary?.initialising || (status?.canary?.wave ?? 0) !== u.wave) return false;
  return status?.waves?.[u.wave]?.workloads.find((w) => w.name === u.name)?.changed !== false;
}

/**
 * The StatefulSet keeps one candidate ordinal up, out of ordinary traffic: while it is verified,
 * and after, until a step gives it a weight (going back to the partition at replicas would
 * replace the verified pod by a stable one only to replace it again at the first step).
 */
export function keepsCandidateOrdinal(status: ReleaseStatus | undefined, u: { name: string; wave: number }): boolean {
  if (inVerification(status, u)) return true;
  if (status?.phase !== "Progressing" || status.canary?.initialising || status.promotion?.startedAt) return false;
  return (status.canary?.wave ?? 0) === u.wave && (status.canary?.weight ?? 0) === 0 && status.waves?.[u.wave]?.workloads.find((w) => w.name === u.name)?.changed !== false;
}

/**
 * Whether the StatefulSet's candidate pods are kept out of ordinary traffic (gate False) in this
 * status of the release rolling it out: until its wave's verification has passed; at once while
 * rolling back (they leave every Service before they are replaced); after a stop, as long as no
 * ordinary traffic had reached them (weight 0, no promotion). Once Released, never.
 */
export function candidateHeldBack(status: ReleaseStatus | undefined, wave: number): boolean {
  const phase = status?.phase ?? "Pending";
  const current = status?.canary?.wave ?? 0;
  switch (phase) {
    case "Released":
      return false;
    case "Verifying":
    case "CleaningUp":
      return wave >= current;
    case "Progressing":
      // Its wave verified, the candidate serves from the first step that gives it a weight.
      if (status?.promotion?.startedAt || wave < current) return false;
      return wave > current || (status?.canary?.weight ?? 0) === 0;
    case "Failed":
      return (status?.canary?.weight ?? 0) === 0 && !status?.promotion?.startedAt;
    default:
      return true;
  }
}

export interface GateChange {
  pod: string;
  status: "True" | "False";
  /** Where the condition is in status.conditions (undefined: not there yet). */
  index: number | undefined;
}

/**
 * The condition each pod of the StatefulSet should carry and does not: True on a pod of the
 * current (stable) revision, True or False on any other (a candidate) as heldBack says. Pods that
 * do not declare the gate, pods being deleted and pods of another owner are left alone.
 */
export function gateChanges(s: StatefulSetLike, pods: readonly GatedPodLike[], heldBack: boolean): GateChange[] {
  const stable = s.status?.currentRevision;
  const out: GateChange[] = [];
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp || !declaresVerifiedGate(p.spec)) continue;
    if (!(p.metadata?.ownerReferences ?? []).some((o) => o.uid === s.metadata?.uid)) continue;
    const candidate = stable === undefined || p.metadata?.labels?.[REVISION_LABEL] !== stable;
    const want = candidate && heldBack ? "False" : "True";
    const conditions = p.status?.conditions ?? [];
    const index = conditions.findIndex((c) => c.type === VERIFIED_GATE);
    if (index >= 0 && conditions.every((c) => c.type !== VERIFIED_GATE || c.status === want)) continue;
    out.push({ pod: p.metadata?.name ?? "", status: want, index: index >= 0 ? index : undefined });
  }
  return out;
}

/**
 * The server-side apply of pods/status that sets the gate's condition. Pod conditions are a list
 * keyed by type, so the API server merges this one in by its type: the kubelet's (or the
 * scheduler's) conditions written in between are kept, and the condition is never doubled.
 */
export function gateApply(pod: string, namespace: string, c: GateChange, now: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: pod, namespace },
    status: {
      conditions: [
        {
          type: VERIFIED_GATE,
          status: c.status,
          lastTransitionTime: now,
          reason: c.status === "True" ? "Verified" : "AwaitingVerification",
          message: c.status === "True" ? "serves ordinary traffic: a stable pod, or its release's verification passed" : "a candidate of a release not yet verified: only verification clients reach it (through <statefulset>-verify)",
        },
      ],
    },
  };
}

/**
 * What the StatefulSet's pods say while its wave is verified: the candidate pods (update
 * revision) up, and those whose gate is not False (they could serve ordinary traffic: the
 * verification waits until golive has held them back).
 */
export function verificationPods(s: StatefulSetLike, pods: readonly GatedPodLike[], open: boolean): VerificationPods {
  const update = s.status?.updateRevision;
  const candidates = pods.filter((p) => !p.metadata?.deletionTimestamp && p.metadata?.labels?.[REVISION_LABEL] === update && (p.metadata?.ownerReferences ?? []).some((o) => o.uid === s.metadata?.uid));
  const condition = (p: GatedPodLike, type: string) => (p.status?.conditions ?? []).find((c) => c.type === type)?.status;
  return {
    gate: templateDeclaresGate(s),
    up: candidates.filter((p) => condition(p, "ContainersReady") === "True").length,
    exposed: candidates.filter((p) => condition(p, VERIFIED_GATE) !== "False").length,
    open,
  };
}

export const verifyName = (statefulSet: string): string => `${statefulSet}-verify`;

const selectorOf = (s: StatefulSetLike): Record<string, string> => (s.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
const candidateSelector = (s: StatefulSetLike): Record<string, string> => ({ ...selectorOf(s), [REVISION_LABEL]: s.status?.updateRevision ?? "" });

/**
 * <statefulset>-verify: a headless Service of the candidate pods that publishes not-ready
 * addresses, so its DNS name resolves to the candidate while its gate keeps it out of every
 * other Service. The container ports are listed for SRV records.
 */
export function verifyService(s: StatefulSetLike): KubeObjectLike {
  const containers = ((s.spec?.template?.spec as { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] } | undefined)?.containers ?? []);
  const ports = containers.flatMap((c) => c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol ?? "TCP" }));
  const owner = ownerReference({ apiVersion: "apps/v1", kind: "StatefulSet", ...s });
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: verifyName(s.metadata?.name ?? ""), namespace: s.metadata?.namespace ?? "", labels: { ...MANAGED_BY }, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { clusterIP: "None", selector: candidateSelector(s), publishNotReadyAddresses: true, ...(ports.length ? { ports } : {}) },
  };
}

/** The NetworkPolicy on the candidate pods: ingress only from verification clients and the StatefulSet's own pods. */
export function verifyPolicy(s: StatefulSetLike): KubeObjectLike {
  const owner = ownerReference({ apiVersion: "apps/v1", kind: "StatefulSet", ...s });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: verifyName(s.metadata?.name ?? ""), namespace: s.metadata?.namespace ?? "", labels: { ...MANAGED_BY }, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: {
      podSelector: { matchLabels: candidateSelector(s) },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { [VERIFICATION_CLIENT_LABEL]: "true" } } }, { podSelector: { matchLabels: selectorOf(s) } }] }],
    },
  };
}
