import type { Command } from "commander";
import { EVIDENCE_TYPES, type EvidenceType } from "../../api/index.js";
import { DEFECT_FIELDS, type DefectField } from "../../gates/parsers/index.js";
import { EvidenceFileError, formatOptionProblem, summariseFiles } from "../../gates/summarise.js";
import { isScanCategory, SCAN_CATEGORIES } from "../../gates/scan-category.js";
import { createEvidence } from "../../gates/sign.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { formatObjects } from "../output.js";
import { findRelease, loadLocal } from "../release-source.js";
import { applyObjects } from "../apply.js";
import { readEvidenceFiles } from "./evidence-files.js";

interface CreateOptions {
  release: string;
  type: string;
  file?: string[];
  map?: string;
  key: string;
  filename: string[];
  format: string;
  uri?: string;
  waive?: string[];
  reason?: string;
  expires?: string;
  category?: string;
  output: "yaml" | "json";
  apply?: boolean;
}

export function registerEvidence(program: Command): void {
  const evidence = program.command("evidence").description("Create signed ReleaseEvidence");
  evidence
    .command("create")
    .description("Parse a report, summarise it, sign the summary as an in-toto statement, and print (or --apply) the ReleaseEvidence")
    .requiredOption("--release <name>", "the Release the evidence is about")
    .requiredOption("--type <type>", `evidence type: ${EVIDENCE_TYPES.join(", ")}`)
    .option(
      "--file <paths...>",
      "the report(s) or document: JUnit XML, SARIF, k6 summary, JMeter CSV, CycloneDX/SPDX, defect list, or any document; several files, a directory (e.g. target/surefire-reports) or a glob make one evidence",
    )
    .requiredOption("--key <path>", "PEM private key of a signer the policy trusts for this type")
    .option("-f, --filename <paths...>", "manifests holding the Release", ["."])
    .option("--format <format>", "input format: auto (detected from the content and name), junit, sarif, k6, jmeter, cyclonedx, spdx, defects-json, defects-csv", "auto")
    .option("--map <column=field,...>", `defect lists: which column (CSV) or key (JSON) holds each field, e.g. "Key=id,Sev=severity"; fields: ${DEFECT_FIELDS.join(", ")}`)
    .option("--uri <uri>", "where the original file is kept")
    .option("--waive <fingerprints...>", "Waiver: fingerprints of the accepted findings")
    .option("--reason <text>", "Waiver: why the findings are accepted")
    .option("--expires <time>", "Waiver: RFC 3339 time the waiver ends")
    .option("--category <kind>", `SecurityScan: which kind of security test the scan is (8.6 a-c): ${SCAN_CATEGORIES.join(", ")} (white box, black box, configuration check); signed into the summary`)
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--apply", "create it in the cluster instead of printing it")
    .action(async (opts: CreateOptions) => {
      if (!(EVIDENCE_TYPES as readonly string[]).includes(opts.type)) throw new CliError(`unknown evidence type "${opts.type}"; use one of ${EVIDENCE_TYPES.join(", ")}`);
      const type = opts.type as EvidenceType;
      if (opts.category !== undefined) {
        if (type !== "SecurityScan") throw new CliError(`--category applies to SecurityScan evidence only, not ${type}`);
        if (!isScanCategory(opts.category)) throw new CliError(`--category "${opts.category}" is not a scan category; use one of ${SCAN_CATEGORIES.join(", ")}`);
      }
      const release = findRelease(loadLocal(opts.filename), opts.release, opts.filename);
      const key = readPrivateKey(opts.key);
      const issuedAt = new Date().toISOString();
      let predicate: Parameters<typeof createEvidence>[0]["predicate"];
      let source: { filename?: string; uri?: string; digest: string } | undefined;

      if (type === "Waiver") {
        if (!opts.waive?.length || !opts.reason) throw new CliError("a Waiver needs --waive FINGERPRINT... and --reason");
        predicate = { issuedAt, waiver: { fingerprints: opts.waive, reason: opts.reason, ...(opts.expires ? { expires: opts.expires } : {}) } };
      } else {
        if (!opts.file?.length) throw new CliError(`${type} evidence needs --file (a file, several files, a directory or a glob)`);
        const formatProblem = formatOptionProblem(type, opts.format);
        if (formatProblem) throw new CliError(formatProblem);
        const columns = opts.map === undefined ? undefined : parseMapOption(opts.map, type);
        const files = readEvidenceFiles(opts.file, type);
        let made: ReturnType<typeof summariseFiles>;
        try {
          made = summariseFiles(type, files, opts.format, columns ? { columns } : {});
        } catch (e) {
          if (e instanceof EvidenceFileError) throw new CliError(e.message);
          throw e;
        }
        source = { ...made.source, ...(opts.uri ? { uri: opts.uri } : {}) };
        const summary = made.summary && opts.category !== undefined ? { ...made.summary, category: opts.category } : made.summary;
        predicate = { issuedAt, source: made.source, ...(summary ? { summary } : {}) };
      }
      const object = createEvidence({ release, type, key, predicate, ...(source ? { source } : {}) });
      if (opts.apply) await applyObjects([object]);
      else process.stdout.write(formatObjects([object], opts.output));
    });
}

/** --map "Issue key=id,Sev=severity": source column (or JSON key) to golive's defect field. */
export function parseMapOption(value: string, type: EvidenceType): Record<string, DefectField> {
  if (type !== "DefectList") throw new CliError(`--map applies to DefectList evidence only (it names a defect list's columns), not ${type}`);
  const columns: Record<string, DefectField> = {};
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.lastIndexOf("=");
    const column = pair.slice(0, eq).trim();
    const field = pair.slice(eq + 1).trim();
    if (eq === -1 || column === "" || field === "") throw new CliError(`--map ${JSON.stringify(pair.trim())} is not column=field; write e.g. --map "Issue key=id,Sev=severity"`);
    if (!(DEFECT_FIELDS as readonly string[]).includes(field)) throw new CliError(`--map ${JSON.stringify(pair.trim())}: ${JSON.stringify(field)} is not a defect field; use one of ${DEFECT_FIELDS.join(", ")}`);
    if (Object.values(columns).includes(field as DefectField)) throw new CliError(`--map names two columns for ${field}; give each field one column`);
    columns[column] = field as DefectField;
  }
  if (Object.keys(columns).length === 0) throw new CliError('--map is empty; write e.g. --map "Issue key=id,Sev=severity"');
  return columns;
}
