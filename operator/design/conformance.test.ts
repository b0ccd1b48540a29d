import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { designConformance } from "./conformance.js";

const release = (designs: unknown[], strategy?: unknown) => ({ metadata: { name: "r1", namespace: "team" }, spec: { workloads: [{ kind: "Deployment", name: "web" }], designs, ...(strategy ? { strategy } : {}) } }) as unknown as Release;
const design = { kind: "Deployment", name: "web", minReplicas: 3, highAvailability: { spread: false, podDisruptionBudget: true } };
const deployment = (ready: number, replicas = 3) => ({ spec: { replicas, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app" }] } } }, status: { readyReplicas: ready } });
const pdb = { spec: { selector: { matchLabels: { app: "web" } } } };

describe("designConformance: the DesignConformant condition (5.2 a–c running)", () => {
  it("is True when every designed Deployment runs as designed", () => {
    expect(designConformance(release([design]), () => deployment(3), [pdb])).toEqual({ type: "DesignConformant", status: "True", reason: "Conformant", message: "1 workload(s) run as designed" });
  });

  it("is False naming the workload, ready replicas below the minimum and a missing PodDisruptionBudget", () => {
    const c = designConformance(release([design]), () => deployment(1), []);
    expect(c).toMatchObject({ status: "False", reason: "DesignDiffers" });
    expect(c?.message).toContain("Deployment web: status.readyReplicas is 1, Release r1 designs at least 3 (minReplicas)");
    expect(c?.message).toContain("Deployment web: PodDisruptionBudget is none selects them");
  });

  it("is Unknown while no designed Deployment exists, and absent without Deployment designs", () => {
    expect(designConformance(release([design]), () => undefined, [])).toMatchObject({ status: "Unknown", reason: "NotRunning" });
    expect(designConformance(release([{ ...design, kind: "DaemonSet" }]), () => deployment(0), [])).toBeUndefined();
  });

  it("compares a StatefulSet with its own design, not the Deployment's", () => {
    const db = { kind: "StatefulSet", name: "db", minReplicas: 3, highAvailability: { spread: true, podDisruptionBudget: false } };
    const running = (kind: string) => (kind === "StatefulSet" ? deployment(2) : deployment(3));
    const c = designConformance(release([design, db]), running, [pdb]);
    expect(c).toMatchObject({ status: "False", reason: "DesignDiffers" });
    expect(c?.message).toContain("StatefulSet db: status.readyReplicas is 2, Release r1 designs at least 3 (minReplicas)");
    expect(c?.message).toContain("StatefulSet db: spec.template.spec.topologySpreadConstraints is neither topologySpreadConstraints nor required pod anti-affinity");
    expect(c?.message).not.toContain("Deployment web");
    expect(designConformance(release([design, { ...db, highAvailability: undefined, minReplicas: 2 }]), running, [pdb])).toMatchObject({ status: "True", message: "2 workload(s) run as designed" });
  });

  it("does not compare PodDisruptionBudgets it does not watch", () => {
    expect(designConformance(release([design]), () => deployment(3), undefined)).toMatchObject({ status: "True" });
  });
});
