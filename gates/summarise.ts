// Which parser summarises which evidence type, and the summary that goes into the signed
// predicate. Documents (SLA, plans, manuals) carry only their digests.
//
// One evidence may be made from several files (Surefire writes one TEST-*.xml per class): test
// reports are merged into ONE summary (totals summed, every file's suites and failures kept),
// so a failing report cannot hide behind a newer passing one. Every summary lists each file's
// name and sha256 in `files`; with several files, the evidence's source digest is the sha256 of
// the canonical JSON of that list. Other parsed types are one file per evidence.
import type { EvidenceType } from "../api/index.js";
import { canonicalJson, sha256Hex } from "./canonical-json.js";
import { capList, DEFAULT_LIMITS } from "./parsers/limits.js";
import { refuseCompressed } from "./parsers/text-input.js";
import { isRecordType, looksLikeJsonRecord, parseRecord } from "./parsers/records.js";
import { detectFormat, parseEvidenceFile, type EvidenceFormat, type EvidenceParseOptions, type TestReportSummary } from "./parsers/index.js";

type Family = "tests" | "sarif" | "performance" | "defects" | "sbom";

const FAMILY_OF: Partial<Record<EvidenceType, Family>> = {
  UnitTestReport: "tests",
  IntegrationTestReport: "tests",
  FunctionalTestReport: "tests",
  NonFunctionalTestReport: "tests",
  BatchTestReport: "tests",
  VerificationReport: "tests",
  SecurityScan: "sarif",
  PerformanceTestReport: "performance",
  DefectList: "defects",
  ConfigurationBaseline: "sbom",
};

const FORMATS: Record<Family, readonly EvidenceFormat[]> = {
  tests: ["junit"],
  sarif: ["sarif"],
  performance: ["k6", "jmeter"],
  defects: ["defects-json", "defects-csv"],
  sbom: ["cyclonedx", "spdx"],
};

/** Every value --format accepts. */
export const FORMAT_OPTION_VALUES = ["auto", "junit", "sarif", "k6", "jmeter", "cyclonedx", "spdx", "defects-json", "defects-csv"] as const;

/** The formats an evidence type is parsed from; undefined for documents kept by digest only. */
export function parserForType(type: EvidenceType): readonly EvidenceFormat[] | undefined {
  const family = FAMILY_OF[type];
  return family ? FORMATS[family] : undefined;
}

/** Whether one evidence of this type may be made from several files. */
export function acceptsSeveralFiles(type: EvidenceType): boolean {
  const family = FAMILY_OF[type];
  return family === undefined || family === "tests";
}

/** Why a --format value cannot be used for this type (the flag is wrong, not the file), or undefined. */
export function formatOptionProblem(type: EvidenceType, format: string): string | undefined {
  const allowed = parserForType(type);
  if (!(FORMAT_OPTION_VALUES as readonly string[]).includes(format)) {
    const forType = allowed ? `; ${type} evidence takes ${["auto", ...allowed].join(", ")}` : "";
    return `--format ${JSON.stringify(format)} is not a format golive reads: use one of ${FORMAT_OPTION_VALUES.join(", ")}${forType}`;
  }
  if (format === "auto") return undefined;
  if (!allowed) return `--format ${format} does not apply to ${type} evidence: it is a document, kept by digest and never parsed; leave --format out`;
  if (!allowed.includes(format as EvidenceFormat)) return `--format ${format} does not apply to ${type} evidence, which is read from ${allowed.join(" or ")}: use --format ${allowed.join(" or --format ")}, or leave it auto`;
  return undefined;
}

/** When the content does not say (a tracker's CSV with its own columns), the type and the file's extension may. */
function byExtensionFor(allowed: readonly EvidenceFormat[], filename: string): EvidenceFormat | undefined {
  const csv = /\.csv$/i.test(filename);
  const json = /\.json$/i.test(filename);
  if (allowed.includes("defects-csv")) return csv ? "defects-csv" : json ? "defects-json" : undefined;
  if (allowed.includes("jmeter")) return csv ? "jmeter" : undefined;
  return undefined;
}

/** Summarise one file as evidence of this type. */
export function summarise(type: EvidenceType, filename: string, content: Uint8Array, format: string, options: EvidenceParseOptions = {}): Record<string, unknown> {
  const allowed = parserForType(type);
  if (!allowed) throw new Error(`${type} evidence is a document: it is kept by digest, not parsed`);
  const flagProblem = formatOptionProblem(type, format);
  if (flagProblem) throw new Error(flagProblem);
  refuseCompressed(content, format === "auto" ? "evidence" : (format as EvidenceFormat));
  const chosen = format === "auto" ? (detectFormat(filename, content) ?? byExtensionFor(allowed, filename)) : (format as EvidenceFormat);
  if (!chosen) throw new Error(`cannot tell the format of the file; pass --format with one of ${allowed.join(", ")}`);
  if (!allowed.includes(chosen)) throw new Error(`${type} evidence is read from ${allowed.join(" or ")}, but the file is ${chosen}`);
  return parseEvidenceFile(chosen, content, { ...options, filename }) as unknown as Record<string, unknown>;
}

