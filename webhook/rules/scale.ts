// The scale subresource (kubectl scale, a HorizontalPodAutoscaler, the operator's canary): the
// replica count changes without a new template, so only the bounds can be broken. The lower
// bound is the policy's minimum and the Release's declared replicas or scaling.minReplicas
// (5.1 b, 5.2 c); the upper bound is the Release's scaling.maxReplicas, the capacity the
// approvers signed for. The operator drives the approved canary plan, so it may go below the
// minimum (a candidate at 0 or 1 replica) but never above the approved maximum.
import type { Release, WorkloadKind } from "../../api/index.js";
import type { AdmissionRequest } from "../admission.js";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import { asObj, clip } from "../object.js";
import { workloadStore, type AdmissionView } from "../view.js";
import { replicaBounds } from "./architecture.js";
import { checkRatioScale, ratioOwned } from "./replica-ratio.js";
import { compareDesign, describeDifference, designOf } from "../../operator/design/compare.js";
import { readWorkload } from "../workload.js";
import { checkPeakCapacity } from "./peak-capacity.js";
import { checkPartitionHold, releasesListing } from "./partition-hold.js";
import { STABLE_OF_LABEL } from "../../operator/rollout/workloads.js";

/** The Release listing kind/name in spec.workloads (a Scale carries no labels), if one does. */
export function releaseListing(namespace: string, kind: string, name: string, view: AdmissionView): Release | undefined {
  return view.releases.list(namespace).find((r) => (r.spec?.workloads ?? []).some((w) => w.kind === kind && w.name === name) && r.status?.phase !== "RolledBack");
}

export function checkScale(request: AdmissionRequest, kind: string, policy: CompiledPolicy, view: AdmissionView, f: Findings): void {
  const namespace = request.namespace ?? "";
  const name = request.name ?? "";
  const raw = asObj(asObj(request.object)?.spec)?.replicas;
  const replicas = typeof raw === "number" ? raw : raw === undefined ? 0 : NaN;
  const release = releaseListing(namespace, kind, name, view);
  const bounds = replicaBounds(policy, release);
  const operator = request.userInfo.username === view.operatorIdentity;
  const what = `${kind} ${clip(name, 120)}${release ? ` (Release ${release.metadata.name})` : ""}`;
  if (!Number.isInteger(replicas)) {
    f.deny(`the scale of ${what} asks for ${clip(String(raw), 40)} replicas: give a whole number`);
    return;
  }
  if (bounds.max !== undefined && replicas > bounds.max)
    f.deny(`${what} may run at most ${bounds.max} replica(s) (Release ${release?.metadata.name} spec.architecture.scaling.maxReplicas, the capacity approved): scaling to ${replicas} needs a new Release with a larger bound`);
  if (!operator) {
    // A stable copy's replicas are golive's: with replica ratio they are the canary's traffic
    // split (scaled down by hand, more users would reach the candidate than the step allows).
    const stableOf = kind === "Deployment" ? view.deployments?.get(namespace, name)?.metadata?.labels?.[STABLE_OF_LABEL] : undefined;
    if (stableOf !== undefined) {
      f.deny(`Deployment ${clip(name, 120)} is golive's stable copy of Deployment ${clip(stableOf, 120)}: its replicas are golive's (they serve the released version and, by replica ratio, set the canary's traffic split); change the replicas in the next Release (spec.architecture.replicas) instead of scaling the copy`);
      return;
    }
    const before = asObj(asObj(request.oldObject)?.spec)?.replicas;
    if (typeof before === "number") checkRatioScale(kind, name, before, replicas, release, f);
    if (kind === "StatefulSet") checkPartitionScale(namespace, name, replicas, view, f);
  }
  if (!operator && replicas < bounds.min)
    f.deny(`${what} must run at least ${bounds.min} replica(s) (${bounds.why.join(" and ")}): scaling to ${replicas} is below it; scale to ${bounds.min} or more${bounds.max !== undefined ? ` (at most ${bounds.max})` : ""}`);
  if (release) checkScaleAgainstDesign({ kind, name, namespace, replicas, operator, release, view }, f);
}

/**
 * 5.2 a and 6.2.1 for a scale: the workload's own design bounds its replicas, and without an HPA
 * counted at its maxReplicas the replicas are what reaches the peak. The operator drives the
 * approved canary (a candidate below the minimum); it is held to the design's maximum only.
 */
function checkScaleAgainstDesign(c: { kind: string; name: string; namespace: string; replicas: number; operator: boolean; release: Release; view: AdmissionView }, f: Findings): void {
  const { kind, name, replicas, release } = c;
  const design = designOf(release.spec.designs, kind, name);
  const resting = replicas === 0 && ratioOwned(kind, name, release);
  if (design && !resting) {
    const differences = compareDesign(design, { replicas: { count: replicas, field: "the scale's spec.replicas" } }).filter((d) => !c.operator || d.declared.startsWith("at most"));
    for (const d of differences) f.deny(describeDifference(`${kind} ${clip(name, 120)}`, release.metadata.name, d));
  }
  if (c.operator) return;
  const stored = workloadStore(c.view, kind)?.get(c.namespace, name);
  if (!stored) return;
  const object = { ...stored, spec: { ...stored.spec, replicas } };
  checkPeakCapacity({ kind, w: readWorkload(kind as WorkloadKind, object), object, namespace: c.namespace, release, view: c.view }, f);
}

/** New ordinals of a partition-canaried StatefulSet start on the update revision: scaling up mid-rollout is the same path as lowering its partition. */
function checkPartitionScale(namespace: string, name: string, replicas: number, view: AdmissionView, f: Findings): void {
  const stored = view.statefulSets?.get(namespace, name);
  if (!stored) return;
  const object = { ...stored, spec: { ...stored.spec, replicas } };
  checkPartitionHold({ kind: "StatefulSet", name, object, oldObject: stored, templateChanged: false, releases: releasesListing(view.releases.list(namespace), "StatefulSet", name), byOperator: false }, f);
}
