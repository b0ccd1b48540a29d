// The analysis of one canary step, as pure functions over its status: which metrics are due, how
// a measurement changes a metric's counts, and what the step's result is. Everything is kept in
// Release status (counts, next due time, the latest measurements), so a restarted operator
// continues the same analysis instead of starting it again.
import { parseDuration, type AnalysisMetric, type AnalysisPhase, type AnalysisRunStatus, type MeasurementPhase, type MetricRunStatus } from "../../api/index.js";
import { compileCondition } from "./condition.js";

const KEEP_MEASUREMENTS = 10;
const KEEP_WHEN_DONE = 3;

/** A measurement as taken: a value, or why there is none. */
export type Measurement = { at: Date; value: number } | { at: Date; error: string };

export function intervalMs(metric: AnalysisMetric): number {
  return parseDuration(metric.interval) ?? 30_000;
}

/** Replace {{canary}} and {{stable}} with the pod-template hashes. */
export function expandQuery(query: string, hashes: { canary?: string | undefined; stable?: string | undefined }): string {
  return query.replaceAll("{{canary}}", hashes.canary ?? "").replaceAll("{{stable}}", hashes.stable ?? "");
}

/** Successful, Failed, Inconclusive (neither condition decided), or Error (a condition is unusable). */
export function classify(metric: AnalysisMetric, value: number): { phase: MeasurementPhase; error?: string } {
  const success = compileCondition(metric.successCondition);
  if (typeof success === "string") return { phase: "Error", error: success };
  const failure = metric.failureCondition ? compileCondition(metric.failureCondition) : undefined;
  if (typeof failure === "string") return { phase: "Error", error: failure };
  try {
    if (failure) {
      if (failure.test(value)) return { phase: "Failed" };
      return success.test(value) ? { phase: "Successful" } : { phase: "Inconclusive" };
    }
    return success.test(value) ? { phase: "Successful" } : { phase: "Failed" };
  } catch (e) {
    return { phase: "Error", error: (e as Error).message };
  }
}

export function startRun(step: string, stepIndex: number, metrics: readonly AnalysisMetric[], now: Date): AnalysisRunStatus {
  return {
    step,
    stepIndex,
    phase: "Running",
    startedAt: now.toISOString(),
    metrics: metrics.map((m) => ({ name: m.name, phase: "Running", measured: 0, successful: 0, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0, nextAt: now.toISOString(), measurements: [] })),
  };
}

/** Metrics of a running analysis whose next measurement is due. */
export function dueMetrics(run: AnalysisRunStatus | undefined, now: Date): string[] {
  if (!run || run.phase !== "Running") return [];
  return run.metrics.filter((m) => m.phase === "Running" && (!m.nextAt || Date.parse(m.nextAt) <= now.getTime())).map((m) => m.name);
}

/** The earliest time a running analysis needs another measurement. */
export function nextDue(run: AnalysisRunStatus | undefined): number | undefined {
  if (!run || run.phase !== "Running") return undefined;
  const times = run.metrics.filter((m) => m.phase === "Running" && m.nextAt).map((m) => Date.parse(m.nextAt!));
  return times.length ? Math.min(...times) : undefined;
}

/** Six significant digits: 0.095, not the binary float 0.09499999999999999 a division left. */
const fmt = (v: number) => (Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(Number(v.toPrecision(6))));

