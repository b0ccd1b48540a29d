// Issue 21 "must not pass" and issue 14 item 6, on the gate side, with real tools' output
// (gates/parsers/testdata: regenerate-sarif.sh for the SARIF logs, regenerate.sh for the rest).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EvidenceType, Gate, ReleaseEvidence } from "../api/index.js";
import { evaluateGates } from "./evaluate.js";
import { parseJUnit } from "./parsers/junit.js";
import { parseSarif } from "./parsers/sarif.js";
import { EMPTY_DIGEST } from "./evaluators/documents.js";
import { examplePolicy, exampleRelease, sign } from "./testkit.js";

const now = new Date("2026-11-24T13:00:00Z");
const release = exampleRelease();
const { policy, keys } = examplePolicy();
const testdata = join(import.meta.dirname, "parsers", "testdata");
const file = (name: string) => readFileSync(join(testdata, name));
const gate = (name: string, evidence: ReleaseEvidence[]) => {
  const r = evaluateGates(release, policy.spec, evidence, now, policy.spec.gates.filter((g) => g.name === name)).results[0];
  if (!r) throw new Error(`no gate ${name}`);
  return r;
};
const report = (type: EvidenceType, name: string, issuedAt: string) =>
  sign(release, type, keys.qa, { source: { filename: name.split("/").pop()!, digest: `sha256:${"c".repeat(64)}` }, summary: parseJUnit(file(name)) as unknown as Record<string, unknown> }, issuedAt);
const scan = (name: string, issuedAt = "2026-11-20T10:00:00Z") => sign(release, "SecurityScan", keys.security, { summary: parseSarif(file(name)) as unknown as Record<string, unknown> }, issuedAt);
const waiver = (fingerprints: string[]) => sign(release, "Waiver", keys.security, { waiver: { fingerprints, reason: "reviewed: parameterised by the driver" } });
const pentest = sign(release, "PenetrationTestReport", keys.security, { source: { digest: `sha256:${"a".repeat(64)}` } });
const accept = (acceptance: { defects?: string[]; tests?: string[]; role?: string }, key = keys.owner) =>
  sign(release, "Acceptance", key, { acceptance: { role: "business-owner", defects: [], tests: [], reason: "accepted for go-live", ...acceptance } });

describe("tests gate: every report of the type counts (issue 21, 1)", () => {
  // Real Surefire output: one TEST-*.xml per class; FlakyTest holds an error.
  const failing = "surefire/TEST-com.example.quote.FlakyTest.xml";
  const passing = "go-junit-report/junit.xml";

  it("fails when an older signed report fails, whatever newer report passes", () => {
    const older = report("UnitTestReport", failing, "2026-11-20T09:00:00Z");
    const newer = sign(release, "UnitTestReport", keys.qa, { source: { filename: "TEST-other.xml", digest: `sha256:${"d".repeat(64)}` }, summary: { totals: { planned: 2, executed: 2, passed: 2, failed: 0, errored: 0, skipped: 0 }, failures: [] } }, "2026-11-20T11:00:00Z");
    const r = gate("unit-tests", [newer, older]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/2 UnitTestReport reports: 1 failing case.*"com.example.quote.FlakyTest.throwsError" \(underwriting-api/);
    expect(r.evidence).toEqual(expect.arrayContaining([older.metadata.name, newer.metadata.name]));
  });

  it("does not let a re-signed file of the same name replace a failing one", () => {
    const older = report("UnitTestReport", failing, "2026-11-20T09:00:00Z");
    const sameName = sign(release, "UnitTestReport", keys.qa, { source: { filename: "TEST-com.example.quote.FlakyTest.xml", digest: `sha256:${"d".repeat(64)}` }, summary: { totals: { planned: 2, executed: 2, passed: 2, failed: 0, errored: 0, skipped: 0 }, suites: [{ name: "com.example.quote.FlakyTest", tests: 2 }], failures: [] } }, "2026-11-20T11:00:00Z");
    expect(gate("unit-tests", [older, sameName]).status).toBe("Failed");
  });

  it("adds up the cases of all reports", () => {
    const a = report("UnitTestReport", passing, "2026-11-20T09:00:00Z");
    const b = report("UnitTestReport", "surefire/TEST-com.example.quote.PremiumTest.xml", "2026-11-20T10:00:00Z");
    const r = gate("unit-tests", [a, b]);
    const totals = [parseJUnit(file(passing)), parseJUnit(file("surefire/TEST-com.example.quote.PremiumTest.xml"))].reduce((n, s) => n + s.totals.planned, 0);
    expect(r.reason).toContain(`of ${totals} planned`);
  });
});

describe("tests gate: acceptance from signed Acceptance only, failure body searched (issues 14.6, 21)", () => {
  // go-junit-report writes message="Failed"; the defect id BUG-101 is only in the body.
  const goTest = () => report("UnitTestReport", "go-junit-report/junit.xml", "2026-11-20T09:00:00Z");
  // go test's run holds a skipped case too: this gate looks at failures only.
  const failuresOnly: Gate = { name: "unit-tests", clause: "7.1.1", phase: "GoLive", tests: { evidenceType: "UnitTestReport", requireAllPlannedExecuted: false, allowFailuresMappedToAcceptedDefects: true, minCases: 1 } };
  const gate = (_name: string, evidence: ReleaseEvidence[], p = policy) => evaluateGates(release, p.spec, evidence, now, [failuresOnly]).results[0]!;

  it("finds an accepted defect id in the failure's body text", () => {
    const summary = parseJUnit(file("go-junit-report/junit.xml"));
    expect(summary.failures[0]!.message).toBe("Failed");
    expect(summary.failures[0]!.details).toContain("BUG-101");
    expect(gate("unit-tests", [goTest()]).status).toBe("Failed");
    expect(gate("unit-tests", [goTest(), accept({ defects: ["BUG-101"] })]).status).toBe("Passed");
  });

  it("does not take an id that is only a prefix of the one in the text", () => {
    expect(gate("unit-tests", [goTest(), accept({ defects: ["BUG-10"] })]).status).toBe("Failed");
  });

  it("accepts a known failure by Suite.case, and ignores an acceptance signed with a key outside the business-owner role", () => {
    const f = parseJUnit(file("go-junit-report/junit.xml")).failures[0]!;
    const known = `${f.classname || f.suite}.${f.name}`;
    expect(gate("unit-tests", [goTest(), accept({ tests: [known] })]).status).toBe("Passed");
    const p = structuredClone(policy);
    p.spec.signers.find((s) => s.name === "qa-lead")!.evidenceTypes!.push("Acceptance");
    const byQa = accept({ tests: [known] }, keys.qa);
    const r = gate("unit-tests", [goTest(), byQa], p);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/signed by qa-lead, whose key is not bound to the business-owner role/);
  });
});

