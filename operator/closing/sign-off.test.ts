// The closing sign-off (4.3 l) as the operator decides it, from a Released release's status,
// its policy, signed evidence and the clock: a condition, the release's message, Events.
import { describe, expect, it } from "vitest";
import { ReleasePolicy, type Release, type ReleaseEvidence, type ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease, sign } from "../../gates/testkit.js";
import { AWAITING, closingSignOff, REFUSED, SIGNED_OFF, signedOff } from "./sign-off.js";

const RELEASED_AT = "2026-11-24T12:00:00Z";
const now = new Date("2026-11-24T13:00:00Z");

/** The example policy with the level-3 bundle's closing gate: the business owner signs off. */
function closingPolicy() {
  const { policy, keys } = examplePolicy();
  const raw = structuredClone(policy);
  raw.spec.gates.push({ name: "go-live-closure", clause: "4.3 l", phase: "Closing", approvals: { stage: "Closing" } });
  raw.spec.approvals.push({ stage: "Closing", roles: ["business-owner"], distinctSigners: true });
  return { policy: ReleasePolicy.parse(raw), keys };
}

function released(conditions: ReleaseStatus["conditions"] = []): Release {
  const r = exampleRelease();
  r.metadata.uid = "uid-1";
  r.status = { phase: "Released", releasedAt: RELEASED_AT, message: "promoted", conditions };
  return r;
}

const pass = (r: Release, policy: ReleasePolicy, evidence: ReleaseEvidence[], status: ReleaseStatus = r.status!) => closingSignOff({ release: r, status, policy: policy.spec, evidence, now });
const closing = (r: Release, key: Parameters<typeof sign>[2], role = "business-owner", at = "2026-11-24T12:30:00Z") => sign(r, "Approval", key, { approval: { stage: "Closing", role } }, at);

describe("closing sign-off (4.3 l)", () => {
  it("a Released release waits for the role the policy names, and says how to sign", () => {
    const { policy } = closingPolicy();
    const r = released();
    const out = pass(r, policy, []);
    expect(out.condition).toMatchObject({ type: SIGNED_OFF, status: "False", reason: AWAITING });
    expect(out.condition?.message).toMatch(/^waiting for the closing sign-off \(4\.3 l\) by role business-owner \(golive approve --release underwriting-api-2-4-1 --stage Closing --role business-owner/);
    expect(out.message).toMatch(/^Released; waiting for the closing sign-off \(4\.3 l\) by role business-owner/);
    expect(out.events).toEqual([]);
  });

  it("the business owner's approval after Released signs it off, once (Event, then sticky)", () => {
    const { policy, keys } = closingPolicy();
    const r = released();
    const out = pass(r, policy, [closing(r, keys.owner)]);
    expect(out.condition).toMatchObject({ type: SIGNED_OFF, status: "True", reason: SIGNED_OFF, message: expect.stringMatching(/go-live-closure: Closing approved by business-owner \(business-owner\)/) });
    expect(out.message).toMatch(/^Released and signed off \(4\.3 l\)/);
    expect(out.events).toMatchObject([{ type: "Normal", reason: SIGNED_OFF }]);
    // Written: the next pass keeps it, even with the evidence gone from the store, and emits nothing.
    const after = released([{ ...out.condition!, lastTransitionTime: now.toISOString() }]);
    expect(signedOff(after.status)).toBe(true);
    const again = pass(after, policy, []);
    expect(again.condition).toMatchObject({ status: "True", reason: SIGNED_OFF });
    expect(again.events).toEqual([]);
  });

  it("refuses an approval signed with another role's key, naming the signer and the role's signers", () => {
    const { policy, keys } = closingPolicy();
    const r = released();
    const out = pass(r, policy, [closing(r, keys.manager)]);
    expect(out.condition).toMatchObject({ status: "False", reason: REFUSED });
    expect(out.condition?.message).toMatch(/by role business-owner .*refused: evidence .* \(Approval, Closing stage\) refused: names role business-owner, but is signed by release-manager, whose key is not bound to that role \(its signers: business-owner\)/);
    expect(out.events).toMatchObject([{ type: "Warning", reason: REFUSED }]);
    // The same refusal already recorded: no second Warning.
    const recorded = released([{ ...out.condition!, lastTransitionTime: now.toISOString() }]);
    expect(pass(recorded, policy, [closing(r, keys.manager)]).events).toEqual([]);
  });

  it("refuses an approval signed before the release was Released: a sign-off follows the go-live", () => {
    const { policy, keys } = closingPolicy();
    const r = released();
    const out = pass(r, policy, [closing(r, keys.owner, "business-owner", "2026-11-24T11:00:00Z")]);
    expect(out.condition).toMatchObject({ status: "False", reason: REFUSED });
    expect(out.condition?.message).toMatch(/signed at 2026-11-24T11:00:00.000Z, before the release was Released at 2026-11-24T12:00:00.000Z/);
  });

  it("refuses an approval whose signer is not trusted for approvals at all", () => {
    const { policy, keys } = closingPolicy();
    const r = released();
    const out = pass(r, policy, [closing(r, keys.qa)]);
    expect(out.condition).toMatchObject({ status: "False", reason: REFUSED });
    expect(out.condition?.message).toMatch(/signed by qa-lead, who is not trusted for Approval evidence/);
  });

  it("says nothing before Released, and nothing under a policy without Closing gates", () => {
    const { policy, keys } = closingPolicy();
    const r = released();
    expect(pass(r, policy, [closing(r, keys.owner)], { ...r.status!, phase: "Progressing" })).toEqual({ events: [] });
    const plain = examplePolicy().policy;
    expect(pass(r, plain, [])).toEqual({ events: [] });
  });
});

describe("the policy check", () => {
  it("refuses a Closing approvals gate outside the Closing phase, saying what to set", () => {
    const { policy } = closingPolicy();
    const raw = structuredClone(policy);
    raw.spec.gates.find((g) => g.name === "go-live-closure")!.phase = "GoLive";
    const parsed = ReleasePolicy.safeParse(raw);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toContain('gate "go-live-closure" requires Closing approvals, which are signed after Released: set its phase to Closing');
  });
});
