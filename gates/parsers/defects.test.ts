import { describe, expect, it } from "vitest";
import { parseDefectsCsv, parseDefectsJson } from "./defects.js";
import { fixture, HUNDRED_MIB, millisecondsOf, parseErrorOf } from "./test-helpers.js";

const HEADER = "id,severity,priority,status,opened,closed,acceptedBy,title";
const csv = (...rows: string[]) => [HEADER, ...rows].join("\n");
const json = (...defects: Record<string, unknown>[]) => JSON.stringify(defects);
const defect = (overrides: Record<string, unknown> = {}) => ({ id: "D-1", severity: "Major", status: "open", opened: "2024-03-01", ...overrides });

const EXPECTED_FIXTURE_SUMMARY = {
  format: "defects",
  total: 7,
  byStatus: { open: 3, resolved: 3, deferred: 1 },
  bySeverity: { Critical: 2, Major: 2, Minor: 2, Trivial: 1 },
  byPriority: { P1: 2, P2: 2, P3: 1, P4: 1, none: 1 },
  unaccepted: [
    { id: "106", severity: "Critical", status: "open" },
    { id: "BUG-104", severity: "Major", status: "open" },
  ],
  unacceptedTruncated: false,
  accepted: [
    { id: "BUG-103", severity: "Minor", status: "deferred", acceptedBy: "li.wei (business owner)" },
    { id: "BUG-105", severity: "Trivial", status: "open", acceptedBy: "li.wei (business owner)" },
  ],
  acceptedTruncated: false,
  arrivals: [
    { date: "2024-03-01", opened: 2, closed: 0 },
    { date: "2024-03-02", opened: 2, closed: 1 },
    { date: "2024-03-03", opened: 0, closed: 1 },
    { date: "2024-03-04", opened: 1, closed: 0 },
    { date: "2024-03-05", opened: 2, closed: 1 },
  ],
  ids: ["BUG-101", "BUG-102", "BUG-103", "BUG-104", "BUG-105", "106", "BUG-107"],
  idsTruncated: false,
};

describe("defect lists", () => {
  it("summarises the documented JSON form", () => {
    expect(parseDefectsJson(fixture("defects.json"))).toEqual(EXPECTED_FIXTURE_SUMMARY);
  });

  it("summarises the same list in the documented CSV form identically", () => {
    expect(parseDefectsCsv(fixture("defects.csv"))).toEqual(EXPECTED_FIXTURE_SUMMARY);
  });

  it("accepts a bare JSON array, CSV columns in any order and case, and extra columns", () => {
    expect(parseDefectsJson(json(defect())).total).toBe(1);
    const reordered = "Status,ID,Severity,Opened,Component\nopen,X-1,minor,2024-03-01,claims\n";
    expect(parseDefectsCsv(reordered)).toMatchObject({ total: 1, bySeverity: { Minor: 1 }, unaccepted: [{ id: "X-1", severity: "Minor", status: "open" }] });
  });

  it("handles an empty list", () => {
    expect(parseDefectsJson('{"defects": []}')).toMatchObject({ total: 0, arrivals: [], ids: [] });
    expect(parseDefectsCsv(HEADER).total).toBe(0);
  });

  it("zero-fills the arrival curve across quiet days", () => {
    const arrivals = parseDefectsJson(json(defect({ id: "a", opened: "2024-02-27" }), defect({ id: "b", opened: "2024-03-02", status: "resolved", closed: "2024-03-03" }))).arrivals;
    expect(arrivals.map((a) => `${a.date}:${a.opened}/${a.closed}`)).toEqual(["2024-02-27:1/0", "2024-02-28:0/0", "2024-02-29:0/0", "2024-03-01:0/0", "2024-03-02:1/0", "2024-03-03:0/1"]);
  });

  it("maps priority words in ITIL order", () => {
    const defects = ["Critical", "urgent", "HIGH", "medium", "Low", "p3"].map((priority, i) => defect({ id: `d${i}`, priority }));
    expect(parseDefectsJson(json(...defects)).byPriority).toEqual({ P1: 2, P2: 1, P3: 2, P4: 1, none: 0 });
  });

  it("compares same-day open and close times, time zones included", () => {
    expect(parseDefectsJson(json(defect({ status: "resolved", opened: "2024-03-01T10:00:00+08:00", closed: "2024-03-01T03:00:00Z" }))).byStatus.resolved).toBe(1);
    expect(parseDefectsJson(json(defect({ status: "resolved", opened: "2024-03-01T10:00", closed: "2024-03-01" }))).byStatus.resolved).toBe(1);
  });

  it("caps the lists, keeping the most severe unaccepted defects", () => {
    const defects = Array.from({ length: 300 }, (_, i) => defect({ id: `d${i}`, severity: i === 299 ? "Critical" : "Minor" }));
    const summary = parseDefectsJson(json(...defects));
    expect(summary.unaccepted).toHaveLength(200);
    expect(summary.unacceptedTruncated).toBe(true);
    expect(summary.unaccepted[0]).toEqual({ id: "d299", severity: "Critical", status: "open" });
    expect(summary.ids).toHaveLength(200);
    expect(summary.idsTruncated).toBe(true);
    expect(summary.byStatus.open).toBe(300);
  });
});

