// Business capacity at peak as technical capacity (6.2.1): what the release's workloads can reach
// (each at its HPA's maxReplicas when one targets it, else at its replicas) against what the
// Release declares it needs at peak. Pure: webhook/rules/peak-capacity.ts gathers the workloads.
import type { PeakCapacity } from "../../api/index.js";
import { formatQuantity, parseQuantity } from "../capacity/quantity.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const NANO = 1_000_000_000n;
/** A name for a message: the string given, else "?". */
const nameOf = (v: unknown): string => (typeof v === "string" ? v.slice(0, 63) : "?");

export type PeakMetric = keyof PeakCapacity;

export interface WorkloadReach {
  /** "Deployment web", for the message. */
  workload: string;
  replicas: number;
  /** Where the replicas come from: "spec.replicas", "HPA web maxReplicas", "design". */
  replicasFrom: string;
  /** Counted at an HPA's maxReplicas: the fix is the HPA's, not spec.replicas. */
  hpa?: string;
  /** Per pod, in nano-units (operator/capacity/quantity.ts). */
  cpu: bigint;
  memory: bigint;
  /** Per pod: persistent storage its volumeClaimTemplates and ephemeral volumes request. */
  storage: bigint;
  connections: number;
}

export interface PeakShortfall {
  metric: PeakMetric;
  declared: string;
  reachable: string;
  short: string;
  /** The shortfall in nano-units, for what to change (replicasToReach). */
  shortNano: bigint;
}

export interface PodRequests {
  cpu: bigint;
  memory: bigint;
  storage: bigint;
  /** Quantities that are not Kubernetes quantities: named, never counted as 0 silently. */
  problems: string[];
}

/**
 * What one pod requests as the scheduler counts it: the containers and the sidecars (init
 * containers with restartPolicy Always) run together; an ordinary init container runs alone
 * before them, so the pod needs the larger of the two. Storage: the StatefulSet's
 * volumeClaimTemplates and the pod's ephemeral volumes (a claim the pods share is not per pod).
 */
export function perPod(podSpec: unknown, volumeClaimTemplates: unknown): PodRequests {
  const problems: string[] = [];
  const quantity = (raw: unknown, what: string): bigint => {
    if (raw === undefined || raw === null) return 0n;
    const q = parseQuantity(raw);
    if (q === undefined) problems.push(`${what} is ${JSON.stringify(raw).slice(0, 40)}, which is not a Kubernetes quantity`);
    return q ?? 0n;
  };
  const spec = obj(podSpec);
  const request = (c: unknown, res: "cpu" | "memory") => quantity(obj(obj(obj(c)?.resources)?.requests)?.[res], `container ${nameOf(obj(c)?.name)} resources.requests.${res}`);
  const inits = arr(spec?.initContainers);
  const running = [...arr(spec?.containers), ...inits.filter((c) => obj(c)?.restartPolicy === "Always")];
  const ordinary = inits.filter((c) => obj(c)?.restartPolicy !== "Always");
  const pod = (res: "cpu" | "memory"): bigint => {
    const together = running.reduce<bigint>((t, c) => t + request(c, res), 0n);
    return ordinary.reduce<bigint>((most, c) => (request(c, res) > most ? request(c, res) : most), together);
  };
  const cpu = pod("cpu");
  const memory = pod("memory");
  const claim = (t: unknown, what: string) => quantity(obj(obj(obj(obj(t)?.spec)?.resources)?.requests)?.storage, `${what} resources.requests.storage`);
  let storage = 0n;
  for (const t of arr(volumeClaimTemplates)) storage += claim(t, `volumeClaimTemplate ${nameOf(obj(obj(t)?.metadata)?.name)}`);
  for (const v of arr(spec?.volumes)) {
    const template = obj(obj(obj(v)?.ephemeral)?.volumeClaimTemplate);
    if (template) storage += claim(template, `ephemeral volume ${nameOf(obj(v)?.name)}`);
  }
  return { cpu, memory, storage, problems: [...new Set(problems)] };
}

/** One pod's share of a metric, in nano-units. */
function perPodOf(r: WorkloadReach, metric: PeakMetric): bigint {
  if (metric === "pods") return NANO;
  if (metric === "connections") return BigInt(r.connections) * NANO;
  return r[metric];
}

const STYLE: Record<PeakMetric, "cpu" | "bytes" | "count"> = { pods: "count", cpu: "cpu", memory: "bytes", connections: "count", storage: "bytes" };

export function peakShortfalls(peak: PeakCapacity, reaches: readonly WorkloadReach[]): PeakShortfall[] {
  const out: PeakShortfall[] = [];
  const declared: Record<PeakMetric, bigint | undefined> = {
    pods: peak.pods === undefined ? undefined : BigInt(peak.pods) * NANO,
    cpu: parseQuantity(peak.cpu),
    memory: parseQuantity(peak.memory),
    connections: peak.connections === undefined ? undefined : BigInt(peak.connections) * NANO,
    storage: parseQuantity(peak.storage),
  };
  for (const metric of ["pods", "cpu", "memory", "connections", "storage"] as const) {
    const need = declared[metric];
    const reachable = reaches.reduce((t, r) => t + perPodOf(r, metric) * BigInt(r.replicas), 0n);
    const style = STYLE[metric];
    if (need !== undefined && reachable < need) out.push({ metric, declared: formatQuantity(need, style), reachable: formatQuantity(reachable, style), short: formatQuantity(need - reachable, style), shortNano: need - reachable });
  }
  return out;
}

const NO_SUPPLY: Record<Exclude<PeakMetric, "pods">, string> = {
  cpu: "set resources.requests.cpu on its containers",
  memory: "set resources.requests.memory on its containers",
  connections: "declare connectionsPerPod (as the performance test measured) in its spec.designs entry",
  storage: "give it volumeClaimTemplates or ephemeral volumes requesting storage",
};

/** What the workload being admitted would have to change alone to close one shortfall. */
export function replicasToReach(s: PeakShortfall, self: WorkloadReach): string {
  const per = perPodOf(self, s.metric);
  if (per === 0n) return `${self.workload}'s pods provide no ${s.metric}: ${NO_SUPPLY[s.metric as Exclude<PeakMetric, "pods">]}`;
  const target = self.replicas + Number((s.shortNano + per - 1n) / per);
  if (self.hpa) return `raise HPA ${self.hpa}'s maxReplicas to ${target} or more`;
  // A DaemonSet's pods are one per node it may run on; a bare Pod is one: neither has replicas to raise.
  if (self.workload.startsWith("DaemonSet ")) return `let ${self.workload} run on ${target} nodes or more (its nodeSelector, affinity and tolerations) or raise its pods' requests`;
  if (self.workload.startsWith("Pod ")) return `raise ${self.workload}'s requests, or run it as a Deployment with replicas`;
  return `run ${self.workload} at ${target} replicas or more (spec.replicas, or an HPA's maxReplicas)`;
}

/** How each workload was counted, for the denial: "Deployment web 4 (HPA web maxReplicas)". */
export function reachSummary(reaches: readonly WorkloadReach[]): string {
  return reaches.map((r) => `${r.workload} ${r.replicas} (${r.replicasFrom})`).join(", ") || "no workloads";
}
