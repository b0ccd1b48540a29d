// planRelease with the capacity check (issue 15, 4.4 f, 6.2): a quota too small for stable +
// candidate, or an HPA outside the declared bounds, holds an otherwise approved release Blocked.
import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { examplePolicy, exampleRelease, sign } from "../../gates/testkit.js";
import { capacityInput } from "../capacity/observe.js";
import { planRelease, type SealView } from "./plan.js";

const now = new Date("2026-11-24T13:00:00Z");
const { policy, keys } = examplePolicy();
const onlyUnitTests = { ...policy, spec: { ...policy.spec, gates: policy.spec.gates.filter((g) => g.name === "unit-tests") } };

function pending(): Release {
  const r = exampleRelease();
  r.metadata.generation = 2;
  r.status = { phase: "Pending" };
  r.spec.architecture = { replicas: 2, highAvailability: false, resources: { cpu: "500m", memory: "256Mi" } };
  return r;
}
const passing = (r: Release) => [sign(r, "UnitTestReport", keys.qa, { summary: { totals: { planned: 1, executed: 1, passed: 1, failed: 0, errored: 0, skipped: 0 }, failures: [] } })];
const sealed = (r: Release) => new Map<string, SealView>(r.spec.images.map((i) => [`${i.name}@${i.digest}`, { sealed: true, signer: "image-signer" }]));
const quota = (cpu: string, used = "0") => ({ metadata: { name: "compute" }, spec: { hard: { "requests.cpu": cpu } }, status: { used: { "requests.cpu": used } } });
const plan = (r: Release, quotas: object[], hpas: object[] = [], gates = onlyUnitTests) => planRelease({ release: r, policy: gates, evidence: passing(r), seals: sealed(r), capacity: capacityInput(r, () => undefined, quotas, hpas), now });
const fits = (p: ReturnType<typeof planRelease>) => p.status.conditions?.find((c) => c.type === "CapacityFits");

describe("planRelease: capacity during the rollout", () => {
  it("a quota holding the peak: Approved, CapacityFits=True", () => {
    const p = plan(pending(), [quota("3")]); // 2 stable + 2 candidate + 1 surge, 500m each = 2500m
    expect(p.status.phase).toBe("Approved");
    expect(fits(p)).toMatchObject({ status: "True", reason: "Fits", message: "1 ResourceQuota(s) hold the rollout's peak of 5 pod(s)" });
  });

  it("a quota too small: Blocked with the figures, Stalled, a Warning Event; raised, it is Approved", () => {
    const r = pending();
    const blocked = plan(r, [quota("2", "100m")]);
    expect(blocked.status.phase).toBe("Blocked");
    const message = "ResourceQuota compute requests.cpu: used 100m + needed 2500m = 2600m > hard 2; needed at the peak: Deployment/underwriting-api 5 pod(s) (2 stable + 2 candidate + 1 surge) × 500m: raise the quota, free capacity in namespace underwriting, or lower the replicas";
    expect(fits(blocked)).toMatchObject({ status: "False", reason: "QuotaExceeded", message });
    expect(blocked.status.message).toBe(`QuotaExceeded: ${message}`);
    expect(blocked.status.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");
    expect(blocked.events[0]).toMatchObject({ type: "Warning", reason: "Blocked" });
    const raised = plan({ ...r, status: blocked.status }, [quota("2600m", "100m")]);
    expect(raised.status.phase).toBe("Approved");
    expect(raised.transition).toMatchObject({ from: "Blocked", to: "Approved" });
  });

  it("a quota not counted yet keeps the release Pending and looks again soon", () => {
    const p = plan(pending(), [{ metadata: { name: "compute" }, spec: { hard: { "requests.cpu": "10" } } }]);
    expect(p.status.phase).toBe("Pending");
    expect(p.requeueAfterMs).toBe(2_000);
    expect(fits(p)?.status).toBe("Unknown");
  });

  it("an HPA above the declared maxReplicas: Blocked (HPAOutOfBounds) naming both figures", () => {
    const r = pending();
    r.spec.architecture!.scaling = { minReplicas: 2, maxReplicas: 4 };
    const p = plan(r, [], [{ metadata: { name: "api" }, spec: { scaleTargetRef: { kind: "Deployment", name: "underwriting-api" }, minReplicas: 2, maxReplicas: 10 } }]);
    expect(p.status.phase).toBe("Blocked");
    expect(fits(p)).toMatchObject({ status: "False", reason: "HPAOutOfBounds" });
    expect(p.status.message).toMatch(/^HPAOutOfBounds: HorizontalPodAutoscaler api may scale Deployment\/underwriting-api up to 10 replicas, above spec.architecture.scaling.maxReplicas 4/);
  });

  it("a failing gate is named first; the capacity condition still says what else is wrong", () => {
    const r = pending();
    const p = planRelease({ release: r, policy: onlyUnitTests, evidence: [], seals: sealed(r), capacity: capacityInput(r, () => undefined, [quota("1")], []), now });
    expect(p.status.phase).toBe("Blocked");
    expect(p.status.message).toMatch(/^gate unit-tests Pending/);
    expect(fits(p)?.reason).toBe("QuotaExceeded");
  });

  it("without a capacity observation nothing is checked (no condition)", () => {
    const r = pending();
    const p = planRelease({ release: r, policy: onlyUnitTests, evidence: passing(r), seals: sealed(r), now });
    expect(p.status.phase).toBe("Approved");
    expect(fits(p)).toBeUndefined();
  });
});
