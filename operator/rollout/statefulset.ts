// A StatefulSet canaried by spec.updateStrategy.rollingUpdate.partition: the StatefulSet
// controller updates only the pods whose ordinal is >= the partition, so golive holds the
// partition at spec.replicas (no pod changes) before the new template takes effect and lowers it
// step by step. There is no second copy and no router: the "stable copy" is the StatefulSet's
// current revision, the candidate its update revision. Pure: views and decisions only.
import { RELEASE_LABEL, VERIFIED_GATE, type ReleaseStatus } from "../../api/index.js";
import type { TrafficObservation } from "../routers/types.js";
import type { WorkloadView } from "./types.js";
import { imagesOf, templateHash } from "./workloads.js";

export interface StatefulSetLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    replicas?: number;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    [k: string]: unknown;
  };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; availableReplicas?: number; currentReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string };
}

/** The pod label the StatefulSet controller sets to the revision a pod runs. */
export const REVISION_LABEL = "controller-revision-hash";

export const replicasOf = (s: StatefulSetLike): number => s.spec?.replicas ?? 1;
export const partitionOf = (s: StatefulSetLike): number => s.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
const observed = (s: StatefulSetLike): boolean => (s.status?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0);
/** The controller saw the current spec and every pod is on one revision. */
const oneRevision = (s: StatefulSetLike): boolean => observed(s) && s.status?.currentRevision !== undefined && s.status.currentRevision === s.status.updateRevision;

/** Pods that run the new version for a weight: ceil(replicas·weight/100), so any weight above 0 moves at least one. */
export function candidateOrdinals(replicas: number, weight: number): number {
  if (weight <= 0) return 0;
  return Math.min(replicas, Math.ceil((replicas * weight) / 100));
}

/**
 * The partition golive wants: while rolling back, and from the promotion on (and once
 * Released), 0; while it keeps a candidate ordinal (its wave verified, then until a step gives
 * it a weight: keepsCandidateOrdinal in statefulset-gate.ts), at least one candidate, kept out of
 * ordinary traffic by its readiness gate; otherwise replicas minus the candidate ordinals of the
 * weight (replicas at 0 %: no pod changes).
 */
export function desiredPartition(status: ReleaseStatus | undefined, replicas: number, weight: number, keepOrdinal = false): number {
  const phase = status?.phase;
  if (phase === "RollingBack" || phase === "Released" || status?.promotion?.startedAt) return 0;
  if (keepOrdinal && replicas >= 2) return Math.min(replicas - 1, replicas - candidateOrdinals(replicas, weight));
  return replicas - candidateOrdinals(replicas, weight);
}

/** What a StatefulSet's pods say while its wave is verified (statefulset-gate.ts). */
export interface VerificationPods {
  /** Its template declares the readiness gate golive.dev/verified. */
  gate: boolean;
  /** Pods on the update revision with every container ready. */
  up: number;
  /** Pods on the update revision whose gate is not False: they could serve ordinary traffic. */
  exposed: number;
  /** Verification is open now (Verifying; CleaningUp keeps the candidate up with verification closed). */
  open: boolean;
}

/**
 * The planner's two views of a StatefulSet: the candidate is its spec.template (update
 * revision); the stable side is its current revision. The stable side carries the candidate's
 * template hash only once every pod runs one revision, so "changed" means the revisions differ.
 */
export function statefulSetViews(s: StatefulSetLike): { candidate: WorkloadView; stable: WorkloadView } {
  const st = s.status ?? {};
  const same = oneRevision(s);
  const hash = templateHash(s.spec?.template);
  const base = {
    name: s.metadata?.name ?? "",
    uid: s.metadata?.uid,
    generation: s.metadata?.generation ?? 0,
    observedGeneration: st.observedGeneration ?? 0,
    replicas: replicasOf(s),
    statusReplicas: st.replicas ?? 0,
    releaseLabel: s.metadata?.labels?.[RELEASE_LABEL],
    images: imagesOf(s),
  };
  const updated = st.updatedReplicas ?? 0;
  const current = same ? updated : (st.currentReplicas ?? 0);
  return {
    candidate: { ...base, readyReplicas: same ? (st.readyReplicas ?? 0) : updated, availableReplicas: st.availableReplicas ?? 0, updatedReplicas: updated, templateHash: hash, podTemplateHash: observed(s) ? st.updateRevision : undefined },
    stable: { ...base, readyReplicas: same ? (st.readyReplicas ?? 0) : current, availableReplicas: same ? (st.availableReplicas ?? 0) : current, updatedReplicas: current, templateHash: same ? hash : `revision:${st.currentRevision ?? ""}`, podTemplateHash: st.currentRevision },
  };
}

