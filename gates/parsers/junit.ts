// JUnit XML test reports, as written by vitest's junit reporter, jest-junit, Maven Surefire
// (a <testsuite> root per class) and pytest --junitxml (<testsuites><testsuite>).
//
// Counts come from the <testcase> elements, not the suite's tests/failures/errors/skipped
// attributes: writers disagree on what those mean (pytest counts skips inside "tests", some
// tools omit them) and a hand-edited total is easy to fake. Only a suite with no <testcase>
// children at all falls back to its attributes.
//
// One outcome per test case, in this order: <failure>, then <error>, then <skipped>, else
// passed. Surefire's <flakyFailure>/<rerunFailure> describe earlier attempts of a case that
// finally passed, so they do not count as failures.
//
// pytest: <skipped type="pytest.xfail"> is an expected failure, a case that ran (not a skip).
// A test whose teardown fails after its call failed is written as two <testcase> elements with
// the same classname and name, the second an <error message="failed on teardown with ...">;
// pytest collected one test, so it is one case (outcome: the first one's failure).
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { EvidenceParseError } from "./errors.js";
import { capList, countOf, resolveLimits, type ParseLimits } from "./limits.js";
import { decodeEvidenceText, openingOf, positionAt, type EvidenceContent } from "./text-input.js";
import { checkXmlStructure, decodeXmlEntities } from "./xml-safety.js";

export interface TestTotals {
  /** Every test case in the report, skipped ones included. */
  planned: number;
  /** planned - skipped (an expected failure was executed) */
  executed: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  /** Executed cases that failed as expected (pytest's xfail); not in passed, failed or skipped. */
  expectedFailures: number;
}

export interface TestSuiteSummary {
  name: string;
  tests: number;
  failed: number;
  errored: number;
  skipped: number;
  expectedFailures: number;
  timeSeconds: number;
}

export interface TestFailure {
  suite: string;
  name: string;
  classname: string;
  kind: "failure" | "error";
  /** The failure's message attribute, else its type, else the first line of its text (at most 500 characters). */
  message: string;
  /**
   * The failure element's body text, trimmed, at most 1000 characters: go-junit-report writes
   * message="Failed" and the test's log (where a defect id usually is) in the body.
   */
  details?: string;
}

export interface TestReportSummary {
  format: "junit";
  totals: TestTotals;
  suites: TestSuiteSummary[];
  suitesTruncated: boolean;
  failures: TestFailure[];
  failuresTruncated: boolean;
}

export type JUnitParseOptions = ParseLimits;

type XmlNode = Record<string | symbol, unknown>;

/** Elements that may repeat, so they always come back from the parser as arrays. */
const REPEATABLE = new Set(["testsuite", "testcase", "failure", "error", "skipped"]);
const METADATA = XMLParser.getMetaDataSymbol() as unknown as symbol;
const MESSAGE_LIMIT = 500;
const WHOLE_NUMBER = /^\d+$/;
// Seconds; some Surefire versions wrote locale-grouped values such as "1,234.567".
const SECONDS = /^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?([eE][+-]?\d+)?$/;

const NOT_JUNIT_ROOTS: Record<string, string> = {
  testResults: "this is JMeter's XML results format; parse a CSV results file as jmeter instead",
  bom: "this is a CycloneDX XML SBOM; export the SBOM as JSON and parse it as cyclonedx",
  checkstyle: "this is a Checkstyle report, not a test report",
  assemblies: "this is an xUnit.net report; use a JUnit logger (e.g. JunitXml.TestLogger)",
  "test-run": "this is an NUnit 3 report; use a JUnit logger or convert it",
};

class JUnitDocument {
  constructor(private readonly text: string) {}

  where(node: XmlNode, tag: string): string {
    const meta = node[METADATA] as { startIndex?: number } | undefined;
    if (meta?.startIndex !== undefined) return `<${tag}> at line ${positionAt(this.text, meta.startIndex).line}`;
    const name = attribute(node, "name");
    return name === undefined ? `<${tag}>` : `<${tag} name=${JSON.stringify(name)}>`;
  }

  count(node: XmlNode, tag: string, name: string): number | undefined {
    const raw = attribute(node, name);
    if (raw === undefined || raw.trim() === "") return undefined;
    if (!WHOLE_NUMBER.test(raw.trim())) {
      throw new EvidenceParseError("junit", `${this.where(node, tag)} has ${name}=${JSON.stringify(raw)}, expected a number`);
    }
    return Number(raw.trim());
  }

  seconds(node: XmlNode, tag: string): number | undefined {
    const raw = attribute(node, "time");
    if (raw === undefined || raw.trim() === "") return undefined;
    if (!SECONDS.test(raw.trim())) {
      throw new EvidenceParseError("junit", `${this.where(node, tag)} has time=${JSON.stringify(raw)}, expected a number of seconds`);
    }
    return Number(raw.trim().replaceAll(",", ""));
  }
}

