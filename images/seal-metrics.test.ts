import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerSealMetrics, SEALS_STALE_METRIC } from "./seal-metrics.js";

describe("registerSealMetrics", () => {
  it("reads the seal cache's stale count at each scrape", async () => {
    const registry = new Registry();
    const seals = { staleCount: 0 };
    registerSealMetrics(registry, seals);
    expect(await registry.metrics()).toMatch(new RegExp(`^${SEALS_STALE_METRIC} 0$`, "m"));
    seals.staleCount = 2;
    expect(await registry.metrics()).toMatch(new RegExp(`^${SEALS_STALE_METRIC} 2$`, "m"));
  });

  it("refuses a second registration in the same registry (prom-client names are unique)", () => {
    const registry = new Registry();
    registerSealMetrics(registry, { staleCount: 0 });
    expect(() => registerSealMetrics(registry, { staleCount: 0 })).toThrow(/already been registered/);
  });
});
