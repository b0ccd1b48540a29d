import { describe, expect, it } from "vitest";
import { deliveryFigures, duration, median } from "./delivery.js";
import { release } from "./testdata/releases.js";

// A scripted history of one application over a 28-day window ending 2026-06-29T00:00Z.
const now = new Date("2026-06-29T00:00:00Z");
const history = [
  // Released 2 h after creation, in week 1.
  release("shop", "web-1", { phase: "Released", releasedAt: "2026-06-02T02:00:00Z" }, { application: "web", createdAt: "2026-06-02T00:00:00Z" }),
  // Released 6 h after creation, in week 2.
  release("shop", "web-2", { phase: "Released", releasedAt: "2026-06-09T06:00:00Z" }, { application: "web", createdAt: "2026-06-09T00:00:00Z" }),
  // Released 1 day after creation, in week 4.
  release("shop", "web-3", { phase: "Released", releasedAt: "2026-06-24T00:00:00Z" }, { application: "web", createdAt: "2026-06-23T00:00:00Z" }),
  // Rolled back: failure observed at 10:00, traffic back on stable 90 s later.
  release("shop", "web-4", { phase: "RolledBack", rollback: { trigger: "AnalysisFailed", reason: "error rate", decidedAt: "2026-06-25T10:00:00Z", startedAt: "2026-06-25T10:00:01Z", trafficOnStableAt: "2026-06-25T10:01:30Z", hooks: [] } }, { application: "web", createdAt: "2026-06-25T09:00:00Z" }),
  // Failed: restored in 30 s.
  release("shop", "web-5", { phase: "Failed", rollback: { trigger: "Aborted", reason: "x", decidedAt: "2026-06-26T10:00:00Z", startedAt: "2026-06-26T10:00:00Z", trafficOnStableAt: "2026-06-26T10:00:30Z", hooks: [] } }, { application: "web", createdAt: "2026-06-26T09:00:00Z" }),
  // Still progressing: counts nowhere.
  release("shop", "web-6", { phase: "Progressing" }, { application: "web", createdAt: "2026-06-28T09:00:00Z" }),
  // Released before the window: not counted.
  release("shop", "web-0", { phase: "Released", releasedAt: "2026-05-20T00:00:00Z" }, { application: "web", createdAt: "2026-05-19T00:00:00Z" }),
  release("claims", "api-1", { phase: "Released", releasedAt: "2026-06-10T00:30:00Z" }, { application: "claims-api", createdAt: "2026-06-10T00:00:00Z" }),
];

describe("delivery metrics (9.3)", () => {
  it("equal the hand-computed figures for a scripted history", () => {
    const [claims, web] = deliveryFigures(history, now, 28);
    expect(web).toEqual({
      namespace: "shop",
      application: "web",
      deployments: 3,
      perDay: 3 / 28,
      leadTimeMedianS: 6 * 3600, // of 2 h, 6 h, 24 h
      finished: 5, // 3 Released + RolledBack + Failed created in the window
      failed: 2,
      changeFailureRate: 0.4,
      restoreMedianS: 60, // of 90 s and 30 s
      weekly: [1, 1, 0, 1],
    });
    expect(claims).toMatchObject({ namespace: "claims", application: "claims-api", deployments: 1, leadTimeMedianS: 1800, changeFailureRate: 0, restoreMedianS: undefined });
  });

  it("has no rate without finished releases, and prints durations briefly", () => {
    expect(deliveryFigures([history[5]!], now, 28)[0]).toMatchObject({ deployments: 0, changeFailureRate: undefined, leadTimeMedianS: undefined });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBeUndefined();
    expect(duration(45)).toBe("45s");
    expect(duration(600)).toBe("10m");
    expect(duration(6 * 3600 + 120)).toBe("6h 2m");
    expect(duration(86_400 * 2 + 3600 * 5)).toBe("2d 5h");
    expect(duration(undefined)).toBe("—");
  });
});

describe("the delivery page", () => {
  it("shows each application's figures with its weekly bars", async () => {
    const { deliveryPage } = await import("./html.js");
    const html = deliveryPage(deliveryFigures(history, now, 28), 28, "alice");
    expect(html).toContain("Delivery over the last 28 days");
    expect(html).toMatch(/<tr data-app="shop\/web">.*<td class="deployments">3 \(0\.11\/day\)<\/td>/);
    expect(html).toContain('<td class="lead">6h 0m</td>');
    expect(html).toContain('<td class="cfr">40% (2 of 5)</td>');
    expect(html).toContain('<td class="restore">1m</td>');
    expect((html.match(/<rect /g) ?? []).length).toBe(8);
    expect(deliveryPage([], 7, "alice")).toContain("No release you may read.");
  });
});
