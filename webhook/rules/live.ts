// Which releases are live: approved and not yet retired. While a release is live its evidence,
// the PodDisruptionBudgets the policy requires and its sealed configuration are part of what
// runs, so they may not go away or change under it (4.1 d, 8.3, 8.4).
import { FROZEN_PHASES, type Phase, type Release } from "../../api/index.js";
import type { AdmissionView } from "../view.js";

const LIVE_PHASES: ReadonlySet<Phase> = new Set(FROZEN_PHASES.filter((p) => p !== "RolledBack"));

/** Approved or later, not RolledBack, and (when Released) not superseded by a later Released release of the same application. */
export function isLive(release: Release, view: AdmissionView): boolean {
  const phase = release.status?.phase;
  if (!phase || !LIVE_PHASES.has(phase)) return false;
  if (phase !== "Released") return true;
  const mine = release.status?.releasedAt ?? "";
  const application = release.spec?.application;
  // The same application's releases in the namespace (the index), not every release there.
  const peers = application === undefined ? view.releases.list(release.metadata.namespace) : view.releases.byApplication(application, release.metadata.namespace);
  return !peers.some((r) => r.metadata.uid !== release.metadata.uid && r.spec?.application === release.spec?.application && r.status?.phase === "Released" && (r.status.releasedAt ?? "") > mine);
}

export function liveReleases(namespace: string, view: AdmissionView): Release[] {
  return view.releases.list(namespace).filter((r) => isLive(r, view));
}
