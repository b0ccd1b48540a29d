// Per-workload designs (5.2) and the declared peak (6.2.1) through decide(): every pod-producing
// kind is held to its own design or denied without one when the policy requires designs, and a
// scale (subresource or a replicas-only update) is held to the design's bounds and the peak.
import { describe, expect, it } from "vitest";
import type { AdmissionRequest } from "./admission.js";
import type { WorkloadKind } from "../api/index.js";
import { decide } from "./decide.js";
import { fixturePolicy, fixtureRelease, fixtureView, NS, OPERATOR, policySpec, releaseSpec, request, workload } from "./testdata/fixtures.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const KINDS: WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"];
const NAMES: Record<WorkloadKind, string> = { Pod: "web-debug", Deployment: "web", StatefulSet: "web-db", DaemonSet: "web-agent", ReplicaSet: "web-rs", ReplicationController: "web-rc", Job: "nightly", CronJob: "nightly" };
const REPLICATED = new Set<WorkloadKind>(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]);

function view(designs: unknown[] | undefined, extra: Record<string, unknown> = {}) {
  const v = fixtureView(NOW, fixturePolicy("shop-policy", { ...policySpec(), design: { requireWorkloadDesigns: true } }));
  v.releases.put(fixtureRelease(NOW, { spec: { ...releaseSpec(), ...(designs ? { designs } : {}), ...extra } }));
  return v;
}
const message = (r: AdmissionRequest, v: ReturnType<typeof view>) => decide(r, v).status?.message ?? "";
const designOf = (kind: WorkloadKind, cpu = "500m") => ({ kind, name: NAMES[kind], minReplicas: REPLICATED.has(kind) ? 3 : 0, containers: [{ name: "web", requests: { cpu } }] });

function scale(kind: string, name: string, replicas: number, user = "alice"): AdmissionRequest {
  const object = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name, namespace: NS }, spec: { replicas } };
  const resource = kind === "Deployment" ? "deployments" : "statefulsets";
  return { ...request(object, { operation: "UPDATE", user }), kind: { group: "autoscaling", version: "v1", kind: "Scale" }, resource: { group: "apps", version: "v1", resource }, subResource: "scale", oldObject: { ...object, spec: { replicas: 3 } } };
}

describe("decide: a design per workload (5.2)", () => {
  it.each(KINDS)("denies a %s with no design when the policy requires one, holds it to its own design, admits it as designed", (kind) => {
    expect(message(request(workload(kind)), view([]))).toContain(
      `${kind} ${NAMES[kind]} has no design in Release web-1-2-0: ReleasePolicy shop-policy requires one per workload (spec.design.requireWorkloadDesigns, 5.2): add {kind: ${kind}, name: ${NAMES[kind]}, minReplicas: ...} to the Release's spec.designs`,
    );
    // Another kind's design is not this one's: a design for every other kind still leaves it without one.
    expect(message(request(workload(kind)), view(KINDS.filter((k) => k !== kind && NAMES[k] !== NAMES[kind]).map((k) => designOf(k))))).toContain(`${kind} ${NAMES[kind]} has no design`);
    expect(message(request(workload(kind)), view([designOf(kind, "1")]))).toContain(`${kind} ${NAMES[kind]}: containers[web].resources.requests.cpu is 500m, Release web-1-2-0 designs at least 1 (spec.designs, 5.2): set resources.requests.cpu to at least 1`);
    expect(decide(request(workload(kind)), view([designOf(kind)]))).toMatchObject({ allowed: true });
  });

  it.each([...REPLICATED])("compares a %s's replicas with its design's minimum and maximum", (kind) => {
    const v = view([{ ...designOf(kind), maxReplicas: 4 }]);
    expect(message(request(workload(kind, { replicas: 2 })), v)).toContain(`${kind} ${NAMES[kind]}: spec.replicas is 2, Release web-1-2-0 designs at least 3 (minReplicas)`);
    expect(message(request(workload(kind, { replicas: 5 })), v)).toContain(`${kind} ${NAMES[kind]}: spec.replicas is 5, Release web-1-2-0 designs at most 4 (maxReplicas)`);
  });

  it("says a Pod named by generateName cannot carry a design, and what to do", () => {
    const pod = workload("Pod");
    delete pod.metadata.name;
    pod.metadata.generateName = "web-debug-";
    expect(message(request(pod), view([designOf("Pod")]))).toContain("a Pod named by generateName (web-debug-...) cannot have a design in Release web-1-2-0");
  });

  it("holds a replicas-only update and a scale through the subresource to the design; the operator only to its maximum", () => {
    const v = view([{ ...designOf("Deployment"), maxReplicas: 4 }]);
    const old = workload("Deployment", { replicas: 3 });
    expect(message(request(workload("Deployment", { replicas: 2 }), { operation: "UPDATE", oldObject: old }), v)).toContain("Deployment web: spec.replicas is 2, Release web-1-2-0 designs at least 3 (minReplicas)");
    expect(message(scale("Deployment", "web", 2), v)).toContain("Deployment web: the scale's spec.replicas is 2, Release web-1-2-0 designs at least 3 (minReplicas) (spec.designs, 5.2): run at least 3 replicas, or change the design");
    expect(message(scale("Deployment", "web", 5), v)).toContain("Deployment web: the scale's spec.replicas is 5, Release web-1-2-0 designs at most 4 (maxReplicas)");
    expect(decide(scale("Deployment", "web", 4), v)).toMatchObject({ allowed: true });
    // The operator drives the approved canary below the minimum, never above the design's maximum.
    expect(decide(scale("Deployment", "web", 1, OPERATOR), v)).toMatchObject({ allowed: true });
    expect(message(scale("Deployment", "web", 5, OPERATOR), v)).toContain("designs at most 4 (maxReplicas)");
  });
});

