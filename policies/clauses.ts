// Reading clause references: "4.2 a,b" is 4.2 a and 4.2 b; "7.2, 7.3" is 7.2 and 7.3.
export function expandClauses(text: string): string[] {
  return text
    .split(/,\s+|;\s*/)
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((item) => {
      const m = /^(\d+(?:\.\d+)*)\s+([a-z](?:,[a-z])*)$/.exec(item);
      return m ? m[2]!.split(",").map((letter) => `${m[1]} ${letter}`) : [item];
    });
}

/** Clauses the map marks as decided by a gate (G in its How column). */
export function gateClausesOfMap(markdown: string): string[] {
  return markdown
    .split("\n")
    .map((line) => line.split("|").map((c) => c.trim()))
    .filter((cells) => cells.length > 4 && /^\d/.test(cells[1] ?? "") && /\bG\b/.test(cells[3] ?? ""))
    .flatMap((cells) => expandClauses(cells[1]!));
}

/** True when `clause` (e.g. "7.1.2") is covered by `covered` (which may hold "7.1.2 a"). */
export function isCovered(clause: string, covered: ReadonlySet<string>): boolean {
  if (covered.has(clause)) return true;
  return [...covered].some((c) => c.startsWith(`${clause} `));
}
