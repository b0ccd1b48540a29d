// Drift as an operator metric, so the alert reaches Alertmanager: golive_release_drift, one series
// per live release and kind of difference (image, ConfigMap, Secret), valued at the number of
// differences. The release's PrometheusRule (operator/monitoring/enrollment.ts, group
// golive.drift) alerts while it is above zero. The labels are release_namespace and release, as
// for the capacity forecast gauge: a scrape's own `namespace` label would shadow a `namespace`.
import { Gauge, type Registry } from "prom-client";
import { DRIFT_KINDS, type DriftKind } from "./detect.js";

export const DRIFT_GAUGE = "golive_release_drift";
const LABELS = ["release_namespace", "release", "kind"] as const;

export class DriftMetrics {
  readonly gauge: Gauge<(typeof LABELS)[number]>;
  private readonly published = new Set<string>();

  constructor(registry: Registry) {
    this.gauge = new Gauge({ name: DRIFT_GAUGE, help: "Differences between what runs and what a live release sealed (pods' image digests, sealed ConfigMap and Secret digests), by kind", labelNames: LABELS, registers: [registry] });
  }

  record(key: string, counts: Record<DriftKind, number>): void {
    const [namespace, release] = split(key);
    for (const kind of DRIFT_KINDS) this.gauge.set({ release_namespace: namespace, release, kind }, counts[kind]);
    this.published.add(key);
  }

  /** Remove a release's series (deleted, or no longer live). */
  forget(key: string): void {
    if (!this.published.delete(key)) return;
    const [namespace, release] = split(key);
    for (const kind of DRIFT_KINDS) this.gauge.remove({ release_namespace: namespace, release, kind });
  }
}

function split(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
