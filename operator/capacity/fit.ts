// Capacity during the rollout (JR/T 0179 4.4 f, 6.2): before golive runs a second copy of a
// release's Deployments, the namespace's ResourceQuotas must hold both copies at their peak, and
// an HPA on a governed workload must stay within the scaling bounds the release declares (6.2.2).
// Pure: the figures come in observed (operator/capacity/observe.ts), the verdict goes out with
// the figures a person needs (which quota, which resource, used + needed against hard).
import { type Amounts } from "./pod-amounts.js";
import { formatQuantity, parseQuantity, styleOf } from "./quantity.js";

const UNIT = 1_000_000_000n; // one pod, in the nano-units quantities are counted in

/** What a pod of a workload is, for a quota's scopes. */
export interface PodFacts {
  priorityClassName?: string;
  /** spec.activeDeadlineSeconds is set (the Terminating scope). */
  terminating: boolean;
  /** No container requests or limits anything (the BestEffort scope). */
  bestEffort: boolean;
}

/** A Deployment golive runs twice during the rollout: the candidate and its stable copy. */
export interface RolledWorkload {
  kind: string;
  name: string;
  /** Replicas of each copy at the peak. */
  replicas: number;
  /** Extra pods a rolling update adds on top (spec.strategy.rollingUpdate.maxSurge). */
  surge: number;
  /** One pod of either version: the larger of each amount. */
  perPod: Amounts;
  pod: PodFacts;
  /** Its pods that run now, already in the quotas' used figures (the peak replaces them). */
  current: { pods: number; perPod: Amounts; pod: PodFacts }[];
}

export interface QuotaView {
  name: string;
  hard: Record<string, string>;
  /** status.used; a resource missing here has not been counted by the quota controller yet. */
  used: Record<string, string>;
  scopes: string[];
  scopeSelector: { scopeName: string; operator: string; values?: string[] }[];
}

