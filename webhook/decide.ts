// decide(request, view): the admission decision, pure and synchronous. Everything it reads is
// in memory (view); the clock is view.now(). Governed namespaces fail closed: a request golive
// cannot judge there is denied with what to do.
import { BATCH_CLASS_LABEL, BREAK_GLASS_ANNOTATION, RELEASE_LABEL, type Release } from "../api/index.js";
import { allow, deny, type AdmissionRequest, type Decision } from "./admission.js";
import { compileRelease, type CompiledPolicy } from "./compiled.js";
import { Findings } from "./findings.js";
import { governance } from "./governance.js";
import { asObj, asStr, asStrMap, clip, jsonEqual, label } from "./object.js";
import { checkPodSecurity, checkReplication } from "./rules/architecture.js";
import { breakGlass } from "./rules/break-glass.js";
import { checkEvidenceImmutable, checkReleaseSpec, checkReleaseStatusWriter } from "./rules/integrity.js";
import { checkBatchTiming } from "./rules/batch-timing.js";
import { ADMITTING_PHASES, checkReleaseState } from "./rules/release-state.js";
import { checkConfiguration, checkImages } from "./rules/sealed.js";
import { checkChangeWindow, checkEvidenceAge } from "./rules/warnings.js";
import { workloadStore, type AdmissionView } from "./view.js";
import { checkEvidenceDelete, checkPdbDelete, checkSealedConfigChange } from "./rules/protected.js";
import { checkScale } from "./rules/scale.js";
import { checkServiceAccountPrivilege } from "./rules/service-account.js";
import { hpaBoundsProblem } from "../operator/capacity/fit.js";
import { STABLE_OF_LABEL, templateHash } from "../operator/rollout/workloads.js";
import { checkDaemonPodDelete, checkDaemonPodEviction } from "./rules/daemon-pod-delete.js";
import { checkHoldAnnotations, checkPartitionHold, releasesListing } from "./rules/partition-hold.js";
import { checkRatioReplicas, checkRatioTemplate } from "./rules/replica-ratio.js";
import { checkDesign } from "./rules/design.js";
import { checkAutoscalerDelete, checkAutoscalerPeak, checkPeakCapacity, type AdmittedAutoscaler } from "./rules/peak-capacity.js";
import { checkPodRelabel } from "./rules/pod-relabel.js";
import { checkRecreate, checkStableCopyDelete, checkStableCopyPresent } from "./rules/recreate.js";
import { isLive } from "./rules/live.js";
import { stableName } from "../operator/rollout/names.js";
import { checkNetworkIsolation } from "./rules/network-isolation.js";
import { checkReleaseSafeguards } from "./rules/release-safeguards.js";
import { GOVERNED_OWNERS, readWorkload, WORKLOAD_RESOURCES, type Workload, type WorkloadResource } from "./workload.js";

const ALLOW = allow();
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_GOLIVE = "golive";

/** Identities of the built-in controllers that stamp out pods from admitted templates. */
function isBuiltInController(user: string): boolean {
  return user === "system:kube-controller-manager" || user.startsWith("system:serviceaccount:kube-system:");
}

