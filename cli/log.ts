// JSON logs with pino. Secrets never reach a log: known secret-bearing paths are redacted.
import { pino, type Logger } from "pino";

export type { Logger };

export const REDACTED_PATHS = [
  "*.token",
  "*.password",
  "*.privateKey",
  "*.authorization",
  "*.headers.authorization",
  "*.data",
  "*.stringData",
  "*.sig",
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: "golive" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream | undefined,
  );
}
