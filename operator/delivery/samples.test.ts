import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DeliveryMetrics } from "./metrics.js";
import { deliverySamples, releaseSamples, RELEASE_METRIC_NAMES } from "./samples.js";
import { EVIDENCE, HISTORY, NOW, release } from "./testdata/history.js";

const web = (window: string) => ({ release_namespace: "shop", application: "web", window });

describe("release and delivery series", () => {
  it("carry the delivery figures per namespace, application and window", () => {
    const s = deliverySamples(HISTORY, EVIDENCE, NOW);
    expect(s.deployments).toContainEqual({ labels: web("30d"), value: 3 });
    expect(s.deployments).toContainEqual({ labels: web("7d"), value: 1 }); // web-3 on 06-24
    expect(s.deployments).toContainEqual({ labels: web("1d"), value: 0 });
    expect(s.leadTime).toContainEqual({ labels: web("30d"), value: 6 * 3600 });
    expect(s.leadTime).toContainEqual({ labels: web("7d"), value: 24 * 3600 });
    expect(s.changeFailure).toContainEqual({ labels: web("30d"), value: 0.4 });
    expect(s.changeFailure).toContainEqual({ labels: web("7d"), value: 2 / 3 }); // web-3 Released, web-4 and web-5 not
    expect(s.restore).toContainEqual({ labels: web("7d"), value: 60 });
    // No release finished or restored in the last day: no series rather than a made-up 0.
    expect(s.changeFailure.find((x) => x.labels.window === "1d")).toBeUndefined();
    expect(s.restore.find((x) => x.labels.window === "1d")).toBeUndefined();
  });

  it("give every release an info series, and weight and step while it rolls out", () => {
    const progressing = release("shop", "web-7", { phase: "Progressing", canary: { stepIndex: 2, stepName: "half", weight: 50, startedAt: "2026-06-28T00:00:00Z" } } as never, { application: "web", version: "7.0.0" });
    const finished = release("shop", "web-6", { phase: "Released", canary: { stepIndex: 0, weight: 0, startedAt: "2026-06-27T00:00:00Z" } } as never, { application: "web", version: "6.0.0" });
    const s = releaseSamples([progressing, release("shop", "web-8"), finished]);
    expect(s.info).toEqual([
      { labels: { release_namespace: "shop", release: "web-7", application: "web", version: "7.0.0", phase: "Progressing" }, value: 1 },
      { labels: { release_namespace: "shop", release: "web-8", application: "web-8", version: "1.0.0", phase: "Pending" }, value: 1 },
      { labels: { release_namespace: "shop", release: "web-6", application: "web", version: "6.0.0", phase: "Released" }, value: 1 },
    ]);
    // A finished release's last status.canary is no longer traffic: no weight or step for web-6.
    expect(s.weight).toEqual([{ labels: { release_namespace: "shop", release: "web-7" }, value: 50 }]);
    expect(s.step).toEqual([{ labels: { release_namespace: "shop", release: "web-7" }, value: 2 }]);
  });

  it("are computed at scrape time from the stores, and a deleted release's series go with it", async () => {
    const registry = new Registry();
    let releases = HISTORY;
    let now = NOW;
    new DeliveryMetrics(registry, { releases: () => releases, evidence: () => EVIDENCE }, () => now);
    const text = await registry.metrics();
    for (const name of RELEASE_METRIC_NAMES) expect(text).toContain(`# TYPE ${name} gauge`);
    expect(text).toContain('golive_delivery_deployments{release_namespace="shop",application="web",window="30d"} 3');
    expect(text).toContain('golive_delivery_change_failure_ratio{release_namespace="shop",application="web",window="30d"} 0.4');
    expect(text).toContain('golive_release_info{release_namespace="shop",release="web-4",application="web",version="1.0.0",phase="RolledBack"} 1');
    releases = HISTORY.filter((r) => r.metadata.name !== "web-4");
    // Within one scrape the snapshot is shared; a later scrape sees the store as it is now.
    expect(await registry.metrics()).toContain('release="web-4"');
    now = new Date(NOW.getTime() + 2000);
    const later = await registry.metrics();
    expect(later).not.toContain('release="web-4"');
    expect(later).toContain('golive_delivery_change_failure_ratio{release_namespace="shop",application="web",window="30d"} 0.25');
  });
});
