import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSarif } from "./sarif.js";
import { fixture, fixtureText, HUNDRED_MIB, millisecondsOf, parseErrorOf } from "./test-helpers.js";

/** A minimal valid log around the given results and rules. */
function log(results: unknown[], rules: unknown[] = [{ id: "R1" }], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "scanner", version: "1.0", rules } }, results, ...extra }] });
}

const at = (uri: string, startLine: number) => [{ physicalLocation: { artifactLocation: { uri }, region: { startLine } } }];

describe("parseSarif on real and realistic logs", () => {
  it("reads ESLint output written by @microsoft/eslint-formatter-sarif (a real run, committed as testdata)", () => {
    const summary = parseSarif(fixture("eslint.sarif"));
    expect(summary.tools).toEqual(["ESLint@9.39.5"]);
    expect(summary.findings).toEqual({ critical: 0, high: 4, medium: 1, low: 0, none: 0 });
    expect(summary.byLevel).toEqual({ error: 4, warning: 1, note: 0, none: 0 });
    expect(summary.rules).toEqual([
      { ruleId: "eqeqeq", severity: "high", count: 2 },
      { ruleId: "no-eval", severity: "high", count: 1 },
      { ruleId: "no-new-func", severity: "high", count: 1 },
      { ruleId: "no-unused-vars", severity: "medium", count: 1 },
    ]);
    expect(summary.findingsList.map((f) => `${f.severity} ${f.ruleId} ${f.location}`)).toEqual([
      "high eqeqeq file:///tmp/es/src/claims.js:2",
      "high eqeqeq file:///tmp/es/src/quote.js:3",
      "high no-eval file:///tmp/es/src/quote.js:4",
      "high no-new-func file:///tmp/es/src/quote.js:8",
      "medium no-unused-vars file:///tmp/es/src/quote.js:2",
    ]);
    expect(summary).toMatchObject({ suppressed: 0, incompleteRuns: 0, rulesTruncated: false, findingsListTruncated: false });
  });

  it("fingerprints a finding by rule, uri and region, plus the tool's fingerprints when it has some", () => {
    const summary = parseSarif(fixture("eslint.sarif"));
    const first = summary.findingsList[0];
    const region = fixtureText("eslint.sarif").includes('"startColumn"') ? undefined : "";
    if (region !== undefined) throw new Error("expected ESLint to write columns");
    expect(summary.fingerprintBasis).toBe("rule+location+tool");
    expect(first?.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const expected = createHash("sha256").update("location\neqeqeq\nfile:///tmp/es/src/claims.js\n2").digest("hex");
    expect(first?.fingerprint).not.toBe(`sha256:${expected}`);
    const all = parseSarif(fixture("eslint.sarif")).findingsList.map((f) => f.fingerprint);
    expect(new Set(all).size).toBe(all.length);
    for (const fingerprint of all) expect(fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("reads a CodeQL + Trivy log: security-severity, extension rules, artifact indexes, suppressions, passes and fixed results", () => {
    const summary = parseSarif(fixture("codeql-trivy.sarif"));
    expect(summary.tools).toEqual(["CodeQL@2.16.3", "Trivy@0.50.1"]);
    expect(summary.findings).toEqual({ critical: 1, high: 2, medium: 1, low: 1, none: 1 });
    expect(summary.byLevel).toEqual({ error: 3, warning: 2, note: 1, none: 0 });
    expect(summary.suppressed).toBe(1);
    expect(summary.incompleteRuns).toBe(0);
    expect(summary.findingsList.map((f) => `${f.severity} ${f.ruleId} ${f.location}`)).toEqual([
      "critical CVE-2023-45853 registry.example.com/policy-service:2.4.0:1",
      "high js/sql-injection src/policies/search.ts:42",
      "high js/clear-text-logging src/payments/charge.ts:17",
      "medium CVE-2024-29041 app/package-lock.json:1",
      "low js/unused-local-variable src/payments/charge.ts:88",
      "none KSV014 deploy/deployment.yaml:31",
    ]);
    expect(summary.rules[0]).toEqual({ ruleId: "CVE-2023-45853", severity: "critical", count: 1 });
  });

  it("gives a finding that moves to another line a new fingerprint, even with the same partialFingerprints (a waiver is re-reviewed)", () => {
    const original = parseSarif(fixture("codeql-trivy.sarif")).findingsList[1];
    const moved = fixtureText("codeql-trivy.sarif").replace('"startLine": 42', '"startLine": 57');
    const after = parseSarif(moved).findingsList[1];
    expect(after?.location).toBe("src/policies/search.ts:57");
    expect(after?.fingerprint).not.toBe(original?.fingerprint);
  });

  it("produces a compact JSON-serialisable summary", () => {
    const summary = parseSarif(fixture("codeql-trivy.sarif"));
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(JSON.stringify(summary).length).toBeLessThan(fixtureText("codeql-trivy.sarif").length / 2);
  });
});

describe("parseSarif severity and level rules", () => {
  it("maps security-severity scores on the GitHub thresholds", () => {
    const scores = ["9.0", "8.99", "7", "4.0", "3.9", "0.1", "0.0"];
    const rules = scores.map((score, i) => ({ id: `R${i}`, properties: { "security-severity": score } }));
    const results = scores.map((_, i) => ({ ruleId: `R${i}`, ruleIndex: i, level: "note" }));
    const summary = parseSarif(log(results, rules));
    expect(summary.findingsList.map((f) => f.severity)).toEqual(["critical", "high", "high", "medium", "low", "low", "none"]);
  });

  it("prefers the result's security-severity over its rule's", () => {
    const summary = parseSarif(log([{ ruleId: "R1", properties: { "security-severity": "9.5" } }], [{ id: "R1", properties: { "security-severity": "2.0" } }]));
    expect(summary.findings.critical).toBe(1);
  });

  it("maps levels without a score and defaults to warning, or none for non-fail kinds", () => {
    const results = [{ ruleId: "R1", level: "error" }, { ruleId: "R1", level: "note" }, { ruleId: "R1", level: "none" }, { ruleId: "R1" }, { ruleId: "R1", kind: "review" }];
    const summary = parseSarif(log(results));
    expect(summary.findings).toEqual({ critical: 0, high: 1, medium: 1, low: 1, none: 2 });
    expect(summary.byLevel).toEqual({ error: 1, warning: 1, note: 1, none: 2 });
  });

  it("takes the level from the rule's defaultConfiguration", () => {
    expect(parseSarif(log([{ ruleId: "R1" }], [{ id: "R1", defaultConfiguration: { level: "error" } }])).byLevel.error).toBe(1);
  });

  it("resolves hierarchical rule ids to their rule", () => {
    const summary = parseSarif(log([{ ruleId: "CA2000/1" }], [{ id: "CA2000", properties: { "security-severity": "7.1" } }]));
    expect(summary.findingsList[0]).toMatchObject({ ruleId: "CA2000/1", severity: "high" });
  });

  it("counts runs without results or with a failed invocation as incomplete", () => {
    expect(parseSarif(log([], undefined, {})).incompleteRuns).toBe(0);
    expect(parseSarif(JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "s" } }, results: null }] })).incompleteRuns).toBe(1);
    expect(parseSarif(JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "s" } } }] })).incompleteRuns).toBe(1);
    expect(parseSarif(log([], undefined, { invocations: [{ executionSuccessful: false }] })).incompleteRuns).toBe(1);
  });

  it("keeps the most severe findings when the list is capped", () => {
    const results = Array.from({ length: 250 }, (_, i) => ({ ruleId: i === 249 ? "CRIT" : "R1", locations: at("a.ts", i + 1) }));
    const summary = parseSarif(log(results, [{ id: "R1" }, { id: "CRIT", properties: { "security-severity": "9.9" } }]));
    expect(summary.findingsList).toHaveLength(200);
    expect(summary.findingsListTruncated).toBe(true);
    expect(summary.findingsList[0]).toMatchObject({ ruleId: "CRIT", severity: "critical", location: "a.ts:250" });
    expect(summary.findings.medium + summary.findings.critical).toBe(250);
  });

  it("keeps a finding whose suppression is under review or rejected", () => {
    const suppressed = (...statuses: (string | undefined)[]) => parseSarif(log([{ ruleId: "R1", suppressions: statuses.map((status) => ({ kind: "inSource", status })) }]));
    expect(suppressed(undefined)).toMatchObject({ suppressed: 1, findings: { medium: 0 } });
    expect(suppressed("accepted", undefined).suppressed).toBe(1);
    expect(suppressed("accepted", "underReview")).toMatchObject({ suppressed: 0, findings: { medium: 1 } });
    expect(suppressed("rejected")).toMatchObject({ suppressed: 0, findings: { medium: 1 } });
  });

  it("treats odd rule ids as plain data", () => {
    const summary = parseSarif(log([{ ruleId: "__proto__" }, { ruleId: "constructor" }], [{ id: "__proto__" }]));
    expect(summary.rules.map((r) => r.ruleId).sort()).toEqual(["__proto__", "constructor"]);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

describe("parseSarif rejects bad input with a precise message", () => {
  it("names the path and allowed values of a bad level", () => {
    const results = [{ ruleId: "R1" }, { ruleId: "R1" }, { ruleId: "R1" }, { ruleId: "R1", level: "fatal" }];
    expect(parseErrorOf(() => parseSarif(log(results))).message).toBe('SARIF: runs[0].results[3].level is "fatal", expected one of none, note, warning, error');
  });

  it("checks the version and the runs array", () => {
    expect(parseErrorOf(() => parseSarif(JSON.stringify({ version: "2.0.0", runs: [] }))).message).toMatch(/^SARIF: version is "2\.0\.0", expected "2\.1\.0"; upgrade the scanner/);
    expect(parseErrorOf(() => parseSarif(JSON.stringify({ version: "2.1.0" }))).message).toBe("SARIF: runs is missing, expected an array");
    expect(parseErrorOf(() => parseSarif(JSON.stringify({ version: "2.1.0", runs: [{ tool: {} }] }))).message).toBe("SARIF: runs[0].tool.driver is missing, expected an object");
  });

  it("says when the file is another kind of evidence", () => {
    expect(parseErrorOf(() => parseSarif(fixture("cyclonedx-1.6.json"))).message).toBe("SARIF: this looks like a CycloneDX SBOM, not a SARIF log; parse it as cyclonedx instead");
    expect(parseErrorOf(() => parseSarif(fixture("defects.json"))).message).toMatch(/this looks like a defect list/);
    expect(parseErrorOf(() => parseSarif(fixture("jest-junit.xml"))).message).toBe('SARIF: input is not JSON: it starts with "<?xml version=\\"1.0\\" enco…"; it is XML (JUnit reports go to the junit parser)');
  });

  it("names the rule with a non-numeric security-severity", () => {
    const message = parseErrorOf(() => parseSarif(log([{ ruleId: "R1", ruleIndex: 0 }], [{ id: "R1", properties: { "security-severity": "high" } }]))).message;
    expect(message).toBe('SARIF: runs[0].tool.driver.rules[0].properties["security-severity"] is "high", expected a score from 0.0 to 10.0 written as a string, such as "7.5" (GitHub\'s convention)');
    expect(parseErrorOf(() => parseSarif(log([{ ruleId: "R1", properties: { "security-severity": "11" } }]))).message).toMatch(/results\[0\]\.properties\["security-severity"\] is "11"/);
  });

  it("refuses rule and extension indexes that point nowhere", () => {
    expect(parseErrorOf(() => parseSarif(log([{ ruleId: "R1", ruleIndex: 5 }]))).message).toBe("SARIF: runs[0].results[0] refers to rule index 5, but runs[0].tool.driver.rules has 1 entry");
    expect(parseErrorOf(() => parseSarif(log([{ rule: { index: 0, toolComponent: { index: 2 } } }]))).message).toMatch(/toolComponent\.index is 2, but runs\[0\]\.tool\.extensions has 0 entries/);
  });

  it("reports malformed JSON with line and column", () => {
    const message = parseErrorOf(() => parseSarif('{\n  "version": "2.1.0",\n  "runs": [,]\n}')).message;
    expect(message).toBe('SARIF: not valid JSON at line 3, column 12: unexpected ",", expected a value');
    expect(parseErrorOf(() => parseSarif('{"version": "2.1.0", "runs": [')).message).toBe("SARIF: not valid JSON at line 1, column 31: unexpected end of input, expected a value");
  });

  it("refuses deep nesting before parsing, quickly", () => {
    const deep = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"properties":${"[".repeat(5_000_000)}${"]".repeat(5_000_000)}}]}`;
    let message = "";
    expect(millisecondsOf(() => (message = parseErrorOf(() => parseSarif(deep)).message))).toBeLessThan(1000);
    expect(message).toBe("SARIF: JSON nests deeper than 64 levels at line 1, column 134; no genuine report needs that, so the file is refused (raise the maxDepth option if it is genuine)");
  });

  it("refuses a 100 MiB input by its size", () => {
    const huge = "[".repeat(HUNDRED_MIB);
    expect(millisecondsOf(() => parseErrorOf(() => parseSarif(huge)))).toBeLessThan(500);
    expect(parseErrorOf(() => parseSarif(huge)).message).toMatch(/^SARIF: input is at least 104857600 bytes/);
  });

  it("refuses empty input and a bare JSON value", () => {
    expect(parseErrorOf(() => parseSarif("")).message).toMatch(/^SARIF: input is empty/);
    expect(parseErrorOf(() => parseSarif("null")).message).toBe('SARIF: expected a JSON object with "version": "2.1.0" and "runs"');
  });
});
