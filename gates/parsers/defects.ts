// Defect lists (JR/T 0179 4.3 b, 7.1.2 a, 7.3): every defect found in testing and what became
// of it. Two documented forms, read by parseDefectsJson and parseDefectsCsv:
//
// JSON: an array of defect objects, or an object { "defects": [ ... ] }:
//   [{ "id": "BUG-101", "severity": "Major", "priority": "P2", "status": "open",
//      "opened": "2024-03-01", "closed": null, "acceptedBy": "li.wei",
//      "title": "Premium rounding off by one cent" }]
//
// CSV (RFC 4180; quote fields that contain commas, quotes or line breaks): a header row naming
// the columns, in any order and any letter case, then one defect per row:
//   id,severity,priority,status,opened,closed,acceptedBy,title
//   BUG-101,Major,P2,open,2024-03-01,,li.wei,"Premium rounding, off by one cent"
//
// Fields (an empty CSV cell or a JSON null is the same as leaving the field out):
//   id          required, unique; a JSON number is taken as its decimal text
//   severity    required: Critical | Major | Minor | Trivial, any letter case
//   priority    optional: P1..P4, or the ITIL words Critical/Urgent -> P1, High -> P2,
//               Medium -> P3, Low -> P4
//   status      required: open | resolved | deferred, any letter case
//   opened      required: YYYY-MM-DD, or an ISO 8601 date-time such as 2024-03-01T09:30:00Z
//               (seconds, fractions and a Z or +08:00 offset optional)
//   closed      the same form; required when resolved, never before opened
//   acceptedBy  optional: who accepted an open or deferred defect for go-live (the business
//               owner's sign-off); ignored on resolved defects
//   title       optional; not copied into the summary
//
// Jira CSV exports, `gh issue list --json` output and any export described by a column map
// (options.columns, the CLI's --map) are read too: see defect-dialects.ts.
//
// Summary:
//   arrivals    the defect-arrival curve: for every calendar day from the first to the last
//               date in the list, how many defects were opened and closed that day (zero-filled).
//               The day is the date as written; no time-zone conversion.
//   unaccepted  open or deferred defects without acceptedBy; accepted: those with it. Both most
//               severe first and capped, like ids.
import { readCsvRecords, refuseNonCsv } from "./csv.js";
import { csvRowToDefect, gitHubIssueToDefect, isGitHubIssueList, mappedJsonToDefect, planCsvColumns, type DefectColumns } from "./defect-dialects.js";
import { EvidenceParseError } from "./errors.js";
import { isJsonObject, parseJsonEvidence } from "./json-input.js";
import { rejectOtherEvidenceKind } from "./json-kind.js";
import { capList, resolveLimits, type ParseLimits } from "./limits.js";
import { decodeEvidenceText, quoteValue, type EvidenceContent } from "./text-input.js";

export const DEFECT_SEVERITIES = ["Critical", "Major", "Minor", "Trivial"] as const;
export type DefectSeverity = (typeof DEFECT_SEVERITIES)[number];
export const DEFECT_STATUSES = ["open", "resolved", "deferred"] as const;
export type DefectStatus = (typeof DEFECT_STATUSES)[number];
export type DefectPriority = "P1" | "P2" | "P3" | "P4";

export interface DefectRef {
  id: string;
  severity: DefectSeverity;
  status: DefectStatus;
}

export interface AcceptedDefect extends DefectRef {
  acceptedBy: string;
}

export interface DefectArrival {
  /** YYYY-MM-DD */
  date: string;
  opened: number;
  closed: number;
}

export interface DefectListSummary {
  format: "defects";
  total: number;
  byStatus: Record<DefectStatus, number>;
  bySeverity: Record<DefectSeverity, number>;
  byPriority: Record<DefectPriority | "none", number>;
  unaccepted: DefectRef[];
  unacceptedTruncated: boolean;
  accepted: AcceptedDefect[];
  acceptedTruncated: boolean;
  arrivals: DefectArrival[];
  ids: string[];
  idsTruncated: boolean;
}

export interface DefectParseOptions extends ParseLimits {
  /** Longest arrival curve, in days; a longer span is almost always a mistyped year. Default 3660. */
  maxArrivalDays?: number;
  /** Which source column (CSV) or key (JSON) holds each field, for exports in no known shape. */
  columns?: DefectColumns;
}

type DefectSource = "defects-json" | "defects-csv";

