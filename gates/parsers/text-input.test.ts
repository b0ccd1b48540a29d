import { describe, expect, it } from "vitest";
import { parseErrorOf } from "./test-helpers.js";
import { decodeEvidenceText, positionAt, quoteValue } from "./text-input.js";

describe("decodeEvidenceText", () => {
  it("decodes UTF-8 bytes and drops a byte-order mark", () => {
    expect(decodeEvidenceText(new Uint8Array([0xef, 0xbb, 0xbf, 0xe4, 0xbf, 0x9d, 0xe9, 0x99, 0xa9]), "junit", 100)).toBe("保险");
    expect(decodeEvidenceText("\uFEFF{}", "sarif", 100)).toBe("{}");
  });

  it("measures strings in UTF-8 bytes, not characters", () => {
    expect(decodeEvidenceText("保险保险", "junit", 12)).toBe("保险保险");
    expect(parseErrorOf(() => decodeEvidenceText("保险保险保", "junit", 12)).message).toBe(
      "JUnit XML: input is 15 bytes, over the limit of 12 bytes; split or trim the report, or raise the maxBytes option if the file is genuine",
    );
  });
});

describe("positionAt", () => {
  it("turns an offset into a 1-based line and column", () => {
    expect(positionAt("ab\ncd\nef", 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt("ab\ncd\nef", 4)).toEqual({ line: 2, column: 2 });
    expect(positionAt("ab\ncd\nef", 99)).toEqual({ line: 3, column: 3 });
  });
});

describe("quoteValue", () => {
  it("renders untrusted values briefly", () => {
    expect(quoteValue("x".repeat(100))).toBe(`"${"x".repeat(59)}…`);
    expect([quoteValue(undefined), quoteValue(null), quoteValue(3), quoteValue([1]), quoteValue({}), quoteValue(() => 1)]).toEqual(["missing", "null", "3", "an array", "an object", "function"]);
  });
});
