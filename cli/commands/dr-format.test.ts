// `golive dr status` output from a Release's status and its DRDrillReport evidence (pure).
import { describe, expect, it } from "vitest";
import { ReleasePolicy, type ReleasePolicySpec } from "../../api/index.js";
import { recordPolicy } from "../../gates/record-gates-testkit.js";
import { exampleRelease, sign } from "../../gates/testkit.js";
import { formatDrStatus, lastDrill } from "./dr-format.js";

const now = new Date("2026-11-24T13:00:00Z");
const { policy: base, keys } = recordPolicy([{ name: "dr-drill", clause: "9.2 c,d", drDrill: { maxAgeDays: 90, role: "ops-on-call" } }]);
const withDr = (extra: Record<string, unknown> = {}): ReleasePolicySpec => ReleasePolicy.parse({ ...base, spec: { ...base.spec, disasterRecovery: { targets: [{ name: "dr-east", kubeconfigSecret: { name: "e" } }, { name: "dr-west", kubeconfigSecret: { name: "w" } }], deadlineSeconds: 900, ...extra } } }).spec;
const drill = (drillDate: string, achieved = { rtoMinutes: 22, rpoMinutes: 3 }) => ({ summary: { kind: "DRDrillReport", drillDate, scenario: "loss of the primary data centre", site: "DR site B", ranBy: "wang.fang", declared: { rtoMinutes: 30, rpoMinutes: 5 }, achieved } });

function heldRelease() {
  const r = exampleRelease();
  r.status = {
    phase: "Progressing",
    disasterRecovery: [{ target: "dr-east", state: "Drifted", since: "2026-11-24T12:50:00.000Z", checkedAt: "2026-11-24T12:59:30.000Z", differences: ["Deployment underwriting-api container api template has sha256:bb for team/api, not the sealed sha256:aa"] }],
    disasterRecoveryHold: { since: "2026-11-24T12:51:00.000Z", stalledAt: "2026-11-24T13:06:00.000Z" },
    conditions: [{ type: "DisasterRecoveryConsistent", status: "False", reason: "Drifted", message: "dr-east Drifted since 2026-11-24T12:50:00.000Z: ...", lastTransitionTime: "2026-11-24T12:50:00.000Z" }],
  };
  return r;
}

describe("golive dr status", () => {
  it("shows every target of the policy, in sync or not and what differs, the hold and that level 3 waits by default", () => {
    const text = formatDrStatus({ release: heldRelease(), policy: withDr(), drill: undefined }, now);
    expect(text).toMatch(/dr-east +Drifted +2026-11-24T12:50:00\.000Z +2026-11-24T12:59:30\.000Z +1 difference\(s\)/);
    expect(text).toMatch(/dr-west +not read yet/);
    expect(text).toContain("dr-east differs: Deployment underwriting-api container api template has sha256:bb for team/api, not the sealed sha256:aa");
    expect(text).toContain("DisasterRecoveryConsistent=False (Drifted)");
    expect(text).toContain("Released waits for every target InSync (protection level 3 default), Stalled after 900 s");
    expect(text).toContain("Held:     Released waits for DR consistency since 2026-11-24T12:51:00.000Z; Stalled since 2026-11-24T13:06:00.000Z (DisasterRecoveryDeadlineExceeded)");
    expect(text).toContain("Last DR drill (9.2 c,d): none (no DRDrillReport evidence for this release)");
    expect(formatDrStatus({ release: heldRelease(), policy: withDr({ releasedWaitsForConsistency: false }), drill: undefined }, now)).toContain("Released does not wait: an inconsistent DR site only warns (releasedWaitsForConsistency)");
  });

  it("shows the newest verified drill: date, age, RTO/RPO achieved against declared, the signer", () => {
    const r = heldRelease();
    const old = sign(r, "DRDrillReport", keys.ops, drill("2026-06-01"), "2026-06-02T10:00:00Z");
    const fresh = sign(r, "DRDrillReport", keys.ops, drill("2026-10-15", { rtoMinutes: 45, rpoMinutes: 3 }), "2026-10-16T10:00:00Z");
    const seen = lastDrill([old, fresh], r, withDr(), now);
    expect(seen).toMatchObject({ evidence: fresh.metadata.name, signer: "ops-lead", record: { drillDate: "2026-10-15" } });
    const text = formatDrStatus({ release: r, policy: withDr(), drill: seen }, now);
    expect(text).toContain("Last DR drill (9.2 c,d): 2026-10-15 (40 day(s) ago), loss of the primary data centre at DR site B, run by wang.fang");
    expect(text).toContain("RTO achieved 45 min, declared 30 min: NOT met");
    expect(text).toContain("RPO achieved 3 min, declared 5 min: met");
    expect(text).toContain(`evidence ${fresh.metadata.name}, signed by ops-lead at 2026-10-16T10:00:00.000Z`);
  });

  it("a report signed by an untrusted key does not count; without the policy the report is shown marked unverified", () => {
    const r = heldRelease();
    const forged = sign(r, "DRDrillReport", keys.outsider, drill("2026-10-15"));
    const refused = lastDrill([forged], r, withDr(), now);
    expect(refused?.record).toBeUndefined();
    expect(formatDrStatus({ release: r, policy: withDr(), drill: refused }, now)).toMatch(new RegExp(`Last DR drill \\(9\\.2 c,d\\): evidence ${forged.metadata.name} cannot be used: .*signature invalid`));
    const unverified = lastDrill([forged], r, undefined, now);
    expect(formatDrStatus({ release: r, policy: undefined, drill: unverified }, now)).toContain("(signature not verified: the governing ReleasePolicy could not be read)");
  });
});
