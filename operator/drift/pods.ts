// The pods of each release, indexed by the golive.dev/release label as the pods informer reports
// them, so a reconcile reads its release's pods without scanning every pod in the cluster.
import { RELEASE_LABEL } from "../../api/index.js";
import type { InformerEvent } from "../runtime/informer.js";
import { imageIdDigest, type PodLike } from "./detect.js";

const podKey = (p: PodLike) => `${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`;
const releaseKey = (p: PodLike) => {
  const release = p.metadata?.labels?.[RELEASE_LABEL];
  return release ? `${p.metadata?.namespace ?? ""}/${release}` : undefined;
};

/** The digests a pod's statuses report, in one string: a change in it is what drift detection cares about. */
export function reportedImages(p: PodLike | undefined): string {
  const s = p?.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].map((c) => `${c.name ?? ""}=${imageIdDigest(c.imageID) ?? ""}`).join(",") + `|${s?.phase ?? ""}`;
}

export class PodIndex {
  private readonly byRelease = new Map<string, Map<string, PodLike>>();

  /** Feed an informer event; returns the release keys whose drift may have changed. */
  update(event: InformerEvent, pod: PodLike, old?: PodLike): string[] {
    const key = podKey(pod);
    const before = old ? releaseKey(old) : undefined;
    const after = releaseKey(pod);
    if (before && before !== after) this.remove(before, key);
    if (event === "delete") {
      if (after) this.remove(after, key);
      return after ? [after] : [];
    }
    if (after) {
      let pods = this.byRelease.get(after);
      if (!pods) this.byRelease.set(after, (pods = new Map<string, PodLike>()));
      pods.set(key, pod);
    }
    if (event === "resync") return [];
    const changed = event === "add" || before !== after || reportedImages(pod) !== reportedImages(old) || JSON.stringify(pod.spec?.ephemeralContainers ?? []) !== JSON.stringify(old?.spec?.ephemeralContainers ?? []);
    return changed ? [before, after].filter((k, i, all): k is string => k !== undefined && all.indexOf(k) === i) : [];
  }

  /** The pods labelled with this release (key namespace/name). */
  pods(release: string): PodLike[] {
    return [...(this.byRelease.get(release)?.values() ?? [])];
  }

  private remove(release: string, pod: string): void {
    const pods = this.byRelease.get(release);
    pods?.delete(pod);
    if (pods?.size === 0) this.byRelease.delete(release);
  }
}
