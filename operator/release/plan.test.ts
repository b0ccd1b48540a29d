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
});