export interface HpaView {
  name: string;
  target: { kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
}

export interface CapacityInput {
  release: string;
  namespace: string;
  /** The Deployments the rollout runs twice (empty without spec.strategy). */
  workloads: RolledWorkload[];
  quotas: QuotaView[];
  /** HPAs whose scaleTargetRef is a workload the release governs. */
  hpas: HpaView[];
  scaling?: { minReplicas: number; maxReplicas: number } | undefined;
}

export type CapacityReason = "Fits" | "QuotaExceeded" | "HPAOutOfBounds" | "QuotaNotCounted";

export interface CapacityVerdict {
  fits: boolean;
  /** The quota controller has not counted a constrained resource yet: look again soon. */
  waiting: boolean;
  reason: CapacityReason;
  message: string;
}

/** Pods of each copy at the peak: both copies at full size while one of them rolls (the promotion). */
export function peakPods(w: RolledWorkload): number {
  return 2 * w.replicas + w.surge;
}

function scopeMatches(q: QuotaView, pod: PodFacts): boolean {
  const one = (scope: string, operator = "Exists", values: string[] = []): boolean => {
    switch (scope) {
      case "Terminating":
        return pod.terminating;
      case "NotTerminating":
        return !pod.terminating;
      case "BestEffort":
        return pod.bestEffort;
      case "NotBestEffort":
        return !pod.bestEffort;
      case "PriorityClass": {
        const pc = pod.priorityClassName;
        if (operator === "In") return pc !== undefined && values.includes(pc);
        if (operator === "NotIn") return pc === undefined || !values.includes(pc);
        if (operator === "DoesNotExist") return pc === undefined;
        return pc !== undefined;
      }
      default:
        // A scope golive does not model (CrossNamespacePodAffinity, a future one): assume it
        // counts these pods, so an unknown scope can only make the check stricter.
        return true;
    }
  };
  return q.scopes.every((s) => one(s)) && q.scopeSelector.every((e) => one(e.scopeName, e.operator, e.values));
}

const amountOf = (perPod: Amounts, key: string): bigint => (key === "pods" ? UNIT : (perPod.get(key) ?? 0n));

/** The per-pod amount a quota resource counts; undefined for what pods do not count (services, storage). */
function perPodKey(resource: string): string | undefined {
  if (resource === "pods" || resource === "count/pods") return "pods";
  if (resource === "requests.storage") return undefined;
  if (resource.startsWith("requests.") || resource.startsWith("limits.")) return resource;
  if (resource === "cpu" || resource === "memory" || resource === "ephemeral-storage" || resource.startsWith("hugepages-")) return `requests.${resource}`;
  return undefined;
}

interface QuotaFinding {
  exceeded?: string;
  uncounted?: string;
}

function checkQuota(q: QuotaView, workloads: readonly RolledWorkload[]): QuotaFinding[] {
  const findings: QuotaFinding[] = [];
  const counted = workloads.filter((w) => scopeMatches(q, w.pod));
  for (const [resource, hardText] of Object.entries(q.hard)) {
    const key = perPodKey(resource);
    if (!key) continue;
    const hard = parseQuantity(hardText);
    if (hard === undefined) continue;
    const parts = counted.map((w) => ({ w, pods: peakPods(w), each: amountOf(w.perPod, key) })).filter((p) => p.each > 0n && p.pods > 0);
    if (parts.length === 0) continue; // golive adds nothing this quota counts
    const style = styleOf(key === "pods" ? "pods" : key);
    const fmt = (n: bigint) => formatQuantity(n, style);
    if (q.used[resource] === undefined) {
      findings.push({ uncounted: `ResourceQuota ${q.name} has not counted ${resource} yet (status.used)` });
      continue;
    }
    const used = parseQuantity(q.used[resource]) ?? 0n;
    const needed = parts.reduce((sum, p) => sum + BigInt(p.pods) * p.each, 0n);
    // What the release's Deployments run now is in `used` already and the peak replaces it.
    const current = counted.reduce((sum, w) => sum + w.current.filter((c) => scopeMatches(q, c.pod)).reduce((s, c) => s + BigInt(c.pods) * amountOf(c.perPod, key), 0n), 0n);
    const others = used > current ? used - current : 0n;
    if (others + needed <= hard) continue;
    const breakdown = parts.map((p) => `${p.w.kind}/${p.w.name} ${p.pods} pod(s) (${p.w.replicas} stable + ${p.w.replicas} candidate${p.w.surge ? ` + ${p.w.surge} surge` : ""})${key === "pods" ? "" : ` × ${fmt(p.each)}`}`).join(", ");
    const usedText = current > 0n ? `used ${fmt(others)} (${fmt(used)} less ${fmt(current > used ? used : current)} of the release's current pods, which the peak replaces)` : `used ${fmt(used)}`;
    findings.push({
      exceeded: `ResourceQuota ${q.name} ${resource}: ${usedText} + needed ${fmt(needed)} = ${fmt(others + needed)} > hard ${fmt(hard)}; needed at the peak: ${breakdown}`,
    });
  }
  return findings;
}

function checkHpa(h: HpaView, input: CapacityInput): string | undefined {
  return hpaBoundsProblem(h, input.release, input.scaling);
}

/**
 * Why an HPA on a workload of the release breaks its declared scaling bounds (6.2.2), or
 * undefined. Pure; the operator's capacity check and the webhook's HPA admission both ask it.
 */
export function hpaBoundsProblem(h: HpaView, release: string, scaling: CapacityInput["scaling"]): string | undefined {
  const target = `${h.target.kind}/${h.target.name}`;
  const s = scaling;
  const input = { release };
  if (!s)
    return `HorizontalPodAutoscaler ${h.name} scales ${target} between ${h.minReplicas} and ${h.maxReplicas} replicas but Release ${input.release} declares no spec.architecture.scaling (6.2.2): declare the bounds the capacity evidence speaks for (minReplicas at most ${h.minReplicas}, maxReplicas at least ${h.maxReplicas}) or remove the HPA`;
  const problems: string[] = [];
  if (h.maxReplicas > s.maxReplicas) problems.push(`up to ${h.maxReplicas} replicas, above spec.architecture.scaling.maxReplicas ${s.maxReplicas} (the capacity approved): lower the HPA's maxReplicas to ${s.maxReplicas} or declare a larger bound in a new Release`);
  if (h.minReplicas < s.minReplicas) problems.push(`down to ${h.minReplicas} replica(s), below spec.architecture.scaling.minReplicas ${s.minReplicas}: raise the HPA's minReplicas to ${s.minReplicas}`);
  if (problems.length === 0) return undefined;
  return `HorizontalPodAutoscaler ${h.name} may scale ${target} ${problems.join("; and ")} (Release ${input.release}, 6.2.2)`;
}

/** Whether the rollout fits the namespace's quotas and the HPAs respect the declared bounds. */
export function capacityFit(input: CapacityInput): CapacityVerdict {
  const hpaProblems = input.hpas.map((h) => checkHpa(h, input)).filter((p): p is string => p !== undefined);
  const quota = input.quotas.flatMap((q) => checkQuota(q, input.workloads));
  const exceeded = quota.flatMap((f) => (f.exceeded ? [f.exceeded] : []));
  const uncounted = quota.flatMap((f) => (f.uncounted ? [f.uncounted] : []));
  if (exceeded.length || hpaProblems.length) {
    const reason: CapacityReason = exceeded.length ? "QuotaExceeded" : "HPAOutOfBounds";
    const quotaText = exceeded.length ? `${exceeded.join("; ")}: raise the quota, free capacity in namespace ${input.namespace}, or lower the replicas` : undefined;
    return { fits: false, waiting: false, reason, message: [quotaText, ...hpaProblems].filter(Boolean).join("; ") };
  }
  if (uncounted.length) return { fits: false, waiting: true, reason: "QuotaNotCounted", message: `${uncounted.join("; ")}: waiting for the quota controller` };
  const pods = input.workloads.reduce((n, w) => n + peakPods(w), 0);
  const what = [
    !input.workloads.length ? "no Deployment is run twice" : input.quotas.length ? `${input.quotas.length} ResourceQuota(s) hold the rollout's peak of ${pods} pod(s)` : `no ResourceQuota in namespace ${input.namespace} limits the rollout's peak of ${pods} pod(s)`,
    input.hpas.length ? `${input.hpas.length} HPA(s) within spec.architecture.scaling` : undefined,
  ].filter(Boolean);
  return { fits: true, waiting: false, reason: "Fits", message: what.join("; ") };
}
