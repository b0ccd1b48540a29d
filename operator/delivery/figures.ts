// Delivery metrics over the Release history the cluster still holds (9.3), per namespace and
// application (pure). Definitions, from Release status alone:
// - deployments: Releases that reached Released (status.releasedAt) within the window; the
//   frequency is that count over the window's days;
// - lead time: median of the first ReleaseEvidence created for the release → releasedAt (the
//   change entered the pipeline when the first test report, scan or approval about it was filed);
//   a release with no evidence at all counts from its own creation;
// - change failure rate: RolledBack and Failed over every release that finished (Released,
//   RolledBack, Failed) and was created within the window;
// - time to restore: median of rollback.decidedAt (the failing fact) → rollback.trafficOnStableAt.
// Used by the operator's /metrics (operator/delivery/metrics.ts), the console and `golive metrics`.
import type { Release, ReleaseEvidence } from "../../api/index.js";

/** What the delivery figures read of an evidence object: when it was created, for which release. */
export type EvidenceStamp = { metadata: Pick<ReleaseEvidence["metadata"], "namespace" | "creationTimestamp">; spec: Pick<ReleaseEvidence["spec"], "release"> };

export interface DeliveryFigures {
  namespace: string;
  application: string;
  deployments: number;
  perDay: number;
  leadTimeMedianS: number | undefined;
  finished: number;
  failed: number;
  changeFailureRate: number | undefined;
  restoreMedianS: number | undefined;
  /** Released per week of the window, oldest first. */
  weekly: number[];
}

const ms = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
};

export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per "namespace/release", when its first ReleaseEvidence was created (ms since the epoch). */
export function firstEvidenceAt(evidence: readonly EvidenceStamp[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const e of evidence) {
    const at = ms(e.metadata.creationTimestamp);
    if (at === undefined) continue;
    const key = `${e.metadata.namespace ?? ""}/${e.spec.release}`;
    const seen = first.get(key);
    if (seen === undefined || at < seen) first.set(key, at);
  }
  return first;
}

export function deliveryFigures(releases: readonly Release[], now: Date, windowDays: number, evidence: readonly EvidenceStamp[] = []): DeliveryFigures[] {
  const firstEvidence = firstEvidenceAt(evidence);
  const end = now.getTime();
  const start = end - windowDays * 86_400_000;
  const weeks = Math.max(1, Math.ceil(windowDays / 7));
  const groups = new Map<string, Release[]>();
  for (const r of releases) {
    const key = `${r.metadata.namespace ?? ""}\u0000${r.spec.application}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: DeliveryFigures[] = [];
  for (const [key, rs] of groups) {
    const [namespace = "", application = ""] = key.split("\u0000");
    const weekly = Array.from({ length: weeks }, () => 0);
    const leads: number[] = [];
    const restores: number[] = [];
    let deployments = 0;
    let finished = 0;
    let failed = 0;
    for (const r of rs) {
      const s = r.status;
      const created = ms(r.metadata.creationTimestamp);
      const released = ms(s?.releasedAt);
      if (released !== undefined && released > start && released <= end) {
        deployments++;
        weekly[Math.min(weeks - 1, Math.floor((released - start) / (7 * 86_400_000)))]!++;
        const from = firstEvidence.get(`${r.metadata.namespace ?? ""}/${r.metadata.name ?? ""}`) ?? created;
        if (from !== undefined) leads.push((released - from) / 1000);
      }
      if (created !== undefined && created > start && created <= end && (s?.phase === "Released" || s?.phase === "RolledBack" || s?.phase === "Failed")) {
        finished++;
        if (s.phase !== "Released") failed++;
      }
      const decided = ms(s?.rollback?.decidedAt);
      const restored = ms(s?.rollback?.trafficOnStableAt);
      if (decided !== undefined && restored !== undefined && restored > start && restored <= end) restores.push((restored - decided) / 1000);
    }
    out.push({ namespace, application, deployments, perDay: deployments / windowDays, leadTimeMedianS: median(leads), finished, failed, changeFailureRate: finished ? failed / finished : undefined, restoreMedianS: median(restores), weekly });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.application.localeCompare(b.application));
}

/** "2d 3h", "4h 10m", "12m", "40s". */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
