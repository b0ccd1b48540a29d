// The capacity report from histories, its schedule, and the alert Events it raises: pure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { Release, type ReleaseInput } from "../../api/index.js";
import { buildCapacityReport, capacityCondition, capacityEvents, capacityReportDueInMs, limitOf, type History } from "./capacity.js";
import type { Sample } from "./forecast.js";

const DAY = 86_400_000;
const NOW = new Date("2026-04-01T00:00:00Z");
const sample = parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "release.yaml"), "utf8")) as ReleaseInput;

function release(edit: (r: any) => void = () => {}): Release {
  const r: any = structuredClone(sample);
  r.metadata.uid = "u1";
  r.metadata.generation = 3;
  r.spec.capacity.metrics.push({ name: "concurrent-users", query: "sum(users)", unit: "users", launch: 100, peak: 1000, testedLimit: 2000 });
  edit(r);
  return Release.parse(r);
}

/** A week of hourly samples of a line through `at0` (a week ago) rising `perDay`. */
const ramp = (at0: number, perDay: number): Sample[] => Array.from({ length: 7 * 24 + 1 }, (_, i) => [NOW.getTime() - 7 * DAY + i * 3_600_000, at0 + (perDay * i) / 24] as const);
const window = { now: NOW, horizonMs: 30 * DAY, historyMs: 7 * DAY };

describe("buildCapacityReport", () => {
  it("forecasts each metric against its upper bound (else tested limit, else peak) and counts those at risk", () => {
    const histories = new Map<string, History>([
      ["policies-issued-per-second", { samples: ramp(100, 20) }], // 240 now, 480 in 12 days
      ["concurrent-users", { samples: ramp(500, 1) }], // 507 now, 2000 in ~4 years
    ]);
    const report = buildCapacityReport(release(), histories, window);
    expect(report).toMatchObject({ generatedAt: NOW.toISOString(), observedGeneration: 3, horizon: "30d", history: "7d", atRisk: 1 });
    const [policies, users] = report.metrics;
    expect(policies).toMatchObject({ name: "policies-issued-per-second", unit: "policies/s", current: 240, peak: 200, campaign: 400, limit: 480, limitSource: "upperBound", slopePerDay: 20, withinHorizon: true, samples: 169 });
    expect(Date.parse(policies!.crossesAt!) - NOW.getTime()).toBeCloseTo(12 * DAY, -5);
    expect(policies!.message).toMatch(/^forecast to reach its upper bound 480 policies\/s at 2026-04-13T\d\d:\d\d:\d\d\.\d{3}Z \(in 12\.0 days\)$/);
    expect(users).toMatchObject({ limit: 2000, limitSource: "testedLimit", testedLimit: 2000, withinHorizon: false });
    expect(users!.crossesAt).toBeUndefined();
    expect(users!.message).toBe("not within the 30d horizon of its tested limit 2000 users (trend +1 users/day)");
    expect(limitOf({ name: "x", query: "x", launch: 1, peak: 5 })).toEqual({ value: 5, source: "peak" });
  });

  it("says why a metric has no forecast", () => {
    const report = buildCapacityReport(release(), new Map<string, History>([["policies-issued-per-second", { error: "cannot reach Prometheus at http://p:9090: fetch failed" }], ["concurrent-users", { samples: [] }]]), window);
    expect(report.metrics.map((m) => m.message)).toEqual(["no forecast: cannot read the history: cannot reach Prometheus at http://p:9090: fetch failed", "no forecast: 0 usable sample(s); a trend needs at least 3"]);
    expect(report.atRisk).toBe(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // nothing JSON cannot hold (status)
    // No forecast at all is not "no risk".
    expect(capacityCondition(report)).toMatchObject({ status: "Unknown", reason: "NoForecast", message: expect.stringMatching(/^policies-issued-per-second: no forecast: cannot read the history/) });
    const partly = buildCapacityReport(release(), new Map<string, History>([["policies-issued-per-second", { samples: ramp(100, 0) }], ["concurrent-users", { samples: [] }]]), window);
    expect(capacityCondition(partly)).toMatchObject({ status: "False", message: expect.stringMatching(/within 30d; concurrent-users: no forecast: 0 usable sample/) });
  });

  it("reports a limit already exceeded as reached now", () => {
    const report = buildCapacityReport(release(), new Map([["policies-issued-per-second", { samples: ramp(500, 1) }]]), window);
    expect(report.metrics[0]).toMatchObject({ crossesAt: NOW.toISOString(), withinHorizon: true, message: "at or above its upper bound 480 policies/s now" });
  });
});

describe("the schedule and the alert", () => {
  const report = (crossesInDays: number | undefined, at = NOW) =>
    buildCapacityReport(release(), new Map([["policies-issued-per-second", { samples: crossesInDays === undefined ? ramp(100, 0) : ramp(480 - 20 * (7 + crossesInDays), 20) }]]), { ...window, now: at });

  it("is due at once without a report or after a spec change, else one interval after the last", () => {
    const last = report(undefined);
    expect(capacityReportDueInMs(release(), undefined, NOW, 3_600_000)).toBe(0);
    expect(capacityReportDueInMs(release(), last, new Date(NOW.getTime() + 600_000), 3_600_000)).toBe(3_000_000);
    expect(capacityReportDueInMs(release(), last, new Date(NOW.getTime() + 4_000_000), 3_600_000)).toBe(0);
    expect(capacityReportDueInMs(release((r) => (r.metadata.generation = 4)), last, NOW, 3_600_000)).toBe(0);
  });

  it("raises a Warning when a crossing enters the horizon or moves a day earlier, and a Normal Event when it leaves", () => {
    const safe = report(undefined);
    const risky = report(10);
    expect(capacityEvents(safe, risky)).toEqual([{ type: "Warning", reason: "CapacityLimitForecast", message: expect.stringMatching(/^key capacity metric policies-issued-per-second is forecast to reach its upper bound 480 policies\/s at .* within the 30d horizon: plan capacity \(JR\/T 0179 6\.3\.3\)$/) }]);
    expect(capacityEvents(undefined, risky)).toHaveLength(1);
    expect(capacityEvents(risky, report(10))).toEqual([]);
    expect(capacityEvents(risky, report(8))).toHaveLength(1);
    expect(capacityEvents(risky, safe)).toEqual([{ type: "Normal", reason: "CapacityForecastCleared", message: expect.stringMatching(/^key capacity metric policies-issued-per-second: not within the 30d horizon/) }]);
    expect(capacityCondition(risky)).toMatchObject({ type: "CapacityAtRisk", status: "True", reason: "LimitWithinHorizon" });
    expect(capacityCondition(safe)).toMatchObject({ type: "CapacityAtRisk", status: "False", reason: "NoLimitWithinHorizon" });
  });
});