export interface EvidenceFile {
  /** The path as the user gave it (or as a directory or glob expanded to it). */
  name: string;
  content: Uint8Array;
}

export interface FileDigest {
  name: string;
  digest: string;
  bytes: number;
}

export interface SummarisedEvidence {
  /** undefined for documents. */
  summary: Record<string, unknown> | undefined;
  files: FileDigest[];
  /** The source of the predicate: the one file's digest, or the digest of the file list. */
  source: { filename: string; digest: string };
}

/** A file's name and digest as listed in the summary. */
export function digestOf(file: EvidenceFile): FileDigest {
  return { name: file.name, digest: `sha256:${sha256Hex(file.content)}`, bytes: file.content.byteLength };
}

/** Thrown for a file the parser refused; the message starts with the file's name. */
export class EvidenceFileError extends Error {
  override name = "EvidenceFileError";
}

function mergeTestReports(parts: readonly { file: string; summary: TestReportSummary }[]): TestReportSummary {
  const totals = { planned: 0, executed: 0, passed: 0, failed: 0, errored: 0, skipped: 0, expectedFailures: 0 };
  for (const { summary } of parts) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += summary.totals[key] ?? 0;
  const suites = capList(
    parts.flatMap((p) => p.summary.suites),
    DEFAULT_LIMITS.maxListEntries,
  );
  const failures = capList(
    parts.flatMap((p) => p.summary.failures),
    DEFAULT_LIMITS.maxListEntries,
  );
  return {
    format: "junit",
    totals,
    suites: suites.items,
    suitesTruncated: suites.truncated || parts.some((p) => p.summary.suitesTruncated),
    failures: failures.items,
    failuresTruncated: failures.truncated || parts.some((p) => p.summary.failuresTruncated),
  };
}

/**
 * Summarise the files of one evidence: each file parsed (its name in any error), test reports
 * merged, every file's name and digest listed. Refuses an empty file, the same content twice,
 * and several files for a type that is one file per evidence.
 */
export function summariseFiles(type: EvidenceType, files: readonly EvidenceFile[], format: string, options: EvidenceParseOptions = {}): SummarisedEvidence {
  if (files.length === 0) throw new EvidenceFileError(`${type} evidence needs at least one file`);
  const flagProblem = formatOptionProblem(type, format);
  if (flagProblem) throw new EvidenceFileError(flagProblem);
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const digests = sorted.map(digestOf);
  const seen = new Map<string, string>();
  for (const d of digests) {
    const first = seen.get(d.digest);
    if (first !== undefined) throw new EvidenceFileError(`${first} and ${d.name} have the same content (${d.digest}): the same report would count twice; pass it once`);
    seen.set(d.digest, d.name);
  }
  for (const d of digests) {
    if (d.bytes === 0) {
      const what = parserForType(type) ? "the tool that wrote it probably failed before producing a report" : "an empty document is not evidence of anything";
      throw new EvidenceFileError(`input is empty: ${d.name} is 0 bytes; ${what}`);
    }
  }
  if (files.length > 1 && !acceptsSeveralFiles(type)) {
    const hint = type === "SecurityScan" ? "create one SecurityScan evidence per SARIF file (the security gate reads every one)" : `create ${type} evidence from one file`;
    throw new EvidenceFileError(`${type} evidence is made from one file, but ${files.length} were given (${sorted.map((f) => f.name).join(", ")}); ${hint}`);
  }

  const parsed = parserForType(type)
    ? sorted.map((file) => {
        try {
          return { file: file.name, summary: summarise(type, file.name, file.content, format, options) };
        } catch (e) {
          throw new EvidenceFileError(`${file.name}: ${(e as Error).message}`);
        }
      })
    : undefined;
  let summary: Record<string, unknown> | undefined;
  // Records (DR drill, test and release reviews) in their JSON form are checked and summarised;
  // in any other form they stay documents kept by digest, which the record gates refuse.
  const record = isRecordType(type) && sorted.length === 1 && looksLikeJsonRecord(sorted[0]!.content) ? sorted[0]! : undefined;
  if (record && isRecordType(type)) {
    try {
      summary = parseRecord(type, record.content);
    } catch (e) {
      throw new EvidenceFileError(`${record.name}: ${(e as Error).message}`);
    }
  }
  if (parsed?.length === 1) summary = parsed[0]!.summary;
  else if (parsed) summary = mergeTestReports(parsed as unknown as { file: string; summary: TestReportSummary }[]) as unknown as Record<string, unknown>;
  const listed = digests.map(({ name, digest }) => ({ name, digest }));
  if (summary) summary = { ...summary, files: listed };
  else if (digests.length > 1) summary = { files: listed };

  const only = digests.length === 1 ? digests[0] : undefined;
  const source = only
    ? { filename: basenameOf(only.name), digest: only.digest }
    : { filename: `${digests.length} files`, digest: `sha256:${sha256Hex(canonicalJson(listed))}` };
  return { summary, files: digests, source };
}

function basenameOf(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}
