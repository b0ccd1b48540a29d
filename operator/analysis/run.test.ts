import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { AnalysisMetric } from "../../api/index.js";
import { compileCondition } from "./condition.js";
import { queryValue, QueryError } from "./prometheus.js";
import { advanceRun, applyMeasurement, classify, dueMetrics, expandQuery, nextDue, startRun } from "./run.js";

const metric = (o: Partial<AnalysisMetric> = {}) => AnalysisMetric.parse({ name: "error-rate", query: "q", successCondition: "result < 0.01", failureCondition: "result >= 0.05", interval: "10s", count: 3, ...o });
const t0 = new Date("2026-11-24T10:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe("conditions", () => {
  it.each([
    ["result < 0.01", 0.005, true],
    ["result < 0.01", 0.02, false],
    ["result < 0.01", NaN, false],
    ["result >= 0.05 || isNaN(result)", NaN, true],
    ["result[0] <= 0.3 && result > 0", 0.3, true],
    ["not (result > 1) and result != 0", 0.5, true],
    ["abs(result - 1) < 0.1", 1.05, true],
    ["result * 100 > 5", 0.06, true],
    ["isInf(result)", Infinity, true],
    ["-result < -1", 2, true],
  ])("%s with %s is %s", (source, value, expected) => {
    const c = compileCondition(source);
    expect(typeof c).not.toBe("string");
    expect((c as Exclude<typeof c, string>).test(value)).toBe(expected);
  });

  it.each(["result <", "result < foo", "process.exit()", "result + true", "result", "(result < 1"])("refuses %s with a reason", (source) => {
    expect(compileCondition(source)).toMatch(/is not valid/);
  });
});

describe("classify", () => {
  it("tells success, failure and inconclusive apart when both conditions are set", () => {
    expect(classify(metric(), 0.001).phase).toBe("Successful");
    expect(classify(metric(), 0.2).phase).toBe("Failed");
    expect(classify(metric(), 0.02).phase).toBe("Inconclusive");
    expect(classify(metric(), NaN).phase).toBe("Inconclusive");
  });
  it("fails anything not successful without a failure condition", () => {
    expect(classify(metric({ failureCondition: undefined }), 0.02).phase).toBe("Failed");
  });
  it("reports an unusable condition as an error, not a bad value", () => {
    expect(classify(metric({ successCondition: "result <" }), 0)).toMatchObject({ phase: "Error", error: expect.stringMatching(/not valid/) });
  });
});

