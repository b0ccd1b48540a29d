import { describe, expect, it } from "vitest";
import { parseK6Summary } from "./k6.js";
import { fixture, fixtureText, HUNDRED_MIB, millisecondsOf, parseErrorOf } from "./test-helpers.js";

/** A handleSummary document with the given extra metrics next to a minimal http_reqs. */
function handleSummary(metrics: Record<string, unknown>): string {
  return JSON.stringify({ metrics: { http_reqs: { type: "counter", contains: "default", values: { count: 10, rate: 2 } }, ...metrics } });
}

describe("parseK6Summary", () => {
  it("reads --summary-export output, including a Counter, Rate and Trend capacity metric", () => {
    expect(parseK6Summary(fixture("k6-summary-export.json"))).toEqual({
      format: "k6",
      requests: 11904,
      throughputPerSecond: 99.2,
      errorRate: 0.0026041666666666665,
      latencyMs: { avg: 84.612, p50: 71.2, p90: 142.7, p95: 188.4, p99: 402.12, max: 1204.9 },
      // --summary-export has no test duration; count / rate recovers it.
      durationSeconds: 120,
      capacityMetrics: { capacity_underwriting_decisions_per_second: 131, capacity_policies_issued: 98.942, capacity_quote_accepted: 0.997 },
      capacityMetricsTruncated: false,
    });
  });

  it("reads handleSummary JSON: test duration from state, no p(99) unless asked for, gauges not capacity metrics", () => {
    expect(parseK6Summary(fixture("k6-handle-summary.json"))).toEqual({
      format: "k6",
      requests: 6000,
      throughputPerSecond: 99.979,
      errorRate: 0.0033333333333333335,
      latencyMs: { avg: 45.218, p50: 38.1, p90: 77.4, p95: 101.9, p99: null, max: 812.3 },
      durationSeconds: 60.012,
      capacityMetrics: { capacity_quote_latency: 640.1, capacity_quotes_served: 99.646 },
      capacityMetricsTruncated: false,
    });
  });

  it("uses the configured capacity prefix", () => {
    const summary = parseK6Summary(fixture("k6-handle-summary.json"), { capacityPrefix: "http_req_" });
    expect(summary.capacityMetrics).toEqual({ "http_req_duration": 812.3, "http_req_duration{expected_response:true}": 640.1, "http_req_failed": 0.003 });
  });

  it("reports a missing error rate and duration as null rather than guessing", () => {
    const summary = parseK6Summary(JSON.stringify({ metrics: { http_reqs: { count: 0, rate: 0 } } }));
    expect(summary).toMatchObject({ requests: 0, errorRate: null, durationSeconds: null, latencyMs: { avg: null, p95: null } });
  });

  it("keeps a metric named __proto__ as an ordinary key", () => {
    const summary = parseK6Summary(handleSummary({ ["__proto__"]: { type: "counter", values: { count: 1, rate: 5 } } }), { capacityPrefix: "__" });
    expect(Object.keys(summary.capacityMetrics)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it("caps the capacity metrics, keeping the largest", () => {
    const metrics = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`capacity_m${i}`, { type: "counter", values: { count: i, rate: i } }]));
    const summary = parseK6Summary(handleSummary(metrics), { maxListEntries: 3 });
    expect(summary.capacityMetrics).toEqual({ capacity_m29: 29, capacity_m28: 28, capacity_m27: 27 });
    expect(summary.capacityMetricsTruncated).toBe(true);
  });
});

describe("parseK6Summary rejects bad input with a precise message", () => {
  it("needs http_reqs", () => {
    expect(parseErrorOf(() => parseK6Summary(JSON.stringify({ metrics: { vus: { value: 1, min: 1, max: 1 } } }))).message).toMatch(/^k6 summary: metrics\.http_reqs is missing: the test made no HTTP requests/);
  });

  it("names a non-numeric statistic by its path", () => {
    const text = fixtureText("k6-handle-summary.json").replace('"p(95)": 101.9', '"p(95)": "fast"');
    expect(parseErrorOf(() => parseK6Summary(text)).message).toBe('k6 summary: metrics.http_req_duration.values["p(95)"] is "fast", expected a number');
    const exported = fixtureText("k6-summary-export.json").replace('"count": 11904', '"count": "many"');
    expect(parseErrorOf(() => parseK6Summary(exported)).message).toBe('k6 summary: metrics.http_reqs.count is "many", expected a number');
  });

  it("refuses an unknown metric type and a mix of the two formats", () => {
    expect(parseErrorOf(() => parseK6Summary(handleSummary({ x: { type: "histogram", values: {} } }))).message).toBe("k6 summary: metrics.x.type is \"histogram\", expected one of counter, gauge, rate, trend");
    expect(parseErrorOf(() => parseK6Summary(handleSummary({ vus: { value: 1, min: 1, max: 1 } }))).message).toMatch(/metrics\.vus\.values is missing, expected an object; other metrics have one/);
  });

  it("refuses a capacity metric without the statistic it is measured by", () => {
    expect(parseErrorOf(() => parseK6Summary(handleSummary({ capacity_x: { type: "trend", values: { avg: 1 } } }))).message).toBe('k6 summary: capacity metric "capacity_x" (a trend) has no "max" value');
  });

  it("says when the file is another kind of evidence or not a summary at all", () => {
    expect(parseErrorOf(() => parseK6Summary(fixture("eslint.sarif"))).message).toBe("k6 summary: this looks like a SARIF log, not a k6 end-of-test summary; parse it as sarif instead");
    expect(parseErrorOf(() => parseK6Summary('{"type":"Point","metric":"vus","data":{"value":1}}')).message).toMatch(/^k6 summary: this is k6.s --out json stream .*use --summary-export or handleSummary/);
  });

  it("reports malformed JSON, deep nesting, size and emptiness", () => {
    expect(parseErrorOf(() => parseK6Summary('{"metrics": {"http_reqs": {"count": 1 "rate": 2}}}')).message).toBe('k6 summary: not valid JSON at line 1, column 39: unexpected "\\"", expected "," or "}"');
    expect(parseErrorOf(() => parseK6Summary(`{"metrics":${'{"a":'.repeat(100)}1${"}".repeat(100)}}`)).message).toMatch(/JSON nests deeper than 64 levels at line 1, column 327/);
    expect(millisecondsOf(() => parseErrorOf(() => parseK6Summary(new Uint8Array(HUNDRED_MIB))))).toBeLessThan(500);
    expect(parseErrorOf(() => parseK6Summary("\n\n")).message).toMatch(/^k6 summary: input is empty/);
  });
});
