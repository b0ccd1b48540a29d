// JMeter CSV results (.jtl with a header row), as written by `jmeter -n -t plan.jmx -l out.jtl`
// with the default jmeter.save.saveservice.output_format=csv. Columns are found by header name,
// so files with more or fewer columns (older JMeter, custom saveservice settings) work as long
// as timeStamp, elapsed, label and success are present. timeStamp is the sample's start in
// epoch milliseconds (JMeter's default since 2.1: sampleresult.timestamp.start=true).
//
//   requests             number of samples (rows)
//   throughputPerSecond  samples / (last sample end - first sample start)
//   errorRate            rows with success=false / rows
//   latencyMs            of the elapsed column; percentiles by nearest rank
//   capacityMetrics      per label: the most successful samples that ended within one
//                        wall-clock second (the peak of 1-second buckets). Failed samples do not
//                        count, so fast errors cannot inflate a capacity claim.
//
// Sub-results (transaction controllers with "generate parent sample") appear as extra rows and
// are counted like any other sample; save results without sub-results for exact totals.
import { readCsvRecords, refuseNonCsv } from "./csv.js";
import { EvidenceParseError } from "./errors.js";
import { resolveLimits, type ParseLimits } from "./limits.js";
import { largestEntries, nearestRankPercentile, round3, type PerformanceSummary } from "./performance.js";
import { decodeEvidenceText, type EvidenceContent } from "./text-input.js";

export type JMeterParseOptions = ParseLimits;

const REQUIRED_COLUMNS = ["timeStamp", "elapsed", "label", "success"] as const;
const DELIMITERS = [",", "\t", ";", "|"];
const DIGITS = /^\d+$/;

/** JMeter lets users pick the delimiter; find the one that splits the header into known names. */
function sniffDelimiter(text: string): string {
  const newline = text.search(/\r?\n/);
  const firstLine = newline === -1 ? text : text.slice(0, newline);
  const jmeterXml = /<testResults\b/.test(text.slice(0, 4096));
  refuseNonCsv(text, "jmeter", jmeterXml ? " (JMeter's XML results format); re-run with -Jjmeter.save.saveservice.output_format=csv (the default) to get CSV" : "");
  const delimiter = DELIMITERS.find((d) => firstLine.split(d).some((name) => name.trim() === "elapsed"));
  if (delimiter === undefined) {
    throw new EvidenceParseError(
      "jmeter",
      `line 1 is not a JMeter CSV header (expected column names such as ${REQUIRED_COLUMNS.join(",")}); save results with jmeter.save.saveservice.print_field_names=true`,
    );
  }
  return delimiter;
}

/** A growable array of doubles, so a million elapsed times cost 8 MB and sort natively. */
class DoubleList {
  private values = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

function maxOf(values: Iterable<number>): number {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** Summarise a JMeter CSV results file: throughput, error rate, latency and per-label peak throughput. */
export function parseJMeterCsv(content: EvidenceContent, options?: JMeterParseOptions): PerformanceSummary {
  const limits = resolveLimits("jmeter", options);
  const text = decodeEvidenceText(content, "jmeter", limits.maxBytes);
  const records = readCsvRecords(text, "jmeter", { delimiter: sniffDelimiter(text) });

  const header = records.next();
  if (header.done === true) throw new EvidenceParseError("jmeter", "file has no header row");
  const names = header.value.fields.map((name) => name.trim());
  const column = Object.fromEntries(REQUIRED_COLUMNS.map((name) => [name, names.indexOf(name)])) as Record<(typeof REQUIRED_COLUMNS)[number], number>;
  const missing = REQUIRED_COLUMNS.filter((name) => column[name] === -1);
  if (missing.length > 0) {
    throw new EvidenceParseError("jmeter", `header is missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; enable them in the saveservice settings (jmeter.save.saveservice.*)`);
  }

  const elapsedTimes = new DoubleList();
  let failures = 0;
  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = Number.NEGATIVE_INFINITY;
  let elapsedSum = 0;
  // label -> (epoch second -> successful samples ending in that second)
  const perLabelSeconds = new Map<string, Map<number, number>>();

  for (const { fields, line } of records) {
    if (fields.length !== names.length) {
      throw new EvidenceParseError("jmeter", `line ${line} has ${fields.length} fields but the header has ${names.length}; a label containing the delimiter must be quoted`);
    }
    const field = (name: (typeof REQUIRED_COLUMNS)[number]): string => (fields[column[name]] ?? "").trim();
    const timeStamp = field("timeStamp");
    if (!DIGITS.test(timeStamp)) {
      throw new EvidenceParseError("jmeter", `line ${line}: timeStamp is ${JSON.stringify(timeStamp)}, expected epoch milliseconds; set jmeter.save.saveservice.timestamp_format=ms`);
    }
    const elapsedText = field("elapsed");
    if (!DIGITS.test(elapsedText)) {
      throw new EvidenceParseError("jmeter", `line ${line}: elapsed is ${JSON.stringify(elapsedText)}, expected whole milliseconds`);
    }
    const success = field("success").toLowerCase();
    if (success !== "true" && success !== "false") {
      throw new EvidenceParseError("jmeter", `line ${line}: success is ${JSON.stringify(field("success"))}, expected true or false`);
    }
    const start = Number(timeStamp);
    const elapsed = Number(elapsedText);
    const end = start + elapsed;
    elapsedTimes.push(elapsed);
    elapsedSum += elapsed;
    firstStart = Math.min(firstStart, start);
    lastEnd = Math.max(lastEnd, end);
    if (success === "false") {
      failures++;
      continue;
    }
    const label = fields[column.label] ?? "";
    let seconds = perLabelSeconds.get(label);
    if (seconds === undefined) perLabelSeconds.set(label, (seconds = new Map<number, number>()));
    const second = Math.floor(end / 1000);
    seconds.set(second, (seconds.get(second) ?? 0) + 1);
  }

  const requests = elapsedTimes.length;
  if (requests === 0) throw new EvidenceParseError("jmeter", "file has a header but no samples; the test plan did not run");
  // A run shorter than a millisecond would divide by zero; count it as one millisecond.
  const durationMs = Math.max(lastEnd - firstStart, 1);
  const sorted = elapsedTimes.sorted();
  const peaks = [...perLabelSeconds].map(([label, seconds]): [string, number] => [label, maxOf(seconds.values())]);
  const capacity = largestEntries(peaks, limits.maxListEntries);
  return {
    format: "jmeter",
    requests,
    throughputPerSecond: round3(requests / (durationMs / 1000)),
    errorRate: failures / requests, // not rounded: 0.0004 must not become 0
    latencyMs: {
      avg: round3(elapsedSum / requests),
      p50: nearestRankPercentile(sorted, 50),
      p90: nearestRankPercentile(sorted, 90),
      p95: nearestRankPercentile(sorted, 95),
      p99: nearestRankPercentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? null,
    },
    durationSeconds: round3(durationMs / 1000),
    capacityMetrics: capacity.metrics,
    capacityMetricsTruncated: capacity.truncated,
  };
}
