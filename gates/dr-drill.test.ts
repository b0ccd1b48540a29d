// The DR drill gate (9.2 c,d): a fresh drill report signed by the role that runs drills passes;
// a stale one blocks with its date; achieved RTO/RPO above the declared ones fail.
import { describe, expect, it } from "vitest";
import type { Gate } from "../api/index.js";
import { evaluateNamed, recordPolicy, release } from "./record-gates-testkit.js";
import { sign } from "./testkit.js";

const drill = (over: object = {}) => ({
  summary: { kind: "DRDrillReport", drillDate: "2026-10-15", scenario: "loss of the primary data centre", site: "同城 DR site B", ranBy: "wang.fang", declared: { rtoMinutes: 30, rpoMinutes: 5 }, achieved: { rtoMinutes: 22, rpoMinutes: 3 }, ...over },
});
const gate: Partial<Gate> = { name: "dr-drill", clause: "9.2 c,d", drDrill: { maxAgeDays: 90, role: "ops-on-call" } };
const { policy, keys } = recordPolicy([gate]);

describe("drDrill gate (9.2 c,d)", () => {
  it("passes a drill run 40 days ago by the ops role, showing RTO and RPO achieved against declared", () => {
    const r = evaluateNamed(policy, "dr-drill", [sign(release, "DRDrillReport", keys.ops, drill())]);
    expect(r.reason).toBe("DR drill of 2026-10-15 (loss of the primary data centre, 同城 DR site B), 40 day(s) old: RTO 22/30 min, RPO 3/5 min achieved/declared");
    expect(r.status).toBe("Passed");
  });

  it("blocks on a stale drill, naming its date and the policy's limit", () => {
    const r = evaluateNamed(policy, "dr-drill", [sign(release, "DRDrillReport", keys.ops, drill({ drillDate: "2026-03-01" }))]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/^the last DR drill ran on 2026-03-01, 268 days ago; the policy allows 90: run a drill and sign its report/);
  });

  it("fails when the achieved RTO or RPO misses the declared one", () => {
    const r = evaluateNamed(policy, "dr-drill", [sign(release, "DRDrillReport", keys.ops, drill({ achieved: { rtoMinutes: 45, rpoMinutes: 9 } }))]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toBe("DR drill of 2026-10-15 (loss of the primary data centre): achieved RTO 45 min is above the declared 30 min; achieved RPO 9 min is above the declared 5 min");
  });

  it("fails a declared RTO above the policy's cap", () => {
    const capped = recordPolicy([{ ...gate, drDrill: { maxAgeDays: 90, role: "ops-on-call", maxRtoMinutes: 15 } }]);
    const r = evaluateNamed(capped.policy, "dr-drill", [sign(release, "DRDrillReport", capped.keys.ops, drill())]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/declared RTO 30 min exceeds the policy's 15 min/);
  });

  it("refuses a report signed by a signer trusted for the type but outside the role that runs drills", () => {
    const r = evaluateNamed(policy, "dr-drill", [sign(release, "DRDrillReport", keys.opsImpostor, drill())]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/is signed by dba, not by a signer of role ops-on-call, which runs DR drills/);
  });

  it("refuses a drill report kept only as a document (no record), and waits when there is none", () => {
    const doc = evaluateNamed(policy, "dr-drill", [sign(release, "DRDrillReport", keys.ops, { source: { filename: "drill.pdf", digest: "sha256:" + "c".repeat(64) } })]);
    expect(doc.status).toBe("Failed");
    expect(doc.reason).toMatch(/carries no DR drill record .*golive evidence create --type DRDrillReport --file drill.json/);
    const none = evaluateNamed(policy, "dr-drill", []);
    expect(none.status).toBe("Pending");
    expect(none.reason).toMatch(/waiting for DRDrillReport evidence/);
  });

  it("a policy naming an unknown drill role is refused", () => {
    expect(() => recordPolicy([{ ...gate, drDrill: { maxAgeDays: 90, role: "night-shift" } }])).toThrow(/gate .{1,2}dr-drill.{1,2} says DR drills are run by role .{1,2}night-shift.{1,2}, which is not in spec.roles/);
  });
});
