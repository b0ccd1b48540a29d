// The capacity report (JR/T 0179 6.3.3): for each key capacity metric, its history from
// Prometheus, a trend with daily seasonality, and when the forecast reaches the declared limit.
// buildCapacityReport is pure; fetchHistories does the queries; CapacityReporter runs reports on
// a schedule off the reconcile path (like seal verification) and hands them to the reconcile.
import type { CapacityMetric, Release } from "../../api/index.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";
import { upperBoundOf } from "./enrollment.js";
import { forecastCrossing, type Sample } from "./forecast.js";
import { promDuration } from "./names.js";
import { rangeQuery, type PrometheusApiOptions } from "./prometheus-api.js";

export type LimitSource = "upperBound" | "testedLimit" | "peak";

export interface CapacityMetricForecast {
  name: string;
  unit?: string;
  /** The newest value in the history. */
  current?: number;
  peak: number;
  campaign?: number;
  testedLimit?: number;
  /** The limit forecast against: the alerting upper bound (upperBound, else testedLimit), else the peak requirement. */
  limit: number;
  limitSource: LimitSource;
  /** Trend in units per day. */
  slopePerDay?: number;
  /** RMS of the residuals, in units. */
  fitError?: number;
  seasonal?: boolean;
  samples: number;
  /** RFC 3339: when the forecast first reaches the limit, if within the horizon. */
  crossesAt?: string;
  withinHorizon: boolean;
  message: string;
}

export interface CapacityReport {
  generatedAt: string;
  /** The Release generation the report was made for: a spec change makes it due at once. */
  observedGeneration: number;
  /** Forecast horizon and history read, as durations. */
  horizon: string;
  history: string;
  /** Metrics whose forecast reaches the limit within the horizon. */
  atRisk: number;
  metrics: CapacityMetricForecast[];
}

export type History = { samples: Sample[] } | { error: string };

export interface ReportWindow {
  now: Date;
  horizonMs: number;
  historyMs: number;
}

/** Four significant digits: enough for a report, and status does not churn on float noise. */
const round = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(4)) : 0);

export function limitOf(m: CapacityMetric): { value: number; source: LimitSource } {
  return upperBoundOf(m) ?? { value: m.peak, source: "peak" };
}

const LIMIT_WORDS: Record<LimitSource, string> = { upperBound: "upper bound", testedLimit: "tested limit", peak: "peak requirement" };

function days(ms: number): string {
  const d = ms / 86_400_000;
  return d >= 1 ? `${d.toFixed(1)} days` : `${(ms / 3_600_000).toFixed(1)} hours`;
}

/** One metric's forecast line, pure. */
export function forecastMetric(m: CapacityMetric, history: History, w: ReportWindow): CapacityMetricForecast {
  const limit = limitOf(m);
  const unit = m.unit ? ` ${m.unit}` : "";
  const base = {
    name: m.name,
    ...(m.unit ? { unit: m.unit } : {}),
    peak: m.peak,
    ...(m.campaign !== undefined ? { campaign: m.campaign } : {}),
    ...(m.testedLimit !== undefined ? { testedLimit: m.testedLimit } : {}),
    limit: limit.value,
    limitSource: limit.source,
  };
  if ("error" in history) return { ...base, samples: 0, withinHorizon: false, message: `no forecast: cannot read the history: ${history.error}` };
  const f = forecastCrossing(history.samples, limit.value, w.horizonMs, { now: w.now });
  const last = [...history.samples].filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[0] - b[0]).pop();
  const current = last ? { current: round(last[1]) } : {};
  if (f.problem) return { ...base, ...current, samples: f.samples, withinHorizon: false, message: `no forecast: ${f.problem}` };
  const fit = { slopePerDay: round(f.slopePerDay), fitError: round(f.fitError), seasonal: f.seasonal, samples: f.samples };
  const what = `its ${LIMIT_WORDS[limit.source]} ${limit.value}${unit}`;
  if (f.crossesAt) {
    const message = f.alreadyCrossed ? `at or above ${what} now` : `forecast to reach ${what} at ${f.crossesAt.toISOString()} (in ${days(f.crossesAt.getTime() - w.now.getTime())})`;
    return { ...base, ...current, ...fit, crossesAt: f.crossesAt.toISOString(), withinHorizon: true, message };
  }
  const trend = `trend ${f.slopePerDay >= 0 ? "+" : ""}${round(f.slopePerDay)}${unit}/day`;
  return { ...base, ...current, ...fit, withinHorizon: false, message: `not within the ${promDuration(w.horizonMs)} horizon of ${what} (${trend})` };
}

