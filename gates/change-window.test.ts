import { describe, expect, it } from "vitest";
import { closingSoon, CronError, evaluateChangeWindow, localFields, matches, nextOpening, parseCron, type ChangeWindowDecision, type ChangeWindows, type LocalFields } from "./change-window.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

describe("parseCron", () => {
  it.each([
    ["* * * * *", { minute: range(0, 59), hour: range(0, 23), dayOfMonth: range(1, 31), month: range(1, 12), dayOfWeek: range(0, 6) }],
    ["5 * * * *", { minute: [5] }],
    ["1-3 * * * *", { minute: [1, 2, 3] }],
    ["*/15 * * * *", { minute: [0, 15, 30, 45] }],
    ["10-30/10 * * * *", { minute: [10, 20, 30] }],
    ["5/20 * * * *", { minute: [5, 25, 45] }],
    ["1,7,5 * * * *", { minute: [1, 5, 7] }],
    ["0 9-17/4,20 * * *", { hour: [9, 13, 17, 20] }],
    ["0 0 1,15 * *", { dayOfMonth: [1, 15] }],
    ["0 0 * JAN,jul *", { month: [1, 7] }],
    ["0 0 * Oct-DEC *", { month: [10, 11, 12] }],
    ["0 0 * * MON-FRI", { dayOfWeek: [1, 2, 3, 4, 5] }],
    ["0 0 * * sun", { dayOfWeek: [0] }],
    ["0 0 * * 7", { dayOfWeek: [0] }],
    ["0 0 * * 0,7", { dayOfWeek: [0] }],
    ["0 0 * * 5-7", { dayOfWeek: [0, 5, 6] }],
    ["  0   22 * *   1-5 ", { minute: [0], hour: [22], dayOfWeek: [1, 2, 3, 4, 5] }],
  ])("%s", (expr, expected) => {
    expect(parseCron(expr)).toMatchObject(expected);
  });

  it.each([
    ["* * * * *", false, false],
    ["0 0 13 * *", true, false],
    ["0 0 * * 5", false, true],
    ["0 0 13 * FRI", true, true],
    ["0 0 */2 * *", true, false],
  ])("%s restricts day-of-month %s, day-of-week %s", (expr, dom, dow) => {
    expect(parseCron(expr)).toMatchObject({ dayOfMonthRestricted: dom, dayOfWeekRestricted: dow });
  });

  it.each([
    ["0 25 * * *", 'hour "25" is out of range 0-23'],
    ["60 * * * *", 'minute "60" is out of range 0-59'],
    ["0 0 0 * *", 'day-of-month "0" is out of range 1-31'],
    ["0 0 32 * *", 'day-of-month "32" is out of range 1-31'],
    ["0 0 * 13 *", 'month "13" is out of range 1-12'],
    ["0 0 * 0 *", 'month "0" is out of range 1-12'],
    ["0 0 * * 8", 'day-of-week "8" is out of range 0-7'],
    ["1-70 * * * *", 'minute "70" is out of range 0-59'],
    ["0 1,2,24 * * *", 'hour "24" is out of range 0-23'],
    ["x * * * *", 'minute "x" is not a number'],
    ["0 MON * * *", 'hour "MON" is not a number'],
    ["0 0 * FOO *", 'month "FOO" is not a number or month name (JAN-DEC)'],
    ["0 0 * * MONDAY", 'day-of-week "MONDAY" is not a number or day name (SUN-SAT)'],
    ["*/0 * * * *", 'minute "*/0" has step "0"; a step must be a positive whole number'],
    ["0 */x * * *", 'hour "*/x" has step "x"; a step must be a positive whole number'],
    ["0 0 1-10/ * *", 'day-of-month "1-10/" has step ""; a step must be a positive whole number'],
    ["1/2/3 * * * *", 'minute "1/2/3" has more than one step'],
    ["1,,2 * * * *", 'minute "1,,2" has an empty list element'],
    ["1, * * * *", 'minute "1," has an empty list element'],
    ["5-1 * * * *", 'minute "5-1" is a backwards range'],
    ["0 0 * * FRI-MON", 'day-of-week "FRI-MON" is a backwards range'],
    ["1-2-3 * * * *", 'minute "1-2-3" is not a value, a range a-b or *'],
    ["-1 * * * *", 'minute "-1" is not a value, a range a-b or *'],
    ["*-5 * * * *", 'minute "*-5" is not a value, a range a-b or *'],
    ["0 0 1.5 * *", 'day-of-month "1.5" is not a value, a range a-b or *'],
    ["0 0 * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"],
    ["0 0 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6"],
    ["", "expected 5 fields (minute hour day-of-month month day-of-week), found 0"],
  ])("rejects %j: %s", (expr, message) => {
    expect(() => parseCron(expr)).toThrow(new CronError(`cron "${expr}": ${message}`));
    expect(() => parseCron(expr)).toThrow(CronError);
  });
});

