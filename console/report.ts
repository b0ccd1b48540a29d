// The release's conformance report from the console: the same HTML `golive report` writes
// (report/model.ts, report/html.ts), computed as of the request from the Release, the one
// ReleasePolicy governing its namespace and its ReleaseEvidence. It exists once the release has
// been approved (from Approved on: the operator signs its verification summary then,
// operator/summary/publish.ts); before that the release page says what is missing instead. The
// report shows the policy and every evidence, so the viewer must be allowed to get that
// ReleasePolicy and list ReleaseEvidence in the namespace (SubjectAccessReviews), besides reading
// the release. Pure: the I/O is in console/server.ts.
import type { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import { renderHtml } from "../report/html.js";
import { buildReport, type AuditSection } from "../report/model.js";
import type { ReportLink } from "./html.js";

/** Phases of a release that has been approved once: a conformance report covers them. */
export const REPORTED_PHASES: ReadonlySet<string> = new Set(["Approved", "Verifying", "CleaningUp", "Progressing", "Released", "RollingBack", "RolledBack", "Failed"]);

export interface ReportAccess {
  /** The governing policy, or why there is none. */
  policy: { policy?: ReleasePolicy | undefined; problem?: string | undefined };
  /** The viewer may list ReleaseEvidence in the release's namespace. */
  mayReadEvidence: boolean;
  /** The viewer may get that ReleasePolicy. */
  mayReadPolicy: boolean;
}

export function reportPath(r: Release): string {
  return `/releases/${encodeURIComponent(r.metadata.namespace ?? "")}/${encodeURIComponent(r.metadata.name)}/report`;
}

/** Whether the release page links to the report, and if not, why (pure). */
export function reportLink(r: Release, a: ReportAccess): ReportLink {
  const phase = r.status?.phase ?? "Pending";
  if (!REPORTED_PHASES.has(phase)) return { unavailable: `the release has not been approved yet (phase ${phase}); \`golive report ${r.metadata.name} -n ${r.metadata.namespace ?? ""}\` shows what is missing` };
  const policy = a.policy.policy;
  if (!policy) return { unavailable: a.policy.problem ?? `no ReleasePolicy governs namespace ${r.metadata.namespace ?? ""}` };
  const denied = [a.mayReadPolicy ? "" : `get the ReleasePolicy ${policy.metadata.name}`, a.mayReadEvidence ? "" : `list ReleaseEvidence in ${r.metadata.namespace ?? ""}`].filter(Boolean);
  if (denied.length) return { unavailable: `it shows the policy and every evidence, and you may not ${denied.join(" or ")}` };
  return { href: reportPath(r) };
}

/**
 * The report's HTML, in the policy's language (spec.report.language, else English), with the
 * audit section when the console could read it for the viewer, else the reason it could not.
 */
export function reportHtml(r: Release, policy: ReleasePolicy, evidence: readonly ReleaseEvidence[], now: Date, audit?: { section: AuditSection } | { note: string }): string {
  const mine = evidence.filter((e) => e.metadata.namespace === r.metadata.namespace && e.spec.release === r.metadata.name);
  const model = buildReport(r, policy, mine, now);
  if (audit && "section" in audit) model.audit = audit.section;
  else if (audit) model.auditNote = audit.note;
  return renderHtml(model, policy.spec.report?.language ?? "en");
}