/** Apply one measurement to a metric's run. */
export function applyMeasurement(run: MetricRunStatus, metric: AnalysisMetric, m: Measurement): MetricRunStatus {
  if (run.phase !== "Running") return run;
  const next: MetricRunStatus = { ...run, measurements: [...run.measurements] };
  const at = m.at.toISOString();
  let phase: MeasurementPhase;
  let error: string | undefined;
  if ("error" in m) {
    phase = "Error";
    error = m.error;
  } else {
    const c = classify(metric, m.value);
    phase = c.phase;
    error = c.error;
  }
  next.measurements.push({ at, phase, ...("value" in m ? { value: fmt(m.value) } : {}), ...(error ? { error: error.slice(0, 512) } : {}) });
  if (next.measurements.length > KEEP_MEASUREMENTS) next.measurements.splice(0, next.measurements.length - KEEP_MEASUREMENTS);

  if (phase === "Error") {
    next.errors++;
    next.consecutiveErrors++;
    if (next.consecutiveErrors > metric.consecutiveErrorLimit) {
      next.phase = "Error";
      next.message = `${next.consecutiveErrors} measurement(s) in a row could not be taken (limit ${metric.consecutiveErrorLimit}): ${error ?? "error"}`;
    }
  } else {
    next.consecutiveErrors = 0;
    next.measured++;
    if (phase === "Successful") next.successful++;
    else if (phase === "Failed") next.failed++;
    else next.inconclusive++;
    const shown = "value" in m ? fmt(m.value) : "?";
    if (next.failed > metric.failureLimit) {
      next.phase = "Failed";
      next.message = `${metric.name} = ${shown} ${metric.failureCondition ? `meets the failure condition "${metric.failureCondition}"` : `fails "${metric.successCondition}"`}: ${next.failed} failed measurement(s), limit ${metric.failureLimit}`;
    } else if (next.inconclusive > metric.inconclusiveLimit) {
      next.phase = "Inconclusive";
      next.message = `${metric.name} = ${shown} is inconclusive (neither "${metric.successCondition}" nor "${metric.failureCondition ?? ""}"): ${next.inconclusive} inconclusive measurement(s), limit ${metric.inconclusiveLimit}`;
    } else if (next.measured >= metric.count) {
      next.phase = "Successful";
      next.message = `${next.successful} of ${next.measured} measurement(s) successful (${next.failed} failed, ${next.inconclusive} inconclusive, ${next.errors} error(s))`;
    }
  }
  if (next.phase === "Running") next.nextAt = new Date(m.at.getTime() + intervalMs(metric)).toISOString();
  else delete next.nextAt;
  return next;
}

/** The step's result: a failure or error decides at once; inconclusive waits for the other metrics. */
export function runPhase(metrics: readonly MetricRunStatus[]): AnalysisPhase {
  if (metrics.some((m) => m.phase === "Failed")) return "Failed";
  if (metrics.some((m) => m.phase === "Error")) return "Error";
  if (metrics.some((m) => m.phase === "Running")) return "Running";
  if (metrics.some((m) => m.phase === "Inconclusive")) return "Inconclusive";
  return "Successful";
}

/** Apply the measurements taken in this pass to a run and settle its phase. */
export function advanceRun(run: AnalysisRunStatus, metrics: readonly AnalysisMetric[], taken: ReadonlyMap<string, Measurement>, now: Date): AnalysisRunStatus {
  if (run.phase !== "Running") return run;
  const updated = run.metrics.map((m) => {
    const spec = metrics.find((s) => s.name === m.name);
    const measurement = taken.get(m.name);
    if (!spec) return { ...m, phase: "Error" as const, message: `metric ${m.name} is no longer defined in spec.strategy.analysis.metrics` };
    return measurement ? applyMeasurement(m, spec, measurement) : m;
  });
  const phase = runPhase(updated);
  const out: AnalysisRunStatus = { ...run, metrics: updated, phase };
  if (phase !== "Running") {
    out.finishedAt = now.toISOString();
    // A finished run keeps its counts and only its last measurements, so status stays small.
    out.metrics = out.metrics.map((m) => ({ ...m, measurements: m.measurements.slice(-KEEP_WHEN_DONE) }));
    const decisive = updated.filter((m) => m.phase === phase);
    out.message = phase === "Successful" ? `all ${updated.length} metric(s) successful` : decisive.map((m) => `${m.name}: ${m.message ?? m.phase}`).join("; ");
  }
  return out;
}
