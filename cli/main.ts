// The `golive` command. Each subcommand lives in its own file under cli/commands/.
import { Command, CommanderError } from "commander";
import { registerAbort } from "./commands/abort.js";
import { registerAccept } from "./commands/accept.js";
import { registerApprove } from "./commands/approve.js";
import { registerAudit } from "./commands/audit.js";
import { registerCapacity } from "./commands/capacity.js";
import { registerConsole } from "./commands/console.js";
import { registerDr } from "./commands/dr.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerOperator } from "./commands/operator.js";
import { registerEvidence } from "./commands/evidence.js";
import { registerGates } from "./commands/gates.js";
import { registerKeys } from "./commands/keys.js";
import { registerValidate } from "./commands/validate.js";
import { registerWebhook } from "./commands/webhook.js";
import { registerSeal } from "./commands/seal.js";
import { registerRun } from "./commands/run.js";
import { registerPromote } from "./commands/promote.js";
import { registerReport } from "./commands/report.js";
import { registerStatus } from "./commands/status.js";
import { CliError } from "./errors.js";

export function buildProgram(): Command {
  const program = new Command("golive")
    .description("Safe, auditable go-live on Kubernetes: JR/T 0179-2019 as code.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerKeys(program);
  registerEvidence(program);
  registerApprove(program);
  registerAccept(program);
  registerGates(program);
  registerValidate(program);
  registerWebhook(program);
  registerOperator(program);
  registerAudit(program);
  registerCapacity(program);
  registerSeal(program);
  registerRun(program);
  registerStatus(program);
  registerPromote(program);
  registerAbort(program);
  registerReport(program);
  registerConsole(program);
  registerMetrics(program);
  registerDr(program);
  return program;
}

/** Run the CLI; returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      process.stderr.write(`golive: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`golive: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}

// Run directly (tsx cli/main.ts ...) as well as through bin/golive.js.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
