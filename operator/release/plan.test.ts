import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { examplePolicy, exampleRelease, sign } from "../../gates/testkit.js";
import { planRelease, type SealView } from "./plan.js";

const now = new Date("2026-11-24T13:00:00Z");
const { policy, keys } = examplePolicy();

function withStatus(phase: Release["status"] extends infer S ? (S extends { phase?: infer P } ? P : never) : never): Release {
  const r = exampleRelease();
  r.metadata.generation = 3;
  r.status = { phase };
  return r;
}
const allSealed = (r: Release) => new Map<string, SealView>(r.spec.images.map((i) => [`${i.name}@${i.digest}`, { sealed: true, signer: "image-signer" }]));

describe("planRelease", () => {
  it("starts a new release in Pending and asks to come back at once", () => {
    const r = exampleRelease();
    const plan = planRelease({ release: r, policy, evidence: [], seals: new Map(), now });
    expect(plan.status.phase).toBe("Pending");
    expect(plan.transition).toEqual({ from: undefined, to: "Pending", reason: "evaluating gates and seals" });
    expect(plan.requeueAfterMs).toBe(0);
    expect(plan.status.conditions?.find((c) => c.type === "Reconciling")?.status).toBe("True");
  });

  it("blocks without evidence, naming the first missing gate, as Stalled", () => {
    const r = withStatus("Pending");
    const plan = planRelease({ release: r, policy, evidence: [], seals: allSealed(r), now });
    expect(plan.status.phase).toBe("Blocked");
    expect(plan.status.message).toMatch(/^gate unit-tests Pending: waiting for UnitTestReport evidence.*\(and 8 more gate\(s\)\)$/);
    expect(plan.status.gatesSummary).toBe("0/9");
    expect(plan.status.observedGeneration).toBe(3);
    const byType = Object.fromEntries(plan.status.conditions!.map((c) => [c.type, c.status]));
    expect(byType).toMatchObject({ Ready: "False", Reconciling: "False", Stalled: "True", GatesPassed: "False", Sealed: "True" });
    expect(plan.events[0]).toMatchObject({ type: "Warning", reason: "Blocked" });
  });

  it("drops a DR hold (4.3 g) recorded while Approved once the release goes back to Blocked, and keeps it while still Approved", () => {
    const r = withStatus("Approved");
    r.status = { ...r.status, disasterRecoveryHold: { since: now.toISOString() } };
    const blocked = planRelease({ release: r, policy, evidence: [], seals: allSealed(r), now });
    expect(blocked.status.phase).toBe("Blocked");
    expect(blocked.status.disasterRecoveryHold).toBeUndefined();
    const noPolicy = planRelease({ release: r, policy: undefined, evidence: [], seals: new Map(), now });
    expect(noPolicy.status.disasterRecoveryHold).toBeUndefined();
    const onlyApproval = { ...policy, spec: { ...policy.spec, gates: [] } };
    const approved = planRelease({ release: r, policy: onlyApproval, evidence: [], seals: allSealed(r), now });
    expect(approved.status.phase).toBe("Approved");
    expect(approved.status.disasterRecoveryHold).toEqual({ since: now.toISOString() });
  });

  it("blocks without a policy, saying how to fix it", () => {
    const plan = planRelease({ release: withStatus("Pending"), policy: undefined, evidence: [], seals: new Map(), now });
    expect(plan.status.phase).toBe("Blocked");
    expect(plan.status.message).toMatch(/no ReleasePolicy governs namespace underwriting: label the namespace/);
  });

  it("waits in Pending while seals are verified, then blocks on a bad seal", () => {
    const r = withStatus("Blocked");
    const onlyGatesNeeded = { ...policy, spec: { ...policy.spec, gates: policy.spec.gates.filter((g) => g.name === "unit-tests") } };
    const ev = [sign(r, "UnitTestReport", keys.qa, { summary: { totals: { planned: 1, executed: 1, passed: 1, failed: 0, errored: 0, skipped: 0 }, failures: [] } })];
    const pending = planRelease({ release: r, policy: onlyGatesNeeded, evidence: ev, seals: new Map(), now });
    expect(pending.status.phase).toBe("Pending");
    expect(pending.requeueAfterMs).toBe(2_000);
    const bad = new Map<string, SealView>([[`${r.spec.images[0]!.name}@${r.spec.images[0]!.digest}`, { sealed: false, reason: "no signature found (Unsigned)" }]]);
    const blocked = planRelease({ release: r, policy: onlyGatesNeeded, evidence: ev, seals: bad, now });
    expect(blocked.status.phase).toBe("Blocked");
    expect(blocked.status.message).toMatch(/is not sealed: no signature found \(Unsigned\)/);
    const approved = planRelease({ release: r, policy: onlyGatesNeeded, evidence: ev, seals: allSealed(r), now });
    expect(approved.status.phase).toBe("Approved");
    expect(approved.events[0]).toMatchObject({ type: "Normal", reason: "Approved" });
  });

  it("is stable: planning twice from its own output changes nothing", () => {
    const r = withStatus("Pending");
    const first = planRelease({ release: r, policy, evidence: [], seals: allSealed(r), now });
    const again = planRelease({ release: { ...r, status: first.status }, policy, evidence: [], seals: allSealed(r), now: new Date(now.getTime() + 60_000) });
    expect(again.status).toEqual(first.status);
    expect(again.transition).toBeUndefined();
    expect(again.events).toEqual([]);
  });

  it("leaves rollout phases to the rollout", () => {
    const plan = planRelease({ release: withStatus("Progressing"), policy, evidence: [], seals: new Map(), now });
    expect(plan.status.phase).toBe("Progressing");
    expect(plan.transition).toBeUndefined();
  });

  describe("workloads golive cannot roll out (issue 15): fail closed", () => {
    const onlyUnitTests = { ...policy, spec: { ...policy.spec, gates: policy.spec.gates.filter((g) => g.name === "unit-tests") } };
    const passing = (r: Release) => [sign(r, "UnitTestReport", keys.qa, { summary: { totals: { planned: 1, executed: 1, passed: 1, failed: 0, errored: 0, skipped: 0 }, failures: [] } })];
    const planWith = (mutate: (r: Release) => void) => {
      const r = withStatus("Pending");
      mutate(r);
      return planRelease({ release: r, policy: onlyUnitTests, evidence: passing(r), seals: allSealed(r), now });
    };
    const supported = (p: ReturnType<typeof planRelease>) => p.status.conditions?.find((c) => c.type === "WorkloadsSupported");

    it("a strategy with one Deployment (and a Job) is supported", () => {
      const p = planWith((r) => r.spec.workloads.push({ kind: "Job", name: "migrate" }));
      expect(p.status.phase).toBe("Approved");
      expect(supported(p)).toMatchObject({ status: "True", reason: "Supported" });
    });

    it("a strategy with a second Deployment is supported: every Deployment is rolled out (in waves)", () => {
      const p = planWith((r) => r.spec.workloads.push({ kind: "Deployment", name: "underwriting-worker" }));
      expect(p.status.phase).toBe("Approved");
      expect(supported(p)).toMatchObject({ status: "True", reason: "Supported" });
    });

    it("a strategy with a StatefulSet is supported: golive canaries it by its partition", () => {
      const p = planWith((r) => r.spec.workloads.push({ kind: "StatefulSet", name: "ledger" }));
      expect(p.status.phase).toBe("Approved");
      expect(supported(p)).toMatchObject({ status: "True", reason: "Supported" });
    });

    it("a strategy with a DaemonSet is supported: golive canaries it node by node", () => {
      const p = planWith((r) => r.spec.workloads.push({ kind: "DaemonSet", name: "agent" }));
      expect(p.status.phase).toBe("Approved");
      expect(supported(p)).toMatchObject({ status: "True", reason: "Supported" });
    });

    it.each([
      ["a ReplicaSet", { kind: "ReplicaSet", name: "rs" }, "ReplicaSet/rs"],
      ["a ReplicationController", { kind: "ReplicationController", name: "rc" }, "ReplicationController/rc"],
      ["a bare Pod", { kind: "Pod", name: "one-off" }, "Pod/one-off"],
    ] as const)("a strategy with %s is Blocked with reason UnsupportedWorkloads, naming it", (_what, extra, named) => {
      const p = planWith((r) => r.spec.workloads.push({ ...extra }));
      expect(p.status.phase).toBe("Blocked");
      const message = `golive canaries Deployments, StatefulSets and DaemonSets only (a ReplicaSet, ReplicationController or bare Pod has no revisions to canary between); ${named} would reach all users unverified: list it in its own Release without spec.strategy`;
      expect(supported(p)).toMatchObject({ status: "False", reason: "UnsupportedWorkloads", message });
      expect(p.status.message).toBe(`UnsupportedWorkloads: ${message}`);
      expect(p.status.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");
      expect(p.events[0]).toMatchObject({ type: "Warning", reason: "Blocked" });
    });

    it("waves that miss a Deployment, list another kind, or share a Service are Blocked, naming each problem", () => {
      const p = planWith((r) => {
        r.spec.workloads.push({ kind: "Deployment", name: "rating" }, { kind: "Deployment", name: "worker" }, { kind: "Job", name: "migrate" });
        r.spec.strategy!.waves = [
          { name: "backends", workloads: [{ name: "rating", trafficRouting: { service: r.spec.strategy!.trafficRouting.service } }, { name: "migrate" }] },
          { name: "frontends", workloads: [{ name: "underwriting-api" }] },
        ];
      });
      expect(p.status.phase).toBe("Blocked");
      const message = supported(p)?.message ?? "";
      expect(message).toContain("wave backends lists migrate, which is a Job, not a Deployment, StatefulSet or DaemonSet");
      expect(message).toContain("Deployment worker is in no wave: add it to spec.strategy.waves");
      expect(message).toMatch(/Deployments underwriting-api and rating are both routed through Service|Deployments rating and underwriting-api are both routed through Service/);
    });

    it("a strategy with no Deployment, StatefulSet or DaemonSet is Blocked, saying what to do", () => {
      const p = planWith((r) => (r.spec.workloads = [{ kind: "ReplicaSet", name: "agent" }]));
      expect(p.status.phase).toBe("Blocked");
      expect(supported(p)?.message).toBe("a Release with spec.strategy rolls out Deployments, StatefulSets and DaemonSets and this Release lists none (ReplicaSet/agent would reach all users unverified): list a Deployment, StatefulSet or DaemonSet, or remove spec.strategy");
    });

    it("without a strategy any workloads are supported", () => {
      const p = planWith((r) => {
        delete r.spec.strategy;
        r.spec.workloads.push({ kind: "StatefulSet", name: "ledger" }, { kind: "Deployment", name: "other" });
      });
      expect(p.status.phase).toBe("Approved");
    });
  });
});
