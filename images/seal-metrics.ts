// The seal cache's metric, registered wherever the process serves its metrics (the operator's
// registry): here, beside the cache, so the operator command and the tests register the same gauge.
import { Gauge, type Registry } from "prom-client";

/** What the gauge reads of the seal cache (images/seal-cache.ts SealCache fits it). */
export interface StaleSealCount {
  readonly staleCount: number;
}

export const SEALS_STALE_METRIC = "golive_image_seals_stale";

/**
 * golive_image_seals_stale: verified seals past the cache's lifetime still held because their
 * re-verification fails for registry trouble. Read at scrape time, so it is never out of date.
 */
export function registerSealMetrics(registry: Registry, seals: StaleSealCount): Gauge {
  return new Gauge({
    name: SEALS_STALE_METRIC,
    help: "Image seals past the seal cache's lifetime (12 h) still held while their re-verification fails for registry trouble; in force within the policy's spec.images.sealGracePeriod",
    registers: [registry],
    collect() {
      this.set(seals.staleCount);
    },
  });
}
