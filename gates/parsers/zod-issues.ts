// zod's default messages ("Invalid input: expected string, received undefined") do not say
// where in the file the problem is. These helpers turn the first issue into
// `runs[0].results[3].level is "fatal", expected one of none, note, warning, error`.
import type { z } from "zod";
import { EvidenceParseError, type ErrorSource } from "./errors.js";
import { quoteValue } from "./text-input.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JSON path the way a reader would type it: runs[0].tool.driver.rules[2].properties["security-severity"]. */
export function formatJsonPath(path: readonly PropertyKey[], root = ""): string {
  let out = root;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === "" ? "the document" : out;
}

const EXPECTED_NOUNS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  record: "an object",
};

function describeIssue(issue: z.core.$ZodIssue, root: string): string {
  const where = formatJsonPath(issue.path, root);
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED_NOUNS[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `${where} is missing, expected ${expected}` : `${where} is ${quoteValue(issue.input)}, expected ${expected}`;
    }
    case "invalid_value": {
      const allowed = issue.values.map((v) => String(v));
      const expected = allowed.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${allowed.join(", ")}`;
      return `${where} is ${quoteValue(issue.input)}, expected ${expected}`;
    }
    case "too_small":
      return `${where} is ${quoteValue(issue.input)}, expected at least ${String(issue.minimum)}`;
    case "too_big":
      return `${where} is ${quoteValue(issue.input)}, expected at most ${String(issue.maximum)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** An EvidenceParseError for the first issue, noting how many more there are. */
export function zodFailure(format: ErrorSource, error: z.ZodError, root = ""): EvidenceParseError {
  const [first, ...rest] = error.issues;
  if (first === undefined) return new EvidenceParseError(format, "document does not match the expected shape");
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? "" : "s"})` : "";
  return new EvidenceParseError(format, `${describeIssue(first, root)}${more}`);
}

/** Validate with a schema, throwing a located EvidenceParseError on the first mismatch. */
export function parseWithSchema<T extends z.ZodType>(schema: T, value: unknown, format: ErrorSource, root = ""): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw zodFailure(format, result.error, root);
  return result.data;
}
