// Change windows and freezes (4.2 h), with Argo CD sync-window semantics: a window opens at
// every minute whose local time (in the policy's time zone) matches its cron schedule and stays
// open for its duration; a freeze closes everything in [start, end). Pure: the clock is a parameter.
import type { z } from "zod";
import { parseDuration, type ChangeWindows as ChangeWindowsSchema } from "../api/index.js";

/** spec.changeWindows; timeZone may be omitted (UTC), as before schema defaults apply. */
export type ChangeWindows = Omit<z.output<typeof ChangeWindowsSchema>, "timeZone"> & { timeZone?: string };

export type ChangeWindowDecision =
  | { open: true; reason: string; window?: string; closesAt?: Date }
  | { open: false; reason: string; freeze?: string; opensAt?: Date };

export interface NextOpening {
  at: Date;
  /** The window open at `at`; undefined when the policy defines no windows. */
  window?: string;
}

/** How far ahead evaluateChangeWindow looks for the next opening. */
export const OPENING_HORIZON_MS = 14 * 86_400_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Cron

export class CronError extends Error {
  override name = "CronError";
}

export interface CronSchedule {
  readonly expression: string;
  /** Allowed values per field, sorted ascending; day-of-week uses 0-6 with 0 = Sunday. */
  readonly minute: readonly number[];
  readonly hour: readonly number[];
  readonly dayOfMonth: readonly number[];
  readonly month: readonly number[];
  readonly dayOfWeek: readonly number[];
  /** False when the field is "*": decides the day-of-month/day-of-week OR rule. */
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

/** Wall-clock fields of an instant in some time zone. */
export interface LocalFields {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number; // 0-23
  minute: number; // 0-59
  weekday: number; // 0-6, 0 = Sunday
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[]; // names[i] stands for min + i
  hint: string;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59, hint: "a number" },
  { name: "hour", min: 0, max: 23, hint: "a number" },
  { name: "day-of-month", min: 1, max: 31, hint: "a number" },
  { name: "month", min: 1, max: 12, names: MONTHS, hint: "a number or month name (JAN-DEC)" },
  // 7 is accepted as Sunday and folded to 0 after parsing.
  { name: "day-of-week", min: 0, max: 7, names: WEEKDAYS, hint: "a number or day name (SUN-SAT)" },
];

/** Parse a five-field cron expression ("minute hour day-of-month month day-of-week"). */
export function parseCron(expr: string): CronSchedule {
  const fail = (message: string): never => {
    throw new CronError(`cron "${expr}": ${message}`);
  };
  const texts = expr.trim().split(/\s+/).filter((t) => t !== "");
  if (texts.length !== 5) fail(`expected 5 fields (minute hour day-of-month month day-of-week), found ${texts.length}`);
  const [minute, hour, dayOfMonth, month, dow] = FIELDS.map((spec, i) => parseField(texts[i] as string, spec, fail));
  return {
    expression: expr,
    minute: minute!,
    hour: hour!,
    dayOfMonth: dayOfMonth!,
    month: month!,
    dayOfWeek: [...new Set(dow!.map((d) => d % 7))].sort((a, b) => a - b),
    dayOfMonthRestricted: texts[2] !== "*",
    dayOfWeekRestricted: texts[4] !== "*",
  };
}

function parseField(text: string, spec: FieldSpec, fail: (message: string) => never): number[] {
  const bad = (token: string, problem: string): never => fail(`${spec.name} "${token}" ${problem}`);
  const value = (token: string): number => {
    const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return spec.min + named;
    if (!/^\d+$/.test(token)) return bad(token, `is not ${spec.hint}`);
    const n = Number(token);
    if (n < spec.min || n > spec.max) bad(token, `is out of range ${spec.min}-${spec.max}`);
    return n;
  };
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") bad(text, "has an empty list element");
    const [range = "", step, ...extra] = item.split("/");
    if (extra.length > 0) bad(item, "has more than one step");
    let stride = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) === 0) bad(item, `has step "${step}"; a step must be a positive whole number`);
      stride = Number(step);
    }
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [spec.min, spec.max];
    else {
      const bounds = range.split("-");
      if (bounds.length > 2 || bounds.some((b) => !/^[a-z0-9]+$/i.test(b))) bad(item, "is not a value, a range a-b or *");
      lo = value(bounds[0] as string);
      // "a/n" means a, a+n, ... up to the field's maximum (as in robfig/cron, which Argo CD uses).
      hi = bounds.length === 2 ? value(bounds[1] as string) : step !== undefined ? spec.max : lo;
      if (lo > hi) bad(item, "is a backwards range");
    }
    for (let v = lo; v <= hi; v += stride) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function dayMatches(s: CronSchedule, f: LocalFields): boolean {
  if (!s.month.includes(f.month)) return false;
  const dom = s.dayOfMonth.includes(f.day);
  const dow = s.dayOfWeek.includes(f.weekday);
  // Standard cron: when both day fields are restricted, either one may match.
  return s.dayOfMonthRestricted && s.dayOfWeekRestricted ? dom || dow : dom && dow;
}