export function decide(request: AdmissionRequest, view: AdmissionView): Decision {
  const namespace = request.namespace;
  if (!namespace) return ALLOW; // golive governs namespaced objects only
  if (request.operation !== "CREATE" && request.operation !== "UPDATE" && request.operation !== "DELETE") return ALLOW;
  const gov = governance(view, namespace);
  if (gov.kind === "ungoverned") return ALLOW;
  if (gov.kind === "ambiguous")
    return deny(`namespace ${namespace} matches ${gov.policies.length} ReleasePolicies (${gov.policies.join(", ")}): golive cannot tell which governs it; make their namespaceSelectors disjoint`);
  if (gov.kind === "unknown-namespace") return deny(`namespace ${namespace} is not in golive's cache yet, so golive cannot tell whether it is governed: retry in a moment`, [], 503, "ServiceUnavailable");
  const policy = gov.policy;

  const { group, resource } = request.resource;
  const key = `${group}/${resource}`;
  if (key === "/configmaps" || key === "/secrets") return verdict(request.subResource ? undefined : (f) => checkSealedConfigChange(request, view, f));
  if (key === "/pods" && request.subResource === "eviction") return verdict((f) => checkDaemonPodEviction({ pod: request.name ?? "", releases: view.releases.list(namespace), byOperator: request.userInfo.username === view.operatorIdentity }, f));
  if (request.operation === "DELETE") {
    if (key === "golive.dev/releaseevidences") return verdict((f) => checkEvidenceDelete(request, view, f));
    if (key === "policy/poddisruptionbudgets") return verdict((f) => checkPdbDelete(request, policy, view, f));
    if (key === "/pods" && !request.subResource) return verdict((f) => checkDaemonPodDelete({ pod: request.oldObject, releases: view.releases.list(namespace), byOperator: request.userInfo.username === view.operatorIdentity }, f));
    // Deletes the cluster makes while healing or cleaning up (the garbage collector, the namespace controller) are never judged.
    if (isBuiltInController(request.userInfo.username ?? "") || request.subResource) return ALLOW;
    if (key === "apps/deployments") {
      const labels = asStrMap(asObj(asObj(request.oldObject)?.metadata)?.labels);
      const of = labels[STABLE_OF_LABEL];
      const originalExists = view.deployments && of !== undefined ? view.deployments.get(namespace, of) !== undefined : undefined;
      return verdict((f) => checkStableCopyDelete({ name: request.name ?? "", labels, byOperator: request.userInfo.username === view.operatorIdentity, originalExists }, f));
    }
    if (key === "autoscaling/horizontalpodautoscalers") return decideAutoscalerDelete(request, view);
    return ALLOW;
  }
  if (group === "golive.dev") return decideGolive(request, resource, policy, view);
  if (key === "autoscaling/horizontalpodautoscalers") return request.subResource ? ALLOW : decideAutoscaler(request, view);
  const workload = WORKLOAD_RESOURCES.get(key);
  if (!workload) return ALLOW;
  if (request.subResource === "scale") return workload.replicated ? verdict((f) => checkScale(request, workload.kind, policy, view, f)) : ALLOW;
  return decideWorkload(request, workload, policy, view);
}

/** Run one rule; deny with its problems, each naming the object and what to do. */
function verdict(rule: ((f: Findings) => void) | undefined): Decision {
  if (!rule) return ALLOW;
  const f = new Findings();
  rule(f);
  return f.problemCount ? deny(f.problems.length === 1 ? `golive denied: ${f.problems[0]!}` : f.message("golive denied")) : ALLOW;
}

function decideGolive(request: AdmissionRequest, resource: string, policy: CompiledPolicy, view: AdmissionView): Decision {
  const f = new Findings();
  if (resource === "releases") {
    if (request.subResource === "status") checkReleaseStatusWriter(request, view, f);
    else if (!request.subResource) {
      checkReleaseSpec(request, view, f);
      // Judged when the spec is written, not on metadata updates (finalizers, labels), so a
      // Release admitted before a switch turned on can still be deleted.
      const spec = asObj(request.object)?.spec;
      if (request.operation === "CREATE" || !jsonEqual(spec, asObj(request.oldObject)?.spec)) checkReleaseSafeguards(asStr(asObj(asObj(request.object)?.metadata)?.name) ?? request.name ?? "", spec, policy.policy, f);
    }
  } else if (resource === "releaseevidences" && !request.subResource) {
    checkEvidenceImmutable(request, f);
  }
  return f.problemCount ? deny(f.problems.length === 1 ? f.problems[0]! : f.message("golive")) : ALLOW;
}

/** spec.scaleTargetRef and spec.maxReplicas of an HPA (autoscaling/v2 and v1 alike); undefined when malformed (the API server refuses those). */
function readAutoscaler(object: unknown): AdmittedAutoscaler | undefined {
  const o = asObj(object);
  const spec = asObj(o?.spec);
  const ref = asObj(spec?.scaleTargetRef);
  const name = asStr(asObj(o?.metadata)?.name);
  const kind = asStr(ref?.kind);
  const target = asStr(ref?.name);
  const maxReplicas = spec?.maxReplicas;
  if (name === undefined || kind === undefined || target === undefined || typeof maxReplicas !== "number" || !Number.isInteger(maxReplicas)) return undefined;
  return { name, kind, target, maxReplicas };
}

/**
 * An HPA created or edited after its workload (6.2.1): its maxReplicas is what the target can
 * reach at peak. The Release is the one the target (in memory) is labelled with; a target not in
 * memory yet is judged when it is admitted, counting this HPA then.
 */
