// JUnit XML exactly as the real tools write it: the fixtures in testdata/<tool>/ are produced by
// testdata/regenerate.sh from the sample projects in testdata/projects/ (versions in VERSION).
import { describe, expect, it } from "vitest";
import { parseJUnit } from "./junit.js";
import { fixture } from "./test-helpers.js";

describe("pytest 9 --junitxml", () => {
  const summary = parseJUnit(fixture("pytest/junit.xml"));

  it("counts one case per collected test: xfail executed as an expected failure, a failure followed by a teardown error once", () => {
    // pytest -q: "2 failed, 5 passed, 1 skipped, 1 xfailed, 1 xpassed, 3 errors"; 11 tests collected.
    expect(summary.totals).toEqual({ planned: 11, executed: 10, passed: 5, failed: 2, errored: 2, skipped: 1, expectedFailures: 1 });
    expect(summary.suites).toEqual([{ name: "pytest", tests: 11, failed: 2, errored: 2, skipped: 1, expectedFailures: 1, timeSeconds: expect.any(Number) as number }]);
  });

  it("keeps the call failure of a test whose teardown also failed, and lists setup and teardown errors of other tests", () => {
    expect(summary.failures.map((f) => [f.kind, f.name])).toEqual([
      ["failure", "test_premium_rounding_fails"],
      ["failure", "test_fails_then_teardown_errors"],
      ["error", "test_passes_then_teardown_errors"],
      ["error", "test_setup_errors"],
    ]);
    expect(summary.failures[0]?.message).toMatch(/^AssertionError: BUG-101 premium rounding off by one cent/);
    expect(summary.failures[1]?.message).toMatch(/^AssertionError: call phase fails/);
    expect(summary.failures[2]?.message).toBe('failed on teardown with "RuntimeError: teardown could not release the resource"');
  });

  it("still counts two distinct tests of the same name as two cases", () => {
    const xml = `<testsuite name="s"><testcase classname="a" name="t"><failure message="x"/></testcase><testcase classname="b" name="t"><error message='failed on teardown with "E"'/></testcase></testsuite>`;
    expect(parseJUnit(xml).totals).toMatchObject({ planned: 2, failed: 1, errored: 1 });
  });

  it("treats a skip that is not pytest's xfail as not executed", () => {
    const xml = `<testsuite name="s"><testcase name="t"><skipped type="pytest.skip" message="no"/></testcase><testcase name="u"><skipped type="pytest.xfail"/></testcase></testsuite>`;
    expect(parseJUnit(xml).totals).toEqual({ planned: 2, executed: 1, passed: 0, failed: 0, errored: 0, skipped: 1, expectedFailures: 1 });
  });
});

describe("Jest 30 + jest-junit 17", () => {
  it("default options: a todo test is written as passed and a suite that failed to load is missing", () => {
    const summary = parseJUnit(fixture("jest/junit.xml"));
    // jest: "Tests: 1 failed, 1 skipped, 1 todo, 1 passed, 4 total"; "Test Suites: 2 failed".
    expect(summary.totals).toEqual({ planned: 4, executed: 3, passed: 2, failed: 1, errored: 0, skipped: 1, expectedFailures: 0 });
    expect(summary.suites.map((s) => s.name)).toEqual(["premium"]);
    expect(summary.failures[0]).toMatchObject({ kind: "failure", name: "premium rounding fails", message: "Error: expect(received).toBe(expected) // Object.is equality" });
  });

  it("reportTestSuiteErrors: the suite that failed to load is there, as an error and a failure", () => {
    const summary = parseJUnit(fixture("jest/junit-suite-errors.xml"));
    expect(summary.suites.map((s) => [s.name, s.tests, s.failed, s.errored])).toEqual([
      ["premium", 4, 1, 0],
      ["broken.test.js", 2, 1, 1],
    ]);
    expect(summary.totals).toMatchObject({ planned: 6, failed: 2, errored: 1 });
    expect(summary.failures.find((f) => f.kind === "error")?.message).toBe("● Test suite failed to run");
  });
});

describe("vitest 4 --reporter=junit", () => {
  it("writes todo as skipped, so it counts as not executed", () => {
    const summary = parseJUnit(fixture("vitest/junit.xml"));
    expect(summary.totals).toEqual({ planned: 4, executed: 2, passed: 1, failed: 1, errored: 0, skipped: 2, expectedFailures: 0 });
    expect(summary.failures[0]).toMatchObject({ name: "premium > rounding fails", message: "expected 10.01 to be 10.02 // Object.is equality" });
  });
});

describe("go test -v | go-junit-report v2", () => {
  it("counts the parent test and each subtest as cases; the message is only \"Failed\", the log is the body", () => {
    const summary = parseJUnit(fixture("go-junit-report/junit.xml"));
    expect(summary.totals).toEqual({ planned: 6, executed: 5, passed: 4, failed: 1, errored: 0, skipped: 1, expectedFailures: 0 });
    expect(summary.failures).toEqual([
      { suite: "example.com/quote", name: "TestPremiumRoundingFails", classname: "example.com/quote", kind: "failure", message: "Failed", details: expect.stringContaining("BUG-101 premium rounding: got 10.01, want 10.02") as string },
    ]);
  });
});

describe("Maven Surefire 3.5 with JUnit 5", () => {
  it("puts @Nested cases in the outer class's file (with tests=\"0\" on the suite) and counts them from the cases", () => {
    const summary = parseJUnit(fixture("surefire/TEST-com.example.quote.PremiumTest.xml"));
    expect(summary.totals).toEqual({ planned: 8, executed: 7, passed: 5, failed: 2, errored: 0, skipped: 1, expectedFailures: 0 });
    expect(summary.failures.map((f) => f.classname)).toEqual(["com.example.quote.PremiumTest", "com.example.quote.PremiumTest$Renewal"]);
  });

  it("with rerunFailingTestsCount: a flaky pass counts as passed, a case failing every rerun keeps its error", () => {
    const summary = parseJUnit(fixture("surefire/TEST-com.example.quote.FlakyTest.xml"));
    expect(summary.totals).toEqual({ planned: 2, executed: 2, passed: 1, failed: 0, errored: 1, skipped: 0, expectedFailures: 0 });
    expect(summary.failures).toEqual([
      { suite: "com.example.quote.FlakyTest", name: "throwsError", classname: "com.example.quote.FlakyTest", kind: "error", message: "rating table missing", details: expect.stringContaining("rating table missing") as string },
    ]);
  });
});