/** Attribute and text values are strings (value parsing is off); anything else reads as empty. */
function scalarText(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

function attribute(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return value === undefined ? undefined : decodeXmlEntities(scalarText(value));
}

/** Child elements by tag; an element with neither attributes nor children arrives as a string. */
function childElements(node: XmlNode, tag: string): XmlNode[] {
  const value = node[tag];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((child) =>
    typeof child === "object" && child !== null ? (child as XmlNode) : { "#text": scalarText(child) },
  );
}

function textOf(node: XmlNode): string {
  const text = decodeXmlEntities(scalarText(node["#text"]));
  const cdata = node["#cdata"];
  const cdataText = cdata === undefined ? "" : (Array.isArray(cdata) ? (cdata as unknown[]) : [cdata]).map(scalarText).join("\n");
  return `${text}\n${cdataText}`;
}

function failureMessage(node: XmlNode): string {
  const message =
    attribute(node, "message")?.trim() ||
    attribute(node, "type")?.trim() ||
    textOf(node)
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line !== "") ||
    "";
  return message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message;
}

const DETAILS_LIMIT = 1000;

function failureDetails(node: XmlNode): { details?: string } {
  const body = textOf(node).trim();
  if (body === "") return {};
  return { details: body.length > DETAILS_LIMIT ? `${body.slice(0, DETAILS_LIMIT)}…` : body };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

interface Collected {
  suites: TestSuiteSummary[];
  failures: TestFailure[];
}

const PYTEST_TEARDOWN_ERROR = /^failed on teardown with /;

/** pytest's second <testcase> for a test whose teardown failed after its call had failed. */
function isTeardownRepeat(testcase: XmlNode, previous: XmlNode | undefined): boolean {
  if (previous === undefined || childElements(previous, "failure").length + childElements(previous, "error").length === 0) return false;
  const error = childElements(testcase, "error")[0];
  return (
    error !== undefined &&
    PYTEST_TEARDOWN_ERROR.test(attribute(error, "message") ?? "") &&
    attribute(testcase, "name") === attribute(previous, "name") &&
    attribute(testcase, "classname") === attribute(previous, "classname")
  );
}

function summariseCases(doc: JUnitDocument, suiteName: string, cases: XmlNode[], out: Collected): Omit<TestSuiteSummary, "name" | "timeSeconds"> & { caseSeconds: number } {
  let tests = 0;
  let failed = 0;
  let errored = 0;
  let skipped = 0;
  let expectedFailures = 0;
  let caseSeconds = 0;
  let previous: XmlNode | undefined;
  for (const testcase of cases) {
    caseSeconds += doc.seconds(testcase, "testcase") ?? 0;
    const repeat = isTeardownRepeat(testcase, previous);
    previous = testcase;
    if (repeat) continue;
    tests++;
    const failure = childElements(testcase, "failure")[0];
    const error = childElements(testcase, "error")[0];
    const problem = failure ?? error;
    if (problem !== undefined) {
      const kind = failure !== undefined ? "failure" : "error";
      if (kind === "failure") failed++;
      else errored++;
      out.failures.push({
        suite: suiteName,
        name: attribute(testcase, "name") ?? "(unnamed test)",
        classname: attribute(testcase, "classname") ?? "",
        kind,
        message: failureMessage(problem),
        ...failureDetails(problem),
      });
    } else {
      const skip = childElements(testcase, "skipped")[0];
      if (skip !== undefined && attribute(skip, "type") === "pytest.xfail") expectedFailures++;
      else if (skip !== undefined) skipped++;
    }
  }
  return { tests, failed, errored, skipped, expectedFailures, caseSeconds };
}

function summariseFromAttributes(doc: JUnitDocument, suite: XmlNode): Omit<TestSuiteSummary, "name" | "timeSeconds"> {
  const tests = doc.count(suite, "testsuite", "tests") ?? 0;
  const failed = doc.count(suite, "testsuite", "failures") ?? 0;
  const errored = doc.count(suite, "testsuite", "errors") ?? 0;
  const skipped = doc.count(suite, "testsuite", "skipped") ?? doc.count(suite, "testsuite", "disabled") ?? 0;
  if (failed + errored + skipped > tests) {
    throw new EvidenceParseError(
      "junit",
      `${doc.where(suite, "testsuite")} has no <testcase> elements and its attributes do not add up: failures (${failed}) + errors (${errored}) + skipped (${skipped}) is more than tests (${tests})`,
    );
  }
  return { tests, failed, errored, skipped, expectedFailures: 0 };
}

function collectSuite(doc: JUnitDocument, suite: XmlNode, out: Collected): void {
  const name = attribute(suite, "name") ?? "(unnamed suite)";
  // Validate the declared counts even where the test cases decide, so a corrupt file is noticed.
  for (const declared of ["tests", "failures", "errors", "skipped", "disabled"]) doc.count(suite, "testsuite", declared);
  const declaredSeconds = doc.seconds(suite, "testsuite");
  const cases = childElements(suite, "testcase");
  const nested = childElements(suite, "testsuite");
  // A suite holding only nested suites is a container; its children are reported instead.
  if (cases.length > 0 || nested.length === 0) {
    if (cases.length > 0) {
      const { caseSeconds, ...counts } = summariseCases(doc, name, cases, out);
      out.suites.push({ name, ...counts, timeSeconds: round3(declaredSeconds ?? caseSeconds) });
    } else {
      out.suites.push({ name, ...summariseFromAttributes(doc, suite), timeSeconds: round3(declaredSeconds ?? 0) });
    }
  }
  for (const child of nested) collectSuite(doc, child, out);
}

function parseXml(text: string, maxDepth: number): XmlNode {
  const firstChar = /\S/.exec(text)?.[0];
  if (firstChar !== "<") {
    const json = firstChar === "{" || firstChar === "[" ? " (it looks like JSON; SARIF, SBOMs, k6 summaries and defect lists have their own parsers)" : "";
    throw new EvidenceParseError("junit", `input is not XML: it starts with ${openingOf(text)}${json}`);
  }
  checkXmlStructure(text, maxDepth, "junit");
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    // The validator lists every unclosed tag; a hostile file could make that megabytes long.
    const reason = msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
    throw new EvidenceParseError("junit", `not well-formed XML at line ${line}, column ${col}: ${reason}`);
  }
  const parser = new XMLParser({
    processEntities: false,
    htmlEntities: false,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseAttributeValue: false,
    parseTagValue: false,
    cdataPropName: "#cdata",
    ignoreDeclaration: true,
    ignorePiTags: true,
    captureMetaData: true,
    maxNestedTags: maxDepth,
    isArray: (tag, _path, _isLeaf, isAttribute) => !isAttribute && REPEATABLE.has(tag),
  });
  try {
    return parser.parse(text) as XmlNode;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/nested tags/i.test(reason)) {
      throw new EvidenceParseError("junit", `elements nest deeper than ${countOf(maxDepth, "level")}; a test report needs a handful, so the file is refused (raise the maxDepth option if it is genuine)`);
    }
    throw new EvidenceParseError("junit", `could not read the XML: ${reason}`);
  }
}

