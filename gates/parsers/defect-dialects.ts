// Defect lists as trackers export them, turned into golive's fields before the usual checks:
//
//   Jira CSV export (Filters > Export > CSV): recognised by its "Issue key" and "Created"
//     columns. Issue key -> id, Summary -> title, Status -> status, Priority -> priority,
//     Created -> opened, Resolved -> closed, and severity from a "Severity" or
//     "Custom field (Severity)" column, else from Priority (Highest/Blocker -> Critical,
//     High/Critical -> Major, Medium/Major -> Minor, Low/Lowest/Minor/Trivial -> Trivial).
//     Dates in ISO 8601 or Jira's default "dd/MMM/yy h:mm a" (01/Mar/24 9:30 AM).
//   `gh issue list --json number,title,state,labels,createdAt,closedAt`: recognised by number,
//     state and createdAt. id "#<number>", state OPEN -> open, CLOSED -> resolved, severity and
//     priority from labels ("severity: critical", "sev/major", "critical", "P1", "priority: high").
//   --map "column=field,...": any other export; the named columns (or JSON keys) hold the
//     fields, the others are matched by golive's own field names.
//
// In these forms the values are read leniently (they are the tracker's words): statuses
// resolved/closed/done/fixed/verified/completed -> resolved; deferred/postponed/won't fix/
// won't do/wontfix -> deferred; any other status -> open. Severity and priority words as above.
import { EvidenceParseError } from "./errors.js";
import { isJsonObject } from "./json-input.js";

export const DEFECT_FIELDS = ["id", "severity", "priority", "status", "opened", "closed", "acceptedBy", "title"] as const;
export type DefectField = (typeof DEFECT_FIELDS)[number];

/** Source column (or JSON key) -> golive field. */
export type DefectColumns = Readonly<Record<string, DefectField>>;

export type Dialect = "golive" | "jira" | "github" | "mapped";

const RESOLVED = new Set(["resolved", "closed", "done", "fixed", "verified", "complete", "completed"]);
const DEFERRED = new Set(["deferred", "postponed", "won't fix", "wont fix", "wontfix", "won't do", "wont do"]);

const SEVERITY_WORDS: Record<string, string> = {
  critical: "Critical",
  blocker: "Critical",
  highest: "Critical",
  urgent: "Critical",
  s1: "Critical",
  sev1: "Critical",
  major: "Major",
  high: "Major",
  s2: "Major",
  sev2: "Major",
  minor: "Minor",
  medium: "Minor",
  moderate: "Minor",
  normal: "Minor",
  s3: "Minor",
  sev3: "Minor",
  trivial: "Trivial",
  low: "Trivial",
  lowest: "Trivial",
  s4: "Trivial",
  sev4: "Trivial",
};

/** Jira priorities (current Highest..Lowest and the older Blocker..Trivial) as golive severity. */
const JIRA_PRIORITY_SEVERITY: Record<string, string> = {
  highest: "Critical",
  blocker: "Critical",
  high: "Major",
  critical: "Major",
  medium: "Minor",
  major: "Minor",
  low: "Trivial",
  lowest: "Trivial",
  minor: "Trivial",
  trivial: "Trivial",
};

const PRIORITY_WORDS: Record<string, string> = {
  highest: "P1",
  blocker: "P1",
  critical: "P1",
  urgent: "P1",
  high: "P2",
  major: "P2",
  medium: "P3",
  normal: "P3",
  minor: "P3",
  low: "P4",
  lowest: "P4",
  trivial: "P4",
};

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const JIRA_DATE = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;

/** A Jira "dd/MMM/yy h:mm a" date as ISO 8601 (local time as written); other text unchanged. */
export function normaliseDate(value: string): string {
  const m = JIRA_DATE.exec(value.trim());
  if (!m) return value;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month === -1) return value;
  const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  const date = `${year}-${String(month + 1).padStart(2, "0")}-${m[1]!.padStart(2, "0")}`;
  if (m[4] === undefined) return date;
  let hour = Number(m[4]);
  const meridiem = m[7]?.toLowerCase();
  if (meridiem === "pm" && hour < 12) hour += 12;
  if (meridiem === "am" && hour === 12) hour = 0;
  return `${date}T${String(hour).padStart(2, "0")}:${m[5]}${m[6] ? `:${m[6]}` : ""}`;
}

function wordOf(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim().toLowerCase().replace(/\s+/g, " ") : undefined;
}

/** Tracker words as golive values; unknown words are left for the strict reader to name. */
export function normaliseValues(raw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...raw };
  const status = wordOf(raw["status"]);
  if (status !== undefined) out["status"] = RESOLVED.has(status) ? "resolved" : DEFERRED.has(status) ? "deferred" : "open";
  const severity = wordOf(raw["severity"]);
  if (severity !== undefined && SEVERITY_WORDS[severity]) out["severity"] = SEVERITY_WORDS[severity];
  const priority = wordOf(raw["priority"]);
  if (priority !== undefined && PRIORITY_WORDS[priority]) out["priority"] = PRIORITY_WORDS[priority];
  for (const field of ["opened", "closed"]) if (typeof raw[field] === "string") out[field] = normaliseDate(raw[field]);
  return out;
}

// ---- CSV -------------------------------------------------------------------------------------

const JIRA_COLUMNS: Record<string, DefectField> = {
  "issue key": "id",
  summary: "title",
  status: "status",
  priority: "priority",
  created: "opened",
  resolved: "closed",
  severity: "severity",
  "custom field (severity)": "severity",
};

