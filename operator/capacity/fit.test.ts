import { describe, expect, it } from "vitest";
import { capacityFit, peakPods, type CapacityInput, type QuotaView, type RolledWorkload } from "./fit.js";
import { podAmounts } from "./pod-amounts.js";
import { formatQuantity, parseQuantity } from "./quantity.js";

const pod = { terminating: false, bestEffort: false };
function web(over: Partial<RolledWorkload> = {}): RolledWorkload {
  return { kind: "Deployment", name: "web", replicas: 2, surge: 1, perPod: new Map([["requests.cpu", parseQuantity("500m")!], ["requests.memory", parseQuantity("256Mi")!], ["limits.memory", parseQuantity("512Mi")!]]), pod, current: [], ...over };
}
function quota(hard: Record<string, string>, used: Record<string, string>, over: Partial<QuotaView> = {}): QuotaView {
  return { name: "compute", hard, used, scopes: [], scopeSelector: [], ...over };
}
function input(over: Partial<CapacityInput> = {}): CapacityInput {
  return { release: "web-1-2-0", namespace: "shop", workloads: [web()], quotas: [], hpas: [], ...over };
}

describe("quantities are exact", () => {
  it.each([
    ["500m", 500_000_000n],
    ["0.5", 500_000_000n],
    ["2", 2_000_000_000n],
    ["1e3", 1_000_000_000_000n],
    ["256Mi", 256n * 2n ** 20n * 1_000_000_000n],
    ["1.5Gi", 3n * 2n ** 29n * 1_000_000_000n],
    ["100n", 100n],
  ])("%s", (text, nano) => expect(parseQuantity(text)).toBe(nano));

  it("rejects malformed and negative quantities", () => {
    for (const bad of ["", "abc", "-1", "1.2.3", "5 m", "1Zi"]) expect(parseQuantity(bad), bad).toBeUndefined();
  });

  it("3 × 0.1 is exactly 0.3 (floating point would block a release by a rounding error)", () => {
    expect(3n * parseQuantity("0.1")! <= parseQuantity("300m")!).toBe(true);
  });

  it("formats cpu, bytes and counts", () => {
    expect(formatQuantity(parseQuantity("2500m")!, "cpu")).toBe("2500m");
    expect(formatQuantity(parseQuantity("3")!, "cpu")).toBe("3");
    expect(formatQuantity(parseQuantity("1Gi")!, "bytes")).toBe("1Gi");
    expect(formatQuantity(parseQuantity("1536Mi")!, "bytes")).toBe("1536Mi");
    expect(formatQuantity(parseQuantity("7")!, "count")).toBe("7");
  });
});

describe("what one pod counts", () => {
  it("a request defaults to the limit; init containers count by their largest, sidecars add; overhead adds", () => {
    const a = podAmounts({
      initContainers: [
        { name: "migrate", resources: { requests: { cpu: "2" } } },
        { name: "proxy", restartPolicy: "Always", resources: { requests: { cpu: "100m", memory: "64Mi" } } },
      ],
      containers: [{ name: "app", resources: { limits: { cpu: "500m", memory: "256Mi" } } }, { name: "log", resources: { requests: { cpu: "100m" } } }],
      overhead: { cpu: "10m" },
    });
    expect(formatQuantity(a.get("requests.cpu")!, "cpu")).toBe("2010m"); // the init container (2) beats 500m+100m+100m
    expect(formatQuantity(a.get("requests.memory")!, "bytes")).toBe("320Mi"); // 256Mi defaulted from the limit + the sidecar
    expect(formatQuantity(a.get("limits.cpu")!, "cpu")).toBe("510m");
  });
});

