// Query, classification and aggregation of the trail (8.3 c): filters over the merged records
// of every chain, and a summary by type and result.
import type { AuditRecord } from "./chain.js";

export interface AuditFilter {
  since?: Date;
  until?: Date;
  type?: string;
  user?: string;
  namespace?: string;
  release?: string;
  result?: string;
}

export const namespaceOf = (r: AuditRecord): string => (typeof r.details?.namespace === "string" ? r.details.namespace : (r.object.split("/")[0] ?? ""));
export function releaseOf(r: AuditRecord): string | undefined {
  if (typeof r.details?.release === "string") return r.details.release;
  const [, kind, name] = r.object.split("/");
  return kind === "Release" ? name : undefined;
}

export function matches(r: AuditRecord, f: AuditFilter): boolean {
  if (f.since || f.until) {
    const t = Date.parse(r.time);
    if (f.since && t < f.since.getTime()) return false;
    if (f.until && t >= f.until.getTime()) return false;
  }
  if (f.type !== undefined && r.type !== f.type) return false;
  if (f.user !== undefined && r.user !== f.user) return false;
  if (f.result !== undefined && r.result !== f.result) return false;
  if (f.namespace !== undefined && namespaceOf(r) !== f.namespace) return false;
  if (f.release !== undefined && releaseOf(r) !== f.release) return false;
  return true;
}

export const queryTrail = (records: readonly AuditRecord[], f: AuditFilter): AuditRecord[] => records.filter((r) => matches(r, f));

export interface SummaryRow {
  type: string;
  result: string;
  count: number;
}

export function summarize(records: readonly AuditRecord[]): SummaryRow[] {
  const counts = new Map<string, SummaryRow>();
  for (const r of records) {
    const k = `${r.type}\u0000${r.result}`;
    const row = counts.get(k);
    if (row) row.count++;
    else counts.set(k, { type: r.type, result: r.result, count: 1 });
  }
  return [...counts.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.result < b.result ? -1 : a.result > b.result ? 1 : 0));
}

export const QUERY_COLUMNS = ["time", "source", "seq", "type", "object", "user", "result", "reason"] as const;

const cell = (v: unknown): string => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : typeof v === "string" ? v : JSON.stringify(v));
const csvCell = (v: unknown): string => {
  const s = cell(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  return [columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n";
}

export function toTable(rows: readonly Record<string, unknown>[], columns: readonly string[], maxWidth = 60): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c]).replace(/[\r\n\t]/g, " ").slice(0, maxWidth)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) => row.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n") + "\n";
}
