// Business capacity at peak as technical capacity (6.2.1): what the release's workloads can reach
// (each at its HPA's maxReplicas when one targets it, else at its replicas) against what the
// Release declares it needs at peak. Pure: webhook/rules/peak-capacity.ts gathers the workloads.
import type { PeakCapacity } from "../../api/index.js";
import { formatQuantity, parseQuantity } from "../capacity/quantity.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface WorkloadReach {
  /** "Deployment web", for the message. */
  workload: string;
  replicas: number;
  /** Where the replicas come from: "spec.replicas", "HPA web maxReplicas", "design". */
  replicasFrom: string;
  /** Per pod, in nano-units (operator/capacity/quantity.ts). */
  cpu: bigint;
  memory: bigint;
  /** Per pod: persistent storage its volumeClaimTemplates request. */
  storage: bigint;
  connections: number;
}

export interface PeakShortfall {
  metric: keyof PeakCapacity;
  declared: string;
  reachable: string;
  short: string;
}

/** Per-pod CPU, memory (regular containers' requests) and storage (volumeClaimTemplates) of a pod template. */
export function perPod(podSpec: unknown, volumeClaimTemplates: unknown): { cpu: bigint; memory: bigint; storage: bigint } {
  let cpu = 0n;
  let memory = 0n;
  for (const c of arr(obj(podSpec)?.containers)) {
    const requests = obj(obj(obj(c)?.resources)?.requests);
    cpu += parseQuantity(requests?.cpu) ?? 0n;
    memory += parseQuantity(requests?.memory) ?? 0n;
  }
  let storage = 0n;
  for (const t of arr(volumeClaimTemplates)) storage += parseQuantity(obj(obj(obj(obj(t)?.spec)?.resources)?.requests)?.storage) ?? 0n;
  return { cpu, memory, storage };
}

export function peakShortfalls(peak: PeakCapacity, reaches: readonly WorkloadReach[]): PeakShortfall[] {
  const out: PeakShortfall[] = [];
  const sum = (f: (r: WorkloadReach) => bigint) => reaches.reduce((t, r) => t + f(r) * BigInt(r.replicas), 0n);
  const NANO = 1_000_000_000n;
  const check = (metric: keyof PeakCapacity, declared: bigint | undefined, reachable: bigint, style: "cpu" | "bytes" | "count") => {
    if (declared !== undefined && reachable < declared) out.push({ metric, declared: formatQuantity(declared, style), reachable: formatQuantity(reachable, style), short: formatQuantity(declared - reachable, style) });
  };
  if (peak.pods !== undefined) check("pods", BigInt(peak.pods) * NANO, sum(() => NANO), "count");
  check("cpu", parseQuantity(peak.cpu), sum((r) => r.cpu), "cpu");
  check("memory", parseQuantity(peak.memory), sum((r) => r.memory), "bytes");
  if (peak.connections !== undefined) check("connections", BigInt(peak.connections) * NANO, sum((r) => BigInt(r.connections) * NANO), "count");
  check("storage", parseQuantity(peak.storage), sum((r) => r.storage), "bytes");
  return out;
}

/** How each workload was counted, for the denial: "Deployment web 4 (HPA web maxReplicas)". */
export function reachSummary(reaches: readonly WorkloadReach[]): string {
  return reaches.map((r) => `${r.workload} ${r.replicas} (${r.replicasFrom})`).join(", ") || "no workloads";
}
