// Which labels the NetworkIsolated condition judges for each kind a Release may list: pure.
import { describe, expect, it } from "vitest";
import { workloadPodLabels, type PodLabelSources } from "./pod-labels.js";

const template = (app: string) => ({ spec: { template: { metadata: { labels: { app } } } } });
const pod = (name: string, app: string, owner?: { kind: string; name: string }, deleting = false) => ({
  metadata: { name, labels: { app }, ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}), ...(deleting ? { deletionTimestamp: "2026-12-03T00:00:00Z" } : {}) },
});
const sources: PodLabelSources = {
  controller: (kind, name) => (({ "Deployment/web": template("web"), "StatefulSet/db": template("db"), "DaemonSet/agent": template("agent") }) as Record<string, ReturnType<typeof template>>)[`${kind}/${name}`],
  pods: () => [
    pod("migrate-x1", "migrate", { kind: "Job", name: "migrate" }),
    pod("nightly-29000000-a", "nightly", { kind: "Job", name: "nightly-29000000" }),
    pod("nightly-extra-b", "impostor", { kind: "Job", name: "nightly-extra" }),
    pod("legacy-q", "legacy", { kind: "ReplicationController", name: "legacy" }),
    pod("rs-z", "rs", { kind: "ReplicaSet", name: "rs" }),
    pod("debug", "debug"),
    pod("gone-job", "gone", { kind: "Job", name: "gone" }, true),
  ],
};

describe("workloadPodLabels", () => {
  it("reads Deployments, StatefulSets and DaemonSets from their pod template (a workload at 0 replicas is judged too)", () => {
    expect(workloadPodLabels("Deployment", "web", sources)).toEqual({ app: "web" });
    expect(workloadPodLabels("StatefulSet", "db", sources)).toEqual({ app: "db" });
    expect(workloadPodLabels("DaemonSet", "agent", sources)).toEqual({ app: "agent" });
    expect(workloadPodLabels("DaemonSet", "absent", sources)).toBeUndefined();
  });

  it("reads Jobs, CronJobs, ReplicaSets, ReplicationControllers and bare Pods from their running pods, by owner", () => {
    expect(workloadPodLabels("Job", "migrate", sources)).toEqual({ app: "migrate" });
    expect(workloadPodLabels("CronJob", "nightly", sources)).toEqual({ app: "nightly" });
    expect(workloadPodLabels("ReplicationController", "legacy", sources)).toEqual({ app: "legacy" });
    expect(workloadPodLabels("ReplicaSet", "rs", sources)).toEqual({ app: "rs" });
    expect(workloadPodLabels("Pod", "debug", sources)).toEqual({ app: "debug" });
  });

  it("takes a CronJob's Jobs only by the name it gives them, and skips pods on their way out", () => {
    // nightly-extra is someone's Job, not a run of CronJob nightly.
    expect(workloadPodLabels("CronJob", "nightly-extra", sources)).toBeUndefined();
    expect(workloadPodLabels("Job", "gone", sources)).toBeUndefined();
    expect(workloadPodLabels("Job", "none", sources)).toBeUndefined();
  });
});
