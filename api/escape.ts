// Text golive writes for people (denials, warnings, Release status messages, Events, logs) quotes
// what users wrote: names, labels, annotations, evidence contents. A control character or a bidi
// override among them would be interpreted by the terminal that shows it: U+202E makes kubectl
// print the rest of a denial reversed, ESC starts a terminal sequence, a newline forges a line.
// Such characters are written as visible escapes instead (`\u202e`, `\n`), so what a person
// reads is what was sent. The output is printable (only the escaped characters change) and
// escaping is idempotent: escaping escaped text changes nothing.

/**
 * C0 controls and DEL, C1 controls, the line and paragraph separators, and the bidi controls
 * (embeddings and overrides U+202A-202E, isolates U+2066-2069, marks U+200E/U+200F and the
 * Arabic letter mark U+061C).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");
/** The same without tab, newline and carriage return: for JSON logs, whose encoding already shows those. */
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const escapeOne = (c: string): string => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

export interface EscapeOptions {
  /** Keep tab, newline and carriage return as they are (JSON logs encode them visibly anyway). */
  keepWhitespace?: boolean;
  /** Cut the escaped text to at most this many characters, ending in "…" (never inside an escape). */
  maxLength?: number;
}

/** True when the text has a character escapeControl would escape. */
export function hasControl(text: string): boolean {
  return UNSAFE.test(text);
}

/** The text with every control and bidi character written as a visible escape. */
export function escapeControl(text: string, opts: EscapeOptions = {}): string {
  let out = text;
  if (UNSAFE.test(text)) {
    const pattern = opts.keepWhitespace ? UNSAFE_BUT_WHITESPACE : UNSAFE_ALL;
    pattern.lastIndex = 0;
    out = text.replace(pattern, escapeOne);
  }
  const max = opts.maxLength ?? Infinity;
  return out.length <= max ? out : cut(out, max);
}

/** Cut to max characters ending in "…", never inside an escape sequence or a surrogate pair. */
function cut(text: string, max: number): string {
  if (max <= 1) return max === 1 ? "…" : "";
  let end = max - 1;
  // An escape is at most 6 characters (\u202e): back off to before one the cut would split.
  const from = Math.max(0, end - 5);
  for (const m of text.slice(from, end + 5).matchAll(/\\u[0-9a-f]{4}|\\[nrt]/g)) {
    const start = from + m.index;
    if (start < end && start + m[0].length > end) end = start;
  }
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--; // a high surrogate without its pair
  return `${text.slice(0, end)}…`;
}

/**
 * Escape every string in a JSON-like value (plain objects and arrays; other objects are left as
 * they are). `limit` bounds each escaped string by its key (escaping lengthens a text, and what
 * is written must stay within its schema's maximum); without one a string keeps its own length
 * at most.
 */
export function escapeStrings<T>(value: T, limit: (key: string, original: string) => number = (_k, s) => s.length, key = ""): T {
  if (typeof value === "string") return (hasControl(value) ? escapeControl(value, { maxLength: Math.max(1, limit(key, value)) }) : value) as T;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v: unknown) => {
      const e = escapeStrings(v, limit, key);
      if (e !== v) changed = true;
      return e;
    });
    return (changed ? out : value) as T;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const e: unknown = escapeStrings(v, limit, k);
      if (e !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = e;
    }
    return (out ?? value) as T;
  }
  return value;
}
