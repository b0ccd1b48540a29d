// The capacity forecast as an operator metric, so the alert of 6.3.3 also reaches Alertmanager:
// one series per key capacity metric whose forecast reaches its limit within the horizon, valued
// at the crossing time (epoch seconds). The PrometheusRule's forecast group alerts on it.
import { Gauge, type Registry } from "prom-client";
import type { Release } from "../../api/index.js";
import type { CapacityReport } from "./capacity.js";
import { FORECAST_GAUGE } from "./enrollment.js";

const LABELS = ["release_namespace", "release", "capacity_metric", "limit_source"] as const;
type Labels = Record<(typeof LABELS)[number], string>;

export class CapacityForecastMetrics {
  readonly gauge: Gauge<(typeof LABELS)[number]>;
  private readonly series = new Map<string, Labels[]>();

  constructor(registry: Registry) {
    this.gauge = new Gauge({ name: FORECAST_GAUGE, help: "When a key capacity metric of a release is forecast to reach its limit (Unix seconds); present only when within the policy's horizon", labelNames: LABELS, registers: [registry] });
  }

  /** Publish the release's newest report (undefined: none), replacing what was published before. */
  record(release: Release, report: CapacityReport | undefined): void {
    const key = `${release.metadata.namespace ?? ""}/${release.metadata.name}`;
    this.forget(key);
    const now: Labels[] = [];
    for (const m of report?.metrics ?? []) {
      if (!m.withinHorizon || !m.crossesAt) continue;
      const labels: Labels = { release_namespace: release.metadata.namespace ?? "", release: release.metadata.name, capacity_metric: m.name, limit_source: m.limitSource };
      this.gauge.set(labels, Date.parse(m.crossesAt) / 1000);
      now.push(labels);
    }
    if (now.length) this.series.set(key, now);
  }

  /** Remove a release's series (it was deleted). */
  forget(key: string): void {
    for (const labels of this.series.get(key) ?? []) this.gauge.remove(labels);
    this.series.delete(key);
  }
}
