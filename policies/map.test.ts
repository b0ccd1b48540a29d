// The clause map is proved by tests, not by labels: every row of docs/JRT0179-MAP.md names the
// test(s) that prove it (a test file that exists and a test title found in it), or says plainly
// that it is not done and what is missing.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compass, formatCompass, MAP_PATH, mapProblems, parseMap } from "./compass.js";

const rows = parseMap(readFileSync(MAP_PATH, "utf8"));

describe("the clause map's Tested by column", () => {
  it("every row names a test that exists in a test file that exists, or says it is not done", () => {
    expect(rows.length).toBeGreaterThan(50);
    expect(mapProblems(rows)).toEqual([]);
  });

  it("refuses a row naming no test, a missing test file, a title not in the file, and a bare 'not done'", () => {
    const fake = parseMap(
      [
        "| Clause | Requirement | How | In the product | Tested by |",
        "|---|---|---|---|---|",
        "| 1.1 | x | G | y | see the code |",
        '| 1.2 | x | G | y | `policies/nowhere.test.ts` "anything" |',
        '| 1.3 | x | G | y | `policies/policies.test.ts` "a title that file does not hold" |',
        "| 1.4 | x | G | y | not done: |",
        "| 1.5 | x | G | y |",
        '| 1.6 | x | G | y | `policies/map.test.ts` "every row names a test that exists" |',
      ].join("\n"),
    );
    expect(mapProblems(fake)).toEqual([
      '1.1 (line 3): names no test (name one as `file.test.ts` "title", or say "not done: ...")',
      "1.2 (line 4): policies/nowhere.test.ts does not exist",
      '1.3 (line 5): no test titled "a title that file does not hold" in policies/policies.test.ts',
      '1.4 (line 6): "not done:" without saying what is missing',
      "1.5 (line 7): no Tested by cell",
    ]);
    expect(compass(fake)).toMatchObject({ proved: 3, total: 6 });
  });

  it("the compass counts rows proved by a test and lists those not done", () => {
    const c = compass(rows);
    expect(c.total).toBe(rows.length);
    expect(c.proved + c.notDone.length).toBe(c.total);
    expect(formatCompass(c)).toMatch(new RegExp(`^JR/T 0179 clause map: ${c.proved}/${c.total} rows proved by a test; ${c.notDone.length} not done\\n`));
    // Every row is done: 8.6 a-c, 7.2, the DR drill, DR consistency (4.3 g), 8.7 a-c, 4.4 c, 5.2, 6.2.1, 8.5 and 8.7 d,e included.
    expect(c.notDone.map((r) => r.clause)).toEqual([]);
    for (const done of ["8.5", "8.6", "7.2.1, 7.2.2", "9.2 c,d", "4.3 g", "8.7 a,b,c", "4.4 c", "4.3 l", "9.3", "5.2 a,b,c", "6.2.1, 6.2.2", "8.7 d,e"]) expect(c.notDone.map((r) => r.clause)).not.toContain(done);
  });

  it("the README's compass figure and list of rows not done are the map's", () => {
    const c = compass(rows);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");
    const m = /today \*\*(\d+)\/(\d+) rows proved by a test\*\*, and (?:the (\d+) rows? not done \((.*?)\)|(no) row not done)\. Rows whose/.exec(readme);
    expect(m, "README: the compass sentence").not.toBeNull();
    expect([Number(m![1]), Number(m![2]), m![5] ? 0 : Number(m![3])]).toEqual([c.proved, c.total, c.notDone.length]);
    for (const r of c.notDone) expect(m![4] ?? "", `README lists ${r.clause} among the rows not done`).toContain(r.clause);
  });
});
