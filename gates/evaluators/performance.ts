// Performance and capacity (6.1.3, 7.1.2 c): the limit test's measured maximum of every key
// capacity metric reaches the declared peak times the policy's headroom; latency and error rate
// within thresholds. Mandatory for a first full release, or always when the policy says so.
import { z } from "zod";
import { failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";

const PerformanceSummary = z.object({
  errorRate: z.number().nullable(),
  latencyMs: z.object({ p95: z.number().nullable() }).partial(),
  capacityMetrics: z.record(z.string(), z.number()).default({}),
});

/** "policies-issued-per-second", "capacity_policies_issued_per_second" and "Policies Issued Per Second" are one metric. */
export function metricKey(name: string): string {
  return name.toLowerCase().replace(/^capacity[_-]/, "").replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

export function evaluatePerformance(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.performance!;
  const required = cfg.requiredForEveryRelease || ctx.release.spec.firstFullRelease;
  const found = latestOrOutcome(ctx, "PerformanceTestReport");
  if ("outcome" in found) {
    if (!required && found.outcome.status === "Pending") return passed("not a first full release: performance evidence is not required (7.1.2 c)");
    return found.outcome;
  }
  const ev = found.evidence;
  const parsed = PerformanceSummary.safeParse(ev.predicate.summary);
  if (!parsed.success) return failed(`evidence ${ev.name} carries no performance summary (create it from a k6 summary or JMeter results)`, [ev.name]);
  const s = parsed.data;
  const problems: string[] = [];

  const measured = new Map(Object.entries(s.capacityMetrics).map(([k, v]) => [metricKey(k), v]));
  for (const m of ctx.release.spec.capacity?.metrics ?? []) {
    const needed = m.peak * cfg.headroom;
    const max = measured.get(metricKey(m.name));
    if (max === undefined) problems.push(`no measured maximum for key capacity metric ${m.name}`);
    else if (max < needed) problems.push(`${m.name}: measured maximum ${max} is below peak ${m.peak} × headroom ${cfg.headroom} = ${needed}`);
  }
  if (s.errorRate === null) problems.push("the report has no error rate");
  else if (s.errorRate > cfg.maxErrorRate) problems.push(`error rate ${s.errorRate} above ${cfg.maxErrorRate}`);
  const p95 = s.latencyMs.p95 ?? undefined;
  if (cfg.maxP95LatencyMs !== undefined) {
    if (p95 === undefined) problems.push("no p95 latency in the report");
    else if (p95 > cfg.maxP95LatencyMs) problems.push(`p95 latency ${p95} ms above ${cfg.maxP95LatencyMs} ms`);
  }
  if (problems.length) return failed(`${ev.name}: ${problems.join("; ")}`, [ev.name]);
  const metrics = (ctx.release.spec.capacity?.metrics ?? []).map((m) => `${m.name} ${measured.get(metricKey(m.name))} ≥ ${m.peak * cfg.headroom}`);
  return passed(`${metrics.length ? metrics.join(", ") + "; " : ""}error rate ${s.errorRate}${p95 !== undefined ? `, p95 ${p95} ms` : ""}`, [ev.name]);
}