const PRIORITY_WORDS: Record<string, DefectPriority> = {
  p1: "P1",
  p2: "P2",
  p3: "P3",
  p4: "P4",
  critical: "P1",
  urgent: "P1",
  high: "P2",
  medium: "P3",
  low: "P4",
};
const DEFAULT_MAX_ARRIVAL_DAYS = 3660;
const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

interface DefectDate {
  /** Days since 1970-01-01 of the date as written. */
  day: number;
  /** Epoch milliseconds when a time was given, for same-day comparisons. */
  instant: number | undefined;
}

interface Defect {
  id: string;
  severity: DefectSeverity;
  priority: DefectPriority | undefined;
  status: DefectStatus;
  opened: DefectDate;
  closed: DefectDate | undefined;
  acceptedBy: string | undefined;
  where: string;
}

/** A defect as read, before validation: strings from CSV, anything from JSON. */
type RawDefect = Partial<Record<"id" | "severity" | "priority" | "status" | "opened" | "closed" | "acceptedBy", unknown>>;

function utcDay(year: number, month: number, day: number): number {
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

class DefectReader {
  constructor(private readonly source: DefectSource) {}

  fail(where: string, id: string | undefined, detail: string): EvidenceParseError {
    return new EvidenceParseError(this.source, `${where}${id === undefined ? "" : ` (id ${JSON.stringify(id)})`}: ${detail}`);
  }

  /** Trimmed text, or undefined for a missing, null or blank value. */
  text(raw: RawDefect, field: keyof RawDefect, where: string, id: string | undefined): string | undefined {
    const value = raw[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw this.fail(where, id, `${field} is ${quoteValue(value)}, expected text`);
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  }

  date(raw: RawDefect, field: "opened" | "closed", where: string, id: string): DefectDate | undefined {
    const value = this.text(raw, field, where, id);
    if (value === undefined) return undefined;
    const m = DATE.exec(value);
    const invalid = (): EvidenceParseError => this.fail(where, id, `${field} is ${JSON.stringify(value)}, expected a date such as 2024-03-01 or 2024-03-01T09:30:00Z`);
    if (!m) throw invalid();
    const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => (part === undefined ? undefined : Number(part)));
    if (year === undefined || month === undefined || day === undefined) throw invalid();
    const midnight = utcDay(year, month, day);
    const roundTrip = new Date(midnight);
    if (roundTrip.getUTCMonth() !== month - 1 || roundTrip.getUTCDate() !== day) throw this.fail(where, id, `${field} is ${JSON.stringify(value)}, which is not a calendar date`);
    if (hour === undefined) return { day: midnight / DAY_MS, instant: undefined };
    if (hour > 23 || (minute ?? 0) > 59 || (second ?? 0) > 59) throw this.fail(where, id, `${field} is ${JSON.stringify(value)}, which is not a valid time of day`);
    const fraction = m[7] === undefined ? 0 : Number(m[7]) * 1000;
    const zone = m[8];
    const offsetMinutes =
      zone === undefined || zone === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
    const instant = midnight + ((hour * 60 + (minute ?? 0) - offsetMinutes) * 60 + (second ?? 0)) * 1000 + fraction;
    return { day: midnight / DAY_MS, instant };
  }

  defect(raw: RawDefect, where: string): Defect {
    const rawId = raw.id;
    const id = typeof rawId === "number" && Number.isFinite(rawId) ? String(rawId) : this.text(raw, "id", where, undefined);
    if (id === undefined) throw this.fail(where, undefined, "id is missing; every defect needs a unique id");

    const severityText = this.text(raw, "severity", where, id);
    const severity = DEFECT_SEVERITIES.find((s) => s.toLowerCase() === severityText?.toLowerCase());
    if (severity === undefined) throw this.fail(where, id, `severity is ${quoteValue(severityText)}, expected one of ${DEFECT_SEVERITIES.join(", ")}`);

    const priorityText = this.text(raw, "priority", where, id);
    const priority = priorityText === undefined ? undefined : PRIORITY_WORDS[priorityText.toLowerCase()];
    if (priorityText !== undefined && priority === undefined) {
      throw this.fail(where, id, `priority is ${JSON.stringify(priorityText)}, expected P1, P2, P3, P4 (or Critical, High, Medium, Low)`);
    }

    const statusText = this.text(raw, "status", where, id);
    const status = DEFECT_STATUSES.find((s) => s === statusText?.toLowerCase());
    if (status === undefined) {
      throw this.fail(where, id, `status is ${quoteValue(statusText)}, expected one of ${DEFECT_STATUSES.join(", ")} (map closed, fixed or verified to resolved)`);
    }

    const opened = this.date(raw, "opened", where, id);
    if (opened === undefined) throw this.fail(where, id, "opened is missing; give the date the defect was found");
    const closed = this.date(raw, "closed", where, id);
    if (status === "resolved" && closed === undefined) throw this.fail(where, id, "status is resolved but closed is empty; give the date it was resolved");
    if (closed !== undefined) {
      const bothTimed = opened.instant !== undefined && closed.instant !== undefined;
      const before = bothTimed ? (closed.instant ?? 0) < (opened.instant ?? 0) : closed.day < opened.day;
      if (before) throw this.fail(where, id, `closed (${this.text(raw, "closed", where, id)}) is before opened (${this.text(raw, "opened", where, id)})`);
    }
    return { id, severity, priority, status, opened, closed, acceptedBy: this.text(raw, "acceptedBy", where, id), where };
  }
}

function arrivalCurve(defects: readonly Defect[], maxDays: number, source: DefectSource): DefectArrival[] {
  if (defects.length === 0) return [];
  const opened = new Map<number, number>();
  const closed = new Map<number, number>();
  let first = { day: Number.POSITIVE_INFINITY, id: "" };
  let last = { day: Number.NEGATIVE_INFINITY, id: "" };
  for (const defect of defects) {
    opened.set(defect.opened.day, (opened.get(defect.opened.day) ?? 0) + 1);
    if (defect.closed) closed.set(defect.closed.day, (closed.get(defect.closed.day) ?? 0) + 1);
    if (defect.opened.day < first.day) first = { day: defect.opened.day, id: defect.id };
    const latest = defect.closed?.day ?? defect.opened.day;
    if (latest > last.day) last = { day: latest, id: defect.id };
  }
  const span = last.day - first.day + 1;
  if (span > maxDays) {
    throw new EvidenceParseError(
      source,
      `dates span ${span} days, from ${dayText(first.day)} (id ${JSON.stringify(first.id)}) to ${dayText(last.day)} (id ${JSON.stringify(last.id)}), more than ${maxDays}; check those dates for a mistyped year (or raise the maxArrivalDays option)`,
    );
  }
  const curve: DefectArrival[] = [];
  for (let day = first.day; day <= last.day; day++) curve.push({ date: dayText(day), opened: opened.get(day) ?? 0, closed: closed.get(day) ?? 0 });
  return curve;
}

function summarise(raws: Iterable<{ raw: RawDefect; where: string }>, source: DefectSource, options: DefectParseOptions | undefined, limits: { maxListEntries: number }): DefectListSummary {
  const maxArrivalDays = options?.maxArrivalDays ?? DEFAULT_MAX_ARRIVAL_DAYS;
  if (!Number.isSafeInteger(maxArrivalDays) || maxArrivalDays < 1) {
    throw new EvidenceParseError(source, `option maxArrivalDays is ${String(maxArrivalDays)}, expected a positive whole number`);
  }
  const reader = new DefectReader(source);
  const defects: Defect[] = [];
  const seen = new Map<string, string>();
  for (const { raw, where } of raws) {
    const defect = reader.defect(raw, where);
    const firstWhere = seen.get(defect.id);
    if (firstWhere !== undefined) throw reader.fail(where, defect.id, `the id is already used at ${firstWhere}; ids must be unique`);
    seen.set(defect.id, where);
    defects.push(defect);
  }

  const byStatus: Record<DefectStatus, number> = { open: 0, resolved: 0, deferred: 0 };
  const bySeverity: Record<DefectSeverity, number> = { Critical: 0, Major: 0, Minor: 0, Trivial: 0 };
  const byPriority: Record<DefectPriority | "none", number> = { P1: 0, P2: 0, P3: 0, P4: 0, none: 0 };
  for (const defect of defects) {
    byStatus[defect.status]++;
    bySeverity[defect.severity]++;
    byPriority[defect.priority ?? "none"]++;
  }
  // Stable sort: most severe first, list order within a severity.
  const pending = defects
    .filter((d) => d.status !== "resolved")
    .sort((a, b) => DEFECT_SEVERITIES.indexOf(a.severity) - DEFECT_SEVERITIES.indexOf(b.severity));
  const unaccepted = capList(
    pending.filter((d) => d.acceptedBy === undefined).map(({ id, severity, status }) => ({ id, severity, status })),
    limits.maxListEntries,
  );
  const accepted = capList(
    pending.flatMap(({ id, severity, status, acceptedBy }) => (acceptedBy === undefined ? [] : [{ id, severity, status, acceptedBy }])),
    limits.maxListEntries,
  );
  const ids = capList(
    defects.map((d) => d.id),
    limits.maxListEntries,
  );
  return {
    format: "defects",
    total: defects.length,
    byStatus,
    bySeverity,
    byPriority,
    unaccepted: unaccepted.items,
    unacceptedTruncated: unaccepted.truncated,
    accepted: accepted.items,
    acceptedTruncated: accepted.truncated,
    arrivals: arrivalCurve(defects, maxArrivalDays, source),
    ids: ids.items,
    idsTruncated: ids.truncated,
  };
}

/** Summarise a defect list in the documented JSON form (an array, or { "defects": [...] }). */
export function parseDefectsJson(content: EvidenceContent, options?: DefectParseOptions): DefectListSummary {
  const limits = resolveLimits("defects-json", options);
  const text = decodeEvidenceText(content, "defects-json", limits.maxBytes);
  const doc = parseJsonEvidence(text, "defects-json", limits.maxDepth);
  rejectOtherEvidenceKind(doc, "defects-json", "defects-json");
  const wrapped = isJsonObject(doc) && Array.isArray(doc["defects"]);
  const list: unknown = wrapped ? doc["defects"] : doc;
  if (!Array.isArray(list)) {
    throw new EvidenceParseError("defects-json", 'expected an array of defects or an object with a "defects" array');
  }
  const columns = options?.columns;
  const github = columns === undefined && isGitHubIssueList(list);
  const items = list.map((raw: unknown, i) => {
    const where = wrapped ? `defects[${i}]` : `[${i}]`;
    if (!isJsonObject(raw)) throw new EvidenceParseError("defects-json", `${where} is ${quoteValue(raw)}, expected an object`);
    const fields = columns ? mappedJsonToDefect(raw, columns) : github ? gitHubIssueToDefect(raw, where) : raw;
    return { raw: fields, where };
  });
  return summarise(items, "defects-json", options, limits);
}

const CSV_COLUMNS = ["id", "severity", "priority", "status", "opened", "closed", "acceptedBy", "title"] as const;
const REQUIRED_CSV_COLUMNS = ["id", "severity", "status", "opened"] as const;

/** Summarise a defect list in the documented CSV form (header id,severity,priority,status,opened,closed,acceptedBy,title). */
export function parseDefectsCsv(content: EvidenceContent, options?: DefectParseOptions): DefectListSummary {
  const limits = resolveLimits("defects-csv", options);
  const text = decodeEvidenceText(content, "defects-csv", limits.maxBytes);
  refuseNonCsv(text, "defects-csv");
  const records = readCsvRecords(text, "defects-csv");
  const header = records.next();
  if (header.done === true) throw new EvidenceParseError("defects-csv", "file has no header row");
  const names = header.value.fields.map((name) => name.trim());
  const plan = planCsvColumns(names, options?.columns);
  const missing = REQUIRED_CSV_COLUMNS.filter((column) => !plan.columns.has(column) && !(column === "severity" && plan.severityFromPriority !== undefined));
  if (missing.length > 0) {
    const known = plan.dialect === "jira" ? "; a Jira export needs Issue key, Status, Created and Priority (or a Severity column)" : "";
    throw new EvidenceParseError(
      "defects-csv",
      `header is missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; the first line must name the columns, e.g. ${CSV_COLUMNS.join(",")}${known}, or name yours with --map column=field,...`,
    );
  }
  function* rows(): Generator<{ raw: RawDefect; where: string }> {
    for (const { fields, line } of records) {
      if (fields.length !== names.length) {
        throw new EvidenceParseError("defects-csv", `line ${line} has ${fields.length} fields but the header has ${names.length}; quote values that contain commas`);
      }
      yield { raw: csvRowToDefect(fields, plan), where: `line ${line}` };
    }
  }
  return summarise(rows(), "defects-csv", options, limits);
}
