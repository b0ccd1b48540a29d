import { describe, expect, it } from "vitest";
import { escapeControl, escapeStrings, hasControl } from "./escape.js";

describe("escapeControl", () => {
  it.each([
    ["plain ASCII", "Release web-1-2-0 is Blocked", "Release web-1-2-0 is Blocked"],
    ["non-ASCII letters and emoji stay", "gate sécurité 保险 🚀", "gate sécurité 保险 🚀"],
    ["right-to-left override", "web\u202Egnp.exe", "web\\u202egnp.exe"],
    ["every embedding and override", "\u202A\u202B\u202C\u202D\u202E", "\\u202a\\u202b\\u202c\\u202d\\u202e"],
    ["isolates", "\u2066a\u2067b\u2068c\u2069", "\\u2066a\\u2067b\\u2068c\\u2069"],
    ["marks", "\u200Ex\u200Fy\u061Cz", "\\u200ex\\u200fy\\u061cz"],
    ["newline, tab, carriage return", "a\nb\tc\rd", "a\\nb\\tc\\rd"],
    ["NUL, ESC (a terminal sequence), DEL", "\u0000\u001b[31mred\u007f", "\\u0000\\u001b[31mred\\u007f"],
    ["C1 controls (CSI U+009B)", "\u0080x\u009By\u009F", "\\u0080x\\u009by\\u009f"],
    ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
    ["zero-width joiner and no-break space are not controls", "a\u200Db\u00A0c", "a\u200Db\u00A0c"],
    ["a backslash stays", "C:\\path\\u202e", "C:\\path\\u202e"],
    ["empty", "", ""],
  ])("%s", (_what, input, expected) => {
    expect(escapeControl(input)).toBe(expected);
    expect(escapeControl(expected), "idempotent").toBe(expected);
    expect(hasControl(input)).toBe(input !== expected);
    expect(hasControl(escapeControl(input))).toBe(false);
  });

  it("keeps tab, newline and carriage return with keepWhitespace (JSON logs), and escapes the rest", () => {
    expect(escapeControl("at a\n    at b\t\u202Ex\u001b\u0085", { keepWhitespace: true })).toBe("at a\n    at b\t\\u202ex\\u001b\\u0085");
  });

  it.each([
    ["within the limit", "abc", 3, "abc"],
    ["cut with an ellipsis", "abcdef", 4, "abc…"],
    ["never inside an escape", "ab\u202Ecdef", 6, "ab…"],
    ["an escape that fits whole", "ab\u202Ecdef", 9, "ab\\u202e…"],
    ["never inside a short escape", "abc\ndef", 5, "abc…"],
    ["never between a surrogate pair", "ab🚀cd", 4, "ab…"],
    ["a limit of one", "abc", 1, "…"],
  ])("maxLength: %s", (_what, input, max, expected) => {
    const out = escapeControl(input, { maxLength: max });
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });
});

describe("escapeStrings", () => {
  it("escapes every string of a JSON-like value, within each key's limit, and keeps clean values identical", () => {
    const clean = { phase: "Blocked", conditions: [{ type: "Ready", message: "fine" }], observedGeneration: 2 };
    expect(escapeStrings(clean)).toBe(clean);
    const hostile = { phase: "Blocked", message: `gate x: test \u202Eevil${"y".repeat(20)}`, conditions: [{ type: "Ready", message: "a\u202Eb" }], n: 1, ok: true, none: null };
    const limits = (key: string, s: string) => (key === "message" ? 30 : s.length);
    const out = escapeStrings(hostile, limits);
    expect(out).toEqual({ phase: "Blocked", message: "gate x: test \\u202eevilyyyyyy…", conditions: [{ type: "Ready", message: "a\\u202eb" }], n: 1, ok: true, none: null });
    expect(out.message.length).toBe(30);
    expect(hostile.message).toContain("\u202E"); // the input is not modified
  });

  it("without limits a string never grows past its own length", () => {
    expect(escapeStrings({ reason: "ab\u202Ecdefgh" })).toEqual({ reason: "ab\\u202e…" });
    expect(escapeStrings(["x\ny"])).toEqual(["x…"]);
  });

  it("leaves class instances (Errors, Dates) alone", () => {
    const e = new Error("bad\u202E");
    const d = new Date(0);
    expect(escapeStrings({ e, d })).toEqual({ e, d });
  });
});
