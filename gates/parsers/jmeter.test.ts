import { describe, expect, it } from "vitest";
import { parseJMeterCsv } from "./jmeter.js";
import { fixture, fixtureText, HUNDRED_MIB, millisecondsOf, parseErrorOf } from "./test-helpers.js";

const HEADER = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect";

describe("parseJMeterCsv", () => {
  // Expected values were computed independently from the generator of the fixture.
  it("summarises a results file with quoted labels and multi-line failure messages", () => {
    expect(parseJMeterCsv(fixture("jmeter-results.jtl"))).toEqual({
      format: "jmeter",
      requests: 30,
      throughputPerSecond: 10.384,
      errorRate: 0.1,
      latencyMs: { avg: 154.833, p50: 99, p90: 301, p95: 512, p99: 512, max: 512 },
      durationSeconds: 2.889,
      capacityMetrics: { "GET /quote": 4, "POST /claims, motor": 3, "POST /policies": 3 },
      capacityMetricsTruncated: false,
    });
  });

  it("finds columns by name, so older and trimmed-down files work", () => {
    const text = "timeStamp,elapsed,label,success\n1000,10,a,true\n1500,30,a,true\n2100,20,b,false\n";
    expect(parseJMeterCsv(text)).toMatchObject({ requests: 3, errorRate: 1 / 3, durationSeconds: 1.12, latencyMs: { avg: 20, p50: 20, max: 30 }, capacityMetrics: { a: 2 } });
  });

  it("reads tab- and semicolon-delimited results", () => {
    const tabbed = "timeStamp\telapsed\tlabel\tsuccess\n1000\t10\tlogin, then quote\ttrue\n";
    expect(parseJMeterCsv(tabbed).capacityMetrics).toEqual({ "login, then quote": 1 });
    expect(parseJMeterCsv("timeStamp;elapsed;label;success\n1000;5;x;TRUE\n").requests).toBe(1);
  });

  it("counts only successful samples towards a label's peak throughput", () => {
    const rows = [
      ...Array.from({ length: 50 }, (_, i) => `${10_000 + i},1,issue,false`),
      ...Array.from({ length: 5 }, (_, i) => `${20_000 + i},1,issue,true`),
    ];
    expect(parseJMeterCsv(`timeStamp,elapsed,label,success\n${rows.join("\n")}`).capacityMetrics).toEqual({ issue: 5 });
  });

  it("caps the per-label capacity metrics, keeping the busiest labels", () => {
    const rows = Array.from({ length: 250 }, (_, i) => Array.from({ length: i % 7 === 0 ? 3 : 1 }, () => `1000,1,label-${i},true`).join("\n"));
    const summary = parseJMeterCsv(`timeStamp,elapsed,label,success\n${rows.join("\n")}`);
    expect(Object.keys(summary.capacityMetrics)).toHaveLength(200);
    expect(summary.capacityMetricsTruncated).toBe(true);
    expect(summary.capacityMetrics["label-0"]).toBe(3);
    expect(summary.capacityMetrics["label-7"]).toBe(3);
  });
});

describe("parseJMeterCsv rejects bad input with a precise message", () => {
  it("needs a header row with the required columns", () => {
    expect(parseErrorOf(() => parseJMeterCsv("1709540130000,112,GET /quote,200,OK\n")).message).toMatch(/^JMeter CSV: line 1 is not a JMeter CSV header .*print_field_names=true$/);
    expect(parseErrorOf(() => parseJMeterCsv("timeStamp,elapsed,label\n1,2,x\n")).message).toMatch(/^JMeter CSV: header is missing column success; enable/);
    expect(parseErrorOf(() => parseJMeterCsv(fixture("defects.csv"))).message).toMatch(/line 1 is not a JMeter CSV header/);
  });

  it("refuses XML results with the setting that produces CSV", () => {
    expect(parseErrorOf(() => parseJMeterCsv('<?xml version="1.0"?>\n<testResults version="1.2"/>')).message).toBe(
      "JMeter CSV: this is an XML document, not CSV (JMeter's XML results format); re-run with -Jjmeter.save.saveservice.output_format=csv (the default) to get CSV",
    );
    expect(parseErrorOf(() => parseJMeterCsv(fixture("k6-summary-export.json"))).message).toBe("JMeter CSV: this is a JSON document, not CSV");
  });

  it("names the line of a row with the wrong number of fields or bad values", () => {
    const lines = fixtureText("jmeter-results.jtl").split("\n");
    const broken = [...lines.slice(0, 3), "1709540130100,5,GET /quote,200", ...lines.slice(3)].join("\n");
    expect(parseErrorOf(() => parseJMeterCsv(broken)).message).toBe("JMeter CSV: line 4 has 4 fields but the header has 17; a label containing the delimiter must be quoted");
    expect(parseErrorOf(() => parseJMeterCsv(`${HEADER}\n2024/03/04 08:15:30,1,a,200,OK,t,text,true,,1,1,1,1,u,1,0,0`)).message).toBe(
      'JMeter CSV: line 2: timeStamp is "2024/03/04 08:15:30", expected epoch milliseconds; set jmeter.save.saveservice.timestamp_format=ms',
    );
    expect(parseErrorOf(() => parseJMeterCsv("timeStamp,elapsed,label,success\n1,-3,a,true")).message).toBe('JMeter CSV: line 2: elapsed is "-3", expected whole milliseconds');
    expect(parseErrorOf(() => parseJMeterCsv("timeStamp,elapsed,label,success\n1,3,a,yes")).message).toBe('JMeter CSV: line 2: success is "yes", expected true or false');
  });

  it("reports a quote left open, even when it swallows the rest of the file", () => {
    expect(parseErrorOf(() => parseJMeterCsv(`timeStamp,elapsed,label,success\n1,2,"never closed,true\n${"3,4,x,true\n".repeat(1000)}`)).message).toMatch(/^JMeter CSV: line 2: a quoted field is never closed/);
  });

  it("refuses a file without samples, an empty file and a 100 MiB file", () => {
    expect(parseErrorOf(() => parseJMeterCsv(`${HEADER}\n`)).message).toBe("JMeter CSV: file has a header but no samples; the test plan did not run");
    expect(parseErrorOf(() => parseJMeterCsv("")).message).toMatch(/^JMeter CSV: input is empty/);
    const huge = `${HEADER}\n`.padEnd(HUNDRED_MIB, "1");
    expect(millisecondsOf(() => parseErrorOf(() => parseJMeterCsv(huge)))).toBeLessThan(500);
    expect(parseErrorOf(() => parseJMeterCsv(huge)).message).toMatch(/^JMeter CSV: input is at least 104857600 bytes/);
  });
});
