import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { exampleRelease } from "../../gates/testkit.js";
import { capacityFit } from "./fit.js";
import { capacityInput, surgeOf, type DeploymentObject } from "./observe.js";
import { formatQuantity } from "./quantity.js";

function release(mutate: (r: Release) => void = () => undefined): Release {
  const r = exampleRelease();
  mutate(r);
  return r;
}
const template = (cpu: string) => ({ spec: { containers: [{ name: "app", resources: { requests: { cpu, memory: "128Mi" } } }] } });

describe("surgeOf", () => {
  it.each([
    [undefined, 4, 1],
    [{ type: "RollingUpdate", rollingUpdate: { maxSurge: "50%" } }, 3, 2],
    [{ rollingUpdate: { maxSurge: 0 } }, 3, 0],
    [{ rollingUpdate: { maxSurge: 2 } }, 3, 2],
    [{ type: "Recreate" }, 3, 0],
  ])("%j with %i replicas: %i", (strategy, replicas, surge) => expect(surgeOf(strategy, replicas)).toBe(surge));
});

describe("capacityInput", () => {
  const name = (r: Release) => r.spec.workloads.find((w) => w.kind === "Deployment")!.name;

  it("a first release: the declared replicas and resources stand for the template not applied yet", () => {
    const r = release((x) => {
      x.spec.architecture = { replicas: 3, highAvailability: false, resources: { cpu: "250m", memory: "1Gi" } };
    });
    const i = capacityInput(r, () => undefined, [], []);
    expect(i.workloads).toHaveLength(1);
    const w = i.workloads[0]!;
    expect({ name: w.name, replicas: w.replicas, surge: w.surge, current: w.current }).toEqual({ name: name(r), replicas: 3, surge: 1, current: [] });
    expect(formatQuantity(w.perPod.get("requests.cpu")!, "cpu")).toBe("250m");
  });

  it("takes the larger requests of the candidate, its stable copy and the declared ones; their pods are current", () => {
    const r = release((x) => (x.spec.architecture = { replicas: 2, highAvailability: false, resources: { cpu: "100m" } }));
    const objects: Record<string, DeploymentObject> = {
      [name(r)]: { spec: { replicas: 2, template: template("300m") }, status: { replicas: 2 } },
      [`${name(r)}-stable`]: { spec: { replicas: 2, template: template("200m") }, status: { replicas: 2 } },
    };
    const w = capacityInput(r, (n) => objects[n], [], []).workloads[0]!;
    expect(formatQuantity(w.perPod.get("requests.cpu")!, "cpu")).toBe("300m");
    expect(w.current.map((c) => [c.pods, formatQuantity(c.perPod.get("requests.cpu")!, "cpu")])).toEqual([
      [2, "300m"],
      [2, "200m"],
    ]);
  });

  it("an HPA that scaled the Deployment above the declared replicas raises the peak", () => {
    const r = release((x) => (x.spec.architecture = { replicas: 2, highAvailability: false }));
    const w = capacityInput(r, (n) => (n === name(r) ? { spec: { replicas: 5, template: template("100m") } } : undefined), [], []).workloads[0]!;
    expect(w.replicas).toBe(5);
  });

  it("without spec.strategy no Deployment is run twice; HPAs are still checked", () => {
    const r = release((x) => {
      delete x.spec.strategy;
      x.spec.architecture = { replicas: 2, highAvailability: false, scaling: { minReplicas: 2, maxReplicas: 4 } };
    });
    const hpas = [
      { metadata: { name: "api" }, spec: { scaleTargetRef: { kind: "Deployment", name: name(r) }, maxReplicas: 6 } },
      { metadata: { name: "other" }, spec: { scaleTargetRef: { kind: "Deployment", name: "not-governed" }, maxReplicas: 60 } },
    ];
    const i = capacityInput(r, () => undefined, [], hpas);
    expect(i.workloads).toEqual([]);
    expect(i.hpas).toEqual([{ name: "api", target: { kind: "Deployment", name: name(r) }, minReplicas: 1, maxReplicas: 6 }]);
    expect(capacityFit(i).message).toMatch(/up to 6 replicas, above spec.architecture.scaling.maxReplicas 4.*down to 1 replica\(s\), below spec.architecture.scaling.minReplicas 2/);
  });

  it("reads a quota's spec.hard (what its owner set) and status.used", () => {
    const q = { metadata: { name: "compute" }, spec: { hard: { pods: "10" }, scopes: ["NotTerminating"] }, status: { hard: { pods: "4" }, used: { pods: "1" } } };
    expect(capacityInput(release(), () => undefined, [q], []).quotas).toEqual([{ name: "compute", hard: { pods: "10" }, used: { pods: "1" }, scopes: ["NotTerminating"], scopeSelector: [] }]);
  });
});