describe("defects gate: acceptedBy in the list accepts nothing (issue 14, 6)", () => {
  const list = (issuedAt = "2026-11-19T09:00:00Z") =>
    sign(release, "DefectList", keys.qa, {
      summary: { total: 1, unaccepted: [], accepted: [{ id: "UW-9", severity: "Minor", status: "deferred", acceptedBy: "li.wei (business owner)" }], arrivals: [{ date: "2026-11-10", opened: 1, closed: 0 }] },
    }, issuedAt);

  it("fails a deferred defect accepted only in the acceptedBy column, and says why", () => {
    const r = gate("defect-convergence", [list()]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/UW-9 \(Minor, deferred; acceptedBy "li.wei \(business owner\)" in the defect list is not a signature\)/);
    expect(r.reason).toMatch(/golive accept --defects UW-9/);
  });

  it("passes once the business owner signs the acceptance", () => {
    const acceptance = accept({ defects: ["UW-9"] });
    const r = gate("defect-convergence", [list(), acceptance]);
    expect(r.status).toBe("Passed");
    expect(r.evidence).toContain(acceptance.metadata.name);
  });

  it("does not count an expired acceptance", () => {
    const expired = sign(release, "Acceptance", keys.owner, { acceptance: { role: "business-owner", defects: ["UW-9"], tests: [], reason: "until the hotfix", expires: "2026-11-21T00:00:00Z" } });
    expect(gate("defect-convergence", [list(), expired]).reason).toMatch(/expired at 2026-11-21/);
  });
});

