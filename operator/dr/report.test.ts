import { describe, expect, it } from "vitest";
import { reportTargets } from "./report.js";

const T0 = "2026-12-01T10:00:00.000Z";
const T1 = "2026-12-01T10:00:30.000Z";

describe("reportTargets", () => {
  it("InSync everywhere: condition True, one Normal Event on the change, none when it holds", () => {
    const first = reportTargets(undefined, [{ target: "dr", state: "InSync", differences: [] }], T0);
    expect(first.condition).toMatchObject({ type: "DisasterRecoveryConsistent", status: "True", reason: "InSync" });
    expect(first.events.map((e) => e.reason)).toEqual(["DisasterRecoveryInSync"]);
    const again = reportTargets(first.targets, [{ target: "dr", state: "InSync", differences: [] }], T1);
    expect(again.events).toEqual([]);
    expect(again.targets[0]).toEqual({ target: "dr", state: "InSync", since: T0, checkedAt: T1 });
  });

  it("Drifted names the differences in the condition and a Warning; Unreachable keeps its first time", () => {
    const drifted = reportTargets(undefined, [{ target: "dr", state: "Drifted", differences: ["Deployment web differs"] }], T0);
    expect(drifted.condition).toMatchObject({ status: "False", reason: "Drifted", message: `dr Drifted since ${T0}: Deployment web differs` });
    expect(drifted.events[0]).toMatchObject({ type: "Warning", reason: "DisasterRecoveryDrifted" });
    const down = reportTargets(drifted.targets, [{ target: "dr", state: "Unreachable", reason: "connection failed (ECONNREFUSED)" }], T0);
    const still = reportTargets(down.targets, [{ target: "dr", state: "Unreachable", reason: "connection failed (ECONNREFUSED)" }], T1);
    expect(still.targets[0]).toMatchObject({ state: "Unreachable", since: T0, checkedAt: T1 });
    expect(still.condition).toMatchObject({ status: "False", reason: "Unreachable" });
    expect(still.events).toEqual([]);
  });

  it("a target not read yet keeps what was known, and with nothing known the condition is Unknown", () => {
    expect(reportTargets(undefined, [{ target: "dr", state: "Unknown" }], T0).condition).toMatchObject({ status: "Unknown", reason: "NotCheckedYet" });
  });
});
