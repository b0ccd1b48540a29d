// Shared by the parsers' unit tests only (not exported from index.ts).
import { readFileSync } from "node:fs";
import { EvidenceParseError } from "./errors.js";

/** A committed fixture from testdata/, as bytes (the way the CLI reads files). */
export function fixture(name: string): Uint8Array {
  return readFileSync(new URL(`./testdata/${name}`, import.meta.url));
}

/** A committed fixture from testdata/, as text. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8");
}

/** The EvidenceParseError a call throws; fails the test when it throws nothing or something else. */
export function parseErrorOf(parse: () => unknown): EvidenceParseError {
  try {
    parse();
  } catch (error) {
    if (error instanceof EvidenceParseError) return error;
    throw error;
  }
  throw new Error("expected an EvidenceParseError, but parsing succeeded");
}

/** Milliseconds a call takes, whether it throws or not. */
export function millisecondsOf(call: () => unknown): number {
  const start = performance.now();
  try {
    call();
  } catch {
    // only the time matters here
  }
  return performance.now() - start;
}

export const HUNDRED_MIB = 100 * 1024 * 1024;