describe("matches", () => {
  const fields = (day: number, weekday: number, hour = 0, minute = 0): LocalFields => ({ year: 2026, month: 11, day, hour, minute, weekday });
  it.each([
    // 2026-11-13 is a Friday, 2026-11-20 a Friday, 2026-11-13 also the 13th.
    ["0 0 13 * 5", fields(13, 5), true],
    ["0 0 13 * 5", fields(20, 5), true], // Friday but not the 13th: OR rule
    ["0 0 13 * 5", fields(13, 2), true], // the 13th but not a Friday: OR rule
    ["0 0 13 * 5", fields(14, 6), false],
    ["0 0 13 * *", fields(20, 5), false], // only day-of-month restricted: AND
    ["0 0 * * 5", fields(13, 2), false], // only day-of-week restricted: AND
    ["0 0 * * 7", fields(15, 0), true],
    ["0 0 * * SUN", fields(15, 0), true],
    ["0 0 * DEC *", fields(15, 0), false],
    ["30 22 * * *", fields(1, 0, 22, 30), true],
    ["30 22 * * *", fields(1, 0, 22, 31), false],
    ["30 22 * * *", fields(1, 0, 21, 30), false],
  ])("%s at %o is %s", (expr, f, expected) => {
    expect(matches(parseCron(expr), f)).toBe(expected);
  });
});

describe("localFields", () => {
  it.each([
    ["2026-11-24T12:30:00Z", "Asia/Shanghai", { year: 2026, month: 11, day: 24, hour: 20, minute: 30, weekday: 2 }],
    ["2026-11-24T16:00:00Z", "Asia/Shanghai", { year: 2026, month: 11, day: 25, hour: 0, minute: 0, weekday: 3 }],
    // Both 01:30s of the fall-back night in New York.
    ["2026-11-01T05:30:00Z", "America/New_York", { year: 2026, month: 11, day: 1, hour: 1, minute: 30, weekday: 0 }],
    ["2026-11-01T06:30:00Z", "America/New_York", { year: 2026, month: 11, day: 1, hour: 1, minute: 30, weekday: 0 }],
    ["2026-03-08T07:00:00Z", "America/New_York", { year: 2026, month: 3, day: 8, hour: 3, minute: 0, weekday: 0 }],
  ])("%s in %s", (iso, tz, expected) => {
    expect(localFields(at(iso), tz)).toEqual(expected);
  });
});

type Expect = { open: boolean; reason?: string; window?: string; freeze?: string; closesAt?: string; opensAt?: string | undefined };
function check(decision: ChangeWindowDecision, expected: Expect) {
  expect(decision.open).toBe(expected.open);
  if (expected.reason !== undefined) expect(decision.reason).toBe(expected.reason);
  if (decision.open) {
    if ("window" in expected) expect(decision.window).toBe(expected.window);
    if ("closesAt" in expected) expect(decision.closesAt?.toISOString()).toBe(expected.closesAt);
  } else {
    if ("freeze" in expected) expect(decision.freeze).toBe(expected.freeze);
    if ("opensAt" in expected) expect(decision.opensAt?.toISOString()).toBe(expected.opensAt);
  }
}

const SHANGHAI: ChangeWindows = { timeZone: "Asia/Shanghai", windows: [{ name: "weekday-evenings", schedule: "0 20 * * 1-5", duration: "4h" }] };
const YEAR_END = { name: "year-end-closing", start: "2027-01-01T00:00:00+08:00", end: "2027-01-04T00:00:00+08:00", reason: "Year-end financial closing." };

