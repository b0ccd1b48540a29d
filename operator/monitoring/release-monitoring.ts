// Monitoring in the Release reconcile: one call per pass that keeps the enrollment in step with
// the phase about to be written (9.1), renews the capacity report on its schedule (6.3.3) and
// returns what goes into status, the conditions and Events. Enrollment costs API calls, so it is
// synced only when what it depends on changed, or every `enrollmentResyncMs` to undo drift; the
// capacity report never blocks the pass (CapacityReporter runs it on the side).
import type { Registry } from "prom-client";
import { parseDuration, type MonitoringStatus, type Release, type ReleasePolicySpec, type ReleaseStatus } from "../../api/index.js";
import { canonicalJson } from "../../gates/canonical-json.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";
import { MonitoringEnrollment, type EnrollmentKube } from "./apply.js";
import { capacityCondition, capacityEvents, CapacityReporter, type CapacityReport } from "./capacity.js";
import { ENROLLED_PHASES, enrollmentOptionsFromPolicy } from "./enrollment.js";
import { CapacityForecastMetrics } from "./metrics.js";
import { prometheusFor, prometheusRefusal } from "./prometheus-api.js";

export interface ReleaseMonitoringDeps {
  client: EnrollmentKube;
  /** Where the forecast gauge is registered (the operator's /metrics). */
  registry: Registry;
  /** The governing policy of a release (for the reporter, which runs between passes). */
  policyFor: (release: Release) => ReleasePolicySpec | undefined;
  /** The operator's --prometheus-url. */
  prometheusUrl?: string | undefined;
  capacityIntervalMs: number;
  capacityHistoryMs: number;
  enqueue: (key: string) => void;
  onError?: (key: string, error: unknown) => void;
  /** Re-apply an unchanged enrollment this often, undoing edits made by hand; default 10 minutes. */
  enrollmentResyncMs?: number;
  now?: () => Date;
}

export interface MonitoringPass {
  monitoring?: MonitoringStatus;
  capacity?: CapacityReport;
  conditions: ConditionInput[];
  events: PlannedEvent[];
  requeueAfterMs?: number;
}

const DEFAULT_HORIZON_MS = 30 * 86_400_000;
const RETRY_MS = 30_000;

export class ReleaseMonitoring {
  private readonly enrollment: MonitoringEnrollment;
  private readonly reporter: CapacityReporter;
  private readonly forecast: CapacityForecastMetrics;
  /** Per release key: what the last successful enrollment was computed from, and when. */
  private readonly synced = new Map<string, { fingerprint: string; at: number }>();

  constructor(private readonly d: ReleaseMonitoringDeps) {
    this.enrollment = new MonitoringEnrollment(d.client);
    this.forecast = new CapacityForecastMetrics(d.registry);
    this.reporter = new CapacityReporter({
      intervalMs: d.capacityIntervalMs,
      historyMs: d.capacityHistoryMs,
      horizonMs: DEFAULT_HORIZON_MS,
      // A plain http Prometheus under a requireHttps policy is not read (8.5); the check before
      // Released says why (readiness.ts), and no capacity report is made from it.
      prometheusUrl: (release) => (prometheusRefusal(release, d.policyFor(release), d.prometheusUrl) ? undefined : prometheusFor(release, d.policyFor(release), d.prometheusUrl)),
      enqueue: d.enqueue,
      ...(d.onError ? { onError: d.onError } : {}),
      ...(d.now ? { now: d.now } : {}),
    });
  }

