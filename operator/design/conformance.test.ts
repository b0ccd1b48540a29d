import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { designConformance } from "./conformance.js";

const release = (designs: unknown[], strategy?: unknown) => ({ metadata: { name: "r1", namespace: "team" }, spec: { workloads: [{ kind: "Deployment", name: "web" }], designs, ...(strategy ? { strategy } : {}) } }) as unknown as Release;
const design = { kind: "Deployment", name: "web", minReplicas: 3, highAvailability: { spread: false, podDisruptionBudget: true } };
const deployment = (ready: number, replicas = 3) => ({ spec: { replicas, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app" }] } } }, status: { readyReplicas: ready } });
const pdb = { spec: { selector: { matchLabels: { app: "web" } } } };

describe("designConformance: the DesignConformant condition (5.2 a–c running)", () => {
  it("is True when every designed Deployment runs as designed", () => {
    expect(designConformance(release([design]), () => deployment(3), [pdb])).toEqual({ type: "DesignConformant", status: "True", reason: "Conformant", message: "1 Deployment(s) run as designed" });
  });

  it("is False naming the workload, ready replicas below the minimum and a missing PodDisruptionBudget", () => {
    const c = designConformance(release([design]), () => deployment(1), []);
    expect(c).toMatchObject({ status: "False", reason: "DesignDiffers" });
    expect(c?.message).toContain("Deployment web: status.readyReplicas is 1, Release r1 designs at least 3 (minReplicas)");
    expect(c?.message).toContain("Deployment web: PodDisruptionBudget is none selects them");
  });

  it("is Unknown while no designed Deployment exists, and absent without Deployment designs", () => {
    expect(designConformance(release([design]), () => undefined, [])).toMatchObject({ status: "Unknown", reason: "NotRunning" });
    expect(designConformance(release([{ ...design, kind: "StatefulSet" }]), () => deployment(0), [])).toBeUndefined();
  });

  it("does not compare PodDisruptionBudgets it does not watch", () => {
    expect(designConformance(release([design]), () => deployment(3), undefined)).toMatchObject({ status: "True" });
  });
});