describe("evaluateChangeWindow in Asia/Shanghai (UTC+8)", () => {
  it.each<[string, string, Expect]>([
    [
      "inside the window",
      "2026-11-24T12:30:00Z",
      { open: true, window: "weekday-evenings", closesAt: "2026-11-24T16:00:00.000Z", reason: 'inside change window "weekday-evenings" (opened 2026-11-24 20:00 Asia/Shanghai, closes 2026-11-25 00:00)' },
    ],
    ["at the opening minute", "2026-11-24T12:00:00Z", { open: true, closesAt: "2026-11-24T16:00:00.000Z" }],
    ["one millisecond before closing", "2026-11-24T15:59:59.999Z", { open: true, closesAt: "2026-11-24T16:00:00.000Z" }],
    [
      "one minute before opening",
      "2026-11-24T11:59:00Z",
      { open: false, opensAt: "2026-11-24T12:00:00.000Z", reason: 'outside every change window; the next, "weekday-evenings", opens 2026-11-24 20:00 Asia/Shanghai' },
    ],
    ["at closing (end is exclusive)", "2026-11-24T16:00:00Z", { open: false, opensAt: "2026-11-25T12:00:00.000Z" }],
    // Friday 2026-11-27 20:00 opens; Saturday and Sunday do not.
    ["Saturday morning", "2026-11-27T16:30:00Z", { open: false, opensAt: "2026-11-30T12:00:00.000Z", reason: 'outside every change window; the next, "weekday-evenings", opens 2026-11-30 20:00 Asia/Shanghai' }],
  ])("%s", (_name, now, expected) => {
    check(evaluateChangeWindow(SHANGHAI, at(now)), expected);
  });

  it("keeps a window open across midnight", () => {
    const cw: ChangeWindows = { timeZone: "Asia/Shanghai", windows: [{ name: "late", schedule: "30 22 * * *", duration: "3h" }] };
    check(evaluateChangeWindow(cw, at("2026-11-24T16:15:00Z")), {
      open: true,
      window: "late",
      closesAt: "2026-11-24T17:30:00.000Z",
      reason: 'inside change window "late" (opened 2026-11-24 22:30 Asia/Shanghai, closes 2026-11-25 01:30)',
    });
    check(evaluateChangeWindow(cw, at("2026-11-24T17:30:00Z")), { open: false, opensAt: "2026-11-25T14:30:00.000Z" });
  });

  it("applies the day-of-month OR day-of-week rule", () => {
    // The 1st of the month or a Friday: 2026-11-27 is a Friday, 2026-12-01 a Tuesday, 2026-11-30 a Monday.
    const cw: ChangeWindows = { timeZone: "Asia/Shanghai", windows: [{ name: "or", schedule: "0 20 1 * FRI", duration: "1h" }] };
    check(evaluateChangeWindow(cw, at("2026-11-27T12:30:00Z")), { open: true, window: "or" });
    check(evaluateChangeWindow(cw, at("2026-11-30T12:30:00Z")), { open: false, opensAt: "2026-12-01T12:00:00.000Z" });
  });

  it("reports the overlapping window that closes last", () => {
    const cw: ChangeWindows = {
      timeZone: "Asia/Shanghai",
      windows: [
        { name: "short", schedule: "0 20 * * *", duration: "1h" },
        { name: "long", schedule: "0 18 * * *", duration: "4h" },
        { name: "earlier", schedule: "0 19 * * *", duration: "90m" },
      ],
    };
    check(evaluateChangeWindow(cw, at("2026-11-24T12:10:00Z")), { open: true, window: "long", closesAt: "2026-11-24T14:00:00.000Z" });
    // The same time zone, a window that opens later but closes last.
    const later: ChangeWindows = { ...cw, windows: [...cw.windows!, { name: "later", schedule: "5 20 * * *", duration: "2h" }] };
    check(evaluateChangeWindow(later, at("2026-11-24T12:10:00Z")), { open: true, window: "later", closesAt: "2026-11-24T14:05:00.000Z" });
  });
});

