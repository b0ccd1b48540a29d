import { describe, expect, it } from "vitest";
import { peakShortfalls, perPod, reachSummary, replicasToReach, type WorkloadReach } from "./peak.js";

const NANO = 1_000_000_000n;
const MI = 2n ** 20n;
const GI = 2n ** 30n;
const pod = perPod({ containers: [{ resources: { requests: { cpu: "500m", memory: "1Gi" } } }, { resources: { requests: { cpu: "250m" } } }] }, [{ spec: { resources: { requests: { storage: "10Gi" } } } }]);
const web: WorkloadReach = { workload: "Deployment web", replicas: 4, replicasFrom: "HPA web maxReplicas", ...pod, storage: 0n, connections: 500 };
const db: WorkloadReach = { workload: "StatefulSet db", replicas: 3, replicasFrom: "spec.replicas", ...pod, connections: 0 };

describe("peakShortfalls: the declared peak against what the workloads reach (6.2.1)", () => {
  it("sums per-pod requests of regular containers and the volumeClaimTemplates' storage", () => {
    expect(pod).toEqual({ cpu: 750_000_000n, memory: 1024n ** 3n * 1_000_000_000n, storage: 10n * 1024n ** 3n * 1_000_000_000n, problems: [] });
  });

  it("counts sidecars with the containers and an ordinary init container only when it alone asks for more, as the scheduler does", () => {
    const spec = {
      initContainers: [
        { name: "migrate", resources: { requests: { cpu: "2", memory: "64Mi" } } },
        { name: "proxy", restartPolicy: "Always", resources: { requests: { cpu: "100m", memory: "64Mi" } } },
      ],
      containers: [{ name: "web", resources: { requests: { cpu: "500m", memory: "256Mi" } } }, { name: "log", resources: { requests: { cpu: "50m" } } }],
    };
    const p = perPod(spec, undefined);
    expect([p.cpu, p.memory / NANO / MI]).toEqual([2n * NANO, 320n]);
  });

  it("counts ephemeral volumes' claims as storage, not a claim the pods share", () => {
    const claim = (storage: string) => ({ spec: { resources: { requests: { storage } } } });
    const spec = { containers: [], volumes: [{ name: "scratch", ephemeral: { volumeClaimTemplate: claim("1Gi") } }, { name: "shared", persistentVolumeClaim: { claimName: "shared" } }] };
    expect(perPod(spec, [claim("10Gi")]).storage / NANO / GI).toBe(11n);
  });

  it("names a quantity that is not one instead of counting it as nothing", () => {
    const p = perPod({ containers: [{ name: "web", resources: { requests: { cpu: "lots" } } }] }, [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "big" } } } }]);
    expect(p.problems).toEqual(['container web resources.requests.cpu is "lots", which is not a Kubernetes quantity', 'volumeClaimTemplate data resources.requests.storage is "big", which is not a Kubernetes quantity']);
  });

  it("finds nothing when the workloads reach every declared metric", () => {
    expect(peakShortfalls({ pods: 7, cpu: "5250m", memory: "7Gi", connections: 2000, storage: "30Gi" }, [web, db])).toEqual([]);
  });

  it("says by how much each metric falls short", () => {
    expect(peakShortfalls({ pods: 10, cpu: "8", memory: "8Gi", connections: 3000, storage: "50Gi" }, [web, db]).map(({ shortNano: _, ...s }) => s)).toEqual([
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

  it("says what the workload being admitted would have to run alone to close each shortfall", () => {
    const [pods, cpu, memory, connections, storage] = peakShortfalls({ pods: 10, cpu: "8", memory: "8Gi", connections: 3000, storage: "50Gi" }, [web, db]);
    // db: 3 replicas at 750m, 1Gi, 10Gi each; 2750m CPU short is 4 more pods (3000m), so 7.
    expect(replicasToReach(pods!, db)).toBe("run StatefulSet db at 6 replicas or more (spec.replicas, or an HPA's maxReplicas)");
    expect(replicasToReach(cpu!, db)).toBe("run StatefulSet db at 7 replicas or more (spec.replicas, or an HPA's maxReplicas)");
    expect(replicasToReach(memory!, db)).toBe("run StatefulSet db at 4 replicas or more (spec.replicas, or an HPA's maxReplicas)");
    expect(replicasToReach(connections!, db)).toBe("StatefulSet db's pods provide no connections: declare connectionsPerPod (as the performance test measured) in its spec.designs entry");
    expect(replicasToReach(storage!, db)).toBe("run StatefulSet db at 5 replicas or more (spec.replicas, or an HPA's maxReplicas)");
    // web is counted at its HPA's maxReplicas: the HPA is what to raise; 1000 connections short at 500 a pod is 2 more.
    expect(replicasToReach(connections!, { ...web, hpa: "web" })).toBe("raise HPA web's maxReplicas to 6 or more");
    expect(replicasToReach(storage!, web)).toBe("Deployment web's pods provide no storage: give it volumeClaimTemplates or ephemeral volumes requesting storage");
  });

  it("summarises how each workload was counted", () => {
    expect(reachSummary([web, db])).toBe("Deployment web 4 (HPA web maxReplicas), StatefulSet db 3 (spec.replicas)");
    expect(reachSummary([])).toBe("no workloads");
  });
});
