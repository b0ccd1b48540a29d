// Expected start-up retries: while the API server initialises (a CRD's storage being built, its
// priority-and-fairness limits, its port not open yet) calls fail in ways that heal on their own.
// Those are logged as one short line at warn, the stack at debug; anything else in full.
import type { Logger } from "pino";
import { KubeError } from "./kube-client.js";

const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH"]);
const TRANSIENT_TEXT = /storage is \(re\)initializing|too many requests|the server is currently unable to handle the request|connection refused|socket hang up|apiserver not ready/i;

/** A short description when the error is an expected, self-healing retry; undefined otherwise. */
export function transientReason(e: unknown): string | undefined {
  if (e instanceof KubeError) {
    if (e.code === 429 || e.code === 503 || e.code === 504 || (e.code === 0 && e.reason === "Timeout") || TRANSIENT_TEXT.test(e.message)) return `${e.code ? `HTTP ${e.code} ` : ""}${e.message}`;
    return undefined;
  }
  const err = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (typeof err?.code === "string" && TRANSIENT_CODES.has(err.code)) return `${err.code}${typeof err.message === "string" ? `: ${err.message}` : ""}`;
  if (typeof err?.message === "string" && TRANSIENT_TEXT.test(err.message)) return err.message;
  if (err?.cause !== undefined && err.cause !== e) return transientReason(err.cause);
  return undefined;
}

/** Log a failed call that will be retried: one line for an expected retry (stack at debug), in full otherwise. */
export function logRetry(log: Logger, e: unknown, what: string): void {
  const reason = transientReason(e);
  if (reason === undefined) {
    log.warn({ err: e }, what);
    return;
  }
  log.warn(`${what}: ${reason}; retrying`);
  if (log.isLevelEnabled("debug")) log.debug({ err: e }, what);
}
