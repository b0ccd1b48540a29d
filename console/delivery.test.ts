import { describe, expect, it } from "vitest";
import { deliveryFigures } from "../operator/delivery/figures.js";
import { EVIDENCE, HISTORY, NOW } from "../operator/delivery/testdata/history.js";
import { deliveryPage } from "./html.js";

describe("the delivery page", () => {
  it("shows each application's figures with its weekly bars", () => {
    const html = deliveryPage(deliveryFigures(HISTORY, NOW, 28, EVIDENCE), 28, "alice");
    expect(html).toContain("Delivery over the last 28 days");
    expect(html).toMatch(/<tr data-app="shop\/web">.*<td class="deployments">3 \(0\.11\/day\)<\/td>/);
    expect(html).toContain('<td class="lead">6h 0m</td>');
    expect(html).toContain('<td class="cfr">40% (2 of 5)</td>');
    expect(html).toContain('<td class="restore">1m</td>');
    expect((html.match(/<rect /g) ?? []).length).toBe(8);
    expect(deliveryPage([], 7, "alice")).toContain("No release you may read.");
  });
});
