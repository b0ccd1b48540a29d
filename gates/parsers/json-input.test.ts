import { describe, expect, it } from "vitest";
import { assertJsonNestingWithin, parseJsonEvidence } from "./json-input.js";
import { findJsonSyntaxError } from "./json-syntax.js";
import { parseErrorOf } from "./test-helpers.js";

describe("assertJsonNestingWithin", () => {
  it("counts only structural brackets, not brackets inside strings or after escaped quotes", () => {
    const brackets = "[".repeat(100);
    expect(() => assertJsonNestingWithin(`{"a": "${brackets}"}`, 2, "sarif")).not.toThrow();
    expect(() => assertJsonNestingWithin(`{"a": "quote \\" then ${brackets}"}`, 2, "sarif")).not.toThrow();
    expect(() => assertJsonNestingWithin(`{"a": "backslash \\\\", "b": [[]]}`, 2, "sarif")).toThrow(/deeper than 2 levels at line 1, column 29;/);
  });

  it("reports the line and column of the first bracket over the limit", () => {
    expect(parseErrorOf(() => assertJsonNestingWithin('{\n  "a": [\n    [1]\n  ]\n}', 2, "k6")).message).toMatch(/^k6 summary: JSON nests deeper than 2 levels at line 3, column 5;/);
  });
});

describe("parseJsonEvidence", () => {
  it("parses valid JSON", () => {
    expect(parseJsonEvidence('{"a": [1, "x", null]}', "sarif", 64)).toEqual({ a: [1, "x", null] });
  });

  it.each([
    ['{"a": 1,}', 'line 1, column 9: unexpected "}", expected a property name in double quotes'],
    ['{"a" 1}', 'line 1, column 6: unexpected "1", expected ":" after a property name'],
    ["[1 2]", 'line 1, column 4: unexpected "2", expected "," or "]"'],
    ['{"a": tru}', 'line 1, column 7: unexpected "t", expected a value'],
    ['{"a": "x\ny"}', "line 1, column 9: a control character (such as a line break) inside a string; escape it"],
    ['{"a": "\\q"}', "line 1, column 8: invalid escape \\q in a string"],
    ['{"a": 01}', 'line 1, column 8: unexpected "1", expected "," or "}"'],
    ['{"a": 1} {}', 'line 1, column 10: unexpected "{" after the end of the JSON value'],
    ['{\n  "a": "never closed', "line 2, column 8: a string is never closed"],
    ["[", "line 1, column 2: unexpected end of input, expected a value"],
  ])("locates the error in %j", (text, where) => {
    expect(parseErrorOf(() => parseJsonEvidence(text, "sarif", 64)).message).toBe(`SARIF: not valid JSON at ${where}`);
  });

  it("agrees with JSON.parse on valid documents", () => {
    for (const text of ['{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"]}', "[]", "{}", '"s"', "0", "  [ 1 , { } ]  "]) {
      expect(findJsonSyntaxError(text)).toBeUndefined();
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });
});
