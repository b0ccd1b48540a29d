// Defect lists as trackers export them. Neither Jira nor GitHub can be run here, so these inputs
// follow the documented export shapes (Jira's CSV export columns, `gh issue list --json`
// fields) rather than being tool output; the column names and value words are the trackers'.
import { describe, expect, it } from "vitest";
import { normaliseDate } from "./defect-dialects.js";
import { parseDefectsCsv, parseDefectsJson } from "./defects.js";
import { detectFormat } from "./detect.js";
import { parseErrorOf } from "./test-helpers.js";

// Jira Cloud "Export > CSV (all fields)": repeated columns (Labels, Watchers), dates dd/MMM/yy h:mm a.
const JIRA = [
  "Summary,Issue key,Issue id,Issue Type,Status,Project key,Priority,Resolution,Assignee,Reporter,Created,Updated,Resolved,Labels,Labels,Watchers,Watchers",
  'Premium rounding off by one cent,QUOTE-101,10001,Bug,Done,QUOTE,High,Done,li.wei,qa.lead,01/Mar/24 9:30 AM,03/Mar/24 5:05 PM,03/Mar/24 5:05 PM,money,,qa.lead,',
  '"Duplicate policy numbers, under load",QUOTE-102,10002,Bug,In Progress,QUOTE,Highest,,dev.one,qa.lead,02/Mar/24 11:00 PM,04/Mar/24 9:00 AM,,load,perf,qa.lead,li.wei',
  "Quote PDF footer misaligned,QUOTE-103,10003,Bug,Won't Do,QUOTE,Lowest,Won't Do,,qa.lead,02/Mar/24 12:15 AM,02/Mar/24 12:20 PM,,,,,",
  "Claims upload rejects HEIC,QUOTE-104,10004,Bug,To Do,QUOTE,Medium,,,qa.lead,04/Mar/24 8:00 AM,04/Mar/24 8:00 AM,,,,,",
].join("\n");

describe("Jira CSV export", () => {
  it("is recognised by its columns and read directly, severity from Priority when there is no Severity column", () => {
    expect(detectFormat("Jira.csv", JIRA)).toBe("defects-csv");
    const summary = parseDefectsCsv(JIRA);
    expect(summary.ids).toEqual(["QUOTE-101", "QUOTE-102", "QUOTE-103", "QUOTE-104"]);
    expect(summary.byStatus).toEqual({ open: 2, resolved: 1, deferred: 1 });
    expect(summary.bySeverity).toEqual({ Critical: 1, Major: 1, Minor: 1, Trivial: 1 });
    expect(summary.byPriority).toEqual({ P1: 1, P2: 1, P3: 1, P4: 1, none: 0 });
    expect(summary.unaccepted.map((d) => [d.id, d.severity, d.status])).toEqual([
      ["QUOTE-102", "Critical", "open"],
      ["QUOTE-104", "Minor", "open"],
      ["QUOTE-103", "Trivial", "deferred"],
    ]);
    expect(summary.arrivals[0]).toEqual({ date: "2024-03-01", opened: 1, closed: 0 });
    expect(summary.arrivals.find((a) => a.date === "2024-03-03")).toEqual({ date: "2024-03-03", opened: 0, closed: 1 });
  });

  it("takes severity from a Severity custom field when the export has one", () => {
    const csv = ["Issue key,Summary,Status,Priority,Custom field (Severity),Created,Resolved", "QA-1,x,Open,Lowest,Critical,2024-03-01 10:00,"].join("\n");
    expect(parseDefectsCsv(csv).unaccepted).toEqual([{ id: "QA-1", severity: "Critical", status: "open" }]);
  });

  it("accepts the older Blocker..Trivial priorities", () => {
    const csv = ["Issue key,Status,Priority,Created,Resolved", "QA-1,Open,Blocker,01/Mar/24 9:30 AM,", "QA-2,Open,Trivial,01/Mar/24 9:30 AM,"].join("\n");
    expect(parseDefectsCsv(csv).bySeverity).toEqual({ Critical: 1, Major: 0, Minor: 0, Trivial: 1 });
  });

  it("names what a Jira export lacks", () => {
    const csv = ["Issue key,Summary,Created", "QA-1,x,01/Mar/24 9:30 AM"].join("\n");
    expect(parseErrorOf(() => parseDefectsCsv(csv)).message).toMatch(/^Defect list \(CSV\): header is missing columns severity, status; .*a Jira export needs Issue key, Status, Created and Priority/);
  });

  it("reads Jira's dd/MMM/yy h:mm a dates, 12 AM and 12 PM included", () => {
    expect(normaliseDate("01/Mar/24 9:30 AM")).toBe("2024-03-01T09:30");
    expect(normaliseDate("02/Mar/24 12:15 AM")).toBe("2024-03-02T00:15");
    expect(normaliseDate("02/Mar/24 12:20 PM")).toBe("2024-03-02T12:20");
    expect(normaliseDate("2/Dec/2024")).toBe("2024-12-02");
    expect(normaliseDate("2024-03-01")).toBe("2024-03-01");
  });
});