function decideAutoscaler(request: AdmissionRequest, view: AdmissionView): Decision {
  const hpa = readAutoscaler(request.object);
  if (!hpa) return ALLOW;
  const ns = request.namespace ?? "";
  const target = workloadStore(view, hpa.kind)?.get(ns, hpa.target);
  const stableOf = target?.metadata?.labels ? label(target.metadata.labels, STABLE_OF_LABEL) : undefined;
  // Its scale requests would be denied (a stable copy's replicas are golive's, rules/scale.ts): say so now.
  if (stableOf !== undefined) return deny(`golive denied HorizontalPodAutoscaler ${ns}/${clip(hpa.name, 120)}: Deployment ${clip(hpa.target, 120)} is golive's stable copy of Deployment ${clip(stableOf, 120)}, whose replicas only golive sets; point scaleTargetRef at Deployment ${clip(stableOf, 120)} and declare its bounds in spec.architecture.scaling`);
  const release = autoscalerRelease(hpa, ns, view);
  if (!release) return ALLOW;
  const old = request.operation === "UPDATE" ? readAutoscaler(request.oldObject) : undefined;
  const f = new Findings();
  checkAutoscalerPeak({ hpa, old, namespace: ns, release, view }, f);
  // 6.2.2: the bounds the Release declares (the operator reports the same as HPAOutOfBounds);
  // judged when they change, so an HPA admitted before is never stuck on a metadata edit. A
  // Release that declares no bounds is the operator's to report (HPAOutOfBounds before its rollout).
  const minOf = (o: unknown): number => {
    const min = asObj(asObj(o)?.spec)?.minReplicas;
    return typeof min === "number" ? min : 1;
  };
  const boundsChanged = !old || old.maxReplicas !== hpa.maxReplicas || old.kind !== hpa.kind || old.target !== hpa.target || minOf(request.oldObject) !== minOf(request.object);
  const scaling = release.spec.architecture?.scaling;
  const outOfBounds = boundsChanged && scaling ? hpaBoundsProblem({ name: hpa.name, target: { kind: hpa.kind, name: hpa.target }, minReplicas: minOf(request.object), maxReplicas: hpa.maxReplicas }, release.metadata.name, scaling) : undefined;
  if (outOfBounds) f.deny(outOfBounds);
  return f.problemCount ? deny(f.message(`golive denied HorizontalPodAutoscaler ${ns}/${clip(hpa.name, 120)} (Release ${clip(release.metadata.name, 80)})`)) : ALLOW;
}

/** The HPA's target (in memory) and the Release it is labelled with, for an HPA create, edit or delete. */
function autoscalerRelease(hpa: AdmittedAutoscaler, ns: string, view: AdmissionView): Release | undefined {
  const target = workloadStore(view, hpa.kind)?.get(ns, hpa.target);
  const releaseName = target?.metadata?.labels ? label(target.metadata.labels, RELEASE_LABEL) : undefined;
  return releaseName === undefined ? undefined : view.releases.get(ns, releaseName);
}

/** An HPA deleted while its target's Release is live: denied when the declared peak needs it (6.2.1). */
function decideAutoscalerDelete(request: AdmissionRequest, view: AdmissionView): Decision {
  const hpa = readAutoscaler(request.oldObject);
  if (!hpa) return ALLOW;
  const ns = request.namespace ?? "";
  const release = autoscalerRelease(hpa, ns, view);
  if (!release || !isLive(release, view)) return ALLOW;
  const f = new Findings();
  checkAutoscalerDelete({ hpa, namespace: ns, release, view }, f);
  return f.problemCount ? deny(f.message(`golive denied deleting HorizontalPodAutoscaler ${ns}/${clip(hpa.name, 120)} (Release ${clip(release.metadata.name, 80)})`)) : ALLOW;
}

function releaseOf(w: Workload): { name?: string; conflict?: string } {
  const own = label(w.labels, RELEASE_LABEL);
  const pod = label(w.podLabels, RELEASE_LABEL);
  if (own !== undefined && pod !== undefined && own !== pod) return { conflict: `the label ${RELEASE_LABEL} is ${clip(own, 80)} on the object but ${clip(pod, 80)} on its pod template: make them name the same Release` };
  return { name: own ?? pod };
}

