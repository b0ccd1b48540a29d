import type { Command } from "commander";
import { startOperator } from "../../operator/manager.js";
import { createLogger } from "../log.js";
import { addConfigFlags, configFrom, untilSignal } from "../process-config.js";

export function registerOperator(program: Command): void {
  addConfigFlags(
    program
      .command("operator")
      .description("Run the operator: evaluate gates and seals into Release status, drive releases, keep the audit trail"),
  ).action(async (opts: Record<string, string | undefined>) => {
    const config = configFrom(opts);
    const log = createLogger(config.logLevel);
    const operator = await startOperator({ config, log });
    const signal = await untilSignal();
    log.info({ signal }, "shutting down");
    await operator.stop();
  });
}
