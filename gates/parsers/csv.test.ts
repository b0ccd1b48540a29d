import { describe, expect, it } from "vitest";
import { readCsvRecords } from "./csv.js";
import { parseErrorOf } from "./test-helpers.js";

const read = (text: string, delimiter?: string) => [...readCsvRecords(text, "defects-csv", delimiter === undefined ? {} : { delimiter })];

describe("readCsvRecords", () => {
  it("splits plain records and keeps empty fields", () => {
    expect(read("a,b,c\n1,,3\n")).toEqual([
      { fields: ["a", "b", "c"], line: 1 },
      { fields: ["1", "", "3"], line: 2 },
    ]);
  });

  it("reads quoted fields with delimiters, doubled quotes and line breaks, tracking start lines", () => {
    const text = 'id,title\n1,"rounding, off by one"\n2,"say ""hi"""\n3,"two\nlines\r\nthree"\n4,last';
    expect(read(text)).toEqual([
      { fields: ["id", "title"], line: 1 },
      { fields: ["1", "rounding, off by one"], line: 2 },
      { fields: ["2", 'say "hi"'], line: 3 },
      { fields: ["3", "two\nlines\r\nthree"], line: 4 },
      { fields: ["4", "last"], line: 7 },
    ]);
  });

  it("accepts CRLF line endings, skips blank lines and reads a trailing empty field", () => {
    expect(read("a,b\r\n\r\n1,\r\n2,x")).toEqual([
      { fields: ["a", "b"], line: 1 },
      { fields: ["1", ""], line: 3 },
      { fields: ["2", "x"], line: 4 },
    ]);
    expect(read("a,b,")).toEqual([{ fields: ["a", "b", ""], line: 1 }]);
  });

  it("uses another delimiter when asked", () => {
    expect(read('a\tb, c\t"d\te"', "\t")).toEqual([{ fields: ["a", "b, c", "d\te"], line: 1 }]);
  });

  it("refuses malformed quoting with the line it is on", () => {
    expect(parseErrorOf(() => read('a,b\n1,"never closed\n2,x\n')).message).toBe('Defect list (CSV): line 2: a quoted field is never closed; end it with " and write "" for a quote inside it');
    expect(parseErrorOf(() => read('a,b\n1,ab"c\n')).message).toBe('Defect list (CSV): line 2, field 2: a quote inside an unquoted field; quote the whole field and write "" for a quote inside it');
    expect(parseErrorOf(() => read('a,b\n"x\ny"z,1\n')).message).toBe('Defect list (CSV): line 3, field 1: unexpected "z" after a closing quote; quote the whole field and write "" for a quote inside it');
  });

  it("refuses a record with absurdly many fields and an unusable delimiter", () => {
    expect(parseErrorOf(() => read(",".repeat(5000))).message).toBe("Defect list (CSV): line 1 has more than 1000 fields; is the delimiter right?");
    expect(parseErrorOf(() => read("a", '"')).message).toMatch(/CSV delimiter "\\"" is not usable/);
  });
});