/** Whether a CSV header is a Jira export's. */
export function isJiraHeader(names: readonly string[]): boolean {
  const lower = new Set(names.map((n) => n.trim().toLowerCase()));
  return lower.has("issue key") && lower.has("created");
}

export interface CsvColumnPlan {
  dialect: Dialect;
  /** field -> column index */
  columns: Map<DefectField, number>;
  /** Jira without a severity column: severity comes from this column's priority. */
  severityFromPriority: number | undefined;
}

/** Which column holds each field, for golive's own header, a Jira export, or a --map. */
export function planCsvColumns(names: readonly string[], map: DefectColumns | undefined): CsvColumnPlan {
  const lower = names.map((n) => n.trim().toLowerCase());
  const dialect: Dialect = map ? "mapped" : isJiraHeader(names) ? "jira" : "golive";
  const columns = new Map<DefectField, number>();
  const claim = (field: DefectField, index: number, column: string): void => {
    const taken = columns.get(field);
    if (taken !== undefined && taken !== index) throw new EvidenceParseError("defects-csv", `header names the column ${field === column.toLowerCase() ? field : `for ${field} (${column})`} twice`);
    columns.set(field, index);
  };
  if (map) {
    for (const [column, field] of Object.entries(map)) {
      const index = lower.indexOf(column.trim().toLowerCase());
      if (index === -1) throw new EvidenceParseError("defects-csv", `--map names the column ${JSON.stringify(column)}, which the header does not have (it has ${names.map((n) => JSON.stringify(n.trim())).join(", ")})`);
      claim(field, index, column);
    }
  }
  lower.forEach((name, index) => {
    const field = dialect === "jira" ? JIRA_COLUMNS[name] : DEFECT_FIELDS.find((f) => f.toLowerCase() === name);
    if (field === undefined || (map && (columns.has(field) || Object.keys(map).some((c) => c.trim().toLowerCase() === name)))) return;
    claim(field, index, names[index]!.trim());
  });
  let severityFromPriority: number | undefined;
  if (dialect === "jira" && !columns.has("severity")) severityFromPriority = columns.get("priority");
  return { dialect, columns, severityFromPriority };
}

/** One CSV row as golive's fields, under a column plan. */
export function csvRowToDefect(fields: readonly string[], plan: CsvColumnPlan): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [field, index] of plan.columns) if (field !== "title") raw[field] = fields[index];
  if (plan.severityFromPriority !== undefined) {
    const priority = wordOf(fields[plan.severityFromPriority]);
    raw["severity"] = priority === undefined ? undefined : (JIRA_PRIORITY_SEVERITY[priority] ?? fields[plan.severityFromPriority]);
  }
  return plan.dialect === "golive" ? raw : normaliseValues(raw);
}

// ---- JSON ------------------------------------------------------------------------------------

/** Whether a JSON list is `gh issue list --json ...` output. */
export function isGitHubIssueList(list: readonly unknown[]): boolean {
  const first = list[0];
  return isJsonObject(first) && typeof first["number"] === "number" && typeof first["state"] === "string" && "createdAt" in first;
}

const SEVERITY_LABEL = /^(?:severity|sev)\s*[:/=_ -]?\s*(.+)$/i;
const PRIORITY_LABEL = /^(?:priority|prio|pri)\s*[:/=_ -]?\s*(.+)$/i;

function labelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  return labels.flatMap((l) => (typeof l === "string" ? [l] : isJsonObject(l) && typeof l["name"] === "string" ? [l["name"]] : []));
}

/** One `gh issue list --json` issue as golive's fields. */
export function gitHubIssueToDefect(issue: Record<string, unknown>, where: string): Record<string, unknown> {
  const labels = labelNames(issue["labels"]).map((l) => l.trim());
  let severity: string | undefined;
  let priority: string | undefined;
  for (const label of labels) {
    const sev = SEVERITY_LABEL.exec(label)?.[1]?.trim().toLowerCase();
    const pri = PRIORITY_LABEL.exec(label)?.[1]?.trim().toLowerCase();
    const bare = label.toLowerCase();
    if (sev !== undefined && SEVERITY_WORDS[sev]) severity ??= SEVERITY_WORDS[sev];
    else if (pri !== undefined && PRIORITY_WORDS[pri]) priority ??= PRIORITY_WORDS[pri];
    else if (/^p[1-4]$/.test(bare)) priority ??= bare.toUpperCase();
    else if (["critical", "blocker", "major", "minor", "trivial"].includes(bare)) severity ??= SEVERITY_WORDS[bare];
  }
  const number = issue["number"];
  const id = `#${String(number)}`;
  if (severity === undefined) {
    throw new EvidenceParseError(
      "defects-json",
      `${where} (issue ${id}): no severity label (labels: ${labels.length ? labels.map((l) => JSON.stringify(l)).join(", ") : "none"}); label it severity:critical, severity:major, severity:minor or severity:trivial (or critical, major, minor, trivial)`,
    );
  }
  const state = wordOf(issue["state"]);
  return normaliseValues({
    id,
    severity,
    priority,
    status: state === "closed" ? "resolved" : state,
    opened: issue["createdAt"],
    closed: issue["closedAt"],
    title: issue["title"],
  });
}

/** One JSON defect under a --map of its keys. */
export function mappedJsonToDefect(item: Record<string, unknown>, map: DefectColumns): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const mappedKeys = new Set(Object.keys(map));
  for (const field of DEFECT_FIELDS) if (item[field] !== undefined && !mappedKeys.has(field)) raw[field] = item[field];
  for (const [key, field] of Object.entries(map)) if (key in item) raw[field] = item[key];
  return normaliseValues(raw);
}
