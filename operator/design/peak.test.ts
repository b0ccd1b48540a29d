import { describe, expect, it } from "vitest";
import { peakShortfalls, perPod, reachSummary, type WorkloadReach } from "./peak.js";

const pod = perPod({ containers: [{ resources: { requests: { cpu: "500m", memory: "1Gi" } } }, { resources: { requests: { cpu: "250m" } } }] }, [{ spec: { resources: { requests: { storage: "10Gi" } } } }]);
const web: WorkloadReach = { workload: "Deployment web", replicas: 4, replicasFrom: "HPA web maxReplicas", ...pod, storage: 0n, connections: 500 };
const db: WorkloadReach = { workload: "StatefulSet db", replicas: 3, replicasFrom: "spec.replicas", ...pod, connections: 0 };

describe("peakShortfalls: the declared peak against what the workloads reach (6.2.1)", () => {
  it("sums per-pod requests of regular containers and the volumeClaimTemplates' storage", () => {
    expect(pod).toEqual({ cpu: 750_000_000n, memory: 1024n ** 3n * 1_000_000_000n, storage: 10n * 1024n ** 3n * 1_000_000_000n });
  });

  it("finds nothing when the workloads reach every declared metric", () => {
    expect(peakShortfalls({ pods: 7, cpu: "5250m", memory: "7Gi", connections: 2000, storage: "30Gi" }, [web, db])).toEqual([]);
  });

  it("says by how much each metric falls short", () => {
    expect(peakShortfalls({ pods: 10, cpu: "8", memory: "8Gi", connections: 3000, storage: "50Gi" }, [web, db])).toEqual([
      { metric: "pods", declared: "10", reachable: "7", short: "3" },
      { metric: "cpu", declared: "8", reachable: "5250m", short: "2750m" },
      { metric: "memory", declared: "8Gi", reachable: "7Gi", short: "1Gi" },
      { metric: "connections", declared: "3000", reachable: "2000", short: "1000" },
      { metric: "storage", declared: "50Gi", reachable: "30Gi", short: "20Gi" },
    ]);
  });

  it("compares only the metrics declared", () => {
    expect(peakShortfalls({ cpu: "100" }, [web]).map((s) => s.metric)).toEqual(["cpu"]);
    expect(peakShortfalls({}, [])).toEqual([]);
  });

  it("summarises how each workload was counted", () => {
    expect(reachSummary([web, db])).toBe("Deployment web 4 (HPA web maxReplicas), StatefulSet db 3 (spec.replicas)");
    expect(reachSummary([])).toBe("no workloads");
  });
});