  /**
   * One pass for `release`, whose next status (phase included) the reconcile has planned.
   * `superseded`: a later release of the same application is Released, so this one no longer
   * runs and its enrollment (and capacity alerts) would only duplicate or mislead.
   */
  async pass(release: Release, next: ReleaseStatus, policy: ReleasePolicySpec | undefined, superseded: boolean): Promise<MonitoringPass> {
    const key = `${release.metadata.namespace ?? ""}/${release.metadata.name}`;
    const enrolled = !superseded && next.phase !== undefined && ENROLLED_PHASES.includes(next.phase);
    const rules = policy?.monitoring;
    const out: MonitoringPass = { conditions: [], events: [] };

    const monitoring = await this.syncEnrollment(key, release, next, enrolled, policy);
    if (monitoring?.problem) out.requeueAfterMs = RETRY_MS;
    if (monitoring) out.monitoring = monitoring;

    if (!enrolled) {
      this.reporter.forget(key);
      this.forecast.forget(key);
      return out;
    }
    const horizonMs = (rules ? parseDuration(rules.capacityHorizon) : undefined) ?? DEFAULT_HORIZON_MS;
    const { report, requeueAfterMs } = this.reporter.next(release, next.capacity, horizonMs);
    if (requeueAfterMs !== undefined) out.requeueAfterMs = Math.min(out.requeueAfterMs ?? Infinity, requeueAfterMs);
    if (report) {
      out.capacity = report;
      out.conditions.push(capacityCondition(report));
      if (report.generatedAt !== release.status?.capacity?.generatedAt) out.events.push(...capacityEvents(release.status?.capacity, report));
    }
    this.forecast.record(release, report);
    return out;
  }

  /** The release is gone: drop what is kept for it (its objects go with it by garbage collection). */
  forget(key: string): void {
    this.synced.delete(key);
    this.reporter.forget(key);
    this.forecast.forget(key);
  }

  private async syncEnrollment(key: string, release: Release, next: ReleaseStatus, enrolled: boolean, policy: ReleasePolicySpec | undefined): Promise<MonitoringStatus | undefined> {
    const previous = next.monitoring;
    // Never enrolled (Pending, Blocked): nothing to prune, no API call, nothing in status.
    if (!enrolled && (!previous || (previous.objects.length === 0 && !previous.problem))) return previous;
    const options = enrollmentOptionsFromPolicy(policy);
    const fingerprint = canonicalJson({ uid: release.metadata.uid, generation: release.metadata.generation, enrolled, options });
    const now = (this.d.now ?? (() => new Date()))();
    const last = this.synced.get(key);
    const resyncMs = this.d.enrollmentResyncMs ?? 600_000;
    if (previous && !previous.problem && last?.fingerprint === fingerprint && now.getTime() - last.at < resyncMs) return previous;

    const readiness = { ...(previous?.ready !== undefined ? { ready: previous.ready } : {}), ...(previous?.reasons ? { reasons: previous.reasons } : {}), ...(previous?.checkedAt ? { checkedAt: previous.checkedAt } : {}) };
    let result: Omit<MonitoringStatus, "syncedAt" | "ready" | "reasons" | "checkedAt">;
    try {
      // Outside the enrolled phases the plan is empty: what exists is pruned.
      const r = await this.enrollment.sync(release, enrolled ? next.phase : undefined, options);
      result = { mode: r.mode, objects: r.objects.slice(0, 16), ...(r.conflicts.length ? { conflicts: r.conflicts.slice(0, 16) } : {}), ...(r.problem ? { problem: r.problem } : {}) };
      this.synced.set(key, { fingerprint, at: now.getTime() });
    } catch (e) {
      this.synced.delete(key);
      result = { mode: previous?.mode ?? "Disabled", objects: previous?.objects ?? [], problem: `cannot enroll the release in monitoring: ${(e as Error).message}`.slice(0, 4096) };
      this.d.onError?.(key, e);
    }
    const { syncedAt: _s, ready: _r, reasons: _e, checkedAt: _c, ...before } = previous ?? { mode: "Disabled", objects: [] };
    const syncedAt = previous?.syncedAt && canonicalJson(before) === canonicalJson(result) ? previous.syncedAt : now.toISOString();
    return { ...result, syncedAt, ...readiness };
  }
}

/**
 * The later release of the same application in the namespace that has been Released since this
 * one was: a superseded release no longer runs. `siblings` lists the namespace's releases. Only a Released release can be superseded (one
 * still rolling out is what is about to run).
 */
export function supersededBy(release: Release, next: ReleaseStatus, siblings: () => readonly Release[]): Release | undefined {
  const mine = next.releasedAt;
  // Checked first: listing the namespace's releases on every pass of every release would cost
  // O(releases) per reconcile; only a Released release needs it.
  if (next.phase !== "Released" || !mine) return undefined;
  return siblings().find((r) => r.metadata.uid !== release.metadata.uid && r.spec.application === release.spec.application && r.status?.phase === "Released" && (r.status.releasedAt ?? "") > mine);
}
