// Which parser summarises which evidence type, and the summary that goes into the signed
// predicate. Documents (SLA, plans, manuals) carry only their digest.
import type { EvidenceType } from "../api/index.js";
import { detectFormat, parseEvidenceFile, type EvidenceFormat } from "./parsers/index.js";

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

/** The formats an evidence type is parsed from; undefined for documents kept by digest only. */
export function parserForType(type: EvidenceType): readonly EvidenceFormat[] | undefined {
  const family = FAMILY_OF[type];
  return family ? FORMATS[family] : undefined;
}

export function summarise(type: EvidenceType, filename: string, content: Uint8Array, format: string): Record<string, unknown> {
  const allowed = parserForType(type);
  if (!allowed) throw new Error(`${type} evidence is a document: it is kept by digest, not parsed`);
  const chosen = (format === "auto" ? detectFormat(filename, content) : format) as EvidenceFormat | undefined;
  if (!chosen) throw new Error(`cannot tell the format of the file; pass --format with one of ${allowed.join(", ")}`);
  if (!allowed.includes(chosen)) throw new Error(`${type} evidence is read from ${allowed.join(" or ")}, but the file is ${chosen}`);
  return parseEvidenceFile(chosen, content) as unknown as Record<string, unknown>;
}
