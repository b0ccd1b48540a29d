// checkPeakCapacity (6.2.1) over a MemoryView: how each workload of the release is counted.
import { describe, expect, it } from "vitest";
import type { Release, WorkloadKind } from "../../api/index.js";
import { exampleRelease } from "../../gates/testkit.js";
import { Findings } from "../findings.js";
import { MemoryView } from "../memory-view.js";
import { readWorkload } from "../workload.js";
import { checkPeakCapacity } from "./peak-capacity.js";

const NS = "insurance";
const deployment = (name: string, replicas: number | undefined, cpu = "500m") => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: NS },
  spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers: [{ name: "app", resources: { requests: { cpu } } }] } } },
});

function release(peak: Record<string, unknown>, designs: unknown[] = []): Release {
  const r = exampleRelease();
  r.metadata.namespace = NS;
  r.spec.workloads.push({ kind: "Deployment", name: "worker" });
  r.spec.designs = designs as Release["spec"]["designs"];
  r.spec.peak = peak;
  return r;
}
function check(r: Release, object: Record<string, unknown>, view = new MemoryView(), kind: WorkloadKind = "Deployment"): string[] {
  const f = new Findings();
  checkPeakCapacity({ kind, w: readWorkload(kind, object), object, namespace: NS, release: r, view }, f);
  return f.problems;
}