describe("decide: the declared peak (6.2.1)", () => {
  // Deployment web (500m a pod) and StatefulSet web-db together; 3 replicas each by default.
  const peakView = (peak: Record<string, unknown>) => view([designOf("Deployment"), designOf("StatefulSet")], { peak });

  it("denies a Deployment that, with the release's other workloads, cannot reach the peak, naming metric, declared vs reachable and the replicas that would reach it", () => {
    const v = peakView({ pods: 8, cpu: "4" });
    v.statefulSets.put(workload("StatefulSet") as never);
    const m = message(request(workload("Deployment")), v);
    expect(m).toContain("Release web-1-2-0 needs 8 pods at peak (spec.peak.pods, 6.2.1) but its workloads reach 6 (replicas: Deployment web 3 (spec.replicas), StatefulSet web-db 3 (spec.replicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet)): 2 short; run Deployment web at 5 replicas or more (spec.replicas, or an HPA's maxReplicas)");
    expect(m).toContain("Release web-1-2-0 needs 4 cpu at peak (spec.peak.cpu, 6.2.1) but its workloads reach 3 (replicas: Deployment web 3 (spec.replicas), StatefulSet web-db 3 (spec.replicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet)): 1 short; run Deployment web at 5 replicas or more");
    expect(decide(request(workload("Deployment", { replicas: 5 })), v)).toMatchObject({ allowed: true });
  });

  it("holds a scale through the subresource to the peak; an HPA that can reach it counts at its maxReplicas", () => {
    const v = peakView({ pods: 7 });
    v.deployments.put(workload("Deployment", { replicas: 4 }) as never);
    v.statefulSets.put(workload("StatefulSet") as never);
    expect(decide(scale("Deployment", "web", 4), v)).toMatchObject({ allowed: true });
    expect(message(scale("Deployment", "web", 3), v)).toContain("needs 7 pods at peak (spec.peak.pods, 6.2.1) but its workloads reach 6 (replicas: Deployment web 3 (spec.replicas), StatefulSet web-db 3 (spec.replicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet)): 1 short; run Deployment web at 4 replicas or more");
    v.autoscalers.put({ metadata: { name: "web", namespace: NS }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 4 } });
    expect(decide(scale("Deployment", "web", 3), v)).toMatchObject({ allowed: true });
    v.autoscalers.put({ metadata: { name: "web", namespace: NS }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 3 } });
    expect(message(scale("Deployment", "web", 3), v)).toContain("(replicas: Deployment web 3 (HPA web maxReplicas), StatefulSet web-db 3 (spec.replicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet)): 1 short; raise HPA web's maxReplicas to 4 or more");
  });

  describe("an HPA created or edited after its workload (6.2.1)", () => {
    const hpa = (maxReplicas: number, o: { name?: string; target?: string; kind?: string } = {}) => ({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: o.name ?? "web", namespace: NS },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: o.kind ?? "Deployment", name: o.target ?? "web" }, minReplicas: 2, maxReplicas, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }] },
    });
    const hpaRequest = (object: Record<string, any>, old?: Record<string, any>) => ({ ...request(object, old ? { operation: "UPDATE", oldObject: old } : {}), resource: { group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers" } });
    const withWorkloads = (peak: Record<string, unknown>) => {
      const v = peakView(peak);
      v.deployments.put(workload("Deployment", { replicas: 4 }) as never);
      v.statefulSets.put(workload("StatefulSet") as never);
      return v;
    };

    it("denies a create whose maxReplicas × the target's per-pod requests cannot reach the peak, saying what to change", () => {
      const v = withWorkloads({ pods: 7, cpu: "3500m" });
      const m = message(hpaRequest(hpa(3)), v);
      expect(m).toContain("golive denied HorizontalPodAutoscaler shop/web (Release web-1-2-0)");
      expect(m).toContain("HPA web caps Deployment web at maxReplicas 3, and with it Release web-1-2-0's workloads reach 6 pods (replicas: Deployment web 3 (HPA web maxReplicas), StatefulSet web-db 3 (spec.replicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet)) but the Release needs 7 at peak (spec.peak.pods, 6.2.1): 1 short; raise HPA web's maxReplicas to 4 or more");
      // CPU: 500m a pod, 6 pods reach 3 cpu of the 3500m declared.
      expect(m).toContain("reach 3 cpu");
      expect(m).toContain("the Release needs 3500m at peak (spec.peak.cpu, 6.2.1): 500m short; raise HPA web's maxReplicas to 4 or more");
      expect(decide(hpaRequest(hpa(4)), v)).toMatchObject({ allowed: true });
    });

    it("counts the HPA as sent in place of its stored self, and denies an update that lowers maxReplicas below the peak", () => {
      const v = withWorkloads({ pods: 7 });
      v.autoscalers.put(hpa(6));
      expect(decide(hpaRequest(hpa(5), hpa(6)), v)).toMatchObject({ allowed: true });
      expect(message(hpaRequest(hpa(3), hpa(6)), v)).toContain("HPA web caps Deployment web at maxReplicas 3");
    });

    it("never denies a change that does not lower the reach (a higher maxReplicas), even when the release is short elsewhere", () => {
      const v = withWorkloads({ pods: 20 });
      v.autoscalers.put(hpa(3));
      expect(decide(hpaRequest(hpa(4), hpa(3)), v)).toMatchObject({ allowed: true });
      expect(message(hpaRequest(hpa(4)), v)).toContain("13 short; raise HPA web's maxReplicas to 17 or more");
    });

    it("leaves alone an HPA whose target is not in memory yet (its admission counts the HPA), of no Release, or of a release without a peak", () => {
      const v = peakView({ pods: 7 });
      expect(decide(hpaRequest(hpa(1)), v)).toMatchObject({ allowed: true });
      v.deployments.put(workload("Deployment", { name: "other", release: null }) as never);
      expect(decide(hpaRequest(hpa(1, { target: "other" })), v)).toMatchObject({ allowed: true });
      const noPeak = view([designOf("Deployment")]);
      noPeak.deployments.put(workload("Deployment") as never);
      expect(decide(hpaRequest(hpa(1)), noPeak)).toMatchObject({ allowed: true });
    });

    it("holds a new or changed HPA to the Release's declared scaling bounds (6.2.2), as the operator's HPAOutOfBounds does; a metadata edit of one admitted before passes", () => {
      const v = view(undefined, { architecture: { ...(releaseSpec().architecture as Record<string, unknown>), scaling: { minReplicas: 3, maxReplicas: 6 } } });
      v.deployments.put(workload("Deployment", { replicas: 4 }) as never);
      expect(message(hpaRequest(hpa(8)), v)).toContain(
        "HorizontalPodAutoscaler web may scale Deployment/web up to 8 replicas, above spec.architecture.scaling.maxReplicas 6 (the capacity approved): lower the HPA's maxReplicas to 6 or declare a larger bound in a new Release",
      );
      expect(message(hpaRequest(hpa(6)), v)).toContain("down to 2 replica(s), below spec.architecture.scaling.minReplicas 3: raise the HPA's minReplicas to 3");
      const inBounds = hpa(6);
      inBounds.spec.minReplicas = 3;
      expect(decide(hpaRequest(inBounds), v)).toMatchObject({ allowed: true });
      // Admitted before the bounds (or with the webhook down): a label edit is not judged again.
      const labelled = { ...hpa(8), metadata: { ...hpa(8).metadata, labels: { team: "shop" } } };
      expect(decide(hpaRequest(labelled, hpa(8)), v)).toMatchObject({ allowed: true });
    });

    it("denies an HPA on golive's stable copy, saying to target the Deployment instead", () => {
      const v = withWorkloads({ pods: 1 });
      const copy = workload("Deployment", { replicas: 4 });
      copy.metadata.name = "web-stable";
      copy.metadata.labels = { ...(copy.metadata.labels as Record<string, string>), "golive.dev/stable-of": "web" };
      v.deployments.put(copy as never);
      expect(message(hpaRequest(hpa(6, { target: "web-stable" })), v)).toBe(
        "golive denied HorizontalPodAutoscaler shop/web: Deployment web-stable is golive's stable copy of Deployment web, whose replicas only golive sets; point scaleTargetRef at Deployment web and declare its bounds in spec.architecture.scaling",
      );
    });

    it("counts a retargeted HPA for its new workload only", () => {
      const v = withWorkloads({ pods: 7 });
      // Stored: HPA web on the Deployment; sent: the same HPA moved to the StatefulSet at 1.
      v.autoscalers.put(hpa(6));
      const m = message(hpaRequest(hpa(1, { kind: "StatefulSet", target: "web-db" }), hpa(6)), v);
      expect(m).toContain("(replicas: Deployment web 4 (spec.replicas), StatefulSet web-db 1 (HPA web maxReplicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet))");
      expect(m).toContain("2 short; raise HPA web's maxReplicas to 3 or more");
    });
  });
});
