import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../../api/index.js";
import { decisionEntries, type DecisionInput } from "./decisions.js";

const base = (over: Partial<DecisionInput>): DecisionInput => ({ namespace: "shop", release: "web-2", version: "2.0.0", identity: "system:golive-operator:op-1", before: {}, after: {}, events: [], memo: new Map(), ...over });
const progressing = (weight: number): ReleaseStatus => ({ phase: "Progressing", canary: { stepIndex: 1, weight } });

describe("the operator's decisions as audit records", () => {
  it("an abort names its signer as the user, then the rollback it starts; the verified end is recorded too", () => {
    const after: ReleaseStatus = { phase: "RollingBack", rollback: { trigger: "Aborted", reason: "aborted by alice in role release-manager: bad totals", decidedAt: "2026-06-01T10:00:00.000Z", startedAt: "2026-06-01T10:00:01.000Z", abortedBy: "alice (release-manager), evidence abort-1", hooks: [] } };
    const entries = decisionEntries(base({ before: progressing(20), after, transition: { from: "Progressing", to: "RollingBack", reason: "aborted" } }));
    expect(entries.map((e) => [e.type, e.user, e.result])).toEqual([
      ["abort", "alice", "accepted"],
      ["rollback", "system:golive-operator:op-1", "started"],
    ]);
    expect(entries[1]!.details).toMatchObject({ trigger: "Aborted", decidedAt: "2026-06-01T10:00:00.000Z" });
    const done = decisionEntries(base({ before: after, after: { ...after, phase: "RolledBack" }, transition: { from: "RollingBack", to: "RolledBack", reason: "rolled back (Aborted)", details: { decisionToStableMs: 800 } } }));
    expect(done).toMatchObject([{ type: "rollback", result: "verified", details: { decisionToStableMs: 800 } }]);
  });

  it("an analysis failure with automatic rollback off is recorded as a rollback not started", () => {
    const entries = decisionEntries(base({ before: progressing(20), after: { phase: "Failed" }, transition: { from: "Progressing", to: "Failed", reason: "analysis failed; automatic rollback is off", details: { trigger: "AnalysisFailed" } } }));
    expect(entries).toMatchObject([{ type: "rollback", result: "not-started", details: { trigger: "AnalysisFailed" } }]);
  });

  it("records a router change once, with the previous weight, and not its re-assertion in later passes", () => {
    const memo = new Map<string, string>();
    const route = (weight: number) => [{ type: "route", workload: "web", weight, verification: false }];
    // After a restart: a pass that decided nothing only re-asserts what is in effect.
    expect(decisionEntries(base({ before: progressing(10), after: progressing(10), actions: route(10), memo }))).toEqual([]);
    const step = decisionEntries(base({ before: progressing(10), after: progressing(30), actions: route(30), events: [{ type: "Normal", reason: "Weight", message: "step s2: 30% of ordinary traffic to the candidate" }], memo, router: "gatewayAPI" }));
    expect(step).toMatchObject([{ type: "traffic", object: "shop/Deployment/web", result: "30%", reason: "step s2: 30% of ordinary traffic to the candidate", details: { weight: 30, previous: "10", router: "gatewayAPI", release: "web-2" } }]);
    expect(decisionEntries(base({ before: progressing(30), after: progressing(30), actions: route(30), memo }))).toEqual([]);
  });

  it("records the verification route being added", () => {
    const entries = decisionEntries(base({ before: { phase: "Approved" }, after: { phase: "Verifying", canary: { stepIndex: 0, weight: 0 } }, transition: { from: "Approved", to: "Verifying", reason: "verifying" }, actions: [{ type: "route", workload: "web", weight: 0, verification: true }] }));
    expect(entries).toMatchObject([{ type: "traffic", result: "0%", details: { verificationRoute: true } }]);
  });

  it("records a replica change only when the Deployment does not already have it", () => {
    const memo = new Map<string, string>();
    const replicasOf = (d: string) => ({ web: 0, "web-stable": 3 })[d];
    const entries = decisionEntries(base({ actions: [{ type: "scaleCandidate", workload: "web", replicas: 3 }, { type: "ensureStable", workload: "web", replicas: 3 }], replicasOf, memo }));
    expect(entries.map((e) => [e.type, e.object, e.result, e.details?.from])).toEqual([
      ["replicas", "shop/Deployment/web", "3", 0],
      ["replicas", "shop/Deployment/web-stable", "3", 3],
    ]);
    // The informer has not seen the scale yet: the memo keeps it from being recorded twice.
    expect(decisionEntries(base({ actions: [{ type: "scaleCandidate", workload: "web", replicas: 3 }], replicasOf, memo }))).toEqual([]);
    expect(decisionEntries(base({ actions: [{ type: "scaleCandidate", workload: "web", replicas: 3 }], replicasOf: () => 3 }))).toEqual([]);
  });

  it("turns the rollout's milestones into records and leaves other events alone", () => {
    const events = [
      { type: "Normal" as const, reason: "StepCompleted", message: "step s1 done" },
      { type: "Normal" as const, reason: "Promoting", message: "Promotion gates passed" },
      { type: "Warning" as const, reason: "JobFailed", message: "verify Job smoke failed" },
      { type: "Warning" as const, reason: "ProgressDeadlineExceeded", message: "no progress" },
      { type: "Normal" as const, reason: "SomethingElse", message: "x" },
    ];
    expect(decisionEntries(base({ events, after: progressing(50) })).map((e) => [e.type, e.result, e.reason])).toEqual([
      ["canary-step", "passed", "step s1 done"],
      ["promotion", "started", "Promotion gates passed"],
      ["job", "failed", "verify Job smoke failed"],
      ["deadline", "exceeded", "no progress"],
    ]);
  });

  it("records monitoring enrollment, its changes and retirement, and the check before Released", () => {
    const enrolled = decisionEntries(base({ before: {}, after: { monitoring: { mode: "PodMonitor", objects: ["PodMonitor/web", "ConfigMap/web-rules"] } } }));
    expect(enrolled).toMatchObject([{ type: "monitoring", result: "enrolled", details: { mode: "PodMonitor", added: ["PodMonitor/web", "ConfigMap/web-rules"], removed: [] } }]);
    const same = decisionEntries(base({ before: { monitoring: { mode: "PodMonitor", objects: ["PodMonitor/web"] } }, after: { monitoring: { mode: "PodMonitor", objects: ["PodMonitor/web"], syncedAt: "2026-06-01T00:00:00Z" } } }));
    expect(same).toEqual([]);
    const retired = decisionEntries(base({ before: { monitoring: { mode: "PodMonitor", objects: ["PodMonitor/web"] } }, after: { monitoring: { mode: "Disabled", objects: [] } } }));
    expect(retired).toMatchObject([{ type: "monitoring", result: "retired", details: { removed: ["PodMonitor/web"] } }]);
    const check = decisionEntries(base({ before: { monitoring: { mode: "PodMonitor", objects: [] } }, after: { monitoring: { mode: "PodMonitor", objects: [], ready: false, reasons: ["no target up"] } } }));
    expect(check).toMatchObject([{ type: "monitoring-check", result: "not-ready", reason: "no target up" }]);
  });
});