describe("security gate: a waiver names one finding at one place (issue 21, 2)", () => {
  it("semgrep OSS repeats the placeholder fingerprint; a waiver for scan 1 does not waive scan 2's new finding in a new file", () => {
    const raw = JSON.parse(file("sarif-semgrep-scan1.sarif").toString()) as { runs: { results: { fingerprints: Record<string, string> }[] }[] };
    expect(new Set(raw.runs[0]!.results.map((r) => Object.values(r.fingerprints)[0]))).toEqual(new Set(["requires login"]));
    const first = parseSarif(file("sarif-semgrep-scan1.sarif"));
    const sql = first.findingsList.filter((f) => f.ruleId === "sql-string-concat");
    expect(sql).toHaveLength(2);
    expect(new Set(sql.map((f) => f.fingerprint)).size).toBe(2);
    const w = waiver(first.findingsList.map((f) => f.fingerprint));
    expect(gate("security-scan", [scan("sarif-semgrep-scan1.sarif"), w, pentest]).status).toBe("Passed");
    const r = gate("security-scan", [scan("sarif-semgrep-scan2.sarif"), w, pentest]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/1 finding\(s\) at or above high without a signed waiver \(sql-string-concat at claims.py:6/);
  });

  it("does not apply a waiver to a scan summarised without locations in its fingerprints", () => {
    const old = sign(release, "SecurityScan", keys.security, { summary: { findings: { high: 1 }, findingsList: [{ ruleId: "r", severity: "high", fingerprint: "sha256:x" }], tools: ["semgrep"], incompleteRuns: 0 } });
    const r = gate("security-scan", [old, waiver(["sha256:x"]), pentest]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/do not include the finding's location/);
  });
});

describe("security gate: a scan that did not run is not clean (issue 21, 3)", () => {
  const log = (mutate: (d: { runs: Record<string, unknown>[] }) => void) => {
    const d = JSON.parse(file("sarif-semgrep-clean.sarif").toString()) as { runs: Record<string, unknown>[] };
    mutate(d);
    return sign(release, "SecurityScan", keys.security, { summary: parseSarif(JSON.stringify(d)) as unknown as Record<string, unknown> });
  };

  it("shows which tool and how many rules ran for a clean scan", () => {
    const r = gate("security-scan", [scan("sarif-semgrep-clean.sarif"), pentest]);
    expect(r.status).toBe("Passed");
    expect(r.reason).toMatch(/by Semgrep OSS@1\.\d+\.\d+ \(2 rule\(s\) listed, 0 result\(s\)\)/);
  });

  it.each([
    ["runs: []", (d: { runs: Record<string, unknown>[] }) => void (d.runs = []), /no runs, so no scanner ran/],
    ["no results", (d: { runs: Record<string, unknown>[] }) => void delete d.runs[0]!["results"], /no results array/],
    ["no tool", (d: { runs: Record<string, unknown>[] }) => void delete d.runs[0]!["tool"], /names no tool/],
    ["executionSuccessful: false", (d: { runs: Record<string, unknown>[] }) => void (d.runs[0]!["invocations"] = [{ executionSuccessful: false, exitCode: 2 }]), /executionSuccessful: false \(exit code 2\)/],
  ])("fails a log with %s as scan incomplete", (_name, mutate, why) => {
    const r = gate("security-scan", [log(mutate), pentest]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/scan incomplete/);
    expect(r.reason).toMatch(why);
  });

  it("fails bandit's log of a file it could not parse (executionSuccessful true, an error notification)", () => {
    const r = gate("security-scan", [scan("sarif-bandit-syntax-error.sarif"), pentest]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/scan incomplete .*syntax error while parsing AST from file.* in report.py/);
  });
});

describe("documents gate: an empty document is refused (issue 21, 4)", () => {
  it("fails a 0-byte document even when another evidence of the type is fine", () => {
    const docs = policy.spec.gates.find((g) => g.name === "documents")!.documents!.required;
    const ok = docs.map((t) => sign(release, t, keys.manager, { source: { filename: `${t}.md`, digest: `sha256:${"b".repeat(64)}` } }));
    expect(gate("documents", ok).status).toBe("Passed");
    const empty = sign(release, "SLA", keys.manager, { source: { filename: "sla.md", digest: EMPTY_DIGEST } }, "2026-11-19T10:00:00Z");
    const r = gate("documents", [...ok, empty]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/SLA evidence .* is an empty \(0-byte\) document \(sla.md\)/);
  });
});

describe("SARIF severity from the tool's own properties before the level", () => {
  it("gosec: level error for MEDIUM findings, read as medium from the rule's tags", () => {
    const s = parseSarif(file("sarif-gosec.sarif"));
    const g401 = s.findingsList.find((f) => f.ruleId === "G401")!;
    expect(g401).toMatchObject({ severity: "medium", severityFrom: "tags" });
    expect(s.byLevel.error).toBeGreaterThan(s.findings.high + s.findings.critical);
  });

  it("bandit: issue_severity of the result", () => {
    const s = parseSarif(file("sarif-bandit.sarif"));
    expect(s.findingsList.every((f) => f.severityFrom === "properties.severity")).toBe(true);
    expect(s.findingsList.find((f) => f.ruleId === "B404")!.severity).toBe("low");
  });

  it("semgrep: no severity property, so the level decides", () => {
    expect(parseSarif(file("sarif-semgrep-scan1.sarif")).findingsList.every((f) => f.severityFrom === "level")).toBe(true);
  });

  it("gosec: a package that does not type-check gives a log with no results and no rules (the limit of what SARIF can show)", () => {
    const s = parseSarif(file("sarif-gosec-type-error.sarif"));
    expect(s.runs).toEqual([{ tool: expect.stringMatching(/^gosec/), rules: 0, results: 0, category: "sast" }]);
  });
});