describe("defect lists reject bad records with a precise message", () => {
  it("refuses unknown severities, statuses and priorities", () => {
    expect(parseErrorOf(() => parseDefectsJson(JSON.stringify({ defects: [defect({ id: "BUG-9", severity: "Blocker" })] }))).message).toBe(
      'Defect list (JSON): defects[0] (id "BUG-9"): severity is "Blocker", expected one of Critical, Major, Minor, Trivial',
    );
    expect(parseErrorOf(() => parseDefectsCsv(csv("BUG-1,Major,P2,open,2024-03-01,,,", "BUG-2,Major,P2,closed,2024-03-01,2024-03-02,,"))).message).toBe(
      'Defect list (CSV): line 3 (id "BUG-2"): status is "closed", expected one of open, resolved, deferred (map closed, fixed or verified to resolved)',
    );
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ priority: "P5" })))).message).toBe('Defect list (JSON): [0] (id "D-1"): priority is "P5", expected P1, P2, P3, P4 (or Critical, High, Medium, Low)');
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ severity: undefined })))).message).toBe('Defect list (JSON): [0] (id "D-1"): severity is missing, expected one of Critical, Major, Minor, Trivial');
  });

  it("refuses a close before the open, and a resolved defect without a close date", () => {
    expect(parseErrorOf(() => parseDefectsCsv(csv("BUG-3,Minor,,resolved,2024-03-05,2024-03-04,,"))).message).toBe('Defect list (CSV): line 2 (id "BUG-3"): closed (2024-03-04) is before opened (2024-03-05)');
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ status: "resolved", opened: "2024-03-01T10:00:00Z", closed: "2024-03-01T09:59:59Z" })))).message).toMatch(/closed \(2024-03-01T09:59:59Z\) is before opened/);
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ status: "Resolved" })))).message).toBe('Defect list (JSON): [0] (id "D-1"): status is resolved but closed is empty; give the date it was resolved');
  });

  it("refuses duplicate ids, naming both places", () => {
    expect(parseErrorOf(() => parseDefectsCsv(csv("BUG-1,Major,,open,2024-03-01,,,", "BUG-2,Major,,open,2024-03-01,,,", "BUG-1,Minor,,open,2024-03-02,,,"))).message).toBe(
      'Defect list (CSV): line 4 (id "BUG-1"): the id is already used at line 2; ids must be unique',
    );
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ id: 7 }), defect({ id: "7" })))).message).toMatch(/\[1\] \(id "7"\): the id is already used at \[0\]/);
  });

  it("refuses dates that are not ISO dates or not on the calendar", () => {
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ opened: "03/01/2024" })))).message).toBe('Defect list (JSON): [0] (id "D-1"): opened is "03/01/2024", expected a date such as 2024-03-01 or 2024-03-01T09:30:00Z');
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ opened: "2023-02-29" })))).message).toMatch(/opened is "2023-02-29", which is not a calendar date/);
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ opened: "2024-03-01T25:00:00Z" })))).message).toMatch(/not a valid time of day/);
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ opened: undefined })))).message).toMatch(/opened is missing; give the date the defect was found/);
  });

  it("refuses a date span that points to a mistyped year", () => {
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ id: "old", opened: "2004-03-01" }), defect({ id: "new", opened: "2024-03-01" })))).message).toBe(
      'Defect list (JSON): dates span 7306 days, from 2004-03-01 (id "old") to 2024-03-01 (id "new"), more than 3660; check those dates for a mistyped year (or raise the maxArrivalDays option)',
    );
    expect(parseDefectsJson(json(defect({ id: "old", opened: "2004-03-01" }), defect({ id: "new", opened: "2024-03-01" })), { maxArrivalDays: 8000 }).arrivals).toHaveLength(7306);
  });

  it("refuses ids that are missing or not text", () => {
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ id: undefined })))).message).toBe("Defect list (JSON): [0]: id is missing; every defect needs a unique id");
    expect(parseErrorOf(() => parseDefectsJson(json(defect({ id: { nested: true } })))).message).toBe("Defect list (JSON): [0]: id is an object, expected text");
  });

  it("says when the document is not a defect list", () => {
    expect(parseErrorOf(() => parseDefectsJson(fixture("eslint.sarif"))).message).toBe("Defect list (JSON): this looks like a SARIF log, not a defect list; parse it as sarif instead");
    expect(parseErrorOf(() => parseDefectsJson('{"items": []}')).message).toBe('Defect list (JSON): expected an array of defects or an object with a "defects" array');
    expect(parseErrorOf(() => parseDefectsJson('["BUG-1"]')).message).toBe('Defect list (JSON): [0] is "BUG-1", expected an object');
    expect(parseErrorOf(() => parseDefectsCsv(fixture("jmeter-results.jtl"))).message).toBe(
      "Defect list (CSV): header is missing columns id, severity, status, opened; the first line must name the columns, e.g. id,severity,priority,status,opened,closed,acceptedBy,title, or name yours with --map column=field,...",
    );
  });

  it("refuses malformed CSV and JSON with their position", () => {
    expect(parseErrorOf(() => parseDefectsCsv(csv("BUG-1,Major,,open,2024-03-01,,"))).message).toBe("Defect list (CSV): line 2 has 7 fields but the header has 8; quote values that contain commas");
    expect(parseErrorOf(() => parseDefectsCsv(csv('BUG-1,Major,,open,2024-03-01,,,"unterminated'))).message).toMatch(/^Defect list \(CSV\): line 2: a quoted field is never closed/);
    expect(parseErrorOf(() => parseDefectsCsv("id,severity,status,opened,Severity\n")).message).toBe("Defect list (CSV): header names the column severity twice");
    expect(parseErrorOf(() => parseDefectsJson('[{"id": "a"}\n{"id": "b"}]')).message).toBe('Defect list (JSON): not valid JSON at line 2, column 1: unexpected "{", expected "," or "]"');
  });

  it("refuses deep nesting, empty and oversized input", () => {
    expect(parseErrorOf(() => parseDefectsJson(`[${"[".repeat(70)}${"]".repeat(70)}]`)).message).toMatch(/^Defect list \(JSON\): JSON nests deeper than 64 levels/);
    expect(parseErrorOf(() => parseDefectsCsv("\r\n")).message).toMatch(/^Defect list \(CSV\): input is empty/);
    expect(millisecondsOf(() => parseErrorOf(() => parseDefectsCsv(new Uint8Array(HUNDRED_MIB))))).toBeLessThan(500);
    expect(parseErrorOf(() => parseDefectsJson("[]", { maxArrivalDays: 0 })).message).toBe("Defect list (JSON): option maxArrivalDays is 0, expected a positive whole number");
  });
});