describe("capacityFit: ResourceQuotas hold stable + candidate at the peak (4.4 f)", () => {
  it("the peak is both copies at full size plus the surge", () => {
    expect(peakPods(web())).toBe(5);
  });

  it("fits when used + needed ≤ hard, exactly at the limit too", () => {
    const v = capacityFit(input({ quotas: [quota({ "requests.cpu": "3", pods: "5" }, { "requests.cpu": "500m", pods: "0" })] }));
    expect(v).toEqual({ fits: true, waiting: false, reason: "Fits", message: "1 ResourceQuota(s) hold the rollout's peak of 5 pod(s)" });
  });

  it("blocks with the figures: which quota, which resource, used + needed against hard", () => {
    const v = capacityFit(input({ quotas: [quota({ "requests.cpu": "2", "limits.memory": "4Gi", pods: "20", services: "1" }, { "requests.cpu": "1", "limits.memory": "0", pods: "3", services: "1" })] }));
    expect(v.fits).toBe(false);
    expect(v.reason).toBe("QuotaExceeded");
    expect(v.message).toBe(
      "ResourceQuota compute requests.cpu: used 1 + needed 2500m = 3500m > hard 2; needed at the peak: Deployment/web 5 pod(s) (2 stable + 2 candidate + 1 surge) × 500m: raise the quota, free capacity in namespace shop, or lower the replicas",
    );
  });

  it("the pods count is checked like any resource; the legacy names cpu and memory mean requests", () => {
    const v = capacityFit(input({ quotas: [quota({ pods: "4", memory: "1Gi" }, { pods: "0", memory: "0" })] }));
    expect(v.message).toContain("ResourceQuota compute pods: used 0 + needed 5 = 5 > hard 4; needed at the peak: Deployment/web 5 pod(s) (2 stable + 2 candidate + 1 surge)");
    expect(v.message).toContain("ResourceQuota compute memory: used 0 + needed 1280Mi = 1280Mi > hard 1Gi");
  });

  it("the release's current pods are in used already and the peak replaces them", () => {
    const running = web({ current: [{ pods: 2, perPod: new Map([["requests.cpu", parseQuantity("500m")!]]), pod }] });
    const q = quota({ "requests.cpu": "3" }, { "requests.cpu": "1500m" });
    expect(capacityFit(input({ workloads: [running], quotas: [q] })).fits).toBe(true);
    const tight = capacityFit(input({ workloads: [running], quotas: [quota({ "requests.cpu": "3" }, { "requests.cpu": "2" })] }));
    expect(tight.message).toMatch(/^ResourceQuota compute requests.cpu: used 1 \(2 less 1 of the release's current pods, which the peak replaces\) \+ needed 2500m = 3500m > hard 3;/);
  });

  it("sums every Deployment of the release (all waves promote together)", () => {
    const worker = web({ name: "worker", replicas: 1, surge: 1 });
    const v = capacityFit(input({ workloads: [web(), worker], quotas: [quota({ pods: "7" }, { pods: "0" })] }));
    expect(v.message).toContain("needed 8 = 8 > hard 7; needed at the peak: Deployment/web 5 pod(s) (2 stable + 2 candidate + 1 surge), Deployment/worker 3 pod(s) (1 stable + 1 candidate + 1 surge)");
  });

  it("a quota whose scopes do not select the pods does not count them", () => {
    const terminating = quota({ pods: "1" }, { pods: "0" }, { scopes: ["Terminating"] });
    expect(capacityFit(input({ quotas: [terminating] })).fits).toBe(true);
    const otherClass = quota({ pods: "1" }, { pods: "0" }, { scopeSelector: [{ scopeName: "PriorityClass", operator: "In", values: ["batch"] }] });
    expect(capacityFit(input({ quotas: [otherClass] })).fits).toBe(true);
    expect(capacityFit(input({ workloads: [web({ pod: { ...pod, priorityClassName: "batch" } })], quotas: [otherClass] })).fits).toBe(false);
    expect(capacityFit(input({ quotas: [quota({ pods: "1" }, { pods: "0" }, { scopes: ["NotTerminating", "NotBestEffort"] })] })).fits).toBe(false);
    expect(capacityFit(input({ quotas: [quota({ pods: "1" }, { pods: "0" }, { scopes: ["BestEffort"] })] })).fits).toBe(true);
    expect(capacityFit(input({ workloads: [web({ pod: { ...pod, bestEffort: true } })], quotas: [quota({ pods: "1" }, { pods: "0" }, { scopes: ["BestEffort"] })] })).fits).toBe(false);
    const unknown = quota({ pods: "1" }, { pods: "0" }, { scopes: ["CrossNamespacePodAffinity"] });
    expect(capacityFit(input({ quotas: [unknown] })).fits).toBe(false);
  });

  it("a resource the quota controller has not counted yet waits (Unknown), never passes unchecked", () => {
    const v = capacityFit(input({ quotas: [quota({ "requests.cpu": "100" }, {})] }));
    expect(v).toEqual({ fits: false, waiting: true, reason: "QuotaNotCounted", message: "ResourceQuota compute has not counted requests.cpu yet (status.used): waiting for the quota controller" });
  });

  it("without a Deployment run twice nothing is needed", () => {
    expect(capacityFit(input({ workloads: [], quotas: [quota({ pods: "0" }, { pods: "10" })] }))).toMatchObject({ fits: true, message: "no Deployment is run twice" });
  });
});

describe("capacityFit: an HPA keeps the declared scaling bounds (6.2.2)", () => {
  const hpa = (minReplicas: number, maxReplicas: number) => ({ name: "web", target: { kind: "Deployment", name: "web" }, minReplicas, maxReplicas });
  const scaling = { minReplicas: 2, maxReplicas: 8 };

  it("within the bounds fits", () => {
    expect(capacityFit(input({ hpas: [hpa(2, 8)], scaling })).fits).toBe(true);
  });

  it("above maxReplicas or below minReplicas blocks, naming both figures", () => {
    const v = capacityFit(input({ hpas: [hpa(1, 12)], scaling }));
    expect(v.reason).toBe("HPAOutOfBounds");
    expect(v.message).toBe(
      "HorizontalPodAutoscaler web may scale Deployment/web up to 12 replicas, above spec.architecture.scaling.maxReplicas 8 (the capacity approved): lower the HPA's maxReplicas to 8 or declare a larger bound in a new Release; and down to 1 replica(s), below spec.architecture.scaling.minReplicas 2: raise the HPA's minReplicas to 2 (Release web-1-2-0, 6.2.2)",
    );
  });

  it("an HPA without declared bounds blocks: there is no approved plan to match", () => {
    expect(capacityFit(input({ hpas: [hpa(2, 10)] })).message).toBe(
      "HorizontalPodAutoscaler web scales Deployment/web between 2 and 10 replicas but Release web-1-2-0 declares no spec.architecture.scaling (6.2.2): declare the bounds the capacity evidence speaks for (minReplicas at most 2, maxReplicas at least 10) or remove the HPA",
    );
  });

  it("a quota and an HPA problem are both reported, the quota first", () => {
    const v = capacityFit(input({ hpas: [hpa(2, 9)], scaling, quotas: [quota({ pods: "1" }, { pods: "0" })] }));
    expect(v.reason).toBe("QuotaExceeded");
    expect(v.message).toMatch(/^ResourceQuota compute pods: .*lower the replicas; HorizontalPodAutoscaler web may scale Deployment\/web up to 9 replicas/);
  });
});