describe("evaluateChangeWindow in America/New_York across DST", () => {
  const nightly = (schedule: string, duration: string): ChangeWindows => ({ timeZone: "America/New_York", windows: [{ name: "nightly", schedule, duration }] });
  const tz = "America/New_York";
  it.each<[string, ChangeWindows, string, Expect]>([
    // Fall back, 2026-11-01: 01:00 happens twice (05:00Z EDT and 06:00Z EST), so "0 1 * * *" opens twice.
    ["fall back: before the first 01:00", nightly("0 1 * * *", "2h"), "2026-11-01T04:59:00Z", { open: false, opensAt: "2026-11-01T05:00:00.000Z", reason: `outside every change window; the next, "nightly", opens 2026-11-01 01:00 ${tz}` }],
    ["fall back: first 01:30 (EDT)", nightly("0 1 * * *", "2h"), "2026-11-01T05:30:00Z", { open: true, closesAt: "2026-11-01T07:00:00.000Z", reason: `inside change window "nightly" (opened 2026-11-01 01:00 ${tz}, closes 2026-11-01 02:00)` }],
    ["fall back: second 01:30 (EST)", nightly("0 1 * * *", "2h"), "2026-11-01T06:30:00Z", { open: true, closesAt: "2026-11-01T08:00:00.000Z", reason: `inside change window "nightly" (opened 2026-11-01 01:00 ${tz}, closes 2026-11-01 03:00)` }],
    ["fall back: last minute", nightly("0 1 * * *", "2h"), "2026-11-01T07:59:00Z", { open: true, closesAt: "2026-11-01T08:00:00.000Z" }],
    ["fall back: closed, next is 01:00 EST", nightly("0 1 * * *", "2h"), "2026-11-01T08:00:00Z", { open: false, opensAt: "2026-11-02T06:00:00.000Z" }],
    // At the second 01:10, the latest opening of "50 1" was the first 01:50 (EDT), 20 real minutes ago.
    ["fall back: opening in the first 01:xx", nightly("50 1 * * *", "1h"), "2026-11-01T06:10:00Z", { open: true, closesAt: "2026-11-01T06:50:00.000Z" }],
    ["fall back: 2-day window counts elapsed time", nightly("0 0 * * 6", "2d"), "2026-11-01T12:00:00Z", { open: true, closesAt: "2026-11-02T04:00:00.000Z", reason: `inside change window "nightly" (opened 2026-10-31 00:00 ${tz}, closes 2026-11-01 23:00)` }],
    // Spring forward, 2026-03-08: 02:00-02:59 does not exist that day.
    ["spring forward: 02:00 skipped", nightly("0 2 * * *", "1h"), "2026-03-08T06:59:00Z", { open: false, opensAt: "2026-03-09T06:00:00.000Z", reason: `outside every change window; the next, "nightly", opens 2026-03-09 02:00 ${tz}` }],
    ["spring forward: 02:30 skipped from the day before", nightly("30 2 * * *", "1h"), "2026-03-07T08:30:00Z", { open: false, opensAt: "2026-03-09T06:30:00.000Z" }],
    ["spring forward: window spans the gap", nightly("0 1 * * *", "2h"), "2026-03-08T07:30:00Z", { open: true, closesAt: "2026-03-08T08:00:00.000Z", reason: `inside change window "nightly" (opened 2026-03-08 01:00 ${tz}, closes 2026-03-08 04:00)` }],
    ["spring forward: 03:00 exists", nightly("0 3 * * *", "1h"), "2026-03-08T07:00:00Z", { open: true, closesAt: "2026-03-08T08:00:00.000Z" }],
    ["spring forward: 2-day window", nightly("0 0 * * 6", "2d"), "2026-03-09T04:30:00Z", { open: true, closesAt: "2026-03-09T05:00:00.000Z", reason: `inside change window "nightly" (opened 2026-03-07 00:00 ${tz}, closes 2026-03-09 01:00)` }],
  ])("%s", (_name, cw, now, expected) => {
    check(evaluateChangeWindow(cw, at(now)), expected);
  });
});

