// `golive report RELEASE`: the conformance report an auditor can read (JR/T 0179 7.1.6, 4.5 i,
// 4.7 f, 4.3 l): one self-contained HTML file, and with --pdf a PDF rendered by headless Chromium.
// From the cluster (the Release with its status, its governing ReleasePolicy, its ReleaseEvidence)
// or offline from manifests (-f), as `golive gates -f` reads them; the audit trail with --audit.
// `golive report attest` and `golive report verify IMAGE` are in report-attest.ts.
import type { Command } from "commander";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { renderHtml } from "../../report/html.js";
import { buildReport } from "../../report/model.js";
import { htmlToPdf } from "../../report/pdf.js";
import { embedSummary, reportDigest, signSummary, SUMMARY_PLACEHOLDER, summaryOf, verifyReportHtml } from "../../report/summary.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { EXIT_BAD, EXIT_USAGE, readPublicKey, registerReportAttest, usageExit, verifyImage, withRegistryOptions, type RegistryOptions } from "./report-attest.js";
import { fetchAudit, readAudit, readInput, reportLanguage, type InputOptions } from "./report-input.js";

interface ReportOptions extends InputOptions {
  lang?: string;
  output?: string;
  pdf?: boolean;
  chromium?: string;
  at?: string;
  signKey?: string;
}

export function registerReport(program: Command): void {
  const report = program
    .command("report")
    .description("Write a release's JR/T 0179 conformance report: one self-contained HTML file (and a PDF with --pdf)")
    .argument("<release>", "the Release's name")
    .option("-f, --filename <paths...>", "read manifests (the Release with its status, its ReleasePolicy, its ReleaseEvidence) instead of the cluster")
    .option("--policy <name>", "the ReleasePolicy (with -f, when several are present)")
    .option("-n, --namespace <namespace>", "the Release's namespace (default: the kubeconfig context's, else default)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .option("--lang <lang>", "zh-CN or en (default: the policy's spec.report.language, else en)")
    .option("--audit <paths...>", "the audit trail (its directory or chain files, copied from the operator's volume): the records about the release and the chains' verification go in the report")
    .option("--audit-url <url>", "the operator's GET /audit (https): its records about the release and its chains' verification go in the report, read with your own token (get releases/audit)")
    .option("--audit-ca <file>", "with --audit-url: the CA (PEM) of the operator's audit certificate (default: the system's CAs)")
    .option("--audit-token-file <file>", "with --audit-url: the bearer token to send (default: the kubeconfig user's)")
    .option("-o, --output <file>", "the HTML file to write (default RELEASE.html); the PDF goes beside it with .pdf")
    .option("--pdf", "also render a PDF with headless Chromium")
    .option("--chromium <path>", "the Chromium executable (default: $GOLIVE_CHROMIUM, else chromium on PATH)")
    .option("--at <time>", "evaluate as of this RFC 3339 time instead of now")
    .option("--sign-key <path>", "embed an SLSA verification summary signed with this private key")
    .action(async (name: string, opts: ReportOptions) => {
      const now = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(now.getTime())) throw new CliError(`--at "${opts.at}" is not a time; use RFC 3339 such as 2026-11-24T20:30:00+08:00`, EXIT_USAGE);
      if (opts.lang !== undefined && opts.lang !== "en" && opts.lang !== "zh-CN") throw new CliError(`--lang "${opts.lang}": use zh-CN or en`, EXIT_USAGE);
      const input = await readInput(name, opts);
      const lang = reportLanguage(opts.lang, input.policy);
      const model = buildReport(input.release, input.policy, input.evidence, now);
      const audit = (await fetchAudit(opts, input.release)) ?? readAudit(opts.audit, input.release);
      if (audit) model.audit = audit;
      const key = opts.signKey ? readPrivateKey(opts.signKey) : undefined;
      let html = renderHtml(model, lang, key ? { summary: SUMMARY_PLACEHOLDER } : undefined);
      if (key) html = embedSummary(html, signSummary(summaryOf(model, input.evidence, reportDigest(html)), key));
      const out = opts.output ?? `${name}.html`;
      writeFileSync(out, html);
      const auditLine = audit ? `; audit: ${audit.records.length} record(s), ${audit.chains.every((c) => c.ok) ? "trail intact" : "TRAIL BROKEN"}` : "";
      process.stdout.write(`wrote ${out} (${lang}): ${model.verdict}, ${model.clauses.filter((c) => c.verdict === "met").length} clauses met, ${model.clauses.filter((c) => c.verdict === "notMet").length} not met, ${model.clauses.filter((c) => c.verdict === "notApplicable").length} not applicable${auditLine}\n`);
      if (opts.pdf) {
        const pdfPath = out.replace(/\.html?$/i, "") + ".pdf";
        let pdf: Buffer;
        try {
          pdf = await htmlToPdf(html, opts.chromium);
        } catch (e) {
          throw new CliError(`rendering the PDF: ${(e as Error).message}`);
        }
        writeFileSync(pdfPath, pdf);
        process.stdout.write(`wrote ${pdfPath}\n`);
      }
    });

  withRegistryOptions(
    usageExit(
      report
        .command("verify")
        .description("Check a verification summary against a public key: the one embedded in a report's HTML FILE (offline), or the one attached to IMAGE@sha256:... in its registry. Exit 0 verified, 1 not (no summary, bad or foreign signature, changed content), 2 usage, 3 registry trouble")
        .argument("<file-or-image>", "the report's HTML file, or an image pinned by digest: REGISTRY/REPOSITORY@sha256:<hex>")
        .requiredOption("--key <path>", "the public key (PEM) that must have signed the summary"),
    ),
  ).action(async (target: string, opts: RegistryOptions & { key: string }) => {
    const key = readPublicKey(opts.key);
    if (!existsSync(target)) {
      if (!target.includes("@sha256:")) throw new CliError(`${target}: no such file, and not an image pinned by digest (REGISTRY/REPOSITORY@sha256:<hex>)`, EXIT_USAGE);
      return verifyImage(target, key, opts);
    }
    let html: string;
    try {
      html = readFileSync(target, "utf8");
    } catch (e) {
      throw new CliError(`cannot read ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE);
    }
    const result = verifyReportHtml(html, key);
    if (!result.ok) throw new CliError(`${target}: ${result.reason}`, EXIT_BAD);
    process.stdout.write(`${target}: the verification summary is signed by the key (${result.keyid}): ${result.result} for ${result.subject} (policy ${result.policy}, verified at ${result.timeVerified})\n`);
  });

  registerReportAttest(report);
}
