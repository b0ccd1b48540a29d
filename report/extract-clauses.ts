// Regenerates report/clauses.json: for every row of the clause map (docs/JRT0179-MAP.md, read by
// its first column; extra columns are ignored), the standard's own Chinese words, taken from the
// standard's text, beside the map's short English line.
//   npx tsx report/extract-clauses.ts [STANDARD.txt] [MAP.md] > report/clauses.json
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface ClauseText {
  /** The map's first column, such as "4.3 k,l". */
  clause: string;
  /** The map's short English requirement. */
  en: string;
  /** The map's "How" column: W, O, G, C, R, P or —. */
  how: string;
  /** The section's Chinese title of the first clause, such as "上线计划". */
  title: string;
  /** The standard's words: the items named, or the whole clause. */
  zh: string;
}

interface Section {
  title: string;
  paragraphs: string[];
  items: Map<string, string>;
}

/** "4.3 k,l" -> [["4.3", ["k","l"]]]; "7.2, 7.3" -> [["7.2", []], ["7.3", []]]. */
export function clauseTokens(clause: string): { section: string; items: string[] }[] {
  const out: { section: string; items: string[] }[] = [];
  for (const m of clause.matchAll(/(\d+(?:\.\d+)*)(?:\s+([a-z](?:\s*,\s*[a-z](?![a-z.]))*))?/g)) {
    out.push({ section: m[1]!, items: m[2] ? m[2].split(/\s*,\s*/) : [] });
  }
  return out;
}

export function parseStandard(text: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  let started = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^#+\s+(\d+(?:\.\d+)*)\s+(.+)$/.exec(line);
    if (heading) {
      if (heading[1] === "4") started = true;
      if (!started) continue;
      current = { title: heading[2]!.trim(), paragraphs: [], items: new Map() };
      sections.set(heading[1]!, current);
      continue;
    }
    if (line.startsWith("#")) {
      current = undefined; // an unnumbered heading (the references) ends the clauses
      continue;
    }
    if (!started || !current || line === "") continue;
    const item = /^-\s+([a-z])\)\s*(.*)$/.exec(line);
    if (item) current.items.set(item[1]!, `${item[1]}) ${item[2]!.trim()}`);
    else current.paragraphs.push(line);
  }
  return sections;
}

export function parseMap(md: string): { clause: string; en: string; how: string }[] {
  const rows: { clause: string; en: string; how: string }[] = [];
  for (const line of md.split(/\r?\n/)) {
    if (!line.startsWith("|")) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const clause = cells[0] ?? "";
    if (!/^\d/.test(clause)) continue; // header and separator rows
    rows.push({ clause, en: cells[1] ?? "", how: cells[2] ?? "" });
  }
  return rows;
}

export function extractClauses(standard: string, map: string): ClauseText[] {
  const sections = parseStandard(standard);
  return parseMap(map).map((row) => {
    const parts: string[] = [];
    let title = "";
    for (const t of clauseTokens(row.clause)) {
      const s = sections.get(t.section);
      if (!s) throw new Error(`clause ${t.section} (map row ${row.clause}) is not in the standard's text`);
      title ||= s.title;
      const prefix = clauseTokens(row.clause).length > 1 ? `${t.section} ${s.title}：` : "";
      if (t.items.length) {
        const items = t.items.map((i) => {
          const text = s.items.get(i);
          if (text === undefined) throw new Error(`item ${t.section} ${i}) is not in the standard's text`);
          return text;
        });
        parts.push(prefix + items.join("\n"));
      } else {
        const own = [...s.paragraphs, ...s.items.values()];
        // A clause with no words of its own (7.2) is its subclauses' words.
        const children = own.length ? [] : [...sections].filter(([n]) => n.startsWith(`${t.section}.`)).map(([n, c]) => `${n} ${c.title}：${[...c.paragraphs, ...c.items.values()].join("\n")}`);
        parts.push(prefix + [...own, ...children].join("\n"));
      }
    }
    return { clause: row.clause, en: row.en, how: row.how, title, zh: parts.join("\n") };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const standard = process.argv[2] ?? `${here}../../shared/seeds/000_00b0d59db73165c1.txt`;
  const map = process.argv[3] ?? `${here}../docs/JRT0179-MAP.md`;
  const clauses = extractClauses(readFileSync(standard, "utf8"), readFileSync(map, "utf8"));
  process.stdout.write(JSON.stringify(clauses, null, 1) + "\n");
}
