// Recognising which evidence format a parsed JSON document is. Used by detectFormat and by
// every JSON parser to turn "wrong file" into a useful message ("this looks like a CycloneDX
// SBOM, not a SARIF log") instead of a list of missing fields.
import { EvidenceParseError, type ErrorSource } from "./errors.js";
import { isJsonObject } from "./json-input.js";

export type JsonEvidenceKind = "sarif" | "cyclonedx" | "spdx" | "k6" | "defects-json";

const DESCRIPTIONS: Record<JsonEvidenceKind, string> = {
  sarif: "a SARIF log",
  cyclonedx: "a CycloneDX SBOM",
  spdx: "an SPDX SBOM",
  k6: "a k6 end-of-test summary",
  "defects-json": "a defect list",
};

/** The evidence kind a parsed JSON document looks like, from its distinctive top-level keys. */
export function guessJsonEvidenceKind(doc: unknown): JsonEvidenceKind | undefined {
  if (Array.isArray(doc)) return "defects-json";
  if (!isJsonObject(doc)) return undefined;
  if (doc["bomFormat"] === "CycloneDX") return "cyclonedx";
  if (typeof doc["spdxVersion"] === "string") return "spdx";
  if (Array.isArray(doc["runs"]) || (typeof doc["$schema"] === "string" && /sarif/i.test(doc["$schema"]))) return "sarif";
  if (isJsonObject(doc["metrics"]) || isJsonObject(doc["root_group"])) return "k6";
  if (Array.isArray(doc["defects"])) return "defects-json";
  return undefined;
}

/**
 * Throw when the document is recognisably another kind of evidence than the one expected, so
 * the user reads "this looks like a CycloneDX SBOM" rather than a list of missing fields.
 */
export function rejectOtherEvidenceKind(doc: unknown, expected: JsonEvidenceKind | "sbom", format: ErrorSource): void {
  const actual = guessJsonEvidenceKind(doc);
  if (actual === undefined || actual === expected) return;
  if (expected === "sbom" && (actual === "cyclonedx" || actual === "spdx")) return;
  const wanted = expected === "sbom" ? "an SBOM" : DESCRIPTIONS[expected];
  throw new EvidenceParseError(format, `this looks like ${DESCRIPTIONS[actual]}, not ${wanted}; parse it as ${actual} instead`);
}
