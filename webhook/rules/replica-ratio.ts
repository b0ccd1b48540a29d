// golive owns spec.replicas of a Deployment it rolls out by replica ratio. With that router one
// Service selects both versions, so every pod of the user's Deployment (the candidate) is a share
// of ordinary traffic: golive keeps it at 0 until the wave's verification passed, then gives it
// the canary steps' share. Anyone else raising it mid-rollout would send users to an unverified
// version — a kubectl apply with `replicas` in the manifest, or one that drops a `replicas` its
// field manager set before (server-side apply then resets it to the default, 1).
import type { Release } from "../../api/index.js";
import { isRatio, rolloutUnits } from "../../operator/rollout/waves.js";
import type { Findings } from "../findings.js";
import type { Workload } from "../workload.js";

/** Phases in which the operator drives the Deployment's replicas. */
const ROLLING = new Set(["Approved", "Verifying", "CleaningUp", "Progressing", "RollingBack"]);

/** Whether golive sets this Deployment's replicas: it is rolled out by replica ratio (with or without a Service). */
export function ratioOwned(kind: string, name: string, release: Release | undefined): boolean {
  if (kind !== "Deployment" || !release?.spec?.strategy) return false;
  const unit = rolloutUnits(release.spec).find((u) => u.name === name);
  return unit !== undefined && isRatio(unit.routing);
}

/** A user's update of a Deployment: compares its replicas with the object it replaces. */
export function checkRatioReplicas(kind: string, w: Workload, old: Workload | undefined, release: Release | undefined, f: Findings): void {
  if (!old) return;
  checkRatioScale(kind, w.name, old.replicas ?? 1, w.replicas ?? 1, release, f);
}

/** Any change of a Deployment's replicas but the operator's (an update, the scale subresource). */
export function checkRatioScale(kind: string, name: string, before: number, after: number, release: Release | undefined, f: Findings): void {
  if (!release || !ROLLING.has(release.status?.phase ?? "") || after <= before || !ratioOwned(kind, name, release)) return;
  f.deny(
    `golive owns spec.replicas of Deployment ${name} while Release ${release.metadata.name} rolls it out by replica ratio (it is ${before}; this request makes it ${after}, which would send ordinary users to the new version before its wave is verified): set spec.replicas: ${before} in the manifest, or leave it out if your tool never set it (server-side apply resets a replicas its field manager owned and now omits to 1)`,
  );
}

/**
 * The new template of a Deployment rolled out by replica ratio reaches ordinary users through the
 * one Service at once if the Deployment still runs pods: golive brings it up from 0 step by step.
 * It rests at 0 between rollouts; it runs pods only when a user scaled it up in between or created
 * it again with replicas. A first release (no stable copy yet) runs its own pods by design.
 */
export function checkRatioTemplate(kind: string, w: Workload, templateChanged: boolean, release: Release | undefined, stableCopyExists: boolean | undefined, f: Findings): void {
  if (!templateChanged || stableCopyExists !== true || !release || !ROLLING.has(release.status?.phase ?? "") || !ratioOwned(kind, w.name, release)) return;
  const replicas = w.replicas ?? 1;
  if (replicas <= 0) return;
  f.deny(
    `Deployment ${w.name} gets a new template while Release ${release.metadata.name} (${release.status?.phase ?? ""}) rolls it out by replica ratio, with spec.replicas ${replicas}: its ${replicas} pod(s) would serve ordinary users through the shared Service before verification (4.6 c); golive brings the new version up from 0 while ${w.name}-stable serves: apply it with spec.replicas: 0`,
  );
}
