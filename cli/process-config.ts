// Shared by the long-running commands (operator, webhook, run): every setting is a flag as well
// as a GOLIVE_* environment variable, validated by loadConfig.
import type { Command } from "commander";
import { ConfigError, ConfigSchema, flagName, loadConfig, envName, type Config } from "../settings/config.js";
import { CliError } from "./errors.js";

export function addConfigFlags(command: Command): Command {
  for (const [key, schema] of Object.entries(ConfigSchema.shape)) {
    command.option(`${flagName(key)} <value>`, `${schema.description ?? key} (env ${envName(key)})`);
  }
  return command;
}

export function configFrom(opts: Record<string, string | undefined>): Config {
  try {
    return loadConfig(opts);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 2);
    throw e;
  }
}

/** Resolve on SIGINT/SIGTERM so a command can shut down gracefully. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, () => resolve(s));
  });
}
