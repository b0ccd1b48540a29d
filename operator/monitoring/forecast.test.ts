// The forecast on synthetic series with known answers: a noisy straight line, and a noisy line
// with a daily cycle. The error bounds are part of the contract (see README.md in this folder).
import { describe, expect, it } from "vitest";
import { forecastCrossing, type Sample } from "./forecast.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.parse("2026-03-02T00:00:00Z");

/** A seeded normal generator (mulberry32 + Box-Muller), so every run sees the same noise. */
function normal(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function series(days: number, stepMs: number, f: (t: number) => number, sigma: number, seed = 1): Sample[] {
  const noise = normal(seed);
  const out: Sample[] = [];
  for (let t = START; t < START + days * DAY; t += stepMs) out.push([t, f(t) + sigma * noise()]);
  return out;
}

/** The true first crossing of f above limit after `from`, stepping by one second. */
function trueCrossing(f: (t: number) => number, limit: number, from: number, horizon: number): number | undefined {
  for (let t = from; t <= from + horizon; t += 1000) if (f(t) >= limit) return t;
  return undefined;
}

const hoursBetween = (a: number, b: number) => Math.abs(a - b) / HOUR;

describe("forecastCrossing on a noisy linear series (100 + 10/day, σ = 5, 14 days at 5 min)", () => {
  const line = (t: number) => 100 + (10 * (t - START)) / DAY;
  const samples = series(14, 5 * 60_000, line, 5);
  const now = samples[samples.length - 1]![0];

  it("finds the crossing of 300 (day 20, 6 days ahead) within 2 hours, and the slope within 1%", () => {
    const f = forecastCrossing(samples, 300, 30 * DAY);
    const truth = trueCrossing(line, 300, now, 30 * DAY)!;
    expect(truth - START).toBe(20 * DAY);
    expect(f.crossesAt).toBeDefined();
    const error = hoursBetween(f.crossesAt!.getTime(), truth);
    console.log(`[forecast] linear: crossing error ${error.toFixed(2)} h, slope ${f.slopePerDay.toFixed(3)}/day ± ${f.slopeStdErrPerDay.toFixed(3)}, fit error ${f.fitError.toFixed(2)}`);
    expect(error).toBeLessThan(2);
    expect(f.slopePerDay).toBeGreaterThan(9.9);
    expect(f.slopePerDay).toBeLessThan(10.1);
    expect(f.fitError).toBeGreaterThan(4);
    expect(f.fitError).toBeLessThan(6);
    expect(f.alreadyCrossed).toBe(false);
    expect(f.samples).toBe(samples.length);
    expect(f.seasonal).toBe(false); // no daily cycle: the information criterion keeps the line
  });

  it("stays within 2 hours over 20 noise draws", () => {
    const errors = Array.from({ length: 20 }, (_, seed) => {
      const f = forecastCrossing(series(14, 5 * 60_000, line, 5, 100 + seed), 300, 30 * DAY);
      return hoursBetween(f.crossesAt!.getTime(), START + 20 * DAY);
    });
    console.log(`[forecast] linear, 20 draws: worst crossing error ${Math.max(...errors).toFixed(2)} h`);
    expect(Math.max(...errors)).toBeLessThan(2);
  });

  it("says nothing crosses when the crossing lies beyond the horizon", () => {
    const f = forecastCrossing(samples, 300, 5 * DAY);
    expect(f.crossesAt).toBeUndefined();
    expect(f.slopePerDay).toBeGreaterThan(9.9);
  });

  it("reports a limit already exceeded as crossing now", () => {
    const f = forecastCrossing(samples, 200, 30 * DAY);
    expect(f.alreadyCrossed).toBe(true);
    expect(f.crossesAt?.getTime()).toBe(now);
  });

  it("forecasts a falling series down to a lower limit (direction below) within 2 hours", () => {
    const falling = (t: number) => 500 - (10 * (t - START)) / DAY;
    const s = series(14, 5 * 60_000, falling, 5, 7);
    const f = forecastCrossing(s, 300, 30 * DAY, { direction: "below" });
    expect(f.slopePerDay).toBeLessThan(-9.9);
    expect(hoursBetween(f.crossesAt!.getTime(), START + 20 * DAY)).toBeLessThan(2);
  });
});

describe("forecastCrossing on a noisy seasonal series (100 + 5/day + 40·daily sine, σ = 3, 14 days at 5 min)", () => {
  // Daily peak at 06:00 UTC; the peak of day k is about 140 + 5k. The limit 237.5 lies halfway
  // between the peaks of day 19 (≈235) and day 20 (≈240): the first crossing is on the rising
  // flank of day 20's peak, where a mistake in the trend cannot hide behind a neighbouring day.
  const seasonal = (t: number) => 100 + (5 * (t - START)) / DAY + 40 * Math.sin((2 * Math.PI * ((t - START) % DAY)) / DAY);
  const samples = series(14, 5 * 60_000, seasonal, 3, 3);
  const now = samples[samples.length - 1]![0];
  const truth = trueCrossing(seasonal, 237.5, now, 30 * DAY)!;

  it("finds the crossing (day 20, on the rising flank of the daily peak) within 1 hour", () => {
    expect((truth - START) / DAY).toBeGreaterThan(20);
    expect((truth - START) / DAY).toBeLessThan(20.25);
    const f = forecastCrossing(samples, 237.5, 30 * DAY);
    expect(f.seasonal).toBe(true);
    const error = hoursBetween(f.crossesAt!.getTime(), truth);
    console.log(`[forecast] seasonal: crossing error ${error.toFixed(2)} h, slope ${f.slopePerDay.toFixed(3)}/day ± ${f.slopeStdErrPerDay.toFixed(3)}, fit error ${f.fitError.toFixed(2)}`);
    expect(error).toBeLessThan(1);
    expect(f.slopePerDay).toBeGreaterThan(4.9);
    expect(f.slopePerDay).toBeLessThan(5.1);
    // The hourly levels approximate the sine in steps: the residual is noise plus step error.
    expect(f.fitError).toBeLessThan(4);
  });

  it("stays within 1 hour over 20 noise draws", () => {
    const errors = Array.from({ length: 20 }, (_, seed) => {
      const f = forecastCrossing(series(14, 5 * 60_000, seasonal, 3, 200 + seed), 237.5, 30 * DAY);
      return hoursBetween(f.crossesAt!.getTime(), truth);
    });
    console.log(`[forecast] seasonal, 20 draws: worst crossing error ${Math.max(...errors).toFixed(2)} h`);
    expect(Math.max(...errors)).toBeLessThan(1);
  });

  it("a straight line alone would be days late: seasonality matters", () => {
    const f = forecastCrossing(samples, 237.5, 30 * DAY, { seasonality: "none" });
    expect(f.seasonal).toBe(false);
    expect(hoursBetween(f.crossesAt!.getTime(), truth)).toBeGreaterThan(5 * 24);
    expect(f.fitError).toBeGreaterThan(25);
  });

  it("finds the same crossing with hourly samples and in a shuffled order", () => {
    const hourly = series(14, HOUR, seasonal, 3, 5);
    const shuffled = [...hourly].reverse();
    const f = forecastCrossing(shuffled, 237.5, 30 * DAY, { now });
    expect(f.seasonal).toBe(true);
    expect(hoursBetween(f.crossesAt!.getTime(), truth)).toBeLessThan(1.5);
  });
});

describe("forecastCrossing without a usable history", () => {
  it("needs three samples over time", () => {
    expect(forecastCrossing([], 10, DAY).problem).toMatch(/0 usable sample\(s\)/);
    expect(forecastCrossing([[START, 1], [START, 2], [START, 3]], 10, DAY).problem).toMatch(/same time/);
    const f = forecastCrossing([[START, 1], [START + 1, NaN], [START + 2, 2]], 10, DAY);
    expect(f.problem).toMatch(/2 usable/);
    expect(f.crossesAt).toBeUndefined();
  });

  it("fits a straight line to less than two days and forecasts a flat series never to cross", () => {
    const flat = series(1, 60_000, () => 50, 1, 9);
    const f = forecastCrossing(flat, 100, 365 * DAY);
    expect(f.seasonal).toBe(false);
    expect(f.crossesAt).toBeUndefined();
    expect(Math.abs(f.slopePerDay)).toBeLessThan(2 * f.slopeStdErrPerDay + 0.5);
  });

  it("forecasts from seconds of history (the slope is per day whatever the sampling)", () => {
    const ramp: Sample[] = Array.from({ length: 30 }, (_, i) => [START + i * 1000, 100 + 2 * i]);
    const f = forecastCrossing(ramp, 200, DAY);
    expect(f.slopePerDay).toBeCloseTo(2 * 86_400, 3);
    expect(f.crossesAt?.getTime()).toBe(START + 50_000);
  });
});