describe("checkPeakCapacity: what the release's workloads can reach (6.2.1)", () => {
  it("counts a workload not created yet as its design says, so the first of several is not denied", () => {
    const designs = [{ kind: "Deployment", name: "worker", minReplicas: 2, maxReplicas: 5, containers: [{ name: "app", requests: { cpu: "1" } }] }];
    expect(check(release({ pods: 8, cpu: "6500m" }, designs), deployment("underwriting-api", 3))).toEqual([]);
    expect(check(release({ pods: 9 }, designs), deployment("underwriting-api", 3))[0]).toContain("reach 8 (replicas: Deployment underwriting-api 3 (spec.replicas), Deployment worker 5 (design, not created yet)): 1 short");
  });

  it("counts an unset spec.replicas as 1, as Kubernetes defaults it", () => {
    expect(check(release({ pods: 2 }), deployment("underwriting-api", undefined))[0]).toContain("reach 1 (replicas: Deployment underwriting-api 1 (spec.replicas), Deployment worker 0 (design, not created yet)): 1 short");
  });

  it("counts a replica-ratio Deployment resting at 0 between rollouts at its stable copy's replicas", () => {
    const view = new MemoryView({ deployments: [deployment("worker", 0), deployment("worker-stable", 4)] });
    expect(check(release({ pods: 7 }), deployment("underwriting-api", 3), view)).toEqual([]);
    expect(check(release({ pods: 8 }), deployment("underwriting-api", 3), view)[0]).toContain("Deployment worker 4 (spec.replicas)");
  });

  it("counts a StatefulSet's volumeClaimTemplates per replica", () => {
    const r = release({ storage: "30Gi" });
    r.spec.workloads = [{ kind: "StatefulSet", name: "db" }];
    const db = (replicas: number) => ({ ...deployment("db", replicas), kind: "StatefulSet", spec: { ...deployment("db", replicas).spec, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "10Gi" } } } }] } });
    expect(check(r, db(3), new MemoryView(), "StatefulSet")).toEqual([]);
    expect(check(r, db(2), new MemoryView(), "StatefulSet")).toEqual([
      "Release underwriting-api-2-4-1 needs 30Gi storage at peak (spec.peak.storage, 6.2.1) but its workloads reach 20Gi (replicas: StatefulSet db 2 (spec.replicas)): 10Gi short; run StatefulSet db at 3 replicas or more (spec.replicas, or an HPA's maxReplicas); or raise another workload's replicas or requests, or correct spec.peak.storage",
    ]);
  });

  it("names a request that is not a quantity instead of counting it as nothing", () => {
    expect(check(release({ pods: 1 }), deployment("underwriting-api", 3, "lots"))).toEqual([
      'Deployment underwriting-api: container app resources.requests.cpu is "lots", which is not a Kubernetes quantity: fix it so golive can check the peak Release underwriting-api-2-4-1 declares (spec.peak, 6.2.1)',
    ]);
  });

  it("says how to get connections when no design declares connectionsPerPod", () => {
    expect(check(release({ connections: 100 }), deployment("underwriting-api", 3))[0]).toContain("100 short; Deployment underwriting-api's pods provide no connections: declare connectionsPerPod (as the performance test measured) in its spec.designs entry");
  });

  describe("every serving kind counts, nothing twice, and Jobs not at all", () => {
    const pod = (name: string, cpu: string, owner?: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS, ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: "u", controller: true }] } : {}) }, spec: { containers: [{ name: "app", resources: { requests: { cpu } } }] } });
    const daemonSet = (name: string, scheduled?: number) => ({ ...deployment(name, undefined), kind: "DaemonSet", ...(scheduled === undefined ? {} : { status: { desiredNumberScheduled: scheduled } }) });
    const withWorkloads = (peak: Record<string, unknown>, workloads: { kind: WorkloadKind; name: string }[], designs: unknown[] = []) => {
      const r = release(peak, designs);
      r.spec.workloads = workloads;
      return r;
    };

    it("a DaemonSet on the nodes the controller scheduled it to (status.desiredNumberScheduled), when admitted and from memory", () => {
      const r = withWorkloads({ pods: 7 }, [{ kind: "Deployment", name: "api" }, { kind: "DaemonSet", name: "agent" }]);
      const view = new MemoryView({ daemonSets: [daemonSet("agent", 4) as never], deployments: [deployment("api", 3)] });
      expect(check(r, deployment("api", 3), view)).toEqual([]);
      expect(check(r, daemonSet("agent"), view, "DaemonSet")).toEqual([]); // admitted as sent, nodes from memory
      expect(check(withWorkloads({ pods: 8 }, r.spec.workloads), deployment("api", 3), view)[0]).toContain("DaemonSet agent 4 (status.desiredNumberScheduled)");
      expect(check(withWorkloads({ pods: 8 }, r.spec.workloads), daemonSet("agent"), view, "DaemonSet")[0]).toContain("1 short; let DaemonSet agent run on 5 nodes or more (its nodeSelector, affinity and tolerations) or raise its pods' requests");
    });

    it("a DaemonSet not scheduled yet counts as its design, and without one says how to make it count", () => {
      const workloads: { kind: WorkloadKind; name: string }[] = [{ kind: "DaemonSet", name: "agent" }];
      const designs = [{ kind: "DaemonSet", name: "agent", minReplicas: 3 }];
      expect(check(withWorkloads({ pods: 3 }, workloads, designs), daemonSet("agent"), new MemoryView(), "DaemonSet")).toEqual([]);
      expect(check(withWorkloads({ pods: 3 }, workloads), daemonSet("agent"), new MemoryView(), "DaemonSet")[0]).toContain("DaemonSet agent 0 (not scheduled on any node yet and no spec.designs entry to count it by)): 3 short");
    });

    it("ReplicaSets and ReplicationControllers by spec.replicas, a bare Pod as one, a Pod an owner controls through its owner only", () => {
      const r = withWorkloads({ pods: 6, cpu: "3" }, [{ kind: "ReplicaSet", name: "rs" }, { kind: "ReplicationController", name: "rc" }, { kind: "Pod", name: "solo" }, { kind: "Pod", name: "owned" }]);
      const rc = { ...deployment("rc", 2), kind: "ReplicationController" };
      const view = new MemoryView({ replicationControllers: [rc], pods: [pod("solo", "500m"), pod("owned", "500m", "rs")] });
      const rs = (replicas: number) => ({ ...deployment("rs", replicas), kind: "ReplicaSet" });
      expect(check(r, rs(3), view, "ReplicaSet")).toEqual([]);
      const short = check(r, rs(2), view, "ReplicaSet");
      expect(short[0]).toContain("reach 5 (replicas: ReplicaSet rs 2 (spec.replicas), ReplicationController rc 2 (spec.replicas), Pod solo 1 (a bare Pod), Pod owned 0 (a Pod with an owner, counted through it)): 1 short");
      expect(short[1]).toContain("needs 3 cpu at peak (spec.peak.cpu, 6.2.1) but its workloads reach 2500m");
      // The bare Pod admitted, as sent.
      expect(check(withWorkloads({ cpu: "2" }, [{ kind: "Pod", name: "solo" }]), pod("solo", "2"), new MemoryView(), "Pod")).toEqual([]);
      expect(check(withWorkloads({ cpu: "2" }, [{ kind: "Pod", name: "solo" }]), pod("solo", "1500m"), new MemoryView(), "Pod")[0]).toContain("500m short");
    });

    it("a ReplicaSet a Deployment owns (one of its revisions) is kept without its template and counted through its owner", () => {
      const owned = { ...deployment("api-7d9f", 3), kind: "ReplicaSet", metadata: { ...deployment("api-7d9f", 3).metadata, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "api", uid: "u", controller: true }] } };
      const view = new MemoryView({ replicaSets: [owned], deployments: [deployment("api", 3)] });
      expect(view.replicaSets.get(NS, "api-7d9f")?.spec).toEqual({ replicas: 0 });
      const r = withWorkloads({ pods: 4 }, [{ kind: "Deployment", name: "api" }, { kind: "ReplicaSet", name: "api-7d9f" }]);
      expect(check(r, deployment("api", 3), view)[0]).toContain("reach 3 (replicas: Deployment api 3 (spec.replicas), ReplicaSet api-7d9f 0 (a ReplicaSet with an owner, counted through it)): 1 short");
    });

    it("a Job or CronJob is never counted: it runs to completion and serves no peak", () => {
      const r = withWorkloads({ pods: 3 }, [{ kind: "Deployment", name: "api" }, { kind: "Job", name: "migrate" }]);
      const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: NS }, spec: { parallelism: 5, template: { spec: { containers: [{ name: "m" }] } } } };
      expect(check(r, job, new MemoryView(), "Job")).toEqual([]);
      expect(check(r, deployment("api", 2))[0]).toContain("reach 2 (replicas: Deployment api 2 (spec.replicas)): 1 short");
    });
  });
});