// gh issue list --state all --json number,title,state,labels,createdAt,closedAt
const GH = JSON.stringify([
  { number: 12, title: "Premium rounding", state: "CLOSED", labels: [{ id: "LA_1", name: "bug", description: "", color: "d73a4a" }, { id: "LA_2", name: "severity: major", description: "", color: "fff" }], createdAt: "2024-03-01T09:30:00Z", closedAt: "2024-03-03T17:05:00Z" },
  { number: 15, title: "Duplicate policy numbers", state: "OPEN", labels: [{ id: "LA_3", name: "critical", description: "", color: "fff" }, { id: "LA_4", name: "P1", description: "", color: "fff" }], createdAt: "2024-03-02T23:00:00Z", closedAt: null },
  { number: 16, title: "Footer", state: "OPEN", labels: [{ id: "LA_5", name: "sev/trivial", description: "", color: "fff" }, { id: "LA_6", name: "priority: low", description: "", color: "fff" }], createdAt: "2024-03-04T08:00:00Z", closedAt: null },
]);

describe("gh issue list --json number,title,state,labels,createdAt,closedAt", () => {
  it("is read directly: id #number, state, severity and priority from labels", () => {
    expect(detectFormat("issues.json", GH)).toBe("defects-json");
    const summary = parseDefectsJson(GH);
    expect(summary.ids).toEqual(["#12", "#15", "#16"]);
    expect(summary.byStatus).toEqual({ open: 2, resolved: 1, deferred: 0 });
    expect(summary.byPriority).toEqual({ P1: 1, P2: 0, P3: 0, P4: 1, none: 1 });
    expect(summary.unaccepted).toEqual([
      { id: "#15", severity: "Critical", status: "open" },
      { id: "#16", severity: "Trivial", status: "open" },
    ]);
  });

  it("refuses an issue without a severity label, naming its labels and the labels it understands", () => {
    const gh = JSON.stringify([{ number: 7, title: "x", state: "OPEN", labels: [{ name: "bug" }], createdAt: "2024-03-01T00:00:00Z", closedAt: null }]);
    expect(parseErrorOf(() => parseDefectsJson(gh)).message).toBe(
      'Defect list (JSON): [0] (issue #7): no severity label (labels: "bug"); label it severity:critical, severity:major, severity:minor or severity:trivial (or critical, major, minor, trivial)',
    );
  });

  it("says an empty file is empty", () => {
    expect(parseErrorOf(() => parseDefectsJson("")).message).toMatch(/^Defect list \(JSON\): input is empty/);
    expect(parseErrorOf(() => parseDefectsCsv("\n")).message).toMatch(/^Defect list \(CSV\): input is empty/);
  });
});

describe("columns map (--map column=field,...)", () => {
  const csv = ["Ref;Sev;State;Found;Fixed".replaceAll(";", ","), "DEF-1,S1,Open,2024-03-01,", "DEF-2,Moderate,Closed,2024-03-01,2024-03-02"].join("\n");

  it("reads any CSV export whose columns it names, with the tracker's words for values", () => {
    const summary = parseDefectsCsv(csv, { columns: { Ref: "id", Sev: "severity", State: "status", Found: "opened", Fixed: "closed" } });
    expect(summary.ids).toEqual(["DEF-1", "DEF-2"]);
    expect(summary.unaccepted).toEqual([{ id: "DEF-1", severity: "Critical", status: "open" }]);
    expect(summary.byStatus.resolved).toBe(1);
  });

  it("maps JSON keys the same way", () => {
    const json = JSON.stringify([{ key: "D-9", level: "blocker", state: "postponed", created: "2024-03-01" }]);
    const summary = parseDefectsJson(json, { columns: { key: "id", level: "severity", state: "status", created: "opened" } });
    expect(summary.unaccepted).toEqual([{ id: "D-9", severity: "Critical", status: "deferred" }]);
  });

  it("names a mapped column the header does not have, listing the header", () => {
    expect(parseErrorOf(() => parseDefectsCsv(csv, { columns: { Reference: "id" } })).message).toBe(
      'Defect list (CSV): --map names the column "Reference", which the header does not have (it has "Ref", "Sev", "State", "Found", "Fixed")',
    );
  });

  it("still refuses a severity word it does not know, saying which it expects", () => {
    const bad = ["Ref,Sev,State,Found", "DEF-1,Catastrophic,Open,2024-03-01"].join("\n");
    expect(parseErrorOf(() => parseDefectsCsv(bad, { columns: { Ref: "id", Sev: "severity", State: "status", Found: "opened" } })).message).toBe(
      'Defect list (CSV): line 2 (id "DEF-1"): severity is "Catastrophic", expected one of Critical, Major, Minor, Trivial',
    );
  });

  it("keeps golive's own CSV strict: a tracker word for status is refused there", () => {
    const own = ["id,severity,status,opened", "B-1,Major,Done,2024-03-01"].join("\n");
    expect(parseErrorOf(() => parseDefectsCsv(own)).message).toMatch(/status is "Done", expected one of open, resolved, deferred/);
  });
});