describe("an analysis run", () => {
  const metrics = [metric()];
  it("measures every interval and succeeds after count good values", () => {
    let run = startRun("watch", 1, metrics, t0);
    expect(dueMetrics(run, t0)).toEqual(["error-rate"]);
    run = advanceRun(run, metrics, new Map([["error-rate", { at: at(0), value: 0.001 }]]), at(0));
    expect(dueMetrics(run, at(5))).toEqual([]);
    expect(nextDue(run)).toBe(at(10).getTime());
    run = advanceRun(run, metrics, new Map([["error-rate", { at: at(10), value: 0.002 }]]), at(10));
    run = advanceRun(run, metrics, new Map([["error-rate", { at: at(20), value: 0 }]]), at(20));
    expect(run.phase).toBe("Successful");
    expect(run.metrics[0]).toMatchObject({ measured: 3, successful: 3, phase: "Successful" });
    expect(nextDue(run)).toBeUndefined();
  });

  it("fails at once when failures exceed the limit", () => {
    let run = startRun("watch", 1, metrics, t0);
    run = advanceRun(run, metrics, new Map([["error-rate", { at: at(0), value: 0.5 }]]), at(0));
    expect(run.phase).toBe("Failed");
    expect(run.message).toMatch(/error-rate = 0.5 meets the failure condition "result >= 0.05": 1 failed measurement\(s\), limit 0/);
  });

  it("tolerates failures up to failureLimit", () => {
    const ms = [metric({ failureLimit: 1 })];
    let run = startRun("watch", 1, ms, t0);
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(0), value: 0.5 }]]), at(0));
    expect(run.phase).toBe("Running");
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(10), value: 0.5 }]]), at(10));
    expect(run.phase).toBe("Failed");
  });

  it("errors only after more consecutive errors than the limit, and a value resets the streak", () => {
    const ms = [metric({ consecutiveErrorLimit: 1 })];
    let run = startRun("watch", 1, ms, t0);
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(0), error: "Prometheus unreachable" }]]), at(0));
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(10), value: 0 }]]), at(10));
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(20), error: "Prometheus unreachable" }]]), at(20));
    expect(run.phase).toBe("Running");
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(30), error: "Prometheus unreachable" }]]), at(30));
    expect(run.phase).toBe("Error");
    // A finished run keeps its last three measurements.
    expect(run.metrics[0]!.measurements.map((m) => m.phase)).toEqual(["Successful", "Error", "Error"]);
    expect(run.metrics[0]).toMatchObject({ errors: 3, measured: 1 });
    expect(run.message).toMatch(/2 measurement\(s\) in a row could not be taken \(limit 1\): Prometheus unreachable/);
  });

  it("is inconclusive past the inconclusive limit, once the other metrics are done", () => {
    const ms = [metric({ count: 1 }), metric({ name: "latency", count: 2, successCondition: "result < 1", failureCondition: undefined })];
    let run = startRun("watch", 1, ms, t0);
    run = advanceRun(run, ms, new Map([["error-rate", { at: at(0), value: NaN }], ["latency", { at: at(0), value: 0.1 }]]), at(0));
    expect(run.metrics[0]!.phase).toBe("Inconclusive");
    expect(run.phase).toBe("Running");
    run = advanceRun(run, ms, new Map([["latency", { at: at(10), value: 0.1 }]]), at(10));
    expect(run.phase).toBe("Inconclusive");
  });

  it("keeps only the latest measurements", () => {
    const ms = [metric({ count: 20 })];
    let m = startRun("watch", 1, ms, t0).metrics[0]!;
    for (let i = 0; i < 15; i++) m = applyMeasurement(m, ms[0]!, { at: at(i * 10), value: 0 });
    expect(m.measurements).toHaveLength(10);
    expect(m.measured).toBe(15);
  });

  it("expands {{canary}} and {{stable}}", () => {
    expect(expandQuery('x{h="{{canary}}"} / x{h="{{stable}}"}', { canary: "abc", stable: "def" })).toBe('x{h="abc"} / x{h="def"}');
  });
});

describe("queryValue", () => {
  async function serve(body: unknown, status = 200): Promise<{ url: string; close: () => void }> {
    const server = createServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  }

  it("reads a one-series vector and a scalar", async () => {
    const s = await serve({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "0.25"] }] } });
    expect(await queryValue(s.url, "x")).toBe(0.25);
    s.close();
    const n = await serve({ status: "success", data: { resultType: "scalar", result: [1, "NaN"] } });
    expect(await queryValue(n.url, "x")).toBeNaN();
    n.close();
  });

  it.each([
    [{ status: "error", errorType: "bad_data", error: "parse error" }, 400, "BadQuery"],
    [{ status: "success", data: { resultType: "vector", result: [] } }, 200, "NoData"],
    [{ status: "success", data: { resultType: "vector", result: [{ metric: { a: "1" }, value: [1, "1"] }, { metric: { a: "2" }, value: [1, "1"] }] } }, 200, "NotOneValue"],
    ["<html>bad gateway</html>", 502, "Unreachable"],
  ])("classifies %j as %s", async (body, status, kind) => {
    const s = await serve(body, status);
    await expect(queryValue(s.url, "x")).rejects.toMatchObject({ kind });
    s.close();
  });

  it("says Prometheus is unreachable when nothing listens", async () => {
    const s = await serve({});
    s.close();
    const e = await queryValue(s.url, "x").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(QueryError);
    expect(e).toMatchObject({ kind: "Unreachable", message: expect.stringMatching(/unreachable: ECONNREFUSED/) });
  });
});

describe("measurement values in status", () => {
  it("are kept to six significant digits, so a rate reads 0.095 and not 0.09499999999999999", () => {
    const metric = { name: "error-rate", query: "x", interval: "1s", count: 3, successCondition: "result < 0.1", failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };
    const run = startRun("s", 0, [metric], new Date(0)).metrics[0]!;
    const after = applyMeasurement(run, metric, { at: new Date(1000), value: 0.3 - 0.205 });
    expect(after.measurements.at(-1)?.value).toBe("0.095");
    expect(applyMeasurement(after, metric, { at: new Date(2000), value: 42 }).measurements.at(-1)?.value).toBe("42");
  });
});
