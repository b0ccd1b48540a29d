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
