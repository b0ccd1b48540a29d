import { describe, expect, it } from "vitest";
import { DisasterRecoveryRules } from "../../api/release-policy.js";
import { beforeReleased, waitsForConsistency } from "./hold.js";
import type { TargetStatus } from "./report.js";

const T0 = new Date("2026-12-01T10:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const rules = (extra: Record<string, unknown> = {}) => DisasterRecoveryRules.parse({ targets: [{ name: "east", kubeconfigSecret: { name: "east" } }, { name: "west", kubeconfigSecret: { name: "west" } }], deadlineSeconds: 60, ...extra });
const level3 = { protectionLevel: 3, disasterRecovery: rules({ releasedWaitsForConsistency: true }) };
const inSync = (target: string): TargetStatus => ({ target, state: "InSync", since: T0.toISOString(), checkedAt: T0.toISOString() });
const drifted: TargetStatus = { target: "west", state: "Drifted", since: T0.toISOString(), checkedAt: T0.toISOString(), differences: ["Deployment ledger runs sha256:bb"] };

describe("beforeReleased", () => {
  it("proceeds without DR rules, and when every policy target was last seen InSync", () => {
    expect(beforeReleased({ policy: { protectionLevel: 3 }, targets: undefined, hold: undefined, now: T0 })).toEqual({ decision: "proceed" });
    expect(beforeReleased({ policy: level3, targets: [inSync("east"), inSync("west")], hold: undefined, now: T0 })).toEqual({ decision: "proceed" });
  });

  it("a policy that waits holds Released, naming the drifted target and what differs and a target not read yet; the hold starts now", () => {
    const d = beforeReleased({ policy: level3, targets: [drifted], hold: undefined, now: T0 });
    expect(d).toMatchObject({ decision: "wait", hold: { since: T0.toISOString() }, recheckMs: 5_000 });
    if (d.decision !== "wait") throw new Error(d.decision);
    expect(d.message).toContain("west Drifted since 2026-12-01T10:00:00.000Z: Deployment ledger runs sha256:bb");
    expect(d.message).toContain("east not read yet");
    expect(d.message).toContain("Stalled at 2026-12-01T10:01:00.000Z");
  });

  it("keeps the first hold time and stalls once the deadline has passed, the Warning only the first time", () => {
    const hold = { since: T0.toISOString() };
    expect(beforeReleased({ policy: level3, targets: [inSync("east"), drifted], hold, now: at(59) })).toMatchObject({ decision: "wait", hold, recheckMs: 1_001 });
    const first = beforeReleased({ policy: level3, targets: [inSync("east"), drifted], hold, now: at(60) });
    expect(first).toMatchObject({ decision: "stall", hold: { since: T0.toISOString(), stalledAt: at(60).toISOString() }, firstTime: true });
    if (first.decision !== "stall") throw new Error(first.decision);
    expect(first.message).toContain("not InSync within disasterRecovery.deadlineSeconds (60 s): west Drifted");
    const again = beforeReleased({ policy: level3, targets: [inSync("east"), drifted], hold: first.hold, now: at(90) });
    expect(again).toMatchObject({ decision: "stall", hold: first.hold, firstTime: false });
    expect(beforeReleased({ policy: level3, targets: [inSync("east"), inSync("west")], hold: first.hold, now: at(95) })).toEqual({ decision: "proceed" });
  });

  it("an Unreachable target holds too, with its reason", () => {
    const d = beforeReleased({ policy: level3, targets: [inSync("east"), { target: "west", state: "Unreachable", since: T0.toISOString(), checkedAt: T0.toISOString(), reason: "timed out" }], hold: undefined, now: T0 });
    expect(d.decision === "wait" && d.message).toContain("west Unreachable since 2026-12-01T10:00:00.000Z (timed out)");
  });

  it("unset, it waits at level 3 and above and only warns below; false proceeds with a warning at any level, true waits at any level", () => {
    expect(rules().releasedWaitsForConsistency).toBeUndefined();
    expect(waitsForConsistency({ protectionLevel: 3, disasterRecovery: rules() })).toBe(true);
    expect(waitsForConsistency({ protectionLevel: 2, disasterRecovery: rules() })).toBe(false);
    for (const policy of [{ protectionLevel: 2, disasterRecovery: rules() }, { protectionLevel: 3, disasterRecovery: rules({ releasedWaitsForConsistency: false }) }]) {
      const d = beforeReleased({ policy, targets: [drifted], hold: undefined, now: T0 });
      expect(d.decision).toBe("proceed");
      expect(d.decision === "proceed" && d.warning).toContain("the policy only warns");
    }
    expect(waitsForConsistency({ protectionLevel: 1, disasterRecovery: rules({ releasedWaitsForConsistency: true }) })).toBe(true);
  });
});
