// What the console shows of a Release, as plain data (pure): the list row, the filters, the
// commands a release manager signs. Rendering (console/html.ts) and I/O (console/server.ts)
// build on these, so the decisions are tested without a browser or a cluster.
import type { Release } from "../api/index.js";

export interface ReleaseRow {
  namespace: string;
  name: string;
  application: string;
  version: string;
  phase: string;
  /** "7/9" from status.gatesSummary, or "" before the first evaluation. */
  gates: string;
  /** Percent of ordinary traffic on the new version, when a rollout has a position. */
  weight: number | undefined;
  /** Index and name of the current canary step, when there is one. */
  step: string;
  createdAt: string | undefined;
  message: string;
}

export function toRow(r: Release): ReleaseRow {
  const s = r.status;
  const canary = s?.canary;
  return {
    namespace: r.metadata.namespace ?? "",
    name: r.metadata.name ?? "",
    application: r.spec.application,
    version: r.spec.version,
    phase: s?.phase ?? "Pending",
    gates: s?.gatesSummary ?? "",
    weight: canary?.weight,
    step: canary ? `${canary.stepIndex}${canary.stepName ? ` ${canary.stepName}` : ""}` : "",
    createdAt: r.metadata.creationTimestamp,
    message: s?.message ?? "",
  };
}

export interface ListFilter {
  /** Only this namespace ("" = every namespace the viewer may read). */
  namespace: string;
  /** Only this phase ("" = any). */
  phase: string;
  /** Case-insensitive words that must all appear in the name, application, version or namespace. */
  search: string;
}

export function parseFilter(q: URLSearchParams): ListFilter {
  return { namespace: (q.get("namespace") ?? "").trim(), phase: (q.get("phase") ?? "").trim(), search: (q.get("q") ?? "").trim().slice(0, 200) };
}

export function matches(row: ReleaseRow, f: ListFilter): boolean {
  if (f.namespace && row.namespace !== f.namespace) return false;
  if (f.phase && row.phase !== f.phase) return false;
  if (!f.search) return true;
  const text = `${row.namespace} ${row.name} ${row.application} ${row.version}`.toLowerCase();
  return f.search
    .toLowerCase()
    .split(/\s+/)
    .every((w) => text.includes(w));
}

/** The rows the viewer may see and asked for, newest first within a namespace. */
export function listRows(releases: readonly Release[], readable: (namespace: string) => boolean, f: ListFilter): ReleaseRow[] {
  return releases
    .map(toRow)
    .filter((r) => readable(r.namespace) && matches(r, f))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || (b.createdAt ?? "").localeCompare(a.createdAt ?? "") || a.name.localeCompare(b.name));
}

/** "3d", "5h", "12m", "40s": how long ago, as kubectl prints ages. */
export function age(since: string | undefined, now: Date): string {
  if (!since) return "";
  const t = Date.parse(since);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.floor((now.getTime() - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export interface SignedAction {
  kind: "promote" | "abort";
  why: string;
  command: string;
}

const ABORTABLE = new Set(["Verifying", "CleaningUp", "Progressing", "Failed"]);

/**
 * The golive commands that act on this release, as a person must sign and run them: the console
 * never acts itself (its ServiceAccount cannot write), so an action is always a signed approval.
 * Offered only where the CLI would accept it (promote: Progressing; abort: the phases abort takes).
 */
export function signedActions(r: Release): SignedAction[] {
  const ns = r.metadata.namespace ?? "";
  const name = r.metadata.name ?? "";
  const phase = r.status?.phase;
  const out: SignedAction[] = [];
  if (phase === "Progressing") {
    const pause = r.status?.canary?.pause;
    out.push({
      kind: "promote",
      why: pause ? `the rollout waits for a person (${pause.reason}) since ${pause.since}` : "a Promotion approval counts for the next pause step and the policy's Promotion approvals",
      command: `golive promote ${name} -n ${ns} --role <role with Promote> --key <your-key.pem>`,
    });
  }
  if (phase && ABORTABLE.has(phase)) out.push({ kind: "abort", why: "the rollout goes back to stable at once", command: `golive abort ${name} -n ${ns} --role <role with Abort> --key <your-key.pem> --reason "<why>"` });
  return out;
}
