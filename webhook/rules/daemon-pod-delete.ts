// golive holds a DaemonSet it rolls out at updateStrategy OnDelete (operator/rollout/daemonset.ts):
// the new template reaches a node only when that node's pod is deleted, and golive deletes them
// stage by stage (the canary nodes, then shares of the others). A user deleting one of its pods
// during the rollout would put that node on the new, unverified template at once: the DaemonSet
// controller makes the replacement from the current template. So a user's delete of such a pod
// is denied while a Release that rolls the DaemonSet out is Approved…RollingBack.
//
// Healing is never blocked: only deletes of DaemonSet pods by someone other than the cluster's
// own components reach the webhook (webhook/configuration.ts MATCH_CONDITIONS.protected: not the
// controller-manager, the scheduler, a kubelet or a kube-system service account, and not the
// final delete of a pod already terminating), and the operator's own deletes are allowed.
//
// An eviction (pods/eviction) deletes its pod too, and that delete never reaches admission: the
// eviction is judged instead. Its request names the pod but does not carry it, and golive keeps
// no copy of every pod, so the pod is known by the name a DaemonSet gives its pods
// (<daemonset>-<5 characters>): an eviction of a pod so named after a DaemonSet a rolling release
// holds is denied. That errs on the side of the hold (a bare pod of that very name is refused
// too, saying why); kubectl drain leaves DaemonSet pods alone, and the cluster's own evictions
// (kubelets, the scheduler, kube-system service accounts such as the cluster autoscaler) are
// never sent.
import type { Release } from "../../api/index.js";
import type { Findings } from "../findings.js";
import { asObj, asStr, clip } from "../object.js";
import { partitionOwned, ROLLING } from "./partition-hold.js";

export interface DaemonPodDelete {
  /** The pod being deleted (the request's oldObject). */
  pod: unknown;
  /** Every Release of the pod's namespace (the rule picks those listing its DaemonSet). */
  releases: readonly Release[];
  byOperator: boolean;
}

/** The DaemonSet that controls the pod, if one does. */
export function daemonSetOf(pod: unknown): string | undefined {
  const owners = (asObj(asObj(pod)?.metadata)?.ownerReferences ?? []) as unknown[];
  if (!Array.isArray(owners)) return undefined;
  for (const o of owners) {
    const ref = asObj(o);
    if (asStr(ref?.kind) === "DaemonSet" && ref?.controller === true) return asStr(ref.name);
  }
  return undefined;
}

export interface DaemonPodEviction {
  /** The pod named by the eviction (request.name). */
  pod: string;
  releases: readonly Release[];
  byOperator: boolean;
}

/** The DaemonSet whose pods are named like this one (<daemonset>-<5 lower-case letters or digits>), of those a rolling release holds. */
export function checkDaemonPodEviction(c: DaemonPodEviction, f: Findings): void {
  if (c.byOperator) return;
  const m = /^(.+)-[a-z0-9]{5}$/.exec(c.pod);
  if (!m) return;
  const daemonSet = m[1]!;
  for (const release of c.releases) {
    const phase = release.status?.phase ?? "";
    if (!ROLLING.has(phase) || !partitionOwned("DaemonSet", daemonSet, release)) continue;
    const name = release.metadata.name;
    f.deny(
      `evicting pod ${clip(c.pod)} (named as a pod of DaemonSet ${clip(daemonSet)}) is refused while Release ${clip(name)} rolls the DaemonSet out (${phase}): evicted now, it would come back on the new, unverified template before its node's stage; wait for the release (kubectl get release ${clip(name)}), or abort it (golive abort ${clip(name)}); to drain a node, kubectl drain --ignore-daemonsets leaves DaemonSet pods alone`,
    );
    return;
  }
}

export function checkDaemonPodDelete(c: DaemonPodDelete, f: Findings): void {
  if (c.byOperator) return;
  const daemonSet = daemonSetOf(c.pod);
  if (daemonSet === undefined) return;
  const podName = asStr(asObj(asObj(c.pod)?.metadata)?.name) ?? "";
  for (const release of c.releases) {
    const phase = release.status?.phase ?? "";
    // partitionOwned: the release canaries this DaemonSet (one of its rollout units, node by node).
    if (!ROLLING.has(phase) || !partitionOwned("DaemonSet", daemonSet, release)) continue;
    const name = release.metadata.name;
    f.deny(
      `pod ${clip(podName)} of DaemonSet ${clip(daemonSet)} is golive's to replace while Release ${clip(name)} rolls the DaemonSet out (${phase}): deleted now, it would come back on the new, unverified template before its node's stage (golive holds the DaemonSet at updateStrategy OnDelete and replaces the pods stage by stage); wait for the release (kubectl get release ${clip(name)}), or abort it (golive abort ${clip(name)}) to go back to the stable template`,
    );
    return;
  }
}