/**
 * What is in effect against what golive wants, as a router would say it. Settled when the
 * controller saw the partition golive wants and the pods at the update revision are exactly
 * replicas − partition (all ready); while rolling back, when the template is back (one revision)
 * and the partition is 0. The weight reported is the one wanted once settled.
 */
export function partitionTraffic(s: StatefulSetLike, status: ReleaseStatus | undefined, weight: number, verifying?: VerificationPods): TrafficObservation {
  const replicas = replicasOf(s);
  const want = desiredPartition(status, replicas, weight, verifying?.gate === true);
  const have = partitionOf(s);
  const updated = s.status?.updatedReplicas ?? 0;
  const ready = s.status?.readyReplicas ?? 0;
  if (status?.phase === "RollingBack") {
    const settled = oneRevision(s) && have === 0;
    return { weight: settled ? 0 : Math.round((100 * Math.max(1, updated)) / replicas), verification: false, settled, ...(settled ? {} : { message: `restoring the stable template of StatefulSet ${s.metadata?.name}, then partition 0` }) };
  }
  if (verifying) return verificationTraffic(s, verifying, have, want);
  const candidates = oneRevision(s) ? (want === 0 ? replicas : 0) : updated;
  const settled = observed(s) && have === want && (oneRevision(s) || candidates === replicas - want) && ready >= replicas;
  return {
    weight: settled ? weight : Math.round((100 * candidates) / replicas),
    verification: false,
    settled,
    ...(settled ? {} : { message: `partition ${have} (want ${want}): ${candidates} of ${replicas} pod(s) on the update revision, ${ready} ready` }),
  };
}

/**
 * While its wave is verified: one candidate ordinal, up and held out of ordinary traffic (its
 * gate False), every other pod ready on the stable revision. Without the gate, or with one
 * replica (the candidate would be the only pod, leaving none to serve), no pod moves and the
 * message says why.
 */
function verificationTraffic(s: StatefulSetLike, v: VerificationPods, have: number, want: number): TrafficObservation {
  const name = s.metadata?.name;
  const replicas = replicasOf(s);
  const ready = s.status?.readyReplicas ?? 0;
  const updated = s.status?.updatedReplicas ?? 0;
  if (!v.gate) return { weight: 0, verification: false, settled: false, message: `the pod template of StatefulSet ${name} declares no readiness gate ${VERIFIED_GATE}: golive verifies the new version on one ordinal kept out of every Service by that gate; add spec.template.spec.readinessGates: [{conditionType: ${VERIFIED_GATE}}]` };
  if (replicas < 2) return { weight: 0, verification: false, settled: false, message: `StatefulSet ${name} runs ${replicas} replica: verifying its new version in place would take its only pod out of service; run 2 or more replicas` };
  const candidates = replicas - want;
  const settled = observed(s) && have === want && updated === candidates && v.up >= candidates && v.exposed === 0 && ready >= want;
  return {
    weight: 0,
    verification: settled && v.open,
    settled,
    ...(settled ? {} : { message: `partition ${have} (want ${want}): ${updated} of ${replicas} pod(s) on the update revision, ${v.up} up for verification${v.exposed ? `, ${v.exposed} not yet held out of ordinary traffic` : ""}, ${ready} ready` }),
  };
}

/** The pod template of a ControllerRevision (the StatefulSet controller stores it as a patch that replaces the template). */
export function revisionTemplate(revision: { data?: { spec?: { template?: Record<string, unknown> } } }): Record<string, unknown> | undefined {
  const t = revision.data?.spec?.template;
  if (!t) return undefined;
  const { $patch: _p, ...template } = t;
  return template;
}
