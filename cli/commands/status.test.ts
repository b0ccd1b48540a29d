import { describe, expect, it } from "vitest";
import { exampleRelease } from "../../gates/testkit.js";
import { formatStatus } from "./status.js";

describe("golive status", () => {
  it("shows phase, step, weight, what it waits for, and the analysis", () => {
    const r = exampleRelease();
    r.status = {
      phase: "Progressing",
      gatesSummary: "9/9",
      message: "step business-sign-off: paused at 50% until a role with the Promote permission signs a Promotion approval",
      canary: { stepIndex: 4, weight: 50, stepName: "business-sign-off", stepStartedAt: "2026-11-24T11:59:00.000Z", workload: "underwriting-api", pause: { reason: "Approval", since: "2026-11-24T11:59:00.000Z" } },
      analysis: [
        {
          step: "watch-half",
          stepIndex: 3,
          phase: "Successful",
          startedAt: "2026-11-24T11:55:00.000Z",
          metrics: [{ name: "error-rate", phase: "Successful", measured: 6, successful: 6, failed: 0, inconclusive: 0, errors: 1, consecutiveErrors: 0, measurements: [{ at: "2026-11-24T11:58:00.000Z", phase: "Successful", value: "0.002" }] }],
        },
      ],
      conditions: [],
    };
    const text = formatStatus(r, new Date("2026-11-24T12:00:00.000Z"));
    expect(text).toContain("Phase:    Progressing   gates 9/9");
    expect(text).toContain("Step:     5/6 business-sign-off (pause (until approved)), started 60s ago");
    expect(text).toContain("Weight:   50% of ordinary traffic on the candidate (Deployment underwriting-api, stable copy underwriting-api-stable)");
    expect(text).toContain("Paused:   waiting for a signed Promotion approval");
    expect(text).toContain("Waiting:  step business-sign-off: paused at 50%");
    expect(text).toMatch(/watch-half +error-rate +Successful +6 +6 +0 +0 +1 +0\.002/);
  });

  it("shows a rollback with its timing", () => {
    const r = exampleRelease();
    r.status = { phase: "RolledBack", rollback: { trigger: "AnalysisFailed", reason: "error-rate = 0.3", decidedAt: "2026-11-24T12:00:00.000Z", startedAt: "2026-11-24T12:00:00.020Z", trafficOnStableAt: "2026-11-24T12:00:00.080Z", hooks: [{ name: "compensate-downstream", job: "j", phase: "Succeeded" }] } };
    const text = formatStatus(r, new Date());
    expect(text).toContain("Rollback (4.10): AnalysisFailed: error-rate = 0.3");
    expect(text).toContain("traffic on stable 2026-11-24T12:00:00.080Z (80 ms later)");
    expect(text).toContain("hook compensate-downstream: Succeeded");
  });

  it("shows each workload's wave, phase, weight and pods", () => {
    const r = exampleRelease();
    r.status = {
      phase: "Verifying",
      canary: { stepIndex: 0, weight: 0, wave: 1, workload: "shop" },
      waves: [
        { name: "backends", phase: "Passed", weight: 50, workloads: [{ kind: "Deployment", name: "rating", routing: "replicaRatio", changed: true, candidatePods: 1, stablePods: 1 }, { kind: "Deployment", name: "worker", routing: "worker", changed: false }] },
        { name: "frontends", phase: "Verifying", weight: 0, workloads: [{ kind: "Deployment", name: "shop", routing: "gatewayAPI", changed: true, candidatePods: 2, stablePods: 2 }] },
      ],
    };
    const text = formatStatus(r, new Date());
    expect(text).toContain("Waves (4.3 c): wave 2 of 2");
    expect(text).toMatch(/backends +Passed +Deployment\/rating +replicaRatio +50% +1 +1/);
    expect(text).toMatch(/backends +Passed +Deployment\/worker +worker +unchanged +\? +\?/);
    expect(text).toMatch(/frontends +Verifying +Deployment\/shop +gatewayAPI +0% +2 +2/);
  });

  it("shows the closing sign-off (4.3 l): whom a Released release waits for, then who signed off", () => {
    const r = exampleRelease();
    const waiting = "waiting for the closing sign-off (4.3 l) by role business-owner (golive approve --release underwriting-api-2-4-1 --stage Closing --role business-owner --key KEY --apply, with a key bound to the role)";
    r.status = { phase: "Released", releasedAt: "2026-11-24T12:00:00.000Z", message: `Released; ${waiting}`, conditions: [{ type: "SignedOff", status: "False", reason: "AwaitingClosingSignOff", message: waiting, lastTransitionTime: "2026-11-24T12:00:00.000Z" }] };
    const text = formatStatus(r, new Date("2026-11-24T12:05:00.000Z"));
    expect(text).toContain(`Not signed off (4.3 l): AwaitingClosingSignOff: ${waiting}`);
    expect(text).toContain("Conditions: SignedOff=False");
    r.status.conditions = [{ type: "SignedOff", status: "True", reason: "SignedOff", message: "go-live-closure: Closing approved by business-owner (business-owner)", lastTransitionTime: "2026-11-24T13:00:00.000Z" }];
    expect(formatStatus(r, new Date("2026-11-24T13:05:00.000Z"))).toContain("Signed off (4.3 l) 2026-11-24T13:00:00.000Z: go-live-closure: Closing approved by business-owner (business-owner)");
    // A policy asking for no sign-off: no line about it.
    r.status.conditions = [];
    expect(formatStatus(r, new Date())).not.toMatch(/signed off/i);
  });
});
