// A workload against its own design (5.2 a,b,c). Pure: admission (webhook/rules/design.ts) feeds
// it the object being admitted, the operator (operator/design/conformance.ts) the running state,
// so both say the same thing about the same difference.
import type { WorkloadDesign } from "../../api/index.js";
import { parseQuantity } from "../capacity/quantity.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface ContainerFacts {
  name: string;
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

/** What the comparison reads of one workload; a fact left undefined is not compared. */
export interface WorkloadFacts {
  /** Replicas, and where they were read (spec.replicas at admission, status.readyReplicas when running). */
  replicas?: { count: number; field: string };
  spread?: boolean;
  podDisruptionBudget?: boolean;
  containers?: ContainerFacts[];
}

export interface DesignDifference {
  field: string;
  declared: string;
  actual: string;
  fix: string;
}

/** Spread across nodes or zones: topologySpreadConstraints, or required pod anti-affinity. */
export function isSpread(podSpec: unknown): boolean {
  const spec = obj(podSpec);
  if (arr(spec?.topologySpreadConstraints).length > 0) return true;
  return arr(obj(obj(spec?.affinity)?.podAntiAffinity)?.requiredDuringSchedulingIgnoredDuringExecution).length > 0;
}

/** The regular containers of a pod template and their requests and limits, as written. */
export function containerFacts(podSpec: unknown): ContainerFacts[] {
  return arr(obj(podSpec)?.containers).flatMap((c) => {
    const container = obj(c);
    if (typeof container?.name !== "string") return [];
    const resources = obj(container.resources);
    const pick = (v: unknown) => {
      const o = obj(v);
      const text = (q: unknown) => (typeof q === "string" || typeof q === "number" ? String(q) : undefined);
      const cpu = text(o?.cpu);
      const memory = text(o?.memory);
      return { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
    };
    return [{ name: container.name, requests: pick(resources?.requests), limits: pick(resources?.limits) }];
  });
}

export function compareDesign(design: WorkloadDesign, facts: WorkloadFacts): DesignDifference[] {
  const out: DesignDifference[] = [];
  const r = facts.replicas;
  if (r && r.count < design.minReplicas)
    out.push({ field: r.field, declared: `at least ${design.minReplicas} (minReplicas)`, actual: String(r.count), fix: `run at least ${design.minReplicas} replicas, or change the design` });
  if (r && design.maxReplicas !== undefined && r.count > design.maxReplicas)
    out.push({ field: r.field, declared: `at most ${design.maxReplicas} (maxReplicas)`, actual: String(r.count), fix: `run at most ${design.maxReplicas} replicas, or change the design` });
  const ha = design.highAvailability;
  if (ha?.spread && facts.spread === false)
    out.push({ field: "spec.template.spec.topologySpreadConstraints", declared: "spread across nodes or zones (highAvailability.spread)", actual: "neither topologySpreadConstraints nor required pod anti-affinity", fix: "add topologySpreadConstraints or podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution" });
  if (ha?.podDisruptionBudget && facts.podDisruptionBudget === false)
    out.push({ field: "PodDisruptionBudget", declared: "one selects the pods (highAvailability.podDisruptionBudget)", actual: "none selects them", fix: "create a PodDisruptionBudget selecting the pods" });
  if (facts.containers) for (const want of design.containers ?? []) out.push(...compareContainer(want, facts.containers));
  return out;
}

function compareContainer(want: NonNullable<WorkloadDesign["containers"]>[number], have: ContainerFacts[]): DesignDifference[] {
  const c = have.find((h) => h.name === want.name);
  if (!c) return [{ field: `spec.template.spec.containers[${want.name}]`, declared: "present", actual: `absent (containers: ${have.map((h) => h.name).join(", ") || "none"})`, fix: `add container ${want.name} or change the design` }];
  const out: DesignDifference[] = [];
  for (const res of ["cpu", "memory"] as const) {
    const wantReq = want.requests?.[res];
    if (wantReq !== undefined) {
      const actual = c.requests[res];
      const a = parseQuantity(actual);
      if (a === undefined || a < parseQuantity(wantReq)!)
        out.push({ field: `containers[${c.name}].resources.requests.${res}`, declared: `at least ${wantReq}`, actual: actual ?? "unset", fix: `set resources.requests.${res} to at least ${wantReq}` });
    }
    const wantLim = want.limits?.[res];
    if (wantLim !== undefined) {
      const actual = c.limits[res];
      if (parseQuantity(actual) !== parseQuantity(wantLim))
        out.push({ field: `containers[${c.name}].resources.limits.${res}`, declared: wantLim, actual: actual ?? "unset", fix: `set resources.limits.${res} to ${wantLim}` });
    }
  }
  return out;
}

/** One line per difference: the workload, the field, declared vs actual, what to change. */
export function describeDifference(workload: string, release: string, d: DesignDifference): string {
  return `${workload}: ${d.field} is ${d.actual}, Release ${release} designs ${d.declared} (spec.designs, 5.2): ${d.fix}`;
}

export function designOf(designs: readonly WorkloadDesign[] | undefined, kind: string, name: string): WorkloadDesign | undefined {
  return designs?.find((d) => d.kind === kind && d.name === name);
}
