// A pod's labels decide which Services send it traffic and which NetworkPolicies admit whom to
// it: golive's verification-only access (4.6 c) is made of selectors. Relabelling a running pod
// would take it around all of that without any workload changing: a verification copy's pod
// given the application's Service labels serves ordinary users unverified, a candidate pod
// stripped of golive.dev/track leaves the NetworkPolicy that keeps non-verifiers out. So, from
// anyone but golive's operator (the built-in controllers never reach here for the pods they
// own: decide.ts and the configuration's matchConditions), a label change is denied on a pod of a
// release that is rolling out, and on golive's own labels of any pod.
import { RELEASE_LABEL, type Release } from "../../api/index.js";
import { TRACK_LABEL } from "../../operator/routers/types.js";
import type { Findings } from "../findings.js";
import { clip, jsonEqual } from "../object.js";
import { ROLLING } from "./partition-hold.js";

/** golive's own pod labels: which copy a pod belongs to, and of what. */
const GOLIVE_LABELS = [TRACK_LABEL, "golive.dev/verify-of"];

export interface PodRelabel {
  name: string;
  labels: Record<string, string>;
  oldLabels: Record<string, string>;
  /** The Releases of the pod's namespace. */
  releases: readonly Release[];
  byOperator: boolean;
}

export function checkPodRelabel(c: PodRelabel, f: Findings): void {
  if (c.byOperator || jsonEqual(c.labels, c.oldLabels)) return;
  const changed = [...new Set([...Object.keys(c.labels), ...Object.keys(c.oldLabels)])].filter((k) => c.labels[k] !== c.oldLabels[k]).sort();
  const what = changed.slice(0, 5).map((k) => clip(k, 63)).join(", ");
  const name = c.oldLabels[RELEASE_LABEL];
  const release = name === undefined ? undefined : c.releases.find((r) => r.metadata.name === name);
  const phase = release?.status?.phase ?? "";
  if (release && ROLLING.has(phase)) {
    f.deny(`pod ${clip(c.name, 120)} belongs to Release ${clip(name!, 80)}, which is rolling out (${phase}): its labels decide which Services and NetworkPolicies reach it, and changing them (${what}) could send users to a version not yet verified or open it to non-verifiers (4.6 c); change the labels in the workload's pod template through a Release, or wait until Release ${clip(name!, 80)} is Released`);
    return;
  }
  const golive = changed.filter((k) => GOLIVE_LABELS.includes(k));
  if (golive.length) f.deny(`pod ${clip(c.name, 120)}: the labels ${golive.join(", ")} are golive's (they say which copy of a release the pod is, and so which Service and NetworkPolicy select it); only golive's operator sets them`);
}