describe("agrees with a minute-by-minute reference around DST changes", () => {
  // The reference visits every minute and asks localFields and matches directly, so it shares
  // none of the day/hour skipping under test.
  it.each([
    ["America/New_York", "2026-03-07T00:00:00Z"],
    ["America/New_York", "2026-10-31T00:00:00Z"],
    ["Australia/Lord_Howe", "2026-04-04T00:00:00Z"], // a half-hour DST change
    ["Asia/Kathmandu", "2026-06-01T00:00:00Z"], // UTC+5:45
  ])("%s from %s", (tz, from) => {
    const start = Date.parse(from);
    for (const schedule of ["0 1 * * *", "50 1 * * *", "30 2 * * *", "*/20 1-3 * * 0", "15 0 * * 6,0"]) {
      const cron = parseCron(schedule);
      const openings: number[] = [];
      const end = start + 4 * DAY;
      for (let t = start - 3 * HOUR; t < end; t += MINUTE) if (matches(cron, localFields(new Date(t), tz))) openings.push(t);
      const cw: ChangeWindows = { timeZone: tz, windows: [{ name: "w", schedule, duration: "2h" }] };
      for (let t = start; t < start + 2 * DAY; t += 23 * MINUTE + 1000) {
        const opened = openings.findLast((o) => o <= t && o > t - 2 * HOUR);
        const decision = evaluateChangeWindow(cw, new Date(t));
        const label = `${schedule} at ${new Date(t).toISOString()}`;
        if (opened !== undefined) expect(decision.open && decision.closesAt?.getTime(), label).toBe(opened + 2 * HOUR);
        else {
          const next = openings.find((o) => o > t);
          const opensAt = decision.open ? "open" : (decision.opensAt?.getTime() ?? Infinity);
          // Beyond the reference's range the opening only has to be later than it.
          if (next !== undefined) expect(opensAt, label).toBe(next);
          else expect(opensAt, label).toBeGreaterThanOrEqual(end);
        }
      }
    }
  });
});

describe("freezes", () => {
  const withFreeze = (...freezes: NonNullable<ChangeWindows["freezes"]>): ChangeWindows => ({ ...SHANGHAI, freezes });
  const noWindows = (...freezes: NonNullable<ChangeWindows["freezes"]>): ChangeWindows => ({ timeZone: "Asia/Shanghai", freezes });
  const embargo = { name: "hotfix-embargo", start: "2026-11-24T22:00:00+08:00", end: "2026-11-25T09:00:00+08:00" };

  it.each<[string, ChangeWindows | undefined, string, Expect]>([
    ["no policy: always open", undefined, "2026-11-24T03:00:00Z", { open: true, reason: "no change windows are defined and no freeze is active", closesAt: undefined }],
    ["no windows, no time zone: always open", {}, "2026-11-28T03:00:00Z", { open: true, window: undefined, closesAt: undefined }],
    [
      "no windows: open until the next freeze",
      noWindows(YEAR_END),
      "2026-12-30T00:00:00Z",
      { open: true, closesAt: "2026-12-31T16:00:00.000Z", reason: 'no change windows are defined and no freeze is active; freeze "year-end-closing" starts 2027-01-01 00:00 Asia/Shanghai' },
    ],
    [
      "no windows: frozen until the freeze ends",
      noWindows(YEAR_END),
      "2027-01-02T00:00:00Z",
      { open: false, freeze: "year-end-closing", opensAt: "2027-01-03T16:00:00.000Z", reason: 'frozen by "year-end-closing" until 2027-01-04 00:00 Asia/Shanghai: Year-end financial closing.' },
    ],
    ["no windows: open again at the end", noWindows(YEAR_END), "2027-01-03T16:00:00Z", { open: true, closesAt: undefined }],
    ["no windows: frozen at the start", noWindows(YEAR_END), "2026-12-31T16:00:00Z", { open: false, freeze: "year-end-closing" }],
    [
      "a freeze overrides an open window",
      withFreeze(YEAR_END),
      "2027-01-01T12:30:00Z", // Friday 20:30, inside weekday-evenings
      { open: false, freeze: "year-end-closing", opensAt: "2027-01-04T12:00:00.000Z", reason: 'frozen by "year-end-closing" until 2027-01-04 00:00 Asia/Shanghai; changes may next go live 2027-01-04 20:00: Year-end financial closing.' },
    ],
    [
      "a freeze that starts during the window clips closesAt",
      withFreeze(embargo),
      "2026-11-24T12:30:00Z",
      { open: true, closesAt: "2026-11-24T14:00:00.000Z", reason: 'inside change window "weekday-evenings" (opened 2026-11-24 20:00 Asia/Shanghai, closes 2026-11-25 00:00; freeze "hotfix-embargo" starts 2026-11-24 22:00)' },
    ],
    ["a later freeze does not clip closesAt", withFreeze({ ...embargo, start: "2026-11-25T01:00:00+08:00" }), "2026-11-24T12:30:00Z", { open: true, closesAt: "2026-11-24T16:00:00.000Z" }],
    [
      "a freeze ending inside a window: opens at the freeze's end",
      withFreeze({ name: "short", start: "2026-11-24T19:00:00+08:00", end: "2026-11-24T21:00:00+08:00" }),
      "2026-11-24T10:00:00Z",
      { open: false, opensAt: "2026-11-24T13:00:00.000Z", reason: 'outside every change window; the next, "weekday-evenings", opens 2026-11-24 21:00 Asia/Shanghai' },
    ],
    ["a freeze ending inside a window: open at the end", withFreeze({ name: "short", start: "2026-11-24T19:00:00+08:00", end: "2026-11-24T21:00:00+08:00" }), "2026-11-24T13:00:00Z", { open: true, closesAt: "2026-11-24T16:00:00.000Z" }],
    [
      "a freeze covering the whole window: opens at the next window",
      withFreeze({ name: "all-evening", start: "2026-11-24T19:00:00+08:00", end: "2026-11-25T01:00:00+08:00" }),
      "2026-11-24T10:00:00Z",
      { open: false, opensAt: "2026-11-25T12:00:00.000Z" },
    ],
    [
      "chained freezes: opensAt after the last",
      noWindows({ name: "a", start: "2026-11-24T10:00:00Z", end: "2026-11-24T12:00:00Z" }, { name: "b", start: "2026-11-24T11:00:00Z", end: "2026-11-24T14:00:00Z", reason: "Campaign." }),
      "2026-11-24T10:30:00Z",
      { open: false, freeze: "a", opensAt: "2026-11-24T14:00:00.000Z", reason: 'frozen by "a" until 2026-11-24 20:00 Asia/Shanghai; changes may next go live 2026-11-24 22:00' },
    ],
    ["overlapping freezes: reports the one ending last", noWindows({ name: "a", start: "2026-11-24T10:00:00Z", end: "2026-11-24T12:00:00Z" }, { name: "b", start: "2026-11-24T11:00:00Z", end: "2026-11-24T14:00:00Z" }), "2026-11-24T11:30:00Z", { open: false, freeze: "b" }],
    [
      "a freeze with no window in the next 14 days",
      { timeZone: "UTC", windows: [{ name: "new-year", schedule: "0 0 1 1 *", duration: "1h" }], freezes: [{ name: "f", start: "2026-06-01T00:00:00Z", end: "2026-06-02T00:00:00Z" }] },
      "2026-06-01T12:00:00Z",
      { open: false, freeze: "f", opensAt: undefined, reason: 'frozen by "f" until 2026-06-02 00:00 UTC; no change may go live in the next 14 days' },
    ],
  ])("%s", (_name, cw, now, expected) => {
    check(evaluateChangeWindow(cw, at(now)), expected);
  });
});

