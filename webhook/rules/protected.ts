// What a live release stands on may not be removed or edited under it: its ReleaseEvidence (the
// record the approval rests on, 8.3), the PodDisruptionBudgets the policy requires (5.1 b), and
// the ConfigMaps and Secrets it sealed (8.4). Retire the release first (RolledBack, or Released
// and superseded), or seal the change into a new Release.
import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import { configDigest } from "../../images/config-digest.js";
import type { Release } from "../../api/index.js";
import type { AdmissionRequest } from "../admission.js";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import { asObj, asStr, clip, jsonEqual } from "../object.js";
import type { AdmissionView } from "../view.js";
import { isLive, liveReleases } from "./live.js";

const RETIRE = "retire the release first (it is retired when RolledBack, or when a later release of the application is Released)";

export function checkEvidenceDelete(request: AdmissionRequest, view: AdmissionView, f: Findings): void {
  const old = asObj(request.oldObject);
  const releaseName = asStr(asObj(old?.spec)?.release);
  const name = request.name ?? asStr(asObj(old?.metadata)?.name) ?? "";
  if (releaseName === undefined) return;
  const release = view.releases.get(request.namespace, releaseName);
  if (!release || !isLive(release, view)) return;
  f.deny(`ReleaseEvidence ${clip(name)} is part of the record of Release ${releaseName}, which is ${release.status?.phase} (8.3): it cannot be deleted while the release is live; ${RETIRE}`);
}

export function checkPdbDelete(request: AdmissionRequest, policy: CompiledPolicy, view: AdmissionView, f: Findings): void {
  const namespace = request.namespace ?? "";
  const live = liveReleases(namespace, view);
  if (live.length === 0) return;
  const requiredBy = policy.policy.spec.architecture?.requirePodDisruptionBudget ?? true;
  const highAvailability = live.filter((r) => r.spec?.architecture?.highAvailability !== false && r.spec?.architecture !== undefined);
  if (!requiredBy && highAvailability.length === 0) return;
  const old = asObj(request.oldObject) as V1PodDisruptionBudget | undefined;
  const name = request.name ?? old?.metadata?.name ?? "";
  // A replacement with the same selector already in place keeps the pods covered.
  const replaced = view.pdbs.list(namespace).some((p) => p.metadata?.name !== name && p.spec?.selector !== undefined && jsonEqual(p.spec.selector, old?.spec?.selector));
  if (replaced) return;
  const why = requiredBy ? `ReleasePolicy ${policy.name} requires a PodDisruptionBudget for every replicated workload (spec.architecture.requirePodDisruptionBudget, 5.1 b)` : `Release ${highAvailability[0]!.metadata.name} declares high availability`;
  f.deny(`PodDisruptionBudget ${clip(name)} protects the pods of live release(s) ${live.slice(0, 3).map((r) => r.metadata.name).join(", ")} in namespace ${namespace}; ${why}: create its replacement (same selector) before deleting it, or ${RETIRE}`);
}

/** UPDATE or DELETE of a ConfigMap or Secret: denied when a live release sealed it and its data would no longer match. */
export function checkSealedConfigChange(request: AdmissionRequest, view: AdmissionView, f: Findings): void {
  const kind = request.resource.resource === "secrets" ? "Secret" : "ConfigMap";
  const namespace = request.namespace ?? "";
  const name = request.name ?? asStr(asObj(asObj(request.oldObject)?.metadata)?.name) ?? "";
  const sealedIn = (r: Release) => (r.spec?.configuration ?? []).find((c) => c.kind === kind && c.name === name);
  // Which releases seal it first (a field read), then whether they are live (an index lookup each).
  const sealedBy = view.releases.list(namespace).filter((r) => sealedIn(r) !== undefined && isLive(r, view));
  if (sealedBy.length === 0) return;
  const releases = sealedBy.map((r) => r.metadata.name).join(", ");
  if (request.operation === "DELETE") {
    f.deny(`${kind} ${clip(name)} is sealed in live release(s) ${releases} (8.4): it cannot be deleted while they run; ${RETIRE}`);
    return;
  }
  let digest: string;
  try {
    digest = configDigest(kind, request.object as never);
  } catch (e) {
    f.deny(`${kind} ${clip(name)} is sealed in live release(s) ${releases}, and its new content cannot be digested: ${(e as Error).message}`);
    return;
  }
  // One denial however many live releases seal it (a namespace of 100 releases sealing one
  // ConfigMap made 100 lines): the first by name, the count and a few names of the others.
  const differing = sealedBy.filter((r) => sealedIn(r)!.digest !== digest);
  const first = differing[0];
  if (!first) return;
  const sealed = sealedIn(first)!.digest;
  const others = differing.slice(1);
  const more = others.length ? ` (and in ${others.length} more live release(s): ${others.slice(0, 3).map((r) => r.metadata.name).join(", ")}${others.length > 3 ? ", …" : ""})` : "";
  // Values are never echoed: only digests.
  f.deny(`${kind} ${clip(name)} is sealed in Release ${first.metadata.name}, which is ${first.status?.phase} (8.4)${more}: this change gives it digest ${digest.slice(0, 19)}…, not the sealed ${sealed.slice(0, 19)}…; put the change in a new Release (seal it with golive seal-config) instead of editing the live one`);
}
