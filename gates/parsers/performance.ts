// The summary shared by load-test parsers (k6, JMeter), and the statistics helpers they use.

export interface LatencyMs {
  avg: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  /** null when the tool did not report it (k6 reports p(99) only when summaryTrendStats asks for it). */
  p99: number | null;
  max: number | null;
}

export interface PerformanceSummary {
  format: "k6" | "jmeter";
  /** Requests (k6 http_reqs) or samples (JMeter rows). */
  requests: number;
  throughputPerSecond: number;
  /** Failed requests / requests, from 0 to 1; null when the tool did not report failures. */
  errorRate: number | null;
  latencyMs: LatencyMs;
  durationSeconds: number | null;
  /** Measured maxima of capacity metrics, keyed by metric name (k6) or sample label (JMeter). */
  capacityMetrics: Record<string, number>;
  capacityMetricsTruncated: boolean;
}

/** Round to 3 decimals: enough for milliseconds and rates, and keeps signed predicates short. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p% of values at or below it. */
export function nearestRankPercentile(sortedAscending: Float64Array, percent: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] ?? null;
}

/** Keep the `max` largest entries (ties by name) so a cap drops the least important ones. */
export function largestEntries(entries: Iterable<[string, number]>, max: number): { metrics: Record<string, number>; truncated: boolean } {
  const all = [...entries].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = all.slice(0, max);
  // Object.fromEntries defines own properties, so a label such as "__proto__" stays a plain key.
  return { metrics: Object.fromEntries(kept), truncated: all.length > max };
}
