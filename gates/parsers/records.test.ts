// The JSON forms of the DR drill report and the review records, through summariseFiles as
// `golive evidence create` uses it: a whole record is summarised, a broken one names its field,
// and a non-JSON file of these types stays a document kept by digest.
import { describe, expect, it } from "vitest";
import { summariseFiles } from "../summarise.js";

const file = (name: string, value: unknown) => ({ name, content: new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value)) });
const drill = { kind: "DRDrillReport", drillDate: "2026-10-15", scenario: "loss of the primary data centre", ranBy: "wang.fang", declared: { rtoMinutes: 30, rpoMinutes: 5 }, achieved: { rtoMinutes: 22, rpoMinutes: 3 } };

describe("record JSON forms (9.2, 7.2)", () => {
  it("summarises a DR drill report", () => {
    const s = summariseFiles("DRDrillReport", [file("drill.json", drill)], "auto");
    expect(s.summary).toMatchObject({ kind: "DRDrillReport", drillDate: "2026-10-15", achieved: { rtoMinutes: 22, rpoMinutes: 3 } });
  });

  it("names the broken field and where the form is described", () => {
    expect(() => summariseFiles("DRDrillReport", [file("drill.json", { ...drill, achieved: { rtoMinutes: "fast" } })], "auto")).toThrow(
      /^drill.json: DRDrillReport record: achieved.rtoMinutes: .*achieved.rpoMinutes: .*README "Review records and DR drills"/,
    );
    expect(() => summariseFiles("ReleaseReviewRecord", [file("review.json", { kind: "ReleaseReviewRecord", reviewedBy: "x", date: "2026-11-19", counts: { projects: 1, requirements: 1, relatedSystems: 0 }, checks: {} })], "auto")).toThrow(
      /checks.interfaceChanges: /,
    );
    expect(() => summariseFiles("TestReviewRecord", [file("review.json", "{ not json")], "auto")).toThrow(/^review.json: TestReviewRecord record is not valid UTF-8 JSON/);
  });

  it("keeps a non-JSON DR report as a document, with no summary", () => {
    const s = summariseFiles("DRDrillReport", [file("drill.md", "# DR drill 2026-10-15\n")], "auto");
    expect(s.summary).toBeUndefined();
    expect(s.source.digest).toMatch(/^sha256:/);
  });
});
