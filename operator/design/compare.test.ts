import { describe, expect, it } from "vitest";
import { WorkloadDesign } from "../../api/index.js";
import { compareDesign, containerFacts, describeDifference, isSpread } from "./compare.js";

const db = WorkloadDesign.parse({ kind: "StatefulSet", name: "db", minReplicas: 3, maxReplicas: 5, highAvailability: { spread: true, podDisruptionBudget: true }, containers: [{ name: "postgres", requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } }] });
const web = WorkloadDesign.parse({ kind: "Deployment", name: "web", minReplicas: 2, containers: [{ name: "app", requests: { cpu: "250m" } }] });
const pod = (cpu: string, memory: string, limit?: string) => ({ containers: [{ name: "postgres", resources: { requests: { cpu, memory }, ...(limit ? { limits: { memory: limit } } : {}) } }] });

describe("compareDesign: each workload against its own design (5.2)", () => {
  it("finds nothing when the workload runs as designed", () => {
    expect(compareDesign(db, { replicas: { count: 3, field: "spec.replicas" }, spread: true, podDisruptionBudget: true, containers: containerFacts(pod("2", "8Gi", "8Gi")) })).toEqual([]);
  });

  it("names the field, declared and actual for replicas below the minimum and above the maximum", () => {
    const low = compareDesign(db, { replicas: { count: 1, field: "status.readyReplicas" } });
    expect(low).toEqual([{ field: "status.readyReplicas", declared: "at least 3 (minReplicas)", actual: "1", fix: "run at least 3 replicas, or change the design" }]);
    expect(compareDesign(db, { replicas: { count: 6, field: "spec.replicas" } })[0]).toMatchObject({ declared: "at most 5 (maxReplicas)", actual: "6" });
  });

  it("holds a database and a web workload to different designs", () => {
    const facts = { replicas: { count: 2, field: "spec.replicas" }, spread: false, podDisruptionBudget: false, containers: [] };
    expect(compareDesign(web, { ...facts, containers: containerFacts({ containers: [{ name: "app", resources: { requests: { cpu: "500m" } } }] }) })).toEqual([]);
    const fields = compareDesign(db, facts).map((d) => d.field);
    expect(fields).toEqual(["spec.replicas", "spec.template.spec.topologySpreadConstraints", "PodDisruptionBudget", "spec.template.spec.containers[postgres]"]);
  });

  it("requires at least the designed requests and exactly the designed limits", () => {
    const d = compareDesign(db, { containers: containerFacts(pod("1500m", "8Gi", "16Gi")) });
    expect(d.map((x) => [x.field, x.declared, x.actual])).toEqual([
      ["containers[postgres].resources.requests.cpu", "at least 2", "1500m"],
      ["containers[postgres].resources.limits.memory", "8Gi", "16Gi"],
    ]);
    expect(compareDesign(db, { containers: containerFacts({ containers: [{ name: "postgres" }] }) }).map((x) => x.actual)).toEqual(["unset", "unset", "unset"]);
  });

  it("compares nothing it was not given (a fact left undefined)", () => {
    expect(compareDesign(db, {})).toEqual([]);
  });

  it("counts topologySpreadConstraints or required pod anti-affinity as spread, preferred anti-affinity not", () => {
    expect(isSpread({ topologySpreadConstraints: [{ maxSkew: 1 }] })).toBe(true);
    expect(isSpread({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } } })).toBe(true);
    expect(isSpread({ affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 }] } } })).toBe(false);
    expect(isSpread(undefined)).toBe(false);
  });

  it("describes a difference naming the workload, field, declared, actual and what to change", () => {
    const [d] = compareDesign(db, { replicas: { count: 1, field: "spec.replicas" } });
    expect(describeDifference("StatefulSet db", "r1", d!)).toBe("StatefulSet db: spec.replicas is 1, Release r1 designs at least 3 (minReplicas) (spec.designs, 5.2): run at least 3 replicas, or change the design");
  });

  it("rejects a design whose minimum exceeds its maximum, with a clear message", () => {
    const r = WorkloadDesign.safeParse({ kind: "Deployment", name: "web", minReplicas: 4, maxReplicas: 2 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe("minReplicas must not exceed maxReplicas");
  });
});
