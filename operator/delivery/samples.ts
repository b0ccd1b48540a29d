// What the operator's /metrics says about releases (pure): the delivery figures (9.3) per
// namespace, application and window, and one info series per release with its phase, canary
// weight and step (like Argo Rollouts' rollout_info). Series carry release_namespace, not
// namespace: a scrape's own `namespace` label (the operator's pod) would shadow it, as for
// golive_release_drift and the capacity forecast gauge.
import type { Release } from "../../api/index.js";
import { ACTIVE_PHASES } from "../rollout/types.js";
import { deliveryFigures, type EvidenceStamp } from "./figures.js";

export const DELIVERY_DEPLOYMENTS = "golive_delivery_deployments";
export const DELIVERY_LEAD_TIME = "golive_delivery_lead_time_seconds";
export const DELIVERY_CHANGE_FAILURE = "golive_delivery_change_failure_ratio";
export const DELIVERY_RESTORE = "golive_delivery_time_to_restore_seconds";
export const RELEASE_INFO = "golive_release_info";
export const RELEASE_CANARY_WEIGHT = "golive_release_canary_weight";
export const RELEASE_CANARY_STEP = "golive_release_canary_step";
/** Every series name the operator exports about releases; the chart's dashboard may query only these. */
export const RELEASE_METRIC_NAMES = [DELIVERY_DEPLOYMENTS, DELIVERY_LEAD_TIME, DELIVERY_CHANGE_FAILURE, DELIVERY_RESTORE, RELEASE_INFO, RELEASE_CANARY_WEIGHT, RELEASE_CANARY_STEP] as const;

/** The windows the delivery figures are exported over, as a `window` label. */
export const DELIVERY_WINDOWS = [
  { window: "1d", days: 1 },
  { window: "7d", days: 7 },
  { window: "30d", days: 30 },
] as const;

export const DELIVERY_LABELS = ["release_namespace", "application", "window"] as const;
export const INFO_LABELS = ["release_namespace", "release", "application", "version", "phase"] as const;
export const CANARY_LABELS = ["release_namespace", "release"] as const;

export interface Sample<L extends string> {
  labels: Record<L, string>;
  value: number;
}

export interface DeliverySamples {
  deployments: Sample<(typeof DELIVERY_LABELS)[number]>[];
  leadTime: Sample<(typeof DELIVERY_LABELS)[number]>[];
  changeFailure: Sample<(typeof DELIVERY_LABELS)[number]>[];
  restore: Sample<(typeof DELIVERY_LABELS)[number]>[];
}

/** A figure with no data (no release finished, none restored) has no series rather than a made-up 0. */
export function deliverySamples(releases: readonly Release[], evidence: readonly EvidenceStamp[], now: Date): DeliverySamples {
  const out: DeliverySamples = { deployments: [], leadTime: [], changeFailure: [], restore: [] };
  for (const { window, days } of DELIVERY_WINDOWS) {
    for (const f of deliveryFigures(releases, now, days, evidence)) {
      const labels = { release_namespace: f.namespace, application: f.application, window };
      out.deployments.push({ labels, value: f.deployments });
      if (f.leadTimeMedianS !== undefined) out.leadTime.push({ labels, value: f.leadTimeMedianS });
      if (f.changeFailureRate !== undefined) out.changeFailure.push({ labels, value: f.changeFailureRate });
      if (f.restoreMedianS !== undefined) out.restore.push({ labels, value: f.restoreMedianS });
    }
  }
  return out;
}

export interface ReleaseSamples {
  info: Sample<(typeof INFO_LABELS)[number]>[];
  weight: Sample<(typeof CANARY_LABELS)[number]>[];
  step: Sample<(typeof CANARY_LABELS)[number]>[];
}

/**
 * Weight and step only while the rollout is under way (Verifying, CleaningUp, Progressing,
 * RollingBack): a finished release keeps its last status.canary, which is no longer traffic.
 */
export function releaseSamples(releases: readonly Release[]): ReleaseSamples {
  const out: ReleaseSamples = { info: [], weight: [], step: [] };
  for (const r of releases) {
    const key = { release_namespace: r.metadata.namespace ?? "", release: r.metadata.name ?? "" };
    out.info.push({ labels: { ...key, application: r.spec.application, version: r.spec.version, phase: r.status?.phase ?? "Pending" }, value: 1 });
    const canary = r.status?.canary;
    if (!canary || !ACTIVE_PHASES.includes(r.status?.phase ?? "Pending")) continue;
    out.weight.push({ labels: key, value: canary.weight });
    out.step.push({ labels: key, value: canary.stepIndex });
  }
  return out;
}
