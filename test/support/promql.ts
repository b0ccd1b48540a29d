// The series names a PromQL expression (or a Grafana label_values() query) reads, so a test can
// check a dashboard queries only what is exported. Good enough for the expressions golive
// writes: strings, label matchers and by/on/group_left(...) lists are removed, and what remains
// that is not a function call, keyword or number is a series name.
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"]);

export function seriesNames(expr: string): string[] {
  const values = /^\s*label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(expr);
  if (values) return [values[1]!];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = [...stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?!\s*\(|[\w:])/g)].map((m) => m[1]!).filter((n) => !KEYWORDS.has(n));
  return [...new Set(names)];
}