describe("nextOpening", () => {
  it.each<[string, ChangeWindows | undefined, string, number, string | undefined, string | undefined]>([
    ["open now: now", SHANGHAI, "2026-11-24T12:30:00Z", DAY, "2026-11-24T12:30:00.000Z", "weekday-evenings"],
    ["next opening", SHANGHAI, "2026-11-24T10:00:00Z", DAY, "2026-11-24T12:00:00.000Z", "weekday-evenings"],
    ["opening exactly at the horizon", SHANGHAI, "2026-11-24T10:00:00Z", 2 * HOUR, "2026-11-24T12:00:00.000Z", "weekday-evenings"],
    ["beyond the horizon", SHANGHAI, "2026-11-24T10:00:00Z", 2 * HOUR - 1, undefined, undefined],
    ["no policy", undefined, "2026-11-24T10:00:00Z", 0, "2026-11-24T10:00:00.000Z", undefined],
    ["never (February 31st)", { windows: [{ name: "never", schedule: "0 0 31 2 *", duration: "1h" }] }, "2026-01-01T00:00:00Z", 400 * DAY, undefined, undefined],
    ["freeze until past the horizon", { freezes: [{ name: "f", start: "2026-01-01T00:00:00Z", end: "2026-03-01T00:00:00Z" }] }, "2026-01-02T00:00:00Z", 14 * DAY, undefined, undefined],
  ])("%s", (_name, cw, from, horizon, expectedAt, expectedWindow) => {
    const next = nextOpening(cw, at(from), horizon);
    expect(next?.at.toISOString()).toBe(expectedAt);
    expect(next?.window).toBe(expectedWindow);
  });

  it("says when no window opens in the next 14 days", () => {
    check(evaluateChangeWindow({ windows: [{ name: "never", schedule: "0 0 31 2 *", duration: "1h" }] }, at("2026-01-01T00:00:00Z")), {
      open: false,
      opensAt: undefined,
      reason: "outside every change window; none opens in the next 14 days",
    });
  });
});