/** Whether the wall-clock minute `f` matches the schedule. */
export function matches(s: CronSchedule, f: LocalFields): boolean {
  return dayMatches(s, f) && s.hour.includes(f.hour) && s.minute.includes(f.minute);
}

// ---------------------------------------------------------------------------------------------
// Local time

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of `instant` in `timeZone`, from the runtime's time zone database. */
export function localFields(instant: Date, timeZone: string): LocalFields {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(instant)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0 } = parts;
  return { year, month, day, hour, minute, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** The wall-clock time as if it were UTC: plain calendar arithmetic, no offsets involved. */
function wallOf(f: LocalFields): number {
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute);
}

function formatLocal(ms: number, timeZone: string): string {
  const f = localFields(new Date(ms), timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${f.year}-${p(f.month)}-${p(f.day)} ${p(f.hour)}:${p(f.minute)}`;
}

// ---------------------------------------------------------------------------------------------
// Searching for matching minutes

// The wall-clock minute to jump to from `f` when it does not match (undefined when it does):
// the nearest minute in direction `dir` that could match, skipping whole days and hours.
function candidate(s: CronSchedule, f: LocalFields, dir: 1 | -1): number | undefined {
  const day = Date.UTC(f.year, f.month - 1, f.day);
  const hourStart = day + f.hour * HOUR;
  const pick = (list: readonly number[], current: number) => (dir > 0 ? list.find((v) => v > current) : list.findLast((v) => v < current));
  const edge = (list: readonly number[]) => (dir > 0 ? list[0] : list[list.length - 1]) as number;
  if (!dayMatches(s, f)) return dir > 0 ? day + DAY : day - MINUTE;
  if (!s.hour.includes(f.hour)) {
    const h = pick(s.hour, f.hour);
    if (h === undefined) return dir > 0 ? day + DAY : day - MINUTE;
    return day + h * HOUR + edge(s.minute) * MINUTE;
  }
  if (!s.minute.includes(f.minute)) {
    const m = pick(s.minute, f.minute);
    if (m === undefined) return dir > 0 ? hourStart + HOUR : hourStart - MINUTE;
    return hourStart + m * MINUTE;
  }
  return undefined;
}

// The first instant (a whole minute) from `start` in direction `dir`, up to `bound` inclusive,
// whose local time matches. Every skipped instant maps to a skipped wall-clock minute only while
// the UTC offset is unchanged, so a jump is taken only when the offset is the same at both ends
// (jumps span at most a day, and offsets do not change twice in a day); across a DST change
// the jump is halved until it no longer spans it. One minute is always safe.
function scan(s: CronSchedule, timeZone: string, start: number, bound: number, dir: 1 | -1): number | undefined {
  let t = start;
  let f = localFields(new Date(t), timeZone);
  while (dir > 0 ? t <= bound : t >= bound) {
    const target = candidate(s, f, dir);
    if (target === undefined) return t;
    const offset = wallOf(f) - t;
    let jump = target - wallOf(f);
    for (;;) {
      const next = localFields(new Date(t + jump), timeZone);
      if (Math.abs(jump) === MINUTE || wallOf(next) - (t + jump) === offset) {
        t += jump;
        f = next;
        break;
      }
      jump = Math.trunc(jump / 2 / MINUTE) * MINUTE;
    }
  }
  return undefined;
}

interface Window {
  name: string;
  schedule: CronSchedule;
  durationMs: number;
}

interface Freeze {
  name: string;
  start: number;
  end: number;
  reason?: string;
}

interface Policy {
  timeZone: string;
  windows: Window[];
  freezes: Freeze[];
}

function compile(cw: ChangeWindows | undefined): Policy {
  // The policy was validated on admission; anything malformed here is a bug, so fail loudly
  // rather than silently opening (or closing) the gate.
  const windows = (cw?.windows ?? []).map((w) => {
    const durationMs = parseDuration(w.duration);
    if (durationMs === undefined) throw new Error(`change window "${w.name}": duration "${w.duration}" is malformed`);
    return { name: w.name, schedule: parseCron(w.schedule), durationMs };
  });
  const freezes = (cw?.freezes ?? []).map((f) => {
    const start = Date.parse(f.start);
    const end = Date.parse(f.end);
    if (Number.isNaN(start) || Number.isNaN(end)) throw new Error(`freeze "${f.name}": start or end is not an RFC 3339 timestamp`);
    return { name: f.name, start, end, reason: f.reason };
  });
  return { timeZone: cw?.timeZone ?? "UTC", windows, freezes };
}

const floorMinute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

/** The window containing `t` that closes last, with its opening and closing instants. */
function openWindow(p: Policy, t: number): { window: Window; opened: number; closes: number } | undefined {
  let best: { window: Window; opened: number; closes: number } | undefined;
  for (const window of p.windows) {
    // An opening at o contains t when o <= t < o + duration; the latest such o closes last.
    const opened = scan(window.schedule, p.timeZone, floorMinute(t), floorMinute(t - window.durationMs) + MINUTE, -1);
    if (opened === undefined) continue;
    const closes = opened + window.durationMs;
    if (!best || closes > best.closes) best = { window, opened, closes };
  }
  return best;
}

/** The active freeze at `t` that ends last. */
function activeFreeze(p: Policy, t: number): Freeze | undefined {
  let best: Freeze | undefined;
  for (const f of p.freezes) if (f.start <= t && t < f.end && (!best || f.end > best.end)) best = f;
  return best;
}

function nextOpeningOf(p: Policy, from: number, horizonMs: number): NextOpening | undefined {
  const limit = from + horizonMs;
  let t = from;
  while (t <= limit) {
    const freeze = activeFreeze(p, t);
    if (freeze) {
      t = freeze.end;
      continue;
    }
    if (p.windows.length === 0) return { at: new Date(t) };
    const open = openWindow(p, t);
    if (open) return { at: new Date(t), window: open.window.name };
    let next: number | undefined;
    for (const w of p.windows) {
      const o = scan(w.schedule, p.timeZone, floorMinute(t) + MINUTE, next ?? floorMinute(limit), 1);
      if (o !== undefined && (next === undefined || o < next)) next = o;
    }
    if (next === undefined) return undefined;
    t = next;
  }
  return undefined;
}

/** The earliest instant at or after `from`, within `horizonMs`, at which a change may go live. */
export function nextOpening(cw: ChangeWindows | undefined, from: Date, horizonMs: number): NextOpening | undefined {
  return nextOpeningOf(compile(cw), from.getTime(), horizonMs);
}

/** Whether a change may go live at `now`, why, and until or from when. */
export function evaluateChangeWindow(cw: ChangeWindows | undefined, now: Date): ChangeWindowDecision {
  const p = compile(cw);
  const t = now.getTime();
  const tz = p.timeZone;
  const at = (ms: number) => `${formatLocal(ms, tz)} ${tz}`;

  const freeze = activeFreeze(p, t);
  if (freeze) {
    const opensAt = nextOpeningOf(p, t, OPENING_HORIZON_MS)?.at;
    // Say so when the freeze ends outside every window (or into another freeze).
    const after = opensAt === undefined ? "; no change may go live in the next 14 days" : opensAt.getTime() !== freeze.end ? `; changes may next go live ${formatLocal(opensAt.getTime(), tz)}` : "";
    return { open: false, freeze: freeze.name, opensAt, reason: `frozen by "${freeze.name}" until ${at(freeze.end)}${after}${freeze.reason ? `: ${freeze.reason}` : ""}` };
  }

  const nextFreeze = p.freezes.filter((f) => f.start > t).sort((a, b) => a.start - b.start)[0];
  if (p.windows.length === 0) {
    const note = nextFreeze ? `; freeze "${nextFreeze.name}" starts ${at(nextFreeze.start)}` : "";
    return { open: true, closesAt: nextFreeze && new Date(nextFreeze.start), reason: `no change windows are defined and no freeze is active${note}` };
  }

  const open = openWindow(p, t);
  if (open) {
    // A freeze starting before the window closes ends the opportunity early.
    const clip = nextFreeze && nextFreeze.start < open.closes ? nextFreeze : undefined;
    const note = clip ? `; freeze "${clip.name}" starts ${formatLocal(clip.start, tz)}` : "";
    return {
      open: true,
      window: open.window.name,
      closesAt: new Date(clip ? clip.start : open.closes),
      reason: `inside change window "${open.window.name}" (opened ${at(open.opened)}, closes ${formatLocal(open.closes, tz)}${note})`,
    };
  }

  const next = nextOpeningOf(p, t, OPENING_HORIZON_MS);
  if (!next) return { open: false, reason: "outside every change window; none opens in the next 14 days" };
  return { open: false, opensAt: next.at, reason: `outside every change window; the next, "${next.window}", opens ${at(next.at.getTime())}` };
}

/** True when the decision is open but closes within `withinMs` of `now` (for admission warnings). */
export function closingSoon(decision: ChangeWindowDecision, now: Date, withinMs: number): boolean {
  return decision.open && decision.closesAt !== undefined && decision.closesAt.getTime() - now.getTime() <= withinMs;
}
