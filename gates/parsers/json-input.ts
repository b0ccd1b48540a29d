// JSON evidence: nesting is measured on the raw text before JSON.parse builds anything, so a
// document of a million "[" costs one linear scan, never a deep object graph or a stack overflow.
import { EvidenceParseError, type ErrorSource } from "./errors.js";
import { findJsonSyntaxError } from "./json-syntax.js";
import { countOf } from "./limits.js";
import { openingOf, positionAt } from "./text-input.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Throw when arrays/objects nest deeper than maxDepth, naming the line where it happens. */
export function assertJsonNestingWithin(text: string, maxDepth: number, format: ErrorSource): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        const { line, column } = positionAt(text, i);
        throw new EvidenceParseError(
          format,
          `JSON nests deeper than ${countOf(maxDepth, "level")} at line ${line}, column ${column}; no genuine report needs that, so the file is refused (raise the maxDepth option if it is genuine)`,
        );
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/** Parse JSON text; a syntax error is reported with the line and column where it is. */
export function parseJsonEvidence(text: string, format: ErrorSource, maxDepth: number): unknown {
  assertJsonNestingWithin(text, maxDepth, format);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const first = text.trimStart()[0];
    if (first !== "{" && first !== "[") {
      const kind = first === "<" ? "; it is XML (JUnit reports go to the junit parser)" : "";
      throw new EvidenceParseError(format, `input is not JSON: it starts with ${openingOf(text)}${kind}`);
    }
    const located = findJsonSyntaxError(text);
    const { line, column } = positionAt(text, located?.offset ?? text.length);
    const reason = located?.reason ?? (error instanceof Error ? error.message : String(error));
    throw new EvidenceParseError(format, `not valid JSON at line ${line}, column ${column}: ${reason}`);
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
