// `golive report RELEASE`: the conformance report an auditor can read (JR/T 0179 7.1.6, 4.5 i,
// 4.7 f, 4.3 l): one self-contained HTML file, and with --pdf a PDF rendered by headless Chromium.
// From the cluster (the Release with its status, its governing ReleasePolicy, its ReleaseEvidence)
// or offline from manifests (-f), as `golive gates -f` reads them.
import type { Command } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { createPublicKey } from "node:crypto";
import { Release, ReleaseEvidence, ReleasePolicy } from "../../api/index.js";
import { renderHtml, type Lang } from "../../report/html.js";
import { buildReport } from "../../report/model.js";
import { htmlToPdf } from "../../report/pdf.js";
import { embedSummary, reportDigest, signSummary, SUMMARY_PLACEHOLDER, summaryOf, verifyReportHtml } from "../../report/summary.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { findPolicy, findRelease, loadLocal } from "../release-source.js";
import { cluster, getRelease, governingPolicy } from "./status.js";

interface ReportOptions {
  filename?: string[];
  policy?: string;
  namespace?: string;
  kubeconfig?: string;
  lang?: string;
  output?: string;
  pdf?: boolean;
  chromium?: string;
  at?: string;
  signKey?: string;
}

async function fromCluster(name: string, opts: ReportOptions): Promise<{ release: Release; policy: ReleasePolicy; evidence: ReleaseEvidence[] }> {
  const { client, namespace } = cluster(opts);
  const release = Release.parse(await getRelease(client, namespace, name));
  const policy = await governingPolicy(client, namespace);
  if (!policy) throw new CliError(`cannot read the one ReleasePolicy governing namespace ${namespace}: give the manifests with -f instead`);
  let items: unknown[];
  try {
    items = (await client.get<{ items: unknown[] }>(`/apis/golive.dev/v1alpha1/namespaces/${namespace}/releaseevidences`)).items;
  } catch (e) {
    throw new CliError(`listing ReleaseEvidence in ${namespace}: ${(e as Error).message}`);
  }
  const evidence = items.map((i) => ReleaseEvidence.safeParse(i)).flatMap((r) => (r.success ? [r.data] : []));
  return { release, policy: ReleasePolicy.parse(policy), evidence: evidence.filter((e) => e.spec.release === name) };
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
    .option("--lang <lang>", "zh-CN or en (default en: ReleasePolicy has no language field)")
    .option("-o, --output <file>", "the HTML file to write (default RELEASE.html); the PDF goes beside it with .pdf")
    .option("--pdf", "also render a PDF with headless Chromium")
    .option("--chromium <path>", "the Chromium executable (default: $GOLIVE_CHROMIUM, else chromium on PATH)")
    .option("--at <time>", "evaluate as of this RFC 3339 time instead of now")
    .option("--sign-key <path>", "embed an SLSA verification summary signed with this private key")
    .action(async (name: string, opts: ReportOptions) => {
      const lang = (opts.lang ?? "en") as Lang;
      if (lang !== "en" && lang !== "zh-CN") throw new CliError(`--lang "${opts.lang}": use zh-CN or en`);
      const now = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(now.getTime())) throw new CliError(`--at "${opts.at}" is not a time; use RFC 3339 such as 2026-11-24T20:30:00+08:00`);
      let input: { release: Release; policy: ReleasePolicy; evidence: ReleaseEvidence[] };
      if (opts.filename) {
        const set = loadLocal(opts.filename);
        input = { release: findRelease(set, name, opts.filename), policy: findPolicy(set, opts.policy, opts.filename), evidence: set.evidence };
      } else input = await fromCluster(name, opts);
      const model = buildReport(input.release, input.policy, input.evidence, now);
      const key = opts.signKey ? readPrivateKey(opts.signKey) : undefined;
      let html = renderHtml(model, lang, key ? { summary: SUMMARY_PLACEHOLDER } : undefined);
      if (key) html = embedSummary(html, signSummary(summaryOf(model, input.evidence, reportDigest(html)), key));
      const out = opts.output ?? `${name}.html`;
      writeFileSync(out, html);
      process.stdout.write(`wrote ${out}: ${model.verdict}, ${model.clauses.filter((c) => c.verdict === "met").length} clauses met, ${model.clauses.filter((c) => c.verdict === "notMet").length} not met, ${model.clauses.filter((c) => c.verdict === "notApplicable").length} not applicable\n`);
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

  report
    .command("verify")
    .description("Check a report's embedded, signed SLSA verification summary offline against a public key")
    .argument("<file>", "the report's HTML file")
    .requiredOption("--key <path>", "the public key (PEM) that must have signed the summary")
    .action((file: string, opts: { key: string }) => {
      let html: string, pem: string;
      try {
        html = readFileSync(file, "utf8");
        pem = readFileSync(opts.key, "utf8");
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      let key;
      try {
        key = createPublicKey(pem);
      } catch (e) {
        throw new CliError(`${opts.key} is not a public key: ${(e as Error).message}`);
      }
      const result = verifyReportHtml(html, key);
      if (!result.ok) throw new CliError(`${file}: ${result.reason}`, 1);
      process.stdout.write(`${file}: the verification summary is signed by the key (${result.keyid}): ${result.result} for ${result.subject} (policy ${result.policy}, verified at ${result.timeVerified})\n`);
    });
}