/** The report from histories already read (keyed by metric name), pure. */
export function buildCapacityReport(release: Release, histories: ReadonlyMap<string, History>, w: ReportWindow): CapacityReport {
  const metrics = (release.spec.capacity?.metrics ?? []).map((m) => forecastMetric(m, histories.get(m.name) ?? { error: "not read" }, w));
  return {
    generatedAt: w.now.toISOString(),
    observedGeneration: release.metadata.generation ?? 0,
    horizon: promDuration(w.horizonMs),
    history: promDuration(w.historyMs),
    atRisk: metrics.filter((m) => m.withinHorizon).length,
    metrics,
  };
}

/** Default step: about 5,000 points over the history (Prometheus answers at most 11,000), at least 1 s. */
export const defaultStepMs = (historyMs: number): number => Math.max(1000, Math.round(historyMs / 5000));

/**
 * Each metric's history over [now − historyMs, now]. Several series are summed (`sum(query)`):
 * a key capacity metric is one number.
 */
export async function fetchHistories(prometheusUrl: string, release: Release, w: { now: Date; historyMs: number; stepMs?: number }, opts: PrometheusApiOptions = {}): Promise<Map<string, History>> {
  const endMs = w.now.getTime();
  const range = { startMs: endMs - w.historyMs, endMs, stepMs: w.stepMs ?? defaultStepMs(w.historyMs) };
  const entries = await Promise.all(
    (release.spec.capacity?.metrics ?? []).map(async (m): Promise<[string, History]> => {
      try {
        const series = await rangeQuery(prometheusUrl, `sum(\n${m.query}\n)`, range, opts);
        return [m.name, { samples: series.flatMap((s) => s.samples) }];
      } catch (e) {
        return [m.name, { error: (e as Error).message }];
      }
    }),
  );
  return new Map(entries);
}

/** Read, fit and report in one go (the CLI and the reporter). */
export async function runCapacityReport(prometheusUrl: string, release: Release, w: ReportWindow & { stepMs?: number }, opts: PrometheusApiOptions = {}): Promise<CapacityReport> {
  return buildCapacityReport(release, await fetchHistories(prometheusUrl, release, w, opts), w);
}

/** Milliseconds until the next report is due (0: now): on schedule, or at once after a spec change. */
export function capacityReportDueInMs(release: Release, last: CapacityReport | undefined, now: Date, intervalMs: number): number {
  if (!last || last.observedGeneration !== (release.metadata.generation ?? 0)) return 0;
  return Math.max(0, Date.parse(last.generatedAt) + intervalMs - now.getTime());
}

const newer = (a: CapacityReport | undefined, b: CapacityReport | undefined) => (!a ? b : !b ? a : Date.parse(b.generatedAt) > Date.parse(a.generatedAt) ? b : a);

export interface CapacityReporterDeps {
  /** How often each release's report is renewed. */
  intervalMs: number;
  historyMs: number;
  /** Crossings later than this are "not within horizon" (default; next() takes the policy's). */
  horizonMs: number;
  /** The Prometheus to read for this release; undefined: no report. */
  prometheusUrl: (release: Release) => string | undefined;
  /** Ask for a reconcile of this key: a report finished. */
  enqueue: (key: string) => void;
  now?: () => Date;
  api?: PrometheusApiOptions;
  onError?: (key: string, error: unknown) => void;
  /** Reports run at once; default 4. */
  maxConcurrent?: number;
}

/**
 * Runs reports in the background so the reconcile never waits on Prometheus. The reconcile asks
 * `next(release, status.capacity)`: it gets the newest report to write into status (the one in
 * status, or one finished since) and when to look again; a due report is started on the side
 * and the key enqueued when it is done. The schedule lives in status (generatedAt), so a new
 * leader continues it instead of starting over.
 */
export class CapacityReporter {
  private readonly running = new Set<string>();
  private readonly finished = new Map<string, { uid: string | undefined; report: CapacityReport }>();
  constructor(private readonly d: CapacityReporterDeps) {}

