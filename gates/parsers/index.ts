// Evidence parsers: each turns a report a team already produces into a small summary that
// becomes the predicate of a signed in-toto statement. All are pure functions of the file
// content; all enforce size and nesting limits and throw EvidenceParseError on bad input.
import { parseDefectsCsv, parseDefectsJson, type DefectListSummary, type DefectParseOptions } from "./defects.js";
import { detectFormat } from "./detect.js";
import { EvidenceParseError, type EvidenceFormat } from "./errors.js";
import { parseJMeterCsv } from "./jmeter.js";
import { parseJUnit, type TestReportSummary } from "./junit.js";
import { parseK6Summary, type K6ParseOptions } from "./k6.js";
import type { PerformanceSummary } from "./performance.js";
import { parseSarif, type SecurityScanSummary } from "./sarif.js";
import { parseCycloneDx, parseSpdx, type ConfigurationBaselineSummary, type SbomParseOptions } from "./sbom.js";
import { refuseCompressed, type EvidenceContent } from "./text-input.js";

export { readCsvRecords, type CsvOptions, type CsvRecord } from "./csv.js";
export {
  DEFECT_SEVERITIES,
  DEFECT_STATUSES,
  parseDefectsCsv,
  parseDefectsJson,
  type AcceptedDefect,
  type DefectArrival,
  type DefectListSummary,
  type DefectParseOptions,
  type DefectPriority,
  type DefectRef,
  type DefectSeverity,
  type DefectStatus,
} from "./defects.js";
export { DEFECT_FIELDS, type DefectColumns, type DefectField } from "./defect-dialects.js";
export { detectFormat } from "./detect.js";
export { EvidenceParseError, formatLabel, type ErrorSource, type EvidenceFormat } from "./errors.js";
export { parseJMeterCsv, type JMeterParseOptions } from "./jmeter.js";
export { parseJUnit, type JUnitParseOptions, type TestFailure, type TestReportSummary, type TestSuiteSummary, type TestTotals } from "./junit.js";
export { parseK6Summary, type K6ParseOptions } from "./k6.js";
export { DEFAULT_LIMITS, type ParseLimits } from "./limits.js";
export type { LatencyMs, PerformanceSummary } from "./performance.js";
export { parseSarif, type FindingSeverity, type SarifLevel, type SarifParseOptions, type SecurityFinding, type SecurityRuleSummary, type SecurityScanSummary } from "./sarif.js";
export { parseCycloneDx, parseSbom, parseSpdx, type ConfigurationBaselineSummary, type SbomComponent, type SbomParseOptions } from "./sbom.js";
export type { EvidenceContent } from "./text-input.js";

/** What parseEvidenceFile is asked to read: a format, or "auto" to detect it. */
export type EvidenceKind = EvidenceFormat | "auto";

export type EvidenceSummary = TestReportSummary | SecurityScanSummary | PerformanceSummary | ConfigurationBaselineSummary | DefectListSummary;

/** The summary type each kind produces. */
export type SummaryFor<K extends EvidenceKind> = K extends "junit"
  ? TestReportSummary
  : K extends "sarif"
    ? SecurityScanSummary
    : K extends "k6" | "jmeter"
      ? PerformanceSummary
      : K extends "cyclonedx" | "spdx"
        ? ConfigurationBaselineSummary
        : K extends "defects-json" | "defects-csv"
          ? DefectListSummary
          : EvidenceSummary;

/** Options for every parser; each reads the ones that apply to it. */
export interface EvidenceParseOptions extends K6ParseOptions, SbomParseOptions, DefectParseOptions {
  /** The file's name, used by "auto" detection when the content alone does not say. */
  filename?: string;
}

const KINDS: readonly EvidenceKind[] = ["junit", "sarif", "k6", "jmeter", "cyclonedx", "spdx", "defects-json", "defects-csv", "auto"];

function parseAs(format: EvidenceFormat, content: EvidenceContent, options: EvidenceParseOptions): EvidenceSummary {
  switch (format) {
    case "junit":
      return parseJUnit(content, options);
    case "sarif":
      return parseSarif(content, options);
    case "k6":
      return parseK6Summary(content, options);
    case "jmeter":
      return parseJMeterCsv(content, options);
    case "cyclonedx":
      return parseCycloneDx(content, options);
    case "spdx":
      return parseSpdx(content, options);
    case "defects-json":
      return parseDefectsJson(content, options);
    case "defects-csv":
      return parseDefectsCsv(content, options);
  }
}

/** Parse an evidence file of the given kind ("auto": detect it from content and options.filename). */
export function parseEvidenceFile<K extends EvidenceKind>(kind: K, content: EvidenceContent, options: EvidenceParseOptions = {}): SummaryFor<K> {
  if (!KINDS.includes(kind)) throw new EvidenceParseError("evidence", `unknown kind ${JSON.stringify(kind)}; use one of ${KINDS.join(", ")}`);
  let format: EvidenceFormat;
  if (kind === "auto") {
    refuseCompressed(content, "evidence");
    const detected = detectFormat(options.filename ?? "", content);
    if (detected === undefined) {
      const name = options.filename ? ` of ${options.filename}` : "";
      throw new EvidenceParseError("evidence", `cannot tell the format${name} from its content or name; name it explicitly as one of ${KINDS.filter((k) => k !== "auto").join(", ")}`);
    }
    format = detected;
  } else {
    format = kind;
  }
  return parseAs(format, content, options) as SummaryFor<K>;
}
