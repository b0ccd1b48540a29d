// JSON logs with pino. Secrets never reach a log: known secret-bearing paths are redacted.
// Control and bidi characters in what is logged (names, messages, error texts quoting user input)
// are escaped (api/escape.ts) so a terminal showing the log prints them as `\u202e`; tab and
// newline stay, the JSON encoding shows those already.
import { pino, type Logger } from "pino";
import { escapeControl, hasControl } from "../api/escape.js";

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

const escapeLog = (s: string) => escapeControl(s, { keepWhitespace: true });
// What JSON.stringify leaves raw and escapeControl escapes (the C0 controls JSON escapes itself).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_IN_JSON = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function escapeDeep(v: unknown): unknown {
  if (typeof v === "string") return hasControl(v) ? escapeLog(v) : v;
  if (Array.isArray(v)) return v.map(escapeDeep);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, escapeDeep(x)]));
  return v;
}

/** The log object with its strings escaped; an Error is serialised first so its message and stack are too. */
export function escapeLogObject(o: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(o)) {
    let e: unknown = v;
    if (typeof v === "string") e = hasControl(v) ? escapeLog(v) : v;
    else if (v !== null && typeof v === "object") {
      const plain: unknown = v instanceof Error ? pino.stdSerializers.err(v) : v;
      const json = JSON.stringify(plain) ?? "";
      if (RAW_IN_JSON.test(json.replace(/\\[nrt]/g, ""))) e = escapeDeep(JSON.parse(json));
    }
    if (e !== v) (out ??= { ...o })[k] = e;
  }
  return out ?? o;
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: "golive" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
      // Child bindings are not escaped: golive binds component names and namespace/name keys only.
      formatters: { level: (label) => ({ level: label }), log: escapeLogObject },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a: unknown) => (typeof a === "string" && hasControl(a) ? escapeLog(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
