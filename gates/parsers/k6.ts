// k6 end-of-test summaries, in both JSON shapes k6 writes:
//   - `k6 run --summary-export=summary.json`: metrics map straight to their statistics,
//     e.g. "http_req_duration": { "avg": 12.3, "p(95)": 40.1, ... }, and a Rate metric's
//     fraction is in "value" (next to "passes"/"fails"). There is no test duration in it.
//   - the object handed to `export function handleSummary(data)` and saved with
//     JSON.stringify(data): "http_req_duration": { "type": "trend", "values": { ... } }, with
//     state.testRunDurationMs.
//
//   requests / throughput  http_reqs count and rate
//   errorRate              http_req_failed rate (null when absent, as in k6 before v0.31)
//   latencyMs              http_req_duration avg, med or p(50), p(90), p(95), p(99), max;
//                          k6 reports p(99) only if options.summaryTrendStats includes it
//   durationSeconds        state.testRunDurationMs, else http_reqs count / rate
//   capacityMetrics        every Counter, Rate or Trend whose name starts with capacityPrefix
//                          (default "capacity_"): a Counter's rate per second, a Rate's
//                          fraction, a Trend's max. This is how a limit test proves e.g.
//                          capacity_policies_issued per second.
import { z } from "zod";
import { EvidenceParseError } from "./errors.js";
import { isJsonObject, parseJsonEvidence } from "./json-input.js";
import { rejectOtherEvidenceKind } from "./json-kind.js";
import { resolveLimits, type ParseLimits } from "./limits.js";
import { largestEntries, round3, type PerformanceSummary } from "./performance.js";
import { decodeEvidenceText, quoteValue, type EvidenceContent } from "./text-input.js";
import { formatJsonPath, parseWithSchema } from "./zod-issues.js";

export interface K6ParseOptions extends ParseLimits {
  /** Metrics whose names start with this are reported in capacityMetrics. Default "capacity_". */
  capacityPrefix?: string;
}

const METRIC_TYPES = ["counter", "gauge", "rate", "trend"] as const;
type MetricType = (typeof METRIC_TYPES)[number];

interface Metric {
  type: MetricType;
  values: Map<string, number>;
}

const SummaryShape = z.object({
  metrics: z.record(z.string(), z.unknown()),
  // handleSummary data only; --summary-export has no state.
  state: z.object({ testRunDurationMs: z.number().min(0).optional() }).optional(),
});

function numericValues(raw: Record<string, unknown>, path: string[], skip: ReadonlySet<string>): Map<string, number> {
  const values = new Map<string, number>();
  for (const [key, value] of Object.entries(raw)) {
    if (skip.has(key) || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new EvidenceParseError("k6", `${formatJsonPath([...path, key])} is ${quoteValue(value)}, expected a number`);
    }
    values.set(key, value);
  }
  return values;
}

/** A --summary-export entry does not say its type; its statistics do. */
function inferExportedType(name: string, values: Map<string, number>): MetricType {
  if (values.has("avg") || values.has("med") || [...values.keys()].some((key) => key.startsWith("p("))) return "trend";
  if (values.has("passes") || values.has("fails")) return "rate";
  if (values.has("count") && values.has("rate")) return "counter";
  if (values.has("value")) return "gauge";
  throw new EvidenceParseError("k6", `${formatJsonPath(["metrics", name])} has none of the statistics k6 writes (count/rate, passes/fails/value, avg/med/p(95), value/min/max)`);
}

function readMetrics(rawMetrics: Record<string, unknown>): Map<string, Metric> {
  const entries = Object.entries(rawMetrics);
  const fromHandleSummary = entries.some(([, raw]) => isJsonObject(raw) && isJsonObject(raw["values"]));
  const metrics = new Map<string, Metric>();
  for (const [name, raw] of entries) {
    const path = ["metrics", name];
    if (!isJsonObject(raw)) throw new EvidenceParseError("k6", `${formatJsonPath(path)} is ${quoteValue(raw)}, expected an object`);
    if (fromHandleSummary) {
      const values = raw["values"];
      if (!isJsonObject(values)) {
        throw new EvidenceParseError("k6", `${formatJsonPath([...path, "values"])} is ${quoteValue(values)}, expected an object; other metrics have one, so is this a mix of --summary-export and handleSummary output?`);
      }
      const type = raw["type"];
      if (!METRIC_TYPES.includes(type as MetricType)) {
        throw new EvidenceParseError("k6", `${formatJsonPath([...path, "type"])} is ${quoteValue(type)}, expected one of ${METRIC_TYPES.join(", ")}`);
      }
      metrics.set(name, { type: type as MetricType, values: numericValues(values, [...path, "values"], new Set()) });
    } else {
      const values = numericValues(raw, path, new Set(["thresholds"]));
      const type = inferExportedType(name, values);
      // --summary-export puts a Rate's fraction in "value"; handleSummary calls it "rate".
      if (type === "rate" && values.has("value")) values.set("rate", values.get("value") ?? 0);
      metrics.set(name, { type, values });
    }
  }
  return metrics;
}

