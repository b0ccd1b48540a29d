import { describe, expect, it } from "vitest";
import { deliveryFigures, duration, firstEvidenceAt, median } from "./figures.js";
import { EVIDENCE, HISTORY, NOW } from "./testdata/history.js";

describe("delivery figures (9.3)", () => {
  it("equal the hand-computed figures for a scripted history", () => {
    const [claims, web] = deliveryFigures(HISTORY, NOW, 28, EVIDENCE);
    expect(web).toEqual({
      namespace: "shop",
      application: "web",
      deployments: 3,
      perDay: 3 / 28,
      leadTimeMedianS: 6 * 3600, // of 2 h (first evidence → Released), 6 h (creation, no evidence), 24 h (first of two evidences)
      finished: 5, // 3 Released + RolledBack + Failed created in the window
      failed: 2,
      changeFailureRate: 0.4,
      restoreMedianS: 60, // of 90 s and 30 s
      weekly: [1, 1, 0, 1],
    });
    expect(claims).toMatchObject({ namespace: "claims", application: "claims-api", deployments: 1, leadTimeMedianS: 1800, changeFailureRate: 0, restoreMedianS: undefined });
  });

  it("counts lead time from the first evidence, not the Release's creation", () => {
    const web1 = HISTORY.slice(0, 1);
    expect(deliveryFigures(web1, NOW, 28, EVIDENCE)[0]!.leadTimeMedianS).toBe(2 * 3600);
    expect(deliveryFigures(web1, NOW, 28)[0]!.leadTimeMedianS).toBe(3600);
    const first = firstEvidenceAt(EVIDENCE);
    expect(first.get("shop/web-3")).toBe(Date.parse("2026-06-23T00:00:00Z"));
    expect(first.get("other/web-1")).toBe(Date.parse("2026-05-01T00:00:00Z"));
    expect(first.get("shop/web-2")).toBeUndefined();
  });

  it("has no rate without finished releases, and prints durations briefly", () => {
    expect(deliveryFigures([HISTORY[5]!], NOW, 28)[0]).toMatchObject({ deployments: 0, changeFailureRate: undefined, leadTimeMedianS: undefined });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBeUndefined();
    expect(duration(45)).toBe("45s");
    expect(duration(600)).toBe("10m");
    expect(duration(6 * 3600 + 120)).toBe("6h 2m");
    expect(duration(86_400 * 2 + 3600 * 5)).toBe("2d 5h");
    expect(duration(undefined)).toBe("—");
  });
});
