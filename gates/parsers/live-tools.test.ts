// The tools that install in seconds run LIVE here: each writes its JUnit XML from the sample
// project in testdata/projects/, and the parser must count it exactly as it counts the committed
// fixture (so a new tool behaviour, or a stale fixture, shows up as a failing test). Installs are
// cached outside the repository by testdata/tools.sh (~/.cache/golive/tools/<tool>-<version>).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJUnit, type TestReportSummary } from "./junit.js";
import { fixture } from "./test-helpers.js";

const testdata = join(import.meta.dirname, "testdata");
const work = mkdtempSync(join(tmpdir(), "golive-live-tools-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function toolPath(tool: string): string {
  return execFileSync("bash", [join(testdata, "tools.sh"), tool], { encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "inherit"] }).trim();
}

function project(name: string): string {
  const dir = join(work, name);
  cpSync(join(testdata, "projects", name), dir, { recursive: true });
  return dir;
}

/** Run a test command that is expected to fail (the samples fail on purpose); only a crash is an error. */
function runTool(command: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, CI: "true", ...env }, encoding: "utf8", timeout: 120_000 });
  if (result.error) throw result.error;
}

const counts = (s: TestReportSummary) => ({ totals: s.totals, suites: s.suites.map(({ timeSeconds: _t, ...rest }) => rest), failures: s.failures.map((f) => [f.kind, f.name]) });

describe("real tools, live", { timeout: 400_000 }, () => {
  it("pytest --junitxml", () => {
    const pytest = toolPath("pytest");
    const dir = project("pytest");
    runTool(pytest, ["-p", "no:cacheprovider", "-q", "--junitxml=junit.xml"], dir);
    const live = parseJUnit(readFileSync(join(dir, "junit.xml")));
    expect(counts(live)).toEqual(counts(parseJUnit(fixture("pytest/junit.xml"))));
    expect(live.totals.expectedFailures).toBe(1);
  });

  it("jest + jest-junit, with and without reportTestSuiteErrors", () => {
    const jest = toolPath("jest");
    const reporter = join(dirname(dirname(jest)), "jest-junit");
    const dir = project("jest");
    runTool(jest, ["--ci", "--reporters=default", `--reporters=${reporter}`], dir, { JEST_JUNIT_OUTPUT_DIR: ".", JEST_JUNIT_OUTPUT_NAME: "junit.xml" });
    runTool(jest, ["--ci", "--reporters=default", `--reporters=${reporter}`], dir, { JEST_JUNIT_OUTPUT_DIR: ".", JEST_JUNIT_OUTPUT_NAME: "errors.xml", JEST_JUNIT_REPORT_TEST_SUITE_ERRORS: "true" });
    expect(counts(parseJUnit(readFileSync(join(dir, "junit.xml"))))).toEqual(counts(parseJUnit(fixture("jest/junit.xml"))));
    expect(counts(parseJUnit(readFileSync(join(dir, "errors.xml"))))).toEqual(counts(parseJUnit(fixture("jest/junit-suite-errors.xml"))));
  });

  it("vitest --reporter=junit", () => {
    const vitest = toolPath("vitest");
    const dir = project("vitest");
    runTool(vitest, ["run", "--root", ".", "--reporter=junit", "--outputFile=junit.xml"], dir);
    expect(counts(parseJUnit(readFileSync(join(dir, "junit.xml"))))).toEqual(counts(parseJUnit(fixture("vitest/junit.xml"))));
  });

  it("go test -v | go-junit-report", () => {
    const gjr = toolPath("go-junit-report");
    const dir = project("gotest");
    const goTest = spawnSync("go", ["test", "-v", "-count=1", "./..."], { cwd: dir, encoding: "utf8", timeout: 180_000 });
    if (goTest.error) throw goTest.error;
    const xml = execFileSync(gjr, [], { input: goTest.stdout, encoding: "utf8" });
    const live = parseJUnit(xml);
    expect(counts(live)).toEqual(counts(parseJUnit(fixture("go-junit-report/junit.xml"))));
    expect(live.failures[0]?.message).toBe("Failed");
  });
});