function decideWorkload(request: AdmissionRequest, resource: WorkloadResource, policy: CompiledPolicy, view: AdmissionView): Decision {
  const kind = resource.kind;
  if (request.kind.version !== "v1" || request.resource.version !== "v1")
    return deny(`golive validates ${resource.group ? `${resource.group}/` : ""}v1 ${kind} objects; this request is for version ${clip(request.resource.version, 40)}: send it as v1`, [], 400, "BadRequest");
  if (!asObj(request.object)) return deny(`the ${request.operation} request for a ${kind} carries no object`, [], 400, "BadRequest");
  const user = request.userInfo.username ?? "";
  const w = readWorkload(kind, request.object);
  // The operator's own objects (stable copies, verification, cleanup and rollback Jobs), marked
  // managed-by golive and written by its identity, are part of the approved Release it drives.
  if (user === view.operatorIdentity && label(w.labels, MANAGED_BY_LABEL) === MANAGED_BY_GOLIVE) return ALLOW;
  // Objects the built-in controllers stamp out from an admitted template (a Deployment's
  // ReplicaSets, their Pods, a CronJob's Jobs) were judged with their owner; judging them again
  // would block scale-downs, restarts and scheduled runs outside the change window.
  // Only a governed owner vouches: a pod owned by a custom resource was never judged with it.
  if (w.controller !== undefined && GOVERNED_OWNERS.has(w.controller) && isBuiltInController(user)) return ALLOW;

  const releaseLabel = releaseOf(w);
  const glass = label(w.annotations, BREAK_GLASS_ANNOTATION);
  const old = request.operation === "UPDATE" ? readWorkload(kind, request.oldObject) : undefined;
  const oldGlass = old ? label(old.annotations, BREAK_GLASS_ANNOTATION) : undefined;
  const f = new Findings();
  const now = view.now();
  const ns = request.namespace ?? "";
  let release: Release | undefined;
  if (releaseLabel.name !== undefined) release = view.releases.get(ns, releaseLabel.name);

  // A running pod's labels are its routing: not a user's to change while its release rolls out.
  if (kind === "Pod" && old) checkPodRelabel({ name: w.name, labels: w.labels, oldLabels: old.labels, releases: view.releases.list(ns), byOperator: user === view.operatorIdentity }, f);
  // Before anything else: a replica-ratio candidate's replicas are golive's while it rolls out.
  checkRatioReplicas(kind, w, old, release, f);
  // ... and a StatefulSet's partition or a DaemonSet's OnDelete hold, before and during its rollout.
  const templateChanged = old !== undefined && !sameTemplate(old, w);
  checkHoldAnnotations(kind, w.name, request.object, request.oldObject, user === view.operatorIdentity, f);
  // ... and a workload deleted and created again must come back as its Released version, with the
  // stable copy of a Deployment there before its new version (rules/recreate.ts).
  const listing = kind === "Deployment" || kind === "StatefulSet" || kind === "DaemonSet" ? releasesListing(view.releases.list(ns), kind, w.name) : [];
  if (request.operation === "CREATE") checkRecreate({ kind, name: w.name, releaseLabel: releaseLabel.name, releases: listing, templateHash: listing.length ? templateHash(asObj(asObj(request.object)?.spec)?.template as never) : undefined }, f);
  if (kind === "Deployment") {
    const stableCopyExists = view.deployments ? view.deployments.get(ns, stableName(w.name)) !== undefined : undefined;
    checkStableCopyPresent({ name: w.name, templateChanged, releaseLabel: releaseLabel.name, releases: listing, stableCopyExists }, f);
    checkRatioTemplate(kind, w, templateChanged, release, stableCopyExists, f);
  }
  if ((kind === "StatefulSet" || kind === "DaemonSet") && old) checkPartitionHold({ kind, name: w.name, object: request.object, oldObject: request.oldObject, templateChanged, releases: listing, byOperator: user === view.operatorIdentity }, f);
  if (old && glass === oldGlass && releaseOf(old).name === releaseLabel.name && !templateChanged) {
    // Nothing new goes live (a scale, a label): only the replica minimum can be broken.
    if (resource.replicated && !w.controlled && w.replicas !== old.replicas) {
      checkReplication(kind, w, ns, policy, release, view, f);
      if (release) checkDesign({ kind, w, namespace: ns, replicated: true, policy, release, view, replicasOnly: true }, f);
      if (release) checkPeakCapacity({ kind, w, object: request.object, namespace: ns, release, view }, f);
    }
    return f.problemCount ? deny(f.message(`golive denied ${kind} ${ns}/${w.name}`)) : ALLOW;
  }

  const heading = `golive denied ${kind} ${ns}/${clip(w.name, 120)}${releaseLabel.name !== undefined ? ` (Release ${clip(releaseLabel.name, 80)})` : ""}`;
  let compiled: ReturnType<typeof compileRelease> | undefined;
  if (releaseLabel.conflict) f.deny(releaseLabel.conflict);
  else if (releaseLabel.name === undefined) f.deny(`it has no ${RELEASE_LABEL} label: label it (and its pod template) with the name of the Release that governs it`);
  else if (!release) f.deny(`Release ${clip(releaseLabel.name, 80)} does not exist in namespace ${ns}: apply the Release first, and wait until it is Approved`);
  if (release) {
    compiled = compileRelease(release);
    if (!w.controlled && !compiled.workloads.has(`${kind}/${w.name}`) && w.name && !w.name.endsWith("<generated>"))
      f.deny(`${kind} ${w.name} is not listed in Release ${release.metadata.name}'s spec.workloads: add {kind: ${kind}, name: ${w.name}} to a Release that governs it`);
    checkReleaseState(release, policy, f);
    // A Job or CronJob of a rolled-out release waits for its verification (or Released).
    if ((kind === "Job" || kind === "CronJob") && release.status?.phase && ADMITTING_PHASES.has(release.status.phase)) checkBatchTiming(kind, w.name, release, f);
  }
  checkImages(w.podSpec, policy, release && compiled ? { release, compiled } : undefined, view, f);
  if (release && compiled) checkConfiguration(w.podSpec, ns, { release, compiled }, view, f);
  checkChangeWindow(policy, now, f);
  if (kind === "Job" || kind === "CronJob") checkBatch(kind, w, policy, release, f);
  if (resource.replicated && !w.controlled) checkReplication(kind, w, ns, policy, release, view, f);
  checkPodSecurity(w, policy, release, f);
  if (release && !w.controlled) checkDesign({ kind, w, namespace: ns, replicated: resource.replicated, policy, release, view }, f);
  if (release && !w.controlled) checkPeakCapacity({ kind, w, object: request.object, namespace: ns, release, view }, f);
  if (w.podSpec) checkServiceAccountPrivilege(w.podSpec, ns, policy, view.rbac, f);
  checkNetworkIsolation(kind, w.name, ns, w.podLabels, policy.policy, view.networkPolicies, f);
  if (release) checkReleaseSafeguards(release.metadata.name, release.spec, policy.policy, f);
  if (release) checkEvidenceAge(release, policy, view, now, f);

  if (glass !== undefined) {
    const outcome = breakGlass({ request, policy, kind, name: w.name, release: releaseLabel.name, value: glass, oldValue: oldGlass, problems: f.problems, problemCount: f.problemCount });
    if (!outcome.allowed) {
      const problems = f.problemCount ? `; without break glass it would be denied for: ${f.problems.slice(0, 3).join("; ")}` : "";
      return deny(`${heading}: ${outcome.problem}${problems}`, f.warningList());
    }
    return { allowed: true, warnings: [outcome.warning, ...f.warningList()], ...(outcome.audit ? { audit: outcome.audit } : {}) };
  }
  return f.problemCount ? deny(f.message(heading), f.warningList()) : allow(f.warningList());
}

function sameTemplate(old: Workload, w: Workload): boolean {
  return jsonEqual(old.template, w.template);
}

function checkBatch(kind: string, w: Workload, policy: CompiledPolicy, release: Release | undefined, f: Findings): void {
  const cls = label(w.labels, BATCH_CLASS_LABEL);
  if (cls === undefined || !policy.highRiskClasses.has(cls)) return;
  const gate = policy.policy.spec.batch?.gate;
  const what = `${kind} ${w.name} is a high-risk batch job (${BATCH_CLASS_LABEL}=${clip(cls, 63)}, 7.1.9)`;
  if (!gate) {
    f.deny(`${what}, but ReleasePolicy ${policy.name} names no batch-test gate (spec.batch.gate): add a tests gate reading BatchTestReport and pass it`);
    return;
  }
  if (!release) return; // the missing Release is already reported
  const result = release.status?.gates?.find((g) => g.name === gate);
  if (result?.status !== "Passed")
    f.deny(`${what}: it needs the batch-test gate ${gate} Passed, but in Release ${release.metadata.name} it is ${result ? `${result.status}: ${clip(result.reason, 200)}` : "not evaluated"}; provide BatchTestReport evidence`);
}
