import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { KubeError } from "./kube-client.js";
import { logRetry, transientReason } from "./transient.js";

describe("transientReason", () => {
  it.each([
    ["429 storage is (re)initializing", new KubeError(429, "TooManyRequests", "storage is (re)initializing"), "HTTP 429 storage is (re)initializing"],
    ["503", new KubeError(503, "ServiceUnavailable", "the server is currently unable to handle the request"), "HTTP 503 the server is currently unable to handle the request"],
    ["a timeout", new KubeError(0, "Timeout", "GET /x timed out after 30000 ms"), "GET /x timed out after 30000 ms"],
    ["connection refused", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }), "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:6443"],
    ["connection refused as a cause", new Error("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }), "ECONNREFUSED: connect ECONNREFUSED"],
  ])("%s is an expected retry", (_what, e, reason) => {
    expect(transientReason(e)).toBe(reason);
  });
  it.each([
    ["403", new KubeError(403, "Forbidden", "releases is forbidden")],
    ["422", new KubeError(422, "Invalid", "bad")],
    ["a bug", new TypeError("x is undefined")],
    ["not an error", "boom"],
  ])("%s is not", (_what, e) => {
    expect(transientReason(e)).toBeUndefined();
  });
});

describe("logRetry", () => {
  const capture = (level: string) => {
    const lines: Record<string, unknown>[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()) });
    return { log: pino({ level }, out), lines };
  };
  it("an expected retry is one short line at warn, the stack only at debug", () => {
    const warn = capture("warn");
    logRetry(warn.log, new KubeError(429, "TooManyRequests", "storage is (re)initializing"), "informer: initial list /apis/golive.dev/v1alpha1/releases (attempt 1)");
    expect(warn.lines).toEqual([expect.objectContaining({ level: 40, msg: "informer: initial list /apis/golive.dev/v1alpha1/releases (attempt 1): HTTP 429 storage is (re)initializing; retrying" })]);
    expect(JSON.stringify(warn.lines)).not.toContain("stack");
    const debug = capture("debug");
    logRetry(debug.log, new KubeError(429, "TooManyRequests", "storage is (re)initializing"), "x");
    expect(debug.lines).toHaveLength(2);
    expect(debug.lines[1]).toMatchObject({ level: 20, err: { stack: expect.stringContaining("KubeError") } });
  });
  it("anything else is logged in full at warn", () => {
    const warn = capture("warn");
    logRetry(warn.log, new KubeError(403, "Forbidden", "forbidden"), "watch /x");
    expect(warn.lines).toEqual([expect.objectContaining({ level: 40, msg: "watch /x", err: expect.objectContaining({ stack: expect.any(String) }) })]);
  });
});
