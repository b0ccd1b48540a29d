import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { checkAgainstCheckpoints, chainKey, parseCheckpoints } from "../../audit/checkpoint.js";
import type { AuditRecord } from "../../audit/chain.js";
import { chainFiles, parseChain, verifyChains } from "../../audit/trail.js";
import { CliError } from "../errors.js";
import { registerAuditQuery } from "./audit-query.js";

const reason = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${reason(e)}`);
  }
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("The hash-chained audit trail (JR/T 0179 8.3)");
  audit
    .command("verify")
    .description("Verify the trail: every writer's chain file (a directory means its *.jsonl files); exit 0 when no record was edited, removed or reordered")
    .argument("<paths...>", "audit JSONL files or the trail's directory")
    .option("--checkpoints <file>", "signed checkpoints: `kubectl get configmap golive-audit-checkpoints -o json` output (or JSON lines of envelopes); needs --key")
    .option("--key <pem>", "public key (PEM) the checkpoints are signed with (the operator's evidence key)")
    .action((paths: string[], opts: { checkpoints?: string; key?: string }) => {
      let files: string[];
      try {
        files = chainFiles(paths);
      } catch (e) {
        throw new CliError(`cannot read ${paths.join(" ")}: ${reason(e)}`);
      }
      if (files.length === 0 && !opts.checkpoints) throw new CliError(`no audit chain files in ${paths.join(" ")}`);
      if (opts.checkpoints && !opts.key) throw new CliError("--checkpoints needs --key, the public key they are signed with");
      let reports;
      try {
        reports = verifyChains(files);
      } catch (e) {
        throw new CliError(`cannot read the trail: ${reason(e)}`);
      }
      const bad: string[] = [];
      for (const { file, verdict: v } of reports) {
        if (v.ok) process.stdout.write(`${file}: ${v.records} record(s), chain intact; head ${v.head} (seq ${v.seq})\n`);
        else bad.push(`${file}: line ${v.line}: ${v.reason}`);
      }
      if (opts.checkpoints && opts.key) {
        let key;
        try {
          key = createPublicKey(readText(opts.key));
        } catch (e) {
          throw new CliError(`${opts.key} is not a usable public key: ${(e as Error).message}`);
        }
        const { checkpoints, problems } = parseCheckpoints(readText(opts.checkpoints), [{ name: basename(opts.key), key }]);
        bad.push(...problems.map((p) => `${opts.checkpoints}: ${p}`));
        const chains = new Map<string, AuditRecord[]>();
        for (const f of files) {
          try {
            chains.set(chainKey(f), parseChain(readFileSync(f, "utf8")));
          } catch {
            // Unparseable: reported by the chain check above.
          }
        }
        bad.push(...checkAgainstCheckpoints(chains, checkpoints));
        if (!problems.length) process.stdout.write(`${checkpoints.length} signed checkpoint(s) checked\n`);
      }
      if (bad.length) throw new CliError(bad.join("\n"));
      process.stdout.write(`${files.length} chain(s), ${reports.reduce((n, r) => n + (r.verdict.ok ? r.verdict.records : 0), 0)} record(s): trail intact\n`);
    });
  registerAuditQuery(audit);
}