describe("malformed policies fail loudly", () => {
  it.each<[string, ChangeWindows, RegExp]>([
    ["bad schedule", { windows: [{ name: "w", schedule: "0 24 * * *", duration: "1h" }] }, /hour "24" is out of range 0-23/],
    ["bad duration", { windows: [{ name: "w", schedule: "0 0 * * *", duration: "1 hour" }] }, /change window "w": duration "1 hour" is malformed/],
    ["bad freeze", { freezes: [{ name: "f", start: "yesterday", end: "2026-01-01T00:00:00Z" }] }, /freeze "f": start or end is not an RFC 3339 timestamp/],
  ])("%s", (_name, cw, message) => {
    expect(() => evaluateChangeWindow(cw, at("2026-01-01T00:00:00Z"))).toThrow(message);
  });
});

describe("closingSoon", () => {
  const now = at("2026-11-24T12:30:00Z");
  const open = (closesAt?: string): ChangeWindowDecision => ({ open: true, reason: "", closesAt: closesAt === undefined ? undefined : at(closesAt) });
  it.each<[string, ChangeWindowDecision, number, boolean]>([
    ["closes within the margin", open("2026-11-24T12:40:00Z"), 15 * MINUTE, true],
    ["closes exactly at the margin", open("2026-11-24T12:45:00Z"), 15 * MINUTE, true],
    ["closes after the margin", open("2026-11-24T12:46:00Z"), 15 * MINUTE, false],
    ["never closes", open(), 15 * MINUTE, false],
    ["already closed", { open: false, reason: "", opensAt: at("2026-11-24T12:40:00Z") }, 15 * MINUTE, false],
  ])("%s", (_name, decision, within, expected) => {
    expect(closingSoon(decision, now, within)).toBe(expected);
  });

  it("works on a real decision", () => {
    expect(closingSoon(evaluateChangeWindow(SHANGHAI, at("2026-11-24T15:50:00Z")), at("2026-11-24T15:50:00Z"), 15 * MINUTE)).toBe(true);
    expect(closingSoon(evaluateChangeWindow(SHANGHAI, at("2026-11-24T12:30:00Z")), at("2026-11-24T12:30:00Z"), 15 * MINUTE)).toBe(false);
  });
});

describe("long windows stay cheap", () => {
  it("evaluates a 7-day window 1000 times with the right opening each time", () => {
    // Opens every Monday 00:00 in Shanghai (fixed UTC+8) for 7 days: always open.
    const cw: ChangeWindows = { timeZone: "Asia/Shanghai", windows: [{ name: "weekly", schedule: "0 0 * * MON", duration: "7d" }] };
    const start = Date.parse("2026-11-20T00:00:07Z");
    for (let i = 0; i < 1000; i++) {
      const now = start + i * 17 * MINUTE;
      const local = now + 8 * HOUR;
      const day = Math.floor(local / DAY);
      const sinceMonday = (day + 3) % 7; // 1970-01-01 was a Thursday
      const opened = (day - sinceMonday) * DAY - 8 * HOUR;
      const decision = evaluateChangeWindow(cw, new Date(now));
      expect(decision.open && decision.closesAt?.getTime()).toBe(opened + 7 * DAY);
    }
  });

  it("evaluates a closed 7-day window (scanning the whole week back, two weeks ahead) 1000 times", () => {
    const cw: ChangeWindows = { timeZone: "America/New_York", windows: [{ name: "january", schedule: "0 0 1 1 *", duration: "7d" }] };
    for (let i = 0; i < 1000; i++) {
      const decision = evaluateChangeWindow(cw, new Date(Date.parse("2026-10-20T00:00:00Z") + i * 31 * MINUTE));
      expect(decision.open).toBe(false);
      expect(decision.open ? "open" : decision.opensAt).toBeUndefined();
    }
    // And the same window does contain a time six days after it opened.
    check(evaluateChangeWindow(cw, at("2027-01-07T12:00:00Z")), { open: true, closesAt: "2027-01-08T05:00:00.000Z" });
  });
});
