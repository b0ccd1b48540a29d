// Capacity forecasting (JR/T 0179 6.3.3), pure: fit a linear trend with daily seasonality to a
// key capacity metric's history and say when the forecast first crosses a limit.
//
// The model is v(t) = b·t + c[hour of day(t)]: one slope and 24 hourly levels, fitted by least
// squares. With indicator columns for the hours the normal equations split: b is the pooled
// within-hour regression slope and c[h] = mean_h(v) − b·mean_h(t), so the fit is closed-form and
// numerically stable (no matrix inversion). The hourly levels are used only when the history
// supports them (two days, every hour of day sampled twice) and the Bayesian information
// criterion prefers them to a plain straight line.
// Hours are UTC hours: the model is 24-hour periodic, so any whole-hour time zone fits equally.

/** One observation: [time in epoch milliseconds, value]. */
export type Sample = readonly [number, number];

export interface ForecastOptions {
  /** Search for the crossing from this instant; default the newest sample's time. */
  now?: number | Date;
  /** "auto" (default): daily seasonality when the history supports it. */
  seasonality?: "auto" | "daily" | "none";
  /** "above" (default): when the forecast rises to the limit; "below": when it falls to it. */
  direction?: "above" | "below";
}

export interface Forecast {
  /** The first instant within the horizon at which the forecast reaches the limit. */
  crossesAt?: Date;
  /** The forecast is at or beyond the limit already at `now`. */
  alreadyCrossed: boolean;
  /** The trend, in metric units per day. */
  slopePerDay: number;
  /** Standard error of the slope (units per day); a slope within ±2 of it is no clear trend. */
  slopeStdErrPerDay: number;
  /** Root mean square of the residuals, in metric units: how far the samples scatter around the fit. */
  fitError: number;
  /** The model's value at `now`. */
  valueNow: number;
  /** Whether the daily seasonal levels were fitted. */
  seasonal: boolean;
  /** Usable (finite) samples fitted. */
  samples: number;
  /** Why there is no forecast, when there is none for lack of data. */
  problem?: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const hourOf = (t: number): number => Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);

interface Fit {
  slopePerMs: number;
  /** Level per group at time origin t0 (group = hour of day, or the single group 0). */
  levels: number[];
  t0: number;
  seasonal: boolean;
  rmse: number;
  slopeSePerMs: number;
}