  /** `horizonMs` overrides the default horizon (the governing policy's). */
  next(release: Release, inStatus: CapacityReport | undefined, horizonMs = this.d.horizonMs): { report?: CapacityReport; requeueAfterMs?: number } {
    const key = `${release.metadata.namespace ?? ""}/${release.metadata.name}`;
    if (!release.spec.capacity?.metrics.length) {
      this.forget(key);
      return {};
    }
    const url = this.d.prometheusUrl(release);
    const done = this.finished.get(key);
    const fresh = done && done.uid === release.metadata.uid ? done.report : undefined;
    if (fresh && inStatus?.generatedAt === fresh.generatedAt) this.finished.delete(key); // status has it now
    const report = newer(inStatus, fresh);
    if (!url) return report ? { report } : {};
    const now = (this.d.now ?? (() => new Date()))();
    const dueIn = capacityReportDueInMs(release, report, now, this.d.intervalMs);
    if (dueIn > 0) return { ...(report ? { report } : {}), requeueAfterMs: dueIn };
    if (!this.running.has(key)) {
      // A few reports at a time: a thousand releases approved at once must not send a thousand
      // range queries to Prometheus together. The others look again shortly.
      if (this.running.size >= (this.d.maxConcurrent ?? 4)) return { ...(report ? { report } : {}), requeueAfterMs: 5_000 };
      this.running.add(key);
      runCapacityReport(url, release, { now, horizonMs, historyMs: this.d.historyMs }, this.d.api ?? {})
        .then((r) => this.finished.set(key, { uid: release.metadata.uid, report: r }))
        .catch((e: unknown) => this.d.onError?.(key, e))
        .finally(() => {
          this.running.delete(key);
          this.d.enqueue(key);
        });
    }
    return report ? { report } : {};
  }

  forget(key: string): void {
    this.finished.delete(key);
  }
}

/**
 * The kstatus-style condition summarising the report: CapacityAtRisk True when a limit is
 * forecast within the horizon, Unknown when no metric could be forecast at all (Prometheus
 * unreachable, no samples yet: "no risk" would be a guess), else False.
 */
export function capacityCondition(report: CapacityReport): ConditionInput {
  const risky = report.metrics.filter((m) => m.withinHorizon);
  const unforecast = report.metrics.filter((m) => m.slopePerDay === undefined && !m.withinHorizon);
  const lines = (ms: CapacityMetricForecast[]) => ms.map((m) => `${m.name}: ${m.message}`).join("; ");
  if (risky.length) return { type: "CapacityAtRisk", status: "True", reason: "LimitWithinHorizon", message: lines(risky).slice(0, 4096) };
  if (unforecast.length && unforecast.length === report.metrics.length) return { type: "CapacityAtRisk", status: "Unknown", reason: "NoForecast", message: lines(unforecast).slice(0, 4096) };
  const partial = unforecast.length ? `; ${lines(unforecast)}` : "";
  return { type: "CapacityAtRisk", status: "False", reason: "NoLimitWithinHorizon", message: `no key capacity metric is forecast to reach its limit within ${report.horizon}${partial}`.slice(0, 4096) };
}

/**
 * The alert of 6.3.3 as Events: a Warning when a metric's forecast newly falls inside the horizon
 * (or moves a day or more earlier), a Normal Event when it leaves it. Nothing when unchanged, so
 * a report every hour does not repeat itself.
 */
export function capacityEvents(previous: CapacityReport | undefined, next: CapacityReport): PlannedEvent[] {
  const events: PlannedEvent[] = [];
  for (const m of next.metrics) {
    const before = previous?.metrics.find((p) => p.name === m.name);
    if (m.withinHorizon) {
      const earlier = before?.crossesAt && m.crossesAt && Date.parse(before.crossesAt) - Date.parse(m.crossesAt) >= 86_400_000;
      if (!before?.withinHorizon || earlier) events.push({ type: "Warning", reason: "CapacityLimitForecast", message: `key capacity metric ${m.name} is ${m.message}, within the ${next.horizon} horizon: plan capacity (JR/T 0179 6.3.3)` });
    } else if (before?.withinHorizon) {
      events.push({ type: "Normal", reason: "CapacityForecastCleared", message: `key capacity metric ${m.name}: ${m.message}` });
    }
  }
  return events;
}
