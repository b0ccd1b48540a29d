import { describe, expect, it } from "vitest";
import { capacitySection, chartGeometry, forecastChart, niceCeil } from "./capacity.js";
import { release } from "./testdata/releases.js";

const generatedAt = "2026-06-01T00:00:00Z";
const rising = { name: "orders-per-second", unit: "orders/s", current: 400, peak: 600, campaign: 900, testedLimit: 1000, limit: 1000, limitSource: "testedLimit" as const, slopePerDay: 25, samples: 720, crossesAt: "2026-06-25T00:00:00Z", withinHorizon: true, message: "forecast to reach the tested limit 1000 at 2026-06-25T00:00:00.000Z (in 24d)" };
const flat = { name: "claims-per-minute", current: 50, peak: 80, limit: 120, limitSource: "upperBound" as const, slopePerDay: 0.1, samples: 300, withinHorizon: false, message: "not within the 30d horizon of the upper bound 120 (trend +0.1/day)" };

describe("capacity chart", () => {
  it("spans the policy's horizon, ends the trend at current + slope x days, and marks the crossing", () => {
    const g = chartGeometry(rising, generatedAt, "30d");
    expect(g).toMatchObject({ days: 30, end: 400 + 25 * 30, crossDay: 24 });
    // The trend past the crossing (1150) sets the top, rounded up: the line is never cut off.
    expect(g.top).toBe(1500);
    expect(chartGeometry({ ...rising, slopePerDay: -1 }, generatedAt, "30d").top).toBe(1200);
    expect([0.7, 9, 10, 11, 190, 251, 4999].map(niceCeil)).toEqual([0.8, 10, 10, 12, 200, 300, 5000]);
    expect(chartGeometry(flat, generatedAt, "7d")).toMatchObject({ days: 7, end: 50.7, crossDay: undefined });
  });

  it("draws the limit, the peak and campaign levels, the trend and the crossing; no trend line without a slope", () => {
    const svg = forecastChart(rising, generatedAt, "30d");
    expect(svg).toContain('data-metric="orders-per-second"');
    expect(svg).toContain('class="cap-limit"');
    expect(svg).toContain(">limit (testedLimit) 1000</text>");
    expect(svg).toContain(">peak 600</text>");
    expect(svg).toContain(">campaign 900</text>");
    expect(svg).toMatch(/<line x1="52" y1="[\d.]+" x2="450" y2="[\d.]+" class="cap-trend"\/>/);
    expect(svg).toContain("<title>reaches the limit 2026-06-25T00:00:00Z</title>");
    expect(svg).toContain('text-anchor="middle">2026-06-25</text>');
    expect(svg).toContain(">+30d</text>");
    const none = forecastChart({ name: "x", peak: 10, limit: 10, limitSource: "peak", samples: 0, withinHorizon: false, message: "no forecast: no samples" }, generatedAt, "30d");
    expect(none).not.toContain("cap-trend");
    expect(none).not.toContain("cap-cross");
    // The peak is the limit here: drawn once.
    expect(none.match(/class="cap-(limit|peak)"/g)).toEqual(['class="cap-limit"']);
  });

  it("shows the fit at release and a chart per metric, says when there is no forecast yet, and escapes names", () => {
    const r = release("team-a", "web", {
      phase: "Progressing",
      conditions: [{ type: "CapacityFits", status: "True", reason: "Fits", message: "1 ResourceQuota(s) hold the rollout's peak of 8 pod(s)", lastTransitionTime: generatedAt }],
      capacity: { generatedAt, observedGeneration: 1, horizon: "30d", history: "14d", atRisk: 1, metrics: [rising, flat] },
    });
    const html = capacitySection(r);
    expect(html).toContain('<span class="gate gate-Passed">Fits</span> 1 ResourceQuota(s) hold the rollout&#39;s peak of 8 pod(s)');
    expect(html).toContain("Forecast of 2 key metric(s) over 30d from 14d of history, made 2026-06-01T00:00:00Z: <b class=\"error\">1 at risk</b>");
    expect(html).toContain("<b>orders-per-second</b>: now 400 orders/s, trend +25 orders/s/day; limit 1000 orders/s (testedLimit).");
    expect(html.match(/<svg class="cap-chart"/g)).toHaveLength(2);
    const pending = release("team-a", "web", { phase: "Approved", conditions: [{ type: "CapacityFits", status: "False", reason: "QuotaExceeded", message: "quota <q> exceeded", lastTransitionTime: generatedAt }] });
    pending.spec.capacity = { metrics: [{ name: "orders", query: "sum(x)", launch: 1, peak: 2 }] };
    const text = capacitySection(pending);
    expect(text).toContain('<span class="gate gate-Failed">QuotaExceeded</span> quota &lt;q&gt; exceeded');
    expect(text).toContain("No capacity forecast yet");
    expect(capacitySection(release("team-a", "web", { phase: "Pending" }))).toBe("");
  });
});
