// The release and delivery series on the operator's /metrics (names and values: samples.ts),
// computed when Prometheus scrapes, from the informer stores the operator already keeps: nothing
// is stored twice and nothing goes stale when a Release is deleted. One computation serves all
// seven gauges of a scrape.
import { Gauge, type Registry } from "prom-client";
import type { Release } from "../../api/index.js";
import type { EvidenceStamp } from "./figures.js";
import {
  CANARY_LABELS,
  DELIVERY_CHANGE_FAILURE,
  DELIVERY_DEPLOYMENTS,
  DELIVERY_LABELS,
  DELIVERY_LEAD_TIME,
  DELIVERY_RESTORE,
  deliverySamples,
  INFO_LABELS,
  RELEASE_CANARY_STEP,
  RELEASE_CANARY_WEIGHT,
  RELEASE_INFO,
  releaseSamples,
  type DeliverySamples,
  type ReleaseSamples,
  type Sample,
} from "./samples.js";

export interface DeliverySource {
  releases(): Release[];
  evidence(): EvidenceStamp[];
}

/** Gauges of one scrape are collected one after another: within this time they share a snapshot. */
const SNAPSHOT_MS = 1000;

export class DeliveryMetrics {
  private snapshot: { at: number; delivery: DeliverySamples; releases: ReleaseSamples } | undefined;

  constructor(registry: Registry, private readonly source: DeliverySource, private readonly now: () => Date = () => new Date()) {
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], pick: (s: NonNullable<DeliveryMetrics["snapshot"]>) => Sample<L>[]) => {
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- collect() is called with the gauge as `this`
      const self = this;
      return new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const s of pick(self.current())) this.set(s.labels as Partial<Record<L, string>>, s.value);
        },
      });
    };
    gauge(DELIVERY_DEPLOYMENTS, "Releases that reached Released within the window (9.3 deployment frequency), per namespace and application", DELIVERY_LABELS, (s) => s.delivery.deployments);
    gauge(DELIVERY_LEAD_TIME, "Median time from a release's first ReleaseEvidence (or its creation, without evidence) to Released, over those Released within the window", DELIVERY_LABELS, (s) => s.delivery.leadTime);
    gauge(DELIVERY_CHANGE_FAILURE, "RolledBack and Failed over every finished release created within the window (change failure rate)", DELIVERY_LABELS, (s) => s.delivery.changeFailure);
    gauge(DELIVERY_RESTORE, "Median time from the rollback decision to traffic back on the stable version, over rollbacks restored within the window", DELIVERY_LABELS, (s) => s.delivery.restore);
    gauge(RELEASE_INFO, "One series per Release, valued 1, with its application, version and phase", INFO_LABELS, (s) => s.releases.info);
    gauge(RELEASE_CANARY_WEIGHT, "Percent of ordinary traffic on a rolling-out release's new version", CANARY_LABELS, (s) => s.releases.weight);
    gauge(RELEASE_CANARY_STEP, "Index of a rolling-out release's current canary step", CANARY_LABELS, (s) => s.releases.step);
  }

  private current(): NonNullable<DeliveryMetrics["snapshot"]> {
    const now = this.now();
    if (this.snapshot && now.getTime() - this.snapshot.at < SNAPSHOT_MS) return this.snapshot;
    const releases = this.source.releases();
    this.snapshot = { at: now.getTime(), delivery: deliverySamples(releases, this.source.evidence(), now), releases: releaseSamples(releases) };
    return this.snapshot;
  }
}