function rootSuites(root: XmlNode): XmlNode[] {
  const names = Object.keys(root);
  const [rootName] = names;
  if (rootName === undefined) throw new EvidenceParseError("junit", "document has no root element");
  const rootValue = root[rootName];
  if (names.length > 1 || (Array.isArray(rootValue) && rootValue.length > 1)) {
    throw new EvidenceParseError("junit", "document has more than one root element; were several report files concatenated? Pass each file separately");
  }
  if (rootName === "testsuites") return childElements(root, "testsuites").flatMap((suites) => childElements(suites, "testsuite"));
  if (rootName === "testsuite") return childElements(root, "testsuite");
  const hint = NOT_JUNIT_ROOTS[rootName] ?? "configure the test runner's JUnit reporter (vitest --reporter=junit, jest-junit, Maven Surefire, pytest --junitxml)";
  throw new EvidenceParseError("junit", `root element is <${rootName}>, expected <testsuites> or <testsuite>; ${hint}`);
}

/** Summarise a JUnit XML report: totals by outcome, per-suite counts and the failing cases. */
export function parseJUnit(content: EvidenceContent, options?: JUnitParseOptions): TestReportSummary {
  const limits = resolveLimits("junit", options);
  const text = decodeEvidenceText(content, "junit", limits.maxBytes);
  const doc = new JUnitDocument(text);
  const collected: Collected = { suites: [], failures: [] };
  for (const suite of rootSuites(parseXml(text, limits.maxDepth))) collectSuite(doc, suite, collected);

  const totals = collected.suites.reduce(
    (sum, suite) => ({
      planned: sum.planned + suite.tests,
      failed: sum.failed + suite.failed,
      errored: sum.errored + suite.errored,
      skipped: sum.skipped + suite.skipped,
      expectedFailures: sum.expectedFailures + suite.expectedFailures,
    }),
    { planned: 0, failed: 0, errored: 0, skipped: 0, expectedFailures: 0 },
  );
  const suites = capList(collected.suites, limits.maxListEntries);
  const failures = capList(collected.failures, limits.maxListEntries);
  return {
    format: "junit",
    totals: {
      planned: totals.planned,
      executed: totals.planned - totals.skipped,
      passed: totals.planned - totals.failed - totals.errored - totals.skipped - totals.expectedFailures,
      failed: totals.failed,
      errored: totals.errored,
      skipped: totals.skipped,
      expectedFailures: totals.expectedFailures,
    },
    suites: suites.items,
    suitesTruncated: suites.truncated,
    failures: failures.items,
    failuresTruncated: failures.truncated,
  };
}
