import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { verifyChain } from "../../audit/chain.js";
import { CliError } from "../errors.js";

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("The hash-chained audit trail (JR/T 0179 8.3)");
  audit
    .command("verify")
    .description("Verify an audit file: exit 0 when no record was edited, removed or reordered")
    .argument("<file>", "audit JSONL file")
    .action((file: string) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const v = verifyChain(text);
      if (!v.ok) throw new CliError(`${file}: line ${v.line}: ${v.reason}`);
      process.stdout.write(`${file}: ${v.records} record(s), chain intact; head ${v.head} (seq ${v.seq})\n`);
    });
}