function requireValue(metrics: Map<string, Metric>, name: string, key: string): number {
  const value = metrics.get(name)?.values.get(key);
  if (value === undefined) throw new EvidenceParseError("k6", `${formatJsonPath(["metrics", name])} has no ${JSON.stringify(key)} value`);
  return value;
}

function optionalRounded(value: number | undefined): number | null {
  return value === undefined ? null : round3(value);
}

function capacityValue(name: string, metric: Metric): number | undefined {
  if (metric.type === "gauge") return undefined;
  const key = metric.type === "trend" ? "max" : "rate";
  const value = metric.values.get(key);
  if (value === undefined) throw new EvidenceParseError("k6", `capacity metric ${JSON.stringify(name)} (a ${metric.type}) has no ${JSON.stringify(key)} value`);
  return value;
}

/** k6 --out json writes one JSON object per line: {"type":"Metric",...} then {"type":"Point",...}. */
const METRIC_STREAM_LINE = /^\s*\{.*"type"\s*:\s*"(Metric|Point)".*"metric"\s*:|^\s*\{.*"metric"\s*:.*"type"\s*:\s*"(Metric|Point)"/;

function refuseMetricStream(text: string): void {
  const firstLine = text.trimStart().split("\n", 1)[0] ?? "";
  if (METRIC_STREAM_LINE.test(firstLine)) {
    throw new EvidenceParseError(
      "k6",
      "this is k6's --out json stream (one metric sample per line), not its end-of-test summary: use --summary-export or handleSummary, e.g. k6 run --summary-export=summary.json script.js",
    );
  }
}

/** Summarise a k6 end-of-test summary (--summary-export or handleSummary JSON). */
export function parseK6Summary(content: EvidenceContent, options?: K6ParseOptions): PerformanceSummary {
  const limits = resolveLimits("k6", options);
  const prefix = options?.capacityPrefix ?? "capacity_";
  const text = decodeEvidenceText(content, "k6", limits.maxBytes);
  refuseMetricStream(text);
  const doc = parseJsonEvidence(text, "k6", limits.maxDepth);
  rejectOtherEvidenceKind(doc, "k6", "k6");
  const summary = parseWithSchema(SummaryShape, doc, "k6");
  // Iterate the parsed JSON itself: a metric named "__proto__" must stay an ordinary key.
  const metrics = readMetrics((doc as { metrics: Record<string, unknown> }).metrics);

  const httpReqs = metrics.get("http_reqs");
  if (httpReqs === undefined) {
    throw new EvidenceParseError("k6", "metrics.http_reqs is missing: the test made no HTTP requests, so it cannot show throughput; check the script reached the system under test");
  }
  if (httpReqs.type !== "counter") throw new EvidenceParseError("k6", `metrics.http_reqs is a ${httpReqs.type}, expected a counter`);
  const requests = requireValue(metrics, "http_reqs", "count");
  const rate = requireValue(metrics, "http_reqs", "rate");

  const duration = metrics.get("http_req_duration")?.values;
  const failed = metrics.get("http_req_failed");
  const testRunMs = summary.state?.testRunDurationMs;
  const durationSeconds = testRunMs !== undefined ? testRunMs / 1000 : rate > 0 ? requests / rate : null;

  const capacity = largestEntries(
    [...metrics].flatMap(([name, metric]): [string, number][] => {
      if (!name.startsWith(prefix)) return [];
      const value = capacityValue(name, metric);
      return value === undefined ? [] : [[name, round3(value)]];
    }),
    limits.maxListEntries,
  );

  return {
    format: "k6",
    requests,
    throughputPerSecond: round3(rate),
    errorRate: failed?.values.get("rate") ?? null,
    latencyMs: {
      avg: optionalRounded(duration?.get("avg")),
      p50: optionalRounded(duration?.get("med") ?? duration?.get("p(50)")),
      p90: optionalRounded(duration?.get("p(90)")),
      p95: optionalRounded(duration?.get("p(95)")),
      p99: optionalRounded(duration?.get("p(99)")),
      max: optionalRounded(duration?.get("max")),
    },
    durationSeconds: durationSeconds === null ? null : round3(durationSeconds),
    capacityMetrics: capacity.metrics,
    capacityMetricsTruncated: capacity.truncated,
  };
}
