// Released and the DR site (4.3 g): the rollout planner holds Released while a DR target is not
// InSync where the policy waits (level 3 by default), stalls past the deadline, and proceeds once
// the target is InSync; below level 3 it only warns. Pure: the DR states are given in status.
import { describe, expect, it } from "vitest";
import { ReleasePolicy, type Release, type ReleasePolicySpec, type ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease, sign } from "../../gates/testkit.js";
import { planRollout } from "./plan.js";
import type { RolloutPlan, WorkloadView } from "./types.js";

const t0 = new Date("2026-11-24T12:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const { policy: basePolicy, keys } = examplePolicy();
const withDr = (protectionLevel: number, extra: Record<string, unknown> = {}): ReleasePolicySpec =>
  ReleasePolicy.parse({ ...basePolicy, spec: { ...basePolicy.spec, protectionLevel, disasterRecovery: { targets: [{ name: "dr-east", kubeconfigSecret: { name: "dr-east" } }], deadlineSeconds: 60, ...extra } } }).spec;
const level3 = withDr(3);

const release = (status: ReleaseStatus, mutate?: (r: Release) => void): Release => {
  const r = exampleRelease();
  r.metadata.generation = 2;
  r.status = status;
  mutate?.(r);
  return r;
};
const image = `${exampleRelease().spec.images[0]!.name}@${exampleRelease().spec.images[0]!.digest}`;
const view = (o: Partial<WorkloadView> = {}): WorkloadView => ({ name: "underwriting-api", generation: 2, observedGeneration: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, statusReplicas: 3, templateHash: "new", podTemplateHash: "cand123", releaseLabel: "underwriting-api-2-4-1", images: [image], ...o });
const drifted = { target: "dr-east", state: "Drifted" as const, since: t0.toISOString(), checkedAt: t0.toISOString(), differences: ["Deployment underwriting-api container api template has sha256:bb"] };
const inSync = { target: "dr-east", state: "InSync" as const, since: t0.toISOString(), checkedAt: t0.toISOString() };

/** A first release with a strategy, initialised and ready for Released: the stable copy runs the template. */
function initialised(policy: ReleasePolicySpec, status: ReleaseStatus, now: Date): RolloutPlan {
  const r = release(status);
  const p = planRollout({ release: r, base: status, policy, evidence: [], candidate: view(), stable: view({ name: "underwriting-api-stable", podTemplateHash: "stab" }), traffic: { weight: 0, verification: false, settled: true }, jobs: new Map(), measurements: new Map(), canSign: false, now, monitoring: { ready: true, reasons: [] } });
  expect(p).toBeDefined();
  return p!;
}
const condition = (p: RolloutPlan, type: string) => p.status.conditions?.find((c) => c.type === type);

describe("Released waits for DR consistency (4.3 g)", () => {
  const start = (): ReleaseStatus => {
    const r = release({ phase: "Approved", conditions: [] });
    const first = planRollout({ release: r, base: r.status!, policy: level3, evidence: [], candidate: view(), stable: undefined, traffic: undefined, jobs: new Map(), measurements: new Map(), canSign: false, now: t0 });
    expect(first?.status.canary?.initialising).toBe(true);
    return first!.status;
  };

  it("level 3 with releasedWaitsForConsistency unset holds Released while the DR target is Drifted, naming what differs, since the first held pass", () => {
    const held = initialised(level3, { ...start(), disasterRecovery: [drifted] }, t0);
    expect(held.transition).toBeUndefined();
    expect(held.status.phase).toBe("Progressing");
    expect(held.status.disasterRecoveryHold).toEqual({ since: t0.toISOString() });
    expect(held.status.message).toMatch(/^waiting for DR consistency before Released \(4\.3 g\): dr-east Drifted since .*: Deployment underwriting-api container api template has sha256:bb; Stalled at 2026-11-24T12:01:00\.000Z/);
    expect(held.events).toContainEqual(expect.objectContaining({ type: "Warning", reason: "DisasterRecoveryHold" }));
    expect(condition(held, "Ready")).toMatchObject({ status: "True" });
    expect(condition(held, "Stalled")).toMatchObject({ status: "False" });
    expect(held.requeueAfterMs).toBeLessThanOrEqual(5_000);
    const again = initialised(level3, held.status, at(30));
    expect(again.status.disasterRecoveryHold).toEqual({ since: t0.toISOString() });
    expect(again.events).toEqual([]);
  });

  it("past deadlineSeconds it is Stalled (DisasterRecoveryDeadlineExceeded) with the reason, once; InSync again goes Released and clears the hold", () => {
    const held = initialised(level3, { ...start(), disasterRecovery: [drifted] }, t0);
    const stalled = initialised(level3, held.status, at(60));
    expect(stalled.status.phase).toBe("Progressing");
    expect(condition(stalled, "Stalled")).toMatchObject({ status: "True", reason: "DisasterRecoveryDeadlineExceeded", message: expect.stringContaining("not InSync within disasterRecovery.deadlineSeconds (60 s): dr-east Drifted") });
    expect(condition(stalled, "Ready")).toMatchObject({ status: "False", reason: "DisasterRecoveryDeadlineExceeded" });
    expect(stalled.status.disasterRecoveryHold).toEqual({ since: t0.toISOString(), stalledAt: at(60).toISOString() });
    expect(stalled.events.filter((e) => e.reason === "DisasterRecoveryDeadlineExceeded")).toHaveLength(1);
    const still = initialised(level3, stalled.status, at(70));
    expect(still.events).toEqual([]);
    expect(condition(still, "Stalled")?.status).toBe("True");
    const done = initialised(level3, { ...still.status, disasterRecovery: [inSync] }, at(80));
    expect(done.transition).toMatchObject({ from: "Progressing", to: "Released" });
    expect(done.transition!.reason).toContain(`every DR target InSync (Released held for it since ${t0.toISOString()}, 4.3 g)`);
    expect(done.status.disasterRecoveryHold).toBeUndefined();
    expect(condition(done, "Stalled")).toMatchObject({ status: "False" });
    expect(condition(done, "Ready")).toMatchObject({ status: "True", reason: "Released" });
  });

  it("an Unreachable target or one not read yet holds too", () => {
    const unreachable = initialised(level3, { ...start(), disasterRecovery: [{ target: "dr-east", state: "Unreachable", since: t0.toISOString(), checkedAt: t0.toISOString(), reason: "timed out" }] }, t0);
    expect(unreachable.status.message).toContain("dr-east Unreachable since 2026-11-24T12:00:00.000Z (timed out)");
    expect(initialised(level3, start(), t0).status.message).toContain("dr-east not read yet");
  });

  it("below level 3 (or releasedWaitsForConsistency false) it goes Released with a Warning Event naming what differs, and never holds", () => {
    for (const policy of [withDr(2), withDr(3, { releasedWaitsForConsistency: false })]) {
      const done = initialised(policy, { ...start(), disasterRecovery: [drifted] }, t0);
      expect(done.transition?.to).toBe("Released");
      expect(done.status.disasterRecoveryHold).toBeUndefined();
      expect(done.events).toContainEqual({ type: "Warning", reason: "ReleasedWithDisasterRecoveryInconsistent", message: expect.stringContaining("dr-east Drifted since 2026-11-24T12:00:00.000Z: Deployment underwriting-api container api template has sha256:bb") });
    }
    // true waits at any level.
    expect(initialised(withDr(1, { releasedWaitsForConsistency: true }), { ...start(), disasterRecovery: [drifted] }, t0).transition).toBeUndefined();
  });

  it("a release without spec.strategy is held in Verifying the same way, then Released; leaving the path to Released drops the hold", () => {
    const direct = (r: Release) => delete r.spec.strategy;
    const signOff = sign(release({}, direct), "Approval", keys.owner, { approval: { stage: "Verification", role: "business-owner" } }, t0.toISOString());
    const lax = { ...level3, gates: level3.gates.filter((g) => g.phase === "Verification" || !g.phase) };
    const pass = (status: ReleaseStatus, now: Date) => planRollout({ release: release(status, direct), base: status, policy: lax, evidence: [signOff], candidate: undefined, stable: undefined, deployments: [view()], jobs: new Map(), measurements: new Map(), canSign: false, now, monitoring: { ready: true, reasons: [] } })!;
    const verifying = pass({ phase: "Approved", conditions: [] }, t0);
    expect(verifying.status.phase).toBe("Verifying");
    const held = pass({ ...verifying.status, disasterRecovery: [drifted] }, t0);
    expect(held.status.phase).toBe("Verifying");
    expect(held.status.message).toMatch(/^waiting for DR consistency before Released/);
    const done = pass({ ...held.status, disasterRecovery: [inSync] }, at(5));
    expect(done.transition).toMatchObject({ from: "Verifying", to: "Released" });
    expect(done.transition!.reason).toContain("Released held for it since");
    // A release that leaves the path to Released while held (here Failed: its Deployment moved on) drops the hold.
    const gone = pass(held.status, at(5));
    expect(gone.status.disasterRecoveryHold).toBeDefined();
    const moved = planRollout({ release: release(held.status, direct), base: held.status, policy: lax, evidence: [signOff], candidate: undefined, stable: undefined, deployments: [view({ releaseLabel: "newer" })], jobs: new Map(), measurements: new Map(), canSign: false, now: at(6), monitoring: { ready: true, reasons: [] } })!;
    expect(moved.status.phase).toBe("Failed");
    expect(moved.status.disasterRecoveryHold).toBeUndefined();
  });
});
