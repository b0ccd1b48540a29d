// The compass of the clause map (docs/JRT0179-MAP.md): which rows a named test proves, and which
// are not done. Each row's last cell ("Tested by") names tests as `path/to/file.test.ts` "title"
// or starts with "not done:" and says what is missing (it may name tests of the part that is
// done). policies/map.test.ts checks every named test exists; `npx tsx policies/compass.ts`
// prints the figure.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = join(import.meta.dirname, "..");
export const MAP_PATH = join(REPO, "docs", "JRT0179-MAP.md");

export interface TestRef {
  file: string;
  title: string;
}

export interface MapRow {
  clause: string;
  line: number;
  /** The "Tested by" cell, or undefined when the row has none. */
  testedBy: string | undefined;
  tests: TestRef[];
  /** Set when the row says it is not done: what is missing. */
  notDone: string | undefined;
}

/** Every clause row of the map (the tables' rows whose first cell starts with a clause number). */
export function parseMap(markdown: string): MapRow[] {
  const rows: MapRow[] = [];
  markdown.split("\n").forEach((text, i) => {
    if (!text.startsWith("|")) return;
    const cells = text.split("|").slice(1, -1).map((c) => c.trim());
    const clause = cells[0] ?? "";
    if (!/^\d/.test(clause)) return;
    const testedBy = cells.length >= 5 ? cells[cells.length - 1] : undefined;
    const tests = [...(testedBy ?? "").matchAll(/`([^`]+\.test\.ts)`\s+"([^"]+)"/g)].map((m) => ({ file: m[1]!, title: m[2]! }));
    const nd = /^not done:\s*(.*?)(?:;|$)/.exec(testedBy ?? "");
    rows.push({ clause, line: i + 1, testedBy, tests, notDone: nd ? nd[1]!.trim() || "(no reason given)" : undefined });
  });
  return rows;
}

/** What is wrong with the map's Tested by cells, checked against the test files in `repo`; empty when fine. */
export function mapProblems(rows: readonly MapRow[], repo = REPO): string[] {
  const problems: string[] = [];
  const texts = new Map<string, string | undefined>();
  const textOf = (file: string) => {
    if (!texts.has(file)) texts.set(file, existsSync(join(repo, file)) ? readFileSync(join(repo, file), "utf8") : undefined);
    return texts.get(file);
  };
  for (const row of rows) {
    const at = `${row.clause} (line ${row.line})`;
    if (row.testedBy === undefined) {
      problems.push(`${at}: no Tested by cell`);
      continue;
    }
    if (row.notDone === "(no reason given)") problems.push(`${at}: "not done:" without saying what is missing`);
    if (row.notDone === undefined && row.tests.length === 0) problems.push(`${at}: names no test (name one as \`file.test.ts\` "title", or say "not done: ...")`);
    for (const t of row.tests) {
      const text = textOf(t.file);
      if (text === undefined) problems.push(`${at}: ${t.file} does not exist`);
      else if (!text.includes(t.title)) problems.push(`${at}: no test titled "${t.title}" in ${t.file}`);
    }
  }
  return problems;
}

export interface Compass {
  proved: number;
  total: number;
  notDone: MapRow[];
}

export function compass(rows: readonly MapRow[]): Compass {
  const notDone = rows.filter((r) => r.notDone !== undefined || r.tests.length === 0);
  return { proved: rows.length - notDone.length, total: rows.length, notDone };
}

export function formatCompass(c: Compass): string {
  const lines = [`JR/T 0179 clause map: ${c.proved}/${c.total} rows proved by a test; ${c.notDone.length} not done`, ""];
  for (const r of c.notDone) lines.push(`  ${r.clause}: ${r.notDone ?? "names no test"}`);
  return lines.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = parseMap(readFileSync(process.argv[2] ?? MAP_PATH, "utf8"));
  process.stdout.write(formatCompass(compass(rows)));
  const problems = mapProblems(rows);
  if (problems.length) {
    process.stderr.write(`the map names tests that do not prove it:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    process.exitCode = 1;
  }
}