function fit(samples: readonly Sample[], seasonal: boolean): Fit {
  const groups = seasonal ? 24 : 1;
  const groupOf = seasonal ? hourOf : () => 0;
  const t0 = samples[0]![0];
  const n = new Array<number>(groups).fill(0);
  const st = new Array<number>(groups).fill(0);
  const sv = new Array<number>(groups).fill(0);
  for (const [t, v] of samples) {
    const g = groupOf(t);
    n[g]! += 1;
    st[g]! += t - t0;
    sv[g]! += v;
  }
  const mean = (sums: number[]) => sums.map((s, g) => (n[g] ? s / n[g] : 0));
  const mt = mean(st);
  const mv = mean(sv);
  let sxx = 0;
  let sxy = 0;
  for (const [t, v] of samples) {
    const g = groupOf(t);
    const dt = t - t0 - mt[g]!;
    sxx += dt * dt;
    sxy += dt * (v - mv[g]!);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const sampled = mv.map((m, g) => (n[g]! ? m - slope * mt[g]! : undefined));
  // An hour never sampled (only when daily seasonality is forced) gets the mean level.
  const known = sampled.filter((l): l is number => l !== undefined);
  const meanLevel = known.reduce((a, b) => a + b, 0) / known.length;
  const levels = sampled.map((l) => l ?? meanLevel);
  let sse = 0;
  for (const [t, v] of samples) {
    const r = v - (slope * (t - t0) + levels[groupOf(t)]!);
    sse += r * r;
  }
  const params = groups + 1;
  const dof = Math.max(1, samples.length - params);
  const sigma2 = sse / dof;
  return { slopePerMs: slope, levels, t0, seasonal, rmse: Math.sqrt(sse / samples.length), slopeSePerMs: sxx > 0 ? Math.sqrt(sigma2 / sxx) : Infinity };
}

/** Enough history for 24 hourly levels: two days, and every hour of day sampled at least twice. */
function supportsSeasonality(samples: readonly Sample[]): boolean {
  const span = samples[samples.length - 1]![0] - samples[0]![0];
  if (span < 2 * DAY_MS) return false;
  const counts = new Array<number>(24).fill(0);
  for (const [t] of samples) counts[hourOf(t)]! += 1;
  return counts.every((c) => c >= 2);
}

/** Bayesian information criterion of a least-squares fit with k parameters: lower is better. */
const bic = (f: Fit, n: number, k: number): number => n * Math.log(Math.max(f.rmse * f.rmse, 1e-300)) + k * Math.log(n);

/**
 * "auto" fits the 24 hourly levels only when the history supports them and they explain enough
 * more than a straight line to pay for their 23 extra parameters (BIC): on a series without a
 * daily cycle they would only fit noise and blur the crossing time.
 */
function chooseModel(samples: readonly Sample[], seasonality: "auto" | "daily" | "none"): Fit {
  if (seasonality === "none") return fit(samples, false);
  if (seasonality === "daily") return fit(samples, true);
  const line = fit(samples, false);
  if (!supportsSeasonality(samples)) return line;
  const daily = fit(samples, true);
  return bic(daily, samples.length, 25) < bic(line, samples.length, 2) ? daily : line;
}

function predict(f: Fit, t: number): number {
  return f.slopePerMs * (t - f.t0) + f.levels[f.seasonal ? hourOf(t) : 0]!;
}

/**
 * The first t in [from, to] with predict(t) >= limit. The model is linear within each UTC hour
 * (and everywhere without seasonality), so each piece is solved exactly.
 */
function firstCrossing(f: Fit, limit: number, from: number, to: number): number | undefined {
  let s = from;
  while (s <= to) {
    const e = f.seasonal ? Math.min(to, (Math.floor(s / HOUR_MS) + 1) * HOUR_MS - 1) : to;
    const vs = predict(f, s);
    if (vs >= limit) return s;
    const ve = predict(f, e);
    if (ve >= limit) {
      // Rising within this piece (vs < limit <= ve): solve the line exactly, never before s.
      const t = s + ((limit - vs) / (ve - vs)) * (e - s);
      return Math.min(e, Math.max(s, Math.ceil(t)));
    }
    if (!f.seasonal) return undefined;
    s = e + 1;
  }
  return undefined;
}

/**
 * Fit the history and find when the forecast first reaches `limit` within `horizonMs` after now.
 * Samples may be in any order; non-finite values (NaN from a division by zero) are skipped.
 */
export function forecastCrossing(samples: readonly Sample[], limit: number, horizonMs: number, opts: ForecastOptions = {}): Forecast {
  const sign = opts.direction === "below" ? -1 : 1;
  const usable = samples.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v)).map(([t, v]) => [t, sign * v] as const).sort((a, b) => a[0] - b[0]);
  const lastT = usable[usable.length - 1]?.[0];
  const now = opts.now === undefined ? (lastT ?? 0) : typeof opts.now === "number" ? opts.now : opts.now.getTime();
  const none = (problem: string, last?: number): Forecast => ({ alreadyCrossed: false, slopePerDay: 0, slopeStdErrPerDay: Infinity, fitError: NaN, valueNow: last === undefined ? NaN : sign * last, seasonal: false, samples: usable.length, problem });
  if (usable.length < 3) return none(`${usable.length} usable sample(s); a trend needs at least 3`, usable[usable.length - 1]?.[1]);
  if (lastT === usable[0]![0]) return none("every sample has the same time; a trend needs history over time", usable[usable.length - 1]![1]);

  const f = chooseModel(usable, opts.seasonality ?? "auto");
  const target = sign * limit;
  const crossing = firstCrossing(f, target, now, now + Math.max(0, horizonMs));
  return {
    ...(crossing !== undefined ? { crossesAt: new Date(crossing) } : {}),
    alreadyCrossed: crossing === now,
    slopePerDay: sign * f.slopePerMs * DAY_MS,
    slopeStdErrPerDay: f.slopeSePerMs * DAY_MS,
    fitError: f.rmse,
    valueNow: sign * predict(f, now),
    seasonal: f.seasonal,
    samples: usable.length,
  };
}
