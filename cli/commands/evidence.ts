import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { EVIDENCE_TYPES, type EvidenceType } from "../../api/index.js";
import { sha256Hex } from "../../gates/canonical-json.js";
import { parserForType, summarise } from "../../gates/summarise.js";
import { createEvidence } from "../../gates/sign.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { formatObjects } from "../output.js";
import { findRelease, loadLocal } from "../release-source.js";
import { applyObjects } from "../apply.js";

interface CreateOptions {
  release: string;
  type: string;
  file?: string;
  key: string;
  filename: string[];
  format: string;
  uri?: string;
  waive?: string[];
  reason?: string;
  expires?: string;
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
    .option("--file <path>", "the report or document (JUnit XML, SARIF, k6 summary, JMeter CSV, CycloneDX/SPDX, defect list, or any document)")
    .requiredOption("--key <path>", "PEM private key of a signer the policy trusts for this type")
    .option("-f, --filename <paths...>", "manifests holding the Release", ["."])
    .option("--format <format>", "input format (auto detects from the name and content)", "auto")
    .option("--uri <uri>", "where the original file is kept")
    .option("--waive <fingerprints...>", "Waiver: fingerprints of the accepted findings")
    .option("--reason <text>", "Waiver: why the findings are accepted")
    .option("--expires <time>", "Waiver: RFC 3339 time the waiver ends")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--apply", "create it in the cluster instead of printing it")
    .action(async (opts: CreateOptions) => {
      if (!(EVIDENCE_TYPES as readonly string[]).includes(opts.type)) throw new CliError(`unknown evidence type "${opts.type}"; use one of ${EVIDENCE_TYPES.join(", ")}`);
      const type = opts.type as EvidenceType;
      const release = findRelease(loadLocal(opts.filename), opts.release, opts.filename);
      const key = readPrivateKey(opts.key);
      const issuedAt = new Date().toISOString();
      let predicate: Parameters<typeof createEvidence>[0]["predicate"];
      let source: { filename?: string; uri?: string; digest: string } | undefined;

      if (type === "Waiver") {
        if (!opts.waive?.length || !opts.reason) throw new CliError("a Waiver needs --waive FINGERPRINT... and --reason");
        predicate = { issuedAt, waiver: { fingerprints: opts.waive, reason: opts.reason, ...(opts.expires ? { expires: opts.expires } : {}) } };
      } else {
        if (!opts.file) throw new CliError(`${type} evidence needs --file`);
        let content: Buffer;
        try {
          content = readFileSync(opts.file);
        } catch (e) {
          throw new CliError(`cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        source = { filename: basename(opts.file), digest: `sha256:${sha256Hex(content)}`, ...(opts.uri ? { uri: opts.uri } : {}) };
        const summary = parserForType(type) ? summariseOrExplain(type, opts.file, content, opts.format) : undefined;
        predicate = { issuedAt, source, ...(summary ? { summary } : {}) };
      }
      const object = createEvidence({ release, type, key, predicate, ...(source ? { source } : {}) });
      if (opts.apply) await applyObjects([object]);
      else process.stdout.write(formatObjects([object], opts.output));
    });
}

function summariseOrExplain(type: EvidenceType, file: string, content: Buffer, format: string): Record<string, unknown> {
  try {
    return summarise(type, file, content, format);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
}
