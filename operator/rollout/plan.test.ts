import { describe, expect, it } from "vitest";
import { ReleasePolicy, type Release, type ReleaseEvidence, type ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease, sign } from "../../gates/testkit.js";
import type { Measurement } from "../analysis/run.js";
import type { TrafficObservation } from "../routers/types.js";
import { planRollout, runsSealedImages } from "./plan.js";
import type { JobView, RolloutObserved, RolloutPlan, WorkloadView } from "./types.js";

const t0 = new Date("2026-11-24T12:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const W = "underwriting-api";
const { policy: basePolicy, keys } = examplePolicy();
const policy = ReleasePolicy.parse({
  ...basePolicy,
  spec: {
    ...basePolicy.spec,
    gates: [
      ...basePolicy.spec.gates,
      { name: "verification-sign-off", clause: "4.7 f", phase: "Verification", approvals: { stage: "Verification" } },
      { name: "promotion-sign-off", clause: "4.9", phase: "Promotion", approvals: { stage: "Promotion" } },
    ],
  },
});

function release(status: ReleaseStatus | undefined, mutate?: (r: Release) => void): Release {
  const r = exampleRelease();
  r.metadata.generation = 2;
  r.metadata.uid = "uid-1";
  r.status = status;
  mutate?.(r);
  return r;
}
const image = (r: Release) => `${r.spec.images[0]!.name}@${r.spec.images[0]!.digest}`;

function candidate(o: Partial<WorkloadView> = {}): WorkloadView {
  return { name: "underwriting-api", generation: 2, observedGeneration: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, statusReplicas: 3, templateHash: "new", podTemplateHash: "cand123", releaseLabel: "underwriting-api-2-4-1", images: [image(exampleRelease())], ...o };
}
function stable(o: Partial<WorkloadView> = {}): WorkloadView {
  return { ...candidate(), name: "underwriting-api-stable", templateHash: "old", podTemplateHash: "stab456", releaseLabel: "underwriting-api-2-4-0", ...o };
}
const traffic = (weight: number, verification = false, settled = true): TrafficObservation => ({ weight, verification, settled });

interface Obs {
  status: ReleaseStatus;
  controllers?: RolloutObserved["controllers"];
  now?: Date;
  candidate?: WorkloadView | undefined;
  stable?: WorkloadView | undefined;
  traffic?: TrafficObservation | undefined;
  jobs?: JobView[];
  evidence?: ReleaseEvidence[];
  measurements?: [string, Measurement][];
  candidatePods?: number;
  mutate?: (r: Release) => void;
  noCandidate?: boolean;
  noStable?: boolean;
  trafficError?: string;
  actionError?: string;
  /** A release without a strategy: its Deployments. */
  deployments?: WorkloadView[];
  /** The monitoring check (4.7 b); default: in place. null: not taken this pass. */
  monitoring?: { ready: boolean; reasons: string[] } | null;
  verificationExposed?: string;
  /** The policy in force; default: the example policy. */
  policy?: typeof policy.spec;
}
function plan(o: Obs): RolloutPlan | undefined {
  const r = release(o.status, o.mutate);
  const observed: RolloutObserved = {
    release: r,
    base: o.status,
    policy: o.policy ?? policy.spec,
    evidence: o.evidence ?? [],
    candidate: o.noCandidate ? undefined : (o.candidate ?? candidate()),
    stable: o.noStable ? undefined : (o.stable ?? stable()),
    traffic: o.traffic,
    ...(o.trafficError ? { trafficError: o.trafficError } : {}),
    ...(o.actionError ? { actionError: o.actionError } : {}),
    ...(o.deployments ? { deployments: o.deployments } : {}),
    ...(o.controllers ? { controllers: o.controllers } : {}),
    jobs: new Map((o.jobs ?? []).map((j) => [j.name, j])),
    candidatePods: o.candidatePods,
    measurements: new Map(o.measurements ?? []),
    canSign: false,
    now: o.now ?? t0,
    ...(o.verificationExposed ? { verificationExposed: o.verificationExposed } : {}),
    ...(o.monitoring === null ? {} : { monitoring: o.monitoring ?? { ready: true, reasons: [] } }),
  };
  return planRollout(observed);
}
function must(p: RolloutPlan | undefined): RolloutPlan {
  expect(p).toBeDefined();
  return p!;
}
const approved: ReleaseStatus = { phase: "Approved", conditions: [] };
/** The example tolerates one failed error-rate measurement; these tests want none. */
const strict = (r: Release) => (r.spec.strategy!.analysis!.metrics = r.spec.strategy!.analysis!.metrics.map((m) => ({ ...m, failureLimit: 0 })));

describe("runsSealedImages", () => {
  const r = exampleRelease();
  it.each([
    [[image(r)], true],
    [[`${r.spec.images[0]!.name}:2.4.1@${r.spec.images[0]!.digest}`], true],
    [[`${r.spec.images[0]!.name}:2.4.1`], false],
    [[`${r.spec.images[0]!.name}@sha256:${"0".repeat(64)}`], false],
    [[], false],
  ])("%j → %s", (images, expected) => expect(runsSealedImages(images, r.spec.images)).toBe(expected));
});

describe("planRollout: starting", () => {
  it("does nothing until the Deployment runs this release's sealed images", () => {
    expect(plan({ status: approved, candidate: candidate({ releaseLabel: "other" }) })).toBeUndefined();
    expect(plan({ status: approved, candidate: candidate({ images: ["registry.example.com/insurance/underwriting-api:latest"] }) })).toBeUndefined();
    expect(plan({ status: approved, noCandidate: true })).toBeUndefined();
  });

  it("initialises the first release of a workload: the current template becomes stable, then Released", () => {
    const first = must(plan({ status: approved, noStable: true }));
    expect(first.transition).toMatchObject({ from: "Approved", to: "Progressing" });
    expect(first.status.canary).toMatchObject({ initialising: true, workload: "underwriting-api", weight: 0 });
    const creating = must(plan({ status: first.status, noStable: true }));
    expect(creating.actions).toEqual([{ type: "ensureServices", workload: W }, { type: "ensureStable", workload: W, replicas: 3 }]);
    expect(creating.status.message).toMatch(/initialising: the stable copy underwriting-api-stable is being created/);
    const ready = must(plan({ status: first.status, stable: stable({ templateHash: "new" }), traffic: traffic(0) }));
    expect(ready.transition).toMatchObject({ to: "Released" });
    expect(ready.actions).toContainEqual({ type: "recordInventory", workload: W, how: "initialised" });
    expect(ready.status.canary?.stableTemplateHash).toBe("new");
    expect(ready.status.releasedAt).toBe(t0.toISOString());
  });

  it("initialises behind a route golive had to move off <service>: the Deployment keeps its pods scaleDownDelay after the route settled", () => {
    const first = must(plan({ status: approved, noStable: true }));
    const s = stable({ templateHash: "new" });
    // The route still sends ordinary traffic to <service>: golive moves it (route action), the Deployment keeps running.
    const moving = must(plan({ status: first.status, stable: s, traffic: { weight: 0, verification: false, settled: false } }));
    expect(moving.actions).toContainEqual({ type: "route", workload: W, weight: 0, verification: false });
    expect(moving.status.canary?.routeMovedToStable).toEqual({});
    // Seen settled: not Released (which scales the Deployment to 0) until the delay is over.
    const settled = must(plan({ status: moving.status, now: at(2), stable: s, traffic: traffic(0) }));
    expect(settled.transition).toBeUndefined();
    expect(settled.status.canary?.routeMovedToStable).toEqual({ settledAt: at(2).toISOString() });
    expect(settled.status.message).toMatch(/initialising: all traffic on the stable copies; Deployment underwriting-api keeps the candidate's pods 30 s more while the router finishes switching, then scales to 0 \(trafficRouting.scaleDownDelay\)/);
    expect(settled.requeueAfterMs).toBe(30_000);
    expect(settled.actions.some((a) => a.type === "scaleCandidate" || a.type === "recordInventory")).toBe(false);
    const still = must(plan({ status: settled.status, now: at(31), stable: s, traffic: traffic(0) }));
    expect(still.transition).toBeUndefined();
    expect(still.status.canary?.routeMovedToStable?.settledAt).toBe(at(2).toISOString());
    const done = must(plan({ status: still.status, now: at(32), stable: s, traffic: traffic(0) }));
    expect(done.transition).toMatchObject({ to: "Released" });
    expect(done.status.canary?.routeMovedToStable).toBeUndefined();
    // A route already on <service>-stable (nothing moved) waits for nothing: the test above.
    // By replica ratio there is no route to switch: no wait either.
    const ratio = (r: Release) => delete r.spec.strategy!.trafficRouting.gatewayAPI;
    const rFirst = must(plan({ status: approved, noStable: true, mutate: ratio }));
    const rMoving = must(plan({ status: rFirst.status, stable: s, traffic: { weight: 0, verification: false, settled: false }, mutate: ratio }));
    expect(rMoving.status.canary?.routeMovedToStable).toBeUndefined();
  });

  it("goes Verifying with weight 0 and verification-only access when a stable copy exists", () => {
    const p = must(plan({ status: approved }));
    expect(p.transition).toMatchObject({ from: "Approved", to: "Verifying" });
    expect(p.status.canary).toMatchObject({ stepIndex: 0, weight: 0, candidateTemplateHash: "new", stableTemplateHash: "old", stablePodTemplateHash: "stab456" });
    expect(p.status.verification?.jobs).toEqual([{ name: "quote-smoke", job: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Pending" }]);
    expect(p.actions).toEqual([{ type: "ensureServices", workload: W }, { type: "route", workload: W, weight: 0, verification: true }]);
    expect(p.status.conditions?.find((c) => c.type === "Verified")?.status).toBe("Unknown");
  });

  it("waits while another release rolls out the same Deployment", () => {
    const r = release(approved);
    const p = planRollout({ release: r, base: approved, policy: policy.spec, evidence: [], candidate: candidate(), stable: stable(), jobs: new Map(), measurements: new Map(), otherActive: "underwriting-api-2-4-0", canSign: false, now: t0 });
    expect(p?.status.phase).toBe("Approved");
    expect(p?.status.message).toMatch(/waiting for release underwriting-api-2-4-0/);
  });

  it("releases at once when the stable copy already runs the template", () => {
    const p = must(plan({ status: approved, stable: stable({ templateHash: "new" }) }));
    expect(p.transition?.to).toBe("Released");
    expect(p.actions).toContainEqual({ type: "recordInventory", workload: W, how: "unchanged" });
  });
});

describe("planRollout: verification (4.6 c,d, 4.7)", () => {
  const verifying = must(plan({ status: approved })).status;

  it("waits for the candidate, and rolls back when it is not ready within the deadline", () => {
    const waiting = must(plan({ status: verifying, candidate: candidate({ availableReplicas: 1, updatedReplicas: 1 }), traffic: traffic(0, true) }));
    expect(waiting.status.message).toMatch(/waiting for the pods of underwriting-api to be available \(1\/3\)/);
    const late = must(plan({ status: verifying, now: at(16 * 60), candidate: candidate({ availableReplicas: 1 }), traffic: traffic(0, true) }));
    expect(late.transition?.to).toBe("RollingBack");
    expect(late.status.rollback?.trigger).toBe("ProgressDeadlineExceeded");
  });

  it("holds verification while another NetworkPolicy opens the pods it reaches (4.6 c): no Job, and a sign-off does not pass it", () => {
    const exposed = "4.6 c: NetworkPolicy front-door also selects the pods verification reaches for Deployment underwriting-api";
    const held = must(plan({ status: verifying, traffic: traffic(0, true), verificationExposed: exposed }));
    expect(held.actions.some((a) => a.type === "createJob")).toBe(false);
    expect(held.status.message).toBe(`verification held: ${exposed}`);
    const signOff = sign(release(held.status), "Approval", keys.owner, { approval: { stage: "Verification", role: "business-owner" } }, at(6).toISOString());
    const still = must(plan({ status: held.status, now: at(7), traffic: traffic(0, true), jobs: [{ name: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Succeeded" }], evidence: [signOff], verificationExposed: exposed }));
    expect(still.transition).toBeUndefined();
    expect(still.status.phase).toBe("Verifying");
    const freed = must(plan({ status: held.status, now: at(8), traffic: traffic(0, true) }));
    expect(freed.actions).toContainEqual({ type: "createJob", purpose: "verify", name: "quote-smoke", job: "underwriting-api-2-4-1-verify-quote-smoke" });
  });

  it("only warns about an exposed verification when the policy says Warn (safeguards.verificationExposure): the Jobs run and the sign-off passes", () => {
    const exposed = "4.6 c: NetworkPolicy scrape-all also selects the pods verification reaches for Deployment underwriting-api";
    const warnOnly = { ...policy.spec, safeguards: { ...policy.spec.safeguards, verificationExposure: "Warn" as const } };
    const running = must(plan({ status: verifying, traffic: traffic(0, true), verificationExposed: exposed, policy: warnOnly }));
    expect(running.actions).toContainEqual({ type: "createJob", purpose: "verify", name: "quote-smoke", job: "underwriting-api-2-4-1-verify-quote-smoke" });
    expect(running.status.message).not.toMatch(/verification held/);
    const signOff = sign(release(running.status), "Approval", keys.owner, { approval: { stage: "Verification", role: "business-owner" } }, at(6).toISOString());
    const passed = must(plan({ status: running.status, now: at(7), traffic: traffic(0, true), jobs: [{ name: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Succeeded" }], evidence: [signOff], verificationExposed: exposed, policy: warnOnly }));
    expect(passed.transition).toMatchObject({ from: "Verifying", to: "CleaningUp" });
    // Hold, spelled out, is the default.
    const hold = { ...policy.spec, safeguards: { ...policy.spec.safeguards, verificationExposure: "Hold" as const } };
    expect(must(plan({ status: verifying, traffic: traffic(0, true), verificationExposed: exposed, policy: hold })).status.message).toBe(`verification held: ${exposed}`);
  });

  it("runs the verification Jobs once access is in place, then waits for the Verification sign-off", () => {
    const noAccess = must(plan({ status: verifying, traffic: traffic(0, false, false) }));
    expect(noAccess.actions.some((a) => a.type === "createJob")).toBe(false);
    const running = must(plan({ status: verifying, traffic: traffic(0, true) }));
    expect(running.actions).toContainEqual({ type: "createJob", purpose: "verify", name: "quote-smoke", job: "underwriting-api-2-4-1-verify-quote-smoke" });
    expect(running.status.verification?.jobs[0]).toMatchObject({ phase: "Running", startedAt: t0.toISOString() });
    const done = must(plan({ status: running.status, traffic: traffic(0, true), jobs: [{ name: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Succeeded", finishedAt: at(5).toISOString() }] }));
    expect(done.status.phase).toBe("Verifying");
    expect(done.status.message).toMatch(/waiting for Verification gate verification-sign-off \(Pending\): waiting for Verification approval by business-owner/);
    const r = release(done.status);
    const signOff = sign(r, "Approval", keys.owner, { approval: { stage: "Verification", role: "business-owner" } }, at(6).toISOString());
    const passed = must(plan({ status: done.status, now: at(7), traffic: traffic(0, true), jobs: [{ name: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Succeeded" }], evidence: [signOff] }));
    expect(passed.transition).toMatchObject({ from: "Verifying", to: "CleaningUp" });
    expect(passed.status.verification?.gates.find((g) => g.name === "verification-sign-off")?.status).toBe("Passed");
    expect(passed.status.verification?.cleanup).toMatchObject({ name: "purge-verification-policies", phase: "Pending" });
    expect(passed.actions).toEqual([{ type: "ensureServices", workload: W }, { type: "route", workload: W, weight: 0, verification: false }]);
    expect(passed.status.conditions?.find((c) => c.type === "Verified")?.status).toBe("True");
  });

  it("rolls back when a verification Job fails, traffic first", () => {
    const running = must(plan({ status: verifying, traffic: traffic(0, true) }));
    const failed = must(plan({ status: running.status, traffic: traffic(0, true), jobs: [{ name: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Failed", reason: "BackoffLimitExceeded: Job has reached the specified backoff limit" }] }));
    expect(failed.transition?.to).toBe("RollingBack");
    expect(failed.status.rollback).toMatchObject({ trigger: "VerificationFailed", reason: expect.stringMatching(/verification Job quote-smoke failed: BackoffLimitExceeded/) });
    // Behind the HTTPRoute the candidate keeps its pods until the gateway has switched (scaleDownDelay).
    expect(failed.actions).toEqual([{ type: "route", workload: W, weight: 0, verification: false }]);
    expect(failed.status.conditions?.find((c) => c.type === "Verified")?.status).toBe("False");
  });

  it("cleans up only after verification access is closed, then opens the first step", () => {
    const cleaning: ReleaseStatus = { ...verifying, phase: "CleaningUp", verification: { ...verifying.verification!, passedAt: t0.toISOString(), cleanup: { name: "purge-verification-policies", job: "underwriting-api-2-4-1-cleanup-purge-verification-policies", phase: "Pending" } } };
    const closing = must(plan({ status: cleaning, traffic: traffic(0, true, false) }));
    expect(closing.actions.some((a) => a.type === "createJob")).toBe(false);
    const started = must(plan({ status: cleaning, traffic: traffic(0) }));
    expect(started.actions).toContainEqual({ type: "createJob", purpose: "cleanup", name: "purge-verification-policies", job: "underwriting-api-2-4-1-cleanup-purge-verification-policies" });
    const done = must(plan({ status: started.status, traffic: traffic(0), jobs: [{ name: "underwriting-api-2-4-1-cleanup-purge-verification-policies", phase: "Succeeded" }] }));
    expect(done.transition).toMatchObject({ from: "CleaningUp", to: "Progressing" });
    expect(done.status.canary).toMatchObject({ stepIndex: 0, stepName: "first-slice", weight: 0, stepStartedAt: t0.toISOString() });
  });
});

function progressingAt(stepIndex: number, weight: number, extra: Partial<ReleaseStatus> = {}): ReleaseStatus {
  const steps = exampleRelease().spec.strategy!.steps;
  return { ...must(plan({ status: approved })).status, phase: "Progressing", canary: { stepIndex, weight, stepStartedAt: t0.toISOString(), stepName: steps[stepIndex]?.name, workload: "underwriting-api", startedAt: t0.toISOString(), candidateTemplateHash: "new", stableTemplateHash: "old", candidatePodTemplateHash: "cand123", stablePodTemplateHash: "stab456" }, ...extra };
}

describe("planRollout: canary steps (4.8)", () => {
  it("sets a weight, waits for the router, then moves on", () => {
    const set = must(plan({ status: progressingAt(0, 0), traffic: traffic(0) }));
    expect(set.status.canary?.weight).toBe(10);
    expect(set.actions).toContainEqual({ type: "route", workload: W, weight: 10, verification: false });
    const waiting = must(plan({ status: set.status, traffic: traffic(0, false, false) }));
    expect(waiting.status.canary?.stepIndex).toBe(0);
    const next = must(plan({ status: set.status, now: at(1), traffic: traffic(10) }));
    expect(next.status.canary).toMatchObject({ stepIndex: 1, stepName: "watch-first-slice", stepStartedAt: at(1).toISOString() });
    expect(next.events[0]).toMatchObject({ reason: "StepCompleted" });
  });

  it("rolls back a setWeight step the router cannot complete within the deadline", () => {
    const p = must(plan({ status: progressingAt(0, 10), now: at(16 * 60), traffic: traffic(0, false, false) }));
    expect(p.status.rollback?.trigger).toBe("ProgressDeadlineExceeded");
  });

  it("analyses each metric every interval and succeeds", () => {
    const start = must(plan({ status: progressingAt(1, 10), traffic: traffic(10) }));
    expect(start.status.analysis?.[0]).toMatchObject({ step: "watch-first-slice", phase: "Running" });
    expect(start.requeueAfterMs).toBe(0);
    let s = start.status;
    for (let i = 0; i < 6; i++) {
      const p = must(plan({ status: s, now: at(i * 30), traffic: traffic(10), measurements: [["error-rate", { at: at(i * 30), value: 0.001 }], ["p95-latency", { at: at(i * 30), value: 0.1 }]] }));
      s = p.status;
      if (i < 5) expect(p.requeueAfterMs).toBe(30_000);
    }
    expect(s.analysis?.[0]?.phase).toBe("Successful");
    expect(s.canary?.stepIndex).toBe(2);
  });

  it("rolls back at once on a failed measurement, recording when it was taken", () => {
    const start = must(plan({ status: progressingAt(1, 10), traffic: traffic(10) }));
    const p = must(plan({ status: start.status, now: at(1), traffic: traffic(10), mutate: strict, measurements: [["error-rate", { at: at(0.5), value: 0.2 }]] }));
    expect(p.transition).toMatchObject({ from: "Progressing", to: "RollingBack", details: { trigger: "AnalysisFailed", decidedAt: at(0.5).toISOString() } });
    expect(p.status.rollback).toMatchObject({ trigger: "AnalysisFailed", decidedAt: at(0.5).toISOString(), reason: expect.stringMatching(/error-rate = 0.2 meets the failure condition "result >= 0.05"/) });
    expect(p.status.canary?.weight).toBe(0);
    expect(p.actions[0]).toEqual({ type: "route", workload: W, weight: 0, verification: false });
    expect(p.events[0]).toMatchObject({ type: "Warning", reason: "RollingBack" });
  });

  it("tells a measurement error apart from a bad value", () => {
    let s = must(plan({ status: progressingAt(1, 10), traffic: traffic(10) })).status;
    for (let i = 0; i <= 4; i++) s = must(plan({ status: s, now: at(i * 30), traffic: traffic(10), measurements: [["error-rate", { at: at(i * 30), error: "Unreachable: Prometheus at http://prometheus.monitoring:9090 is unreachable: ECONNREFUSED" }]] })).status;
    expect(s.phase).toBe("RollingBack");
    expect(s.rollback).toMatchObject({ trigger: "AnalysisError", reason: expect.stringMatching(/could not measure: error-rate: 5 measurement\(s\) in a row could not be taken \(limit 4\): Unreachable/) });
  });

  it("pauses on an inconclusive analysis until a person promotes", () => {
    const inconclusive = (r: Release) => (r.spec.strategy!.analysis!.metrics = r.spec.strategy!.analysis!.metrics.map((m) => ({ ...m, count: 1 })));
    let s = must(plan({ status: progressingAt(1, 10), traffic: traffic(10), mutate: inconclusive })).status;
    s = must(plan({ status: s, now: at(1), traffic: traffic(10), mutate: inconclusive, measurements: [["error-rate", { at: at(1), value: 0.02 }], ["p95-latency", { at: at(1), value: 0.1 }]] })).status;
    expect(s.canary?.pause).toMatchObject({ reason: "Inconclusive" });
    expect(s.message).toMatch(/analysis inconclusive .* golive promote underwriting-api-2-4-1 to continue/);
    const ok = sign(release(s, inconclusive), "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" } }, at(2).toISOString());
    const p = must(plan({ status: s, now: at(3), traffic: traffic(10), mutate: inconclusive, evidence: [ok] }));
    expect(p.status.canary?.stepIndex).toBe(2);
    expect(p.status.canary?.pause).toBeUndefined();
  });

  it("waits at a pause without duration for a Promotion approval by a role with Promote", () => {
    const paused = must(plan({ status: progressingAt(4, 50), traffic: traffic(50) }));
    expect(paused.status.canary?.pause).toEqual({ reason: "Approval", since: t0.toISOString() });
    expect(paused.status.message).toMatch(/paused at 50% until a role with the Promote permission signs a Promotion approval/);
    const r = release(paused.status);
    const early = sign(r, "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" } }, at(-60).toISOString());
    const wrongRole = sign(r, "Approval", keys.owner, { approval: { stage: "Promotion", role: "business-owner" } }, at(5).toISOString());
    expect(must(plan({ status: paused.status, now: at(10), traffic: traffic(50), evidence: [early, wrongRole] })).status.canary?.stepIndex).toBe(4);
    const named = sign(r, "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" }, summary: { pause: `business-sign-off@${t0.toISOString()}` } }, at(-30).toISOString());
    const go = must(plan({ status: paused.status, now: at(10), traffic: traffic(50), evidence: [early, wrongRole, named] }));
    expect(go.status.canary?.stepIndex).toBe(5);
    expect(go.events[0]?.message).toMatch(/approved by release-manager in role release-manager/);
  });

  it("waits out a timed pause and asks to come back when it ends", () => {
    const p = must(plan({ status: progressingAt(1, 10), traffic: traffic(10), mutate: (r) => (r.spec.strategy!.steps[1] = { name: "watch-first-slice", pause: { duration: "2m" } }) }));
    expect(p.requeueAfterMs).toBe(120_000);
    const later = must(plan({ status: progressingAt(1, 10), now: at(120), traffic: traffic(10), mutate: (r) => (r.spec.strategy!.steps[1] = { name: "watch-first-slice", pause: { duration: "2m" } }) }));
    expect(later.status.canary?.stepIndex).toBe(2);
  });

  it("rolls back on a signed abort by a role with Abort, and ignores one without", () => {
    const s = progressingAt(2, 50);
    const r = release(s);
    const notAllowed = sign(r, "Approval", keys.owner, { summary: { decision: "Abort", role: "business-owner" } }, at(1).toISOString());
    expect(must(plan({ status: s, now: at(2), traffic: traffic(50), evidence: [notAllowed] })).status.phase).toBe("Progressing");
    const abort = sign(r, "Approval", keys.manager, { summary: { decision: "Abort", role: "release-manager", reason: "customer complaints" } }, at(1).toISOString());
    const p = must(plan({ status: s, now: at(2), traffic: traffic(50), evidence: [abort] }));
    expect(p.status.rollback).toMatchObject({ trigger: "Aborted", reason: "aborted by release-manager in role release-manager: customer complaints", abortedBy: expect.stringMatching(/^release-manager \(release-manager\), evidence /) });
  });

  it("stops, with traffic on stable, when the Deployment's template changes mid-rollout", () => {
    const p = must(plan({ status: progressingAt(2, 50), candidate: candidate({ templateHash: "other", releaseLabel: "underwriting-api-2-4-2" }), traffic: traffic(50) }));
    expect(p.transition?.to).toBe("Failed");
    expect(p.status.message).toMatch(/changed during the rollout \(it now belongs to release underwriting-api-2-4-2\)/);
    expect(p.actions).toEqual([{ type: "route", workload: W, weight: 0, verification: false }]);
  });

  it("with automatic rollback off, a failed analysis stops in Failed and leaves traffic for a person", () => {
    const manual = (r: Release) => {
      strict(r);
      r.spec.rollback.automatic = false;
    };
    const start = must(plan({ status: progressingAt(1, 10), traffic: traffic(10), mutate: manual }));
    const p = must(plan({ status: start.status, now: at(1), traffic: traffic(10), mutate: manual, measurements: [["error-rate", { at: at(1), value: 0.5 }]] }));
    expect(p.transition?.to).toBe("Failed");
    expect(p.status.canary?.weight).toBe(10);
    expect(p.actions).toEqual([]);
    const abort = sign(release(p.status, manual), "Approval", keys.manager, { summary: { decision: "Abort", role: "release-manager" } }, at(2).toISOString());
    const rolled = must(plan({ status: p.status, now: at(3), evidence: [abort], mutate: manual }));
    expect(rolled.transition).toMatchObject({ from: "Failed", to: "RollingBack" });
  });
});

describe("planRollout: promotion (4.9) and rollback (4.10)", () => {
  it("promotes after the Promotion gates: stable takes the template, then traffic returns to it", () => {
    const s = progressingAt(6, 100);
    const waiting = must(plan({ status: s, traffic: traffic(100) }));
    expect(waiting.status.message).toMatch(/waiting for Promotion gate promotion-sign-off/);
    const ok = sign(release(s), "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" } }, at(1).toISOString());
    const promoting = must(plan({ status: s, now: at(2), traffic: traffic(100), evidence: [ok] }));
    expect(promoting.status.promotion?.startedAt).toBe(at(2).toISOString());
    expect(promoting.actions).toEqual([{ type: "ensureServices", workload: W }, { type: "ensureStable", workload: W, replicas: 3 }]);
    const stableReady = must(plan({ status: promoting.status, now: at(3), stable: stable({ templateHash: "new" }), traffic: traffic(100), evidence: [ok] }));
    expect(stableReady.status.canary?.weight).toBe(0);
    expect(stableReady.actions).toContainEqual({ type: "route", workload: W, weight: 0, verification: false });
    // All traffic on the updated stable copy: the user's Deployment keeps its pods 30 s
    // (trafficRouting.scaleDownDelay's default) while the gateway applies the route.
    const promoted = must(plan({ status: stableReady.status, now: at(4), stable: stable({ templateHash: "new", podTemplateHash: "newstab" }), traffic: traffic(0), evidence: [ok] }));
    expect(promoted.transition).toBeUndefined();
    expect(promoted.status.promotion?.promotedAt).toBe(at(4).toISOString());
    expect(promoted.status.message).toMatch(/promoted: all traffic on the updated stable copies; Deployment underwriting-api keeps the candidate's pods 30 s more while the router finishes switching/);
    expect(promoted.requeueAfterMs).toBe(30_000);
    expect(promoted.actions).not.toContainEqual(expect.objectContaining({ type: "scaleCandidate" }));
    const done = must(plan({ status: promoted.status, now: at(34), stable: stable({ templateHash: "new", podTemplateHash: "newstab" }), traffic: traffic(0), evidence: [ok] }));
    expect(done.transition).toMatchObject({ from: "Progressing", to: "Released" });
    expect(done.status.canary).toMatchObject({ stableTemplateHash: "new", stablePodTemplateHash: "newstab", weight: 0 });
    expect(done.actions).toContainEqual({ type: "recordInventory", workload: W, how: "promoted" });
    // Behind the HTTPRoute the promoted stable copy serves all: the user's Deployment, running the
    // same template, is scaled to 0 rather than doubling the pods.
    expect(done.actions).toContainEqual({ type: "scaleCandidate", workload: W, replicas: 0 });
  });

  it("an abort once the promotion began (the stable copy takes the new template, or the candidate keeps its pods for the scale-down delay) stops the rollout as Failed, never a RolledBack", () => {
    const s = progressingAt(6, 100);
    const ok = sign(release(s), "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" } }, at(1).toISOString());
    const promoting = must(plan({ status: s, now: at(2), traffic: traffic(100), evidence: [ok] }));
    const stableReady = must(plan({ status: promoting.status, now: at(3), stable: stable({ templateHash: "new" }), traffic: traffic(100), evidence: [ok] }));
    const promoted = must(plan({ status: stableReady.status, now: at(4), stable: stable({ templateHash: "new", podTemplateHash: "newstab" }), traffic: traffic(0), evidence: [ok] }));
    expect(promoted.status.message).toMatch(/keeps the candidate's pods 30 s more/);
    const abort = sign(release(promoted.status), "Approval", keys.manager, { summary: { decision: "Abort", role: "release-manager", reason: "too late" } }, at(5).toISOString());
    for (const [status, now] of [[promoting.status, at(3)], [promoted.status, at(6)]] as const) {
      const stopped = must(plan({ status, now, stable: stable({ templateHash: "new", podTemplateHash: "newstab" }), traffic: traffic(0), evidence: [ok, abort] }));
      expect(stopped.transition?.to).toBe("Failed");
      expect(stopped.status.rollback).toBeUndefined();
      expect(stopped.status.message).toMatch(/^aborted by release-manager in role release-manager after the promotion began \(.+\): the stable copies already take the new template, so there is no earlier version to roll back to/);
      // Failed stays Failed with the abort still there: no rollback through the updated stable copy.
      const again = must(plan({ status: stopped.status, now: at(7), stable: stable({ templateHash: "new", podTemplateHash: "newstab" }), traffic: traffic(0), evidence: [ok, abort] }));
      expect(again.transition).toBeUndefined();
      expect(again.status.phase).toBe("Failed");
      expect(again.status.rollback).toBeUndefined();
    }
  });

  it("rolls back: traffic first, hooks one by one, candidate gone, verified → RolledBack", () => {
    const start = must(plan({ status: progressingAt(1, 10), traffic: traffic(10) }));
    const rb = must(plan({ status: start.status, now: at(1), traffic: traffic(10), mutate: strict, measurements: [["error-rate", { at: at(1), value: 0.9 }]] })).status;
    const stillRouting = must(plan({ status: rb, now: at(1.1), traffic: traffic(10, false, false), candidatePods: 3 }));
    expect(stillRouting.status.rollback?.trafficOnStableAt).toBeUndefined();
    expect(stillRouting.requeueAfterMs).toBe(100);
    // By replica ratio the Deployments' own events wake the release; the poll is a second.
    const ratio = (r: Release) => {
      strict(r);
      r.spec.strategy!.trafficRouting = { service: "underwriting-api" };
    };
    const stillScaling = must(plan({ status: rb, now: at(1.1), traffic: traffic(10, false, false), candidatePods: 3, mutate: ratio }));
    expect(stillScaling.status.rollback?.trafficOnStableAt).toBeUndefined();
    expect(stillScaling.requeueAfterMs).toBe(1_000);
    const onStable = must(plan({ status: rb, now: at(1.2), traffic: traffic(0), candidate: candidate({ replicas: 0, statusReplicas: 3 }), candidatePods: 3 }));
    expect(onStable.status.rollback?.trafficOnStableAt).toBe(at(1.2).toISOString());
    expect(onStable.actions).toContainEqual({ type: "createJob", purpose: "rollback", name: "compensate-downstream", job: "underwriting-api-2-4-1-rollback-compensate-downstream" });
    expect(onStable.actions).not.toContainEqual(expect.objectContaining({ type: "scaleCandidate" }));
    // Behind the HTTPRoute the candidate keeps its pods 30 s after traffic is on stable: the
    // gateway applies the route moments after golive writes it.
    const hookDone = must(plan({ status: onStable.status, now: at(3), traffic: traffic(0), candidatePods: 3, jobs: [{ name: "underwriting-api-2-4-1-rollback-compensate-downstream", phase: "Succeeded" }] }));
    expect(hookDone.status.phase).toBe("RollingBack");
    expect(hookDone.status.message).toMatch(/Deployment underwriting-api keeps the candidate's pods 29 s more while the router finishes switching, then scales to 0 \(trafficRouting.scaleDownDelay\)/);
    expect(hookDone.requeueAfterMs).toBe(28_200);
    expect(hookDone.actions).not.toContainEqual(expect.objectContaining({ type: "scaleCandidate" }));
    const scaling = must(plan({ status: hookDone.status, now: at(31.2), traffic: traffic(0), candidate: candidate({ replicas: 3, statusReplicas: 3 }), candidatePods: 3 }));
    expect(scaling.actions).toContainEqual({ type: "scaleCandidate", workload: W, replicas: 0 });
    const leaving = must(plan({ status: scaling.status, now: at(32), traffic: traffic(0), candidate: candidate({ replicas: 0, statusReplicas: 1 }), candidatePods: 1 }));
    expect(leaving.status.message).toMatch(/waiting for the candidates. pods to be gone \(underwriting-api: 1 left\)/);
    const gone = must(plan({ status: leaving.status, now: at(33), traffic: traffic(0), candidate: candidate({ replicas: 0, statusReplicas: 0, readyReplicas: 0, availableReplicas: 0, updatedReplicas: 0 }), candidatePods: 0 }));
    expect(gone.transition).toMatchObject({ from: "RollingBack", to: "RolledBack", details: { trigger: "AnalysisFailed", decisionToStableMs: 200 } });
    expect(gone.status.rollback).toMatchObject({ verifiedAt: at(33).toISOString(), candidateGoneAt: at(33).toISOString() });
    expect(gone.status.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");
  });

  it("is Failed when a rollback hook fails, with traffic kept on stable", () => {
    const s: ReleaseStatus = { ...progressingAt(1, 0), phase: "RollingBack", rollback: { trigger: "Aborted", reason: "aborted", decidedAt: t0.toISOString(), startedAt: t0.toISOString(), trafficOnStableAt: t0.toISOString(), hooks: [{ name: "compensate-downstream", job: "underwriting-api-2-4-1-rollback-compensate-downstream", phase: "Running" }] } };
    const p = must(plan({ status: s, traffic: traffic(0), candidatePods: 0, jobs: [{ name: "underwriting-api-2-4-1-rollback-compensate-downstream", phase: "Failed", reason: "DeadlineExceeded" }] }));
    expect(p.transition?.to).toBe("Failed");
    expect(p.status.message).toMatch(/rollback hook compensate-downstream failed: DeadlineExceeded/);
    // Stopped before the scale-down delay was over: Failed plans again then and scales the candidate to 0.
    expect(p.actions).toEqual([{ type: "route", workload: W, weight: 0, verification: false }]);
    const stopped = must(plan({ status: p.status, now: at(1), traffic: traffic(0), candidatePods: 3 }));
    expect(stopped.requeueAfterMs).toBe(29_000);
    expect(stopped.actions).toEqual([{ type: "route", workload: W, weight: 0, verification: false }]);
    const later = must(plan({ status: p.status, now: at(30), traffic: traffic(0), candidatePods: 3 }));
    expect(later.actions).toEqual([{ type: "route", workload: W, weight: 0, verification: false }, { type: "scaleCandidate", workload: W, replicas: 0 }]);
  });
});

describe("planRollout: resuming", () => {
  it.each([
    ["Verifying", () => must(plan({ status: must(plan({ status: approved })).status, traffic: traffic(0, true) })).status],
    ["analysis", () => must(plan({ status: progressingAt(1, 10), traffic: traffic(10) })).status],
    ["pause", () => must(plan({ status: progressingAt(4, 50), traffic: traffic(50) })).status],
  ])("planning again from its own status in %s changes nothing (what a restarted operator does)", (_what, status) => {
    const s = status();
    const again = must(plan({ status: s, now: at(5), traffic: traffic(s.canary?.weight ?? 0, s.phase === "Verifying"), jobs: [{ name: "underwriting-api-2-4-1-verify-quote-smoke", phase: "Running" }] }));
    expect(again.transition).toBeUndefined();
    expect(again.status.canary).toEqual(s.canary);
    expect(again.status.analysis).toEqual(s.analysis);
  });

  it("leaves finished releases alone", () => {
    expect(plan({ status: { phase: "Released" } })).toBeUndefined();
    expect(plan({ status: { phase: "RolledBack" } })).toBeUndefined();
    expect(plan({ status: { phase: "Blocked" } })).toBeUndefined();
  });
});

describe("planRollout: monitoring before Released (4.7 b)", () => {
  const promoting = (): ReleaseStatus => {
    const first = must(plan({ status: approved, noStable: true, monitoring: null }));
    return first.status;
  };

  it("asks for the monitoring check only in a pass that would reach Released, and holds without it", () => {
    const initialising = promoting();
    expect(initialising.phase).toBe("Progressing");
    const before = must(plan({ status: initialising, stable: stable({ templateHash: "new" }), traffic: traffic(0), monitoring: null }));
    expect(before.checkMonitoring).toBe(true);
    expect(before.transition).toBeUndefined();
    expect(before.status.phase).toBe("Progressing");
    expect(before.status.canary?.initialising).toBe(true);
    // Passes that are not about to release never ask.
    expect(must(plan({ status: initialising, stable: stable({ templateHash: "new", availableReplicas: 1 }), traffic: traffic(0), monitoring: null })).checkMonitoring).toBeUndefined();
  });

  it("waits with the reasons while the monitoring is missing, then releases once it is in place", () => {
    const initialising = promoting();
    const reasons = ["Prometheus at http://prometheus:9090 scrapes no target of Release underwriting/underwriting-api-2-4-1", "no Velero Schedule backs up namespace underwriting"];
    const held = must(plan({ status: initialising, stable: stable({ templateHash: "new" }), traffic: traffic(0), monitoring: { ready: false, reasons } }));
    expect(held.transition).toBeUndefined();
    expect(held.status.phase).toBe("Progressing");
    expect(held.status.message).toBe(`waiting for monitoring before Released (4.7 b): ${reasons.join("; ")}`);
    expect(held.status.monitoring).toMatchObject({ ready: false, reasons, checkedAt: t0.toISOString() });
    expect(held.status.conditions?.find((c) => c.type === "MonitoringReady")).toMatchObject({ status: "False", reason: "MonitoringMissing" });
    expect(held.events).toContainEqual(expect.objectContaining({ type: "Warning", reason: "MonitoringNotReady" }));
    expect(held.requeueAfterMs).toBeLessThanOrEqual(10_000);
    // The same reasons a pass later: no new Event, the time they were first seen is kept.
    const again = must(plan({ status: held.status, now: at(10), stable: stable({ templateHash: "new" }), traffic: traffic(0), monitoring: { ready: false, reasons } }));
    expect(again.events).toEqual([]);
    expect(again.status.monitoring?.checkedAt).toBe(t0.toISOString());

    const done = must(plan({ status: again.status, now: at(20), stable: stable({ templateHash: "new" }), traffic: traffic(0), monitoring: { ready: true, reasons: [] } }));
    expect(done.transition).toMatchObject({ from: "Progressing", to: "Released" });
    expect(done.status.canary?.initialising).toBeUndefined();
    expect(done.status.conditions?.find((c) => c.type === "MonitoringReady")).toMatchObject({ status: "True" });
  });

  it("does not check when the policy does not require it", () => {
    const lax = ReleasePolicy.parse({ ...policy, spec: { ...policy.spec, monitoring: { requireReady: false } } });
    const r = release(promoting());
    const p = must(planRollout({ release: r, base: r.status!, policy: lax.spec, evidence: [], candidate: candidate(), stable: stable({ templateHash: "new" }), traffic: traffic(0), jobs: new Map(), measurements: new Map(), canSign: false, now: t0 }));
    expect(p.checkMonitoring).toBeUndefined();
    expect(p.transition?.to).toBe("Released");
  });

  it("keeps the start time of a release held in Approved with nothing to roll out", () => {
    const held = must(plan({ status: approved, stable: stable({ templateHash: "new" }), monitoring: { ready: false, reasons: ["no target"] } }));
    expect(held.status.phase).toBe("Approved");
    const later = must(plan({ status: held.status, now: at(30), stable: stable({ templateHash: "new" }), monitoring: { ready: false, reasons: ["no target"] } }));
    expect(later.status.canary?.startedAt).toBe(t0.toISOString());
    expect(later.transition).toBeUndefined();
  });
});

describe("planRollout: a rollout that cannot proceed (issue 22: Stalled after the progress deadline)", () => {
  const missing = "HTTPRoute team/shop not found (or the Gateway API CRDs are not installed)";
  const shortDeadline = (r: Release) => (r.spec.strategy!.progressDeadline = "20s");
  const cond = (p: RolloutPlan, type: string) => p.status.conditions?.find((c) => c.type === type);
  /** A first release whose stable copy is up, but whose route cannot be read or written. */
  function initialising(): ReleaseStatus {
    const first = must(plan({ status: approved, noStable: true, mutate: shortDeadline }));
    return first.status;
  }

  it("keeps its phase, starts the clock at the first failing pass and looks again when the deadline is due", () => {
    const p = must(plan({ status: initialising(), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    expect(p.status.phase).toBe("Progressing");
    expect(p.status.stall).toEqual({ since: t0.toISOString(), reason: missing });
    expect(p.status.message).toBe(`initialising: cannot route to the stable copy: ${missing}`);
    expect(cond(p, "Ready")).toMatchObject({ status: "True" });
    expect(cond(p, "Stalled")).toMatchObject({ status: "False" });
    expect(p.events).toEqual([]);
    expect(p.requeueAfterMs).toBeLessThanOrEqual(5_000);
  });

  it("past the deadline: Stalled=True (ProgressDeadlineExceeded, naming the error), Ready=False, one Warning Event", () => {
    const first = must(plan({ status: initialising(), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    const before = must(plan({ status: first.status, now: at(19), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    expect(cond(before, "Stalled")?.status).toBe("False");
    expect(before.requeueAfterMs).toBeLessThanOrEqual(1_001);
    const stalled = must(plan({ status: before.status, now: at(21), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    expect(stalled.status.phase).toBe("Progressing");
    expect(stalled.transition).toBeUndefined();
    expect(stalled.status.stall).toEqual({ since: t0.toISOString(), reason: missing, stalledAt: at(21).toISOString() });
    const message = `Progressing stalled: no progress within the progress deadline of 20s (since ${t0.toISOString()}): ${missing}. golive keeps retrying and continues once this is fixed; golive abort underwriting-api-2-4-1 rolls back`;
    expect(stalled.status.message).toBe(message);
    expect(cond(stalled, "Stalled")).toMatchObject({ status: "True", reason: "ProgressDeadlineExceeded", message });
    expect(cond(stalled, "Ready")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
    expect(cond(stalled, "Reconciling")).toMatchObject({ status: "False" });
    expect(stalled.events).toEqual([{ type: "Warning", reason: "ProgressDeadlineExceeded", message }]);
    // Every retry of the same failure: the same status, no further Event.
    for (const s of [30, 60, 600]) {
      const again = must(plan({ status: stalled.status, now: at(s), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
      expect(again.events).toEqual([]);
      expect(again.status).toEqual(stalled.status);
    }
  });

  it("an action that keeps failing (not the route observation) stalls the same way", () => {
    const verifying = must(plan({ status: approved, mutate: shortDeadline }));
    const error = "Service team/shop (spec.strategy.trafficRouting.service) not found";
    const a = must(plan({ status: verifying.status, actionError: error, traffic: traffic(0, false, false), mutate: shortDeadline }));
    expect(a.status.stall?.since).toBe(t0.toISOString());
    const b = must(plan({ status: a.status, now: at(25), actionError: error, traffic: traffic(0, false, false), mutate: shortDeadline }));
    expect(b.status.phase).toBe("Verifying");
    expect(cond(b, "Stalled")).toMatchObject({ status: "True", reason: "ProgressDeadlineExceeded" });
    expect(b.status.message).toContain(error);
  });

  it("continues by itself once the cause is fixed: the stall is cleared and Ready again", () => {
    const first = must(plan({ status: initialising(), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    const stalled = must(plan({ status: first.status, now: at(21), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    const fixed = must(plan({ status: stalled.status, now: at(40), stable: stable({ templateHash: "new" }), traffic: traffic(0), mutate: shortDeadline }));
    expect(fixed.transition).toMatchObject({ to: "Released" });
    expect(fixed.status.stall).toBeUndefined();
    expect(cond(fixed, "Stalled")?.status).toBe("False");
    expect(cond(fixed, "Ready")?.status).toBe("True");
  });

  it("a pass that can act in between restarts the clock", () => {
    const first = must(plan({ status: initialising(), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    const ok = must(plan({ status: first.status, now: at(10), stable: stable({ templateHash: "new" }), traffic: traffic(0, false, false), mutate: shortDeadline }));
    expect(ok.status.stall).toBeUndefined();
    const again = must(plan({ status: ok.status, now: at(25), stable: stable({ templateHash: "new" }), trafficError: missing, mutate: shortDeadline }));
    expect(again.status.stall?.since).toBe(at(25).toISOString());
    expect(cond(again, "Stalled")?.status).toBe("False");
  });
});

describe("planRollout: a release without spec.strategy (issue 15)", () => {
  const direct = (r: Release) => {
    delete r.spec.strategy;
    r.spec.workloads.push({ kind: "Deployment", name: "underwriting-worker" }, { kind: "CronJob", name: "nightly" });
  };
  const api = (o: Partial<WorkloadView> = {}) => candidate(o);
  const worker = (o: Partial<WorkloadView> = {}) => candidate({ name: "underwriting-worker", ...o });

  it("stays Approved until every Deployment it lists runs it", () => {
    expect(plan({ status: approved, mutate: direct, deployments: [api()] })).toBeUndefined();
    expect(plan({ status: approved, mutate: direct, deployments: [api(), worker({ releaseLabel: "older" })] })).toBeUndefined();
  });

  it("goes Verifying, waits for the Deployments to be available, then for the Verification gates", () => {
    const start = must(plan({ status: approved, mutate: direct, deployments: [api(), worker({ availableReplicas: 1 })] }));
    expect(start.transition).toMatchObject({ from: "Approved", to: "Verifying" });
    expect(start.transition!.reason).toContain("no spec.strategy: the workloads run as applied, with no canary");
    expect(start.transition!.reason).toContain("CronJob/nightly: not observed, only through the monitoring check");
    expect(start.actions).toEqual([]);
    const waiting = must(plan({ status: start.status, mutate: direct, deployments: [api(), worker({ availableReplicas: 1 })] }));
    expect(waiting.status.message).toBe("no spec.strategy: waiting for Deployment underwriting-worker to be available (1/3)");
    expect(waiting.actions).toEqual([]);
    const gates = must(plan({ status: waiting.status, mutate: direct, deployments: [api(), worker()] }));
    expect(gates.status.phase).toBe("Verifying");
    expect(gates.status.message).toMatch(/^no spec.strategy: workloads available; waiting for Verification gate verification-sign-off \(Pending\)/);
  });

  it("reaches Released through the monitoring check, with the inventory (how: applied), and no router or stable copy", () => {
    const start = must(plan({ status: approved, mutate: direct, deployments: [api(), worker()] }));
    const r = release(undefined, direct);
    const signOff = sign(r, "Approval", keys.owner, { approval: { stage: "Verification", role: "business-owner" } }, t0.toISOString());
    const monitoringFirst = must(plan({ status: start.status, mutate: direct, deployments: [api(), worker()], evidence: [signOff], monitoring: null }));
    expect(monitoringFirst.checkMonitoring).toBe(true);
    const notReady = must(plan({ status: start.status, mutate: direct, deployments: [api(), worker()], evidence: [signOff], monitoring: { ready: false, reasons: ["no scrape target is up"] } }));
    expect(notReady.status.phase).toBe("Verifying");
    expect(notReady.status.message).toContain("waiting for monitoring before Released (4.7 b): no scrape target is up");
    const done = must(plan({ status: start.status, mutate: direct, deployments: [api(), worker()], evidence: [signOff] }));
    expect(done.transition).toMatchObject({ from: "Verifying", to: "Released" });
    expect(done.actions).toEqual([{ type: "recordInventory", workload: W, how: "applied" }]);
    expect(done.status.inventory).toEqual({ configMap: "golive-inventory", key: "underwriting-api", recordedAt: t0.toISOString() });
    expect(done.status.conditions?.find((c) => c.type === "Verified")).toMatchObject({ status: "True" });
    expect(done.status.canary).toBeUndefined();
  });

  it("is Failed, saying why, when a Deployment is not available within 10 minutes or stops running it", () => {
    const start = must(plan({ status: approved, mutate: direct, deployments: [api(), worker({ availableReplicas: 0 })] }));
    const late = must(plan({ status: start.status, now: at(601), mutate: direct, deployments: [api(), worker({ availableReplicas: 0 })] }));
    expect(late.transition).toMatchObject({ to: "Failed" });
    expect(late.status.message).toMatch(/Deployment underwriting-worker not available within 10m \(no spec.strategy: there is no stable copy/);
    const moved = must(plan({ status: start.status, mutate: direct, deployments: [api(), worker({ releaseLabel: "newer" })] }));
    expect(moved.transition).toMatchObject({ to: "Failed" });
    expect(moved.status.message).toMatch(/Deployment underwriting-worker no longer runs release underwriting-api-2-4-1/);
  });

  it("waits for the StatefulSets and DaemonSets it lists as for its Deployments: running it, then available, else Failed at the deadline", () => {
    const stateful = (r: Release) => {
      delete r.spec.strategy;
      r.spec.workloads = [{ kind: "StatefulSet", name: "ledger" }, { kind: "DaemonSet", name: "agent" }];
    };
    const sts = (o: Partial<WorkloadView> = {}) => ({ ...candidate({ name: "ledger", ...o }), kind: "StatefulSet" as const });
    const ds = (o: Partial<WorkloadView> = {}) => ({ ...candidate({ name: "agent", ...o }), kind: "DaemonSet" as const });
    expect(plan({ status: approved, mutate: stateful, deployments: [], controllers: [sts()] })).toBeUndefined();
    expect(plan({ status: approved, mutate: stateful, deployments: [], controllers: [sts(), ds({ releaseLabel: "older" })] })).toBeUndefined();
    const start = must(plan({ status: approved, mutate: stateful, deployments: [], controllers: [sts(), ds({ availableReplicas: 1 })] }));
    expect(start.transition).toMatchObject({ from: "Approved", to: "Verifying" });
    expect(start.transition!.reason).toContain("waiting for StatefulSet ledger, DaemonSet agent to be available");
    const waiting = must(plan({ status: start.status, mutate: stateful, deployments: [], controllers: [sts(), ds({ availableReplicas: 1 })] }));
    expect(waiting.status.message).toBe("no spec.strategy: waiting for DaemonSet agent to be available (1/3)");
    const late = must(plan({ status: start.status, now: at(601), mutate: stateful, deployments: [], controllers: [sts(), ds({ availableReplicas: 1 })] }));
    expect(late.transition).toMatchObject({ to: "Failed" });
    expect(late.status.message).toMatch(/DaemonSet agent not available within 10m/);
    const moved = must(plan({ status: start.status, mutate: stateful, deployments: [], controllers: [sts({ releaseLabel: "newer" }), ds()] }));
    expect(moved.status.message).toMatch(/StatefulSet ledger no longer runs release/);
    const signOff = sign(release(undefined, stateful), "Approval", keys.owner, { approval: { stage: "Verification", role: "business-owner" } }, t0.toISOString());
    const done = must(plan({ status: start.status, mutate: stateful, deployments: [], controllers: [sts(), ds()], evidence: [signOff] }));
    expect(done.transition).toMatchObject({ from: "Verifying", to: "Released" });
    expect(done.status.message).toMatch(/^no spec.strategy: 0 Deployment\(s\), 1 StatefulSet\(s\), 1 DaemonSet\(s\) available as applied/);
  });

  it("with only kinds it does not observe (a CronJob), goes Verifying at once and says so", () => {
    const onlyCronJob = (r: Release) => {
      delete r.spec.strategy;
      r.spec.workloads = [{ kind: "CronJob", name: "nightly" }];
    };
    const start = must(plan({ status: approved, mutate: onlyCronJob, deployments: [] }));
    expect(start.transition).toMatchObject({ to: "Verifying" });
    expect(start.transition!.reason).toContain("CronJob/nightly: not observed, only through the monitoring check");
  });
});
