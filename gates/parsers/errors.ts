// One error type for every evidence parser, so the CLI and the webhook can tell "this file is
// not acceptable evidence" (show the message, exit non-zero) from a bug (show a stack trace).

/** The evidence file formats the parsers read (the `kind` of parseEvidenceFile, minus "auto"). */
export type EvidenceFormat = "junit" | "sarif" | "k6" | "jmeter" | "cyclonedx" | "spdx" | "defects-json" | "defects-csv";

/** Which parser rejected the input: a format, "sbom" before CycloneDX/SPDX is known, "evidence" before anything is. */
export type ErrorSource = EvidenceFormat | "sbom" | "evidence";

const FORMAT_LABELS: Record<ErrorSource, string> = {
  junit: "JUnit XML",
  sarif: "SARIF",
  k6: "k6 summary",
  jmeter: "JMeter CSV",
  cyclonedx: "CycloneDX",
  spdx: "SPDX",
  "defects-json": "Defect list (JSON)",
  "defects-csv": "Defect list (CSV)",
  sbom: "SBOM",
  evidence: "Evidence",
};

/** The human name of a format, as used at the start of every error message. */
export function formatLabel(format: ErrorSource): string {
  return FORMAT_LABELS[format];
}

/**
 * The input is not acceptable evidence of this format. The message starts with the format's
 * name, says what is wrong and where (line, or a JSON path), and when it helps, what to do.
 */
export class EvidenceParseError extends Error {
  override name = "EvidenceParseError";
  constructor(
    readonly format: ErrorSource,
    detail: string,
  ) {
    super(`${FORMAT_LABELS[format]}: ${detail}`);
  }
}
