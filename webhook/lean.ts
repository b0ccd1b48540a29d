// What the webhook's caches keep of each object (issue 20): every informer reduces an object on
// arrival to what admission reads, so a cluster with 10,000 releases and 50,000 evidence objects
// fits the webhook's memory target. Each reducer names the rules that read what it keeps; a
// field a rule starts reading must be kept here too (the unit tests run every rule on reduced
// objects: MemoryView applies these same reducers on put).
import type { Release, ReleaseEvidence } from "../api/index.js";
import type { CachedEvidence, KubeAutoscaler, KubeWorkload } from "./view.js";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

interface Meta {
  name?: string;
  namespace?: string;
  annotations?: Record<string, string> | undefined;
  managedFields?: unknown;
}

/**
 * Every cached object without managedFields (who wrote which field: often larger than the spec)
 * and without kubectl's last-applied annotation (a second copy of the whole object as applied:
 * for a Secret, its data again). No rule reads either; the webhook never writes these objects back.
 */
export function leanMetadata<T extends { metadata?: Meta | undefined }>(o: T): T {
  const md = o.metadata;
  if (!md || (md.managedFields === undefined && !(md.annotations && LAST_APPLIED in md.annotations))) return o;
  const { managedFields: _fields, annotations, ...rest } = md;
  const metadata: Meta = rest;
  if (annotations) {
    const { [LAST_APPLIED]: _copy, ...kept } = annotations;
    if (Object.keys(kept).length) metadata.annotations = kept;
  }
  return { ...o, metadata };
}

/** predicate.issuedAt of the evidence's signed statement, in ms; undefined when absent or not decodable. */
export function statementIssuedAt(evidence: Pick<ReleaseEvidence, "spec">): number | undefined {
  try {
    const statement = JSON.parse(Buffer.from(evidence.spec.envelope.payload, "base64").toString("utf8")) as { predicate?: { issuedAt?: unknown } };
    const parsed = typeof statement.predicate?.issuedAt === "string" ? Date.parse(statement.predicate.issuedAt) : NaN;
    return Number.isNaN(parsed) ? undefined : parsed;
  } catch {
    // Not decodable: the operator rejects it; nothing to warn about here.
    return undefined;
  }
}

/**
 * An evidence object as the webhook keeps it: its name, release and type, and when its statement
 * was issued (the evidence-age warning, rules/warnings.ts, is the only rule that reads evidence).
 * The signed envelope stays with the API server: the operator verifies it, the webhook reads the
 * verdict from the Release's status.
 */
export function cachedEvidence(e: ReleaseEvidence): CachedEvidence {
  const md = e.metadata;
  const issuedAt = statementIssuedAt(e);
  return {
    metadata: { name: md.name, ...(md.namespace !== undefined ? { namespace: md.namespace } : {}), ...(md.uid !== undefined ? { uid: md.uid } : {}), ...(md.resourceVersion !== undefined ? { resourceVersion: md.resourceVersion } : {}) },
    spec: { release: e.spec?.release, type: e.spec?.type },
    ...(issuedAt !== undefined ? { issuedAt } : {}),
  };
}

/**
 * A Release as the webhook keeps it: metadata (lean) and spec whole (the rules read most of the
 * spec: workloads, images, configuration, designs, strategy, peak, architecture), and of the
 * status only what rules read: phase, observedGeneration, conditions and message
 * (release-state.ts), gates (release-state.ts, warnings.ts, decide.ts's batch gate), releasedAt
 * (live.ts) and verification (batch-timing.ts reads its passedAt). The rollout's record (canary,
 * waves, analysis runs, seals, monitoring, capacity, DR, rollback, inventory, audit) is the
 * operator's and grows with every step; the webhook never reads it.
 */
export function cachedRelease(r: Release): Release {
  const lean = leanMetadata(r);
  const s = r.status;
  if (!s) return lean;
  const status: NonNullable<Release["status"]> = {};
  if (s.phase !== undefined) status.phase = s.phase;
  if (s.observedGeneration !== undefined) status.observedGeneration = s.observedGeneration;
  if (s.conditions !== undefined) status.conditions = s.conditions;
  if (s.message !== undefined) status.message = s.message;
  if (s.gates !== undefined) status.gates = s.gates;
  if (s.releasedAt !== undefined) status.releasedAt = s.releasedAt;
  if (s.verification !== undefined) status.verification = s.verification;
  // A Released release's waves: the pod template it verified per workload, which a workload created
  // again must match (rules/recreate.ts). Only while Released: one such release per workload.
  if (s.phase === "Released" && s.waves !== undefined) status.waves = s.waves;
  return { ...lean, status };
}

/**
 * A Deployment or StatefulSet as rules read it: metadata (lean), replicas, the pod template and
 * volumeClaimTemplates (the peak capacity check, rules/peak-capacity.ts via rules/scale.ts), and
 * updateStrategy (a StatefulSet's partition, rules/partition-hold.ts via rules/scale.ts). Status,
 * selector and the rest of the spec are not read.
 */
export function cachedWorkload(w: KubeWorkload & { metadata?: Meta }): KubeWorkload {
  const spec = w.spec;
  return {
    ...(w.metadata ? { metadata: leanMetadata(w).metadata } : {}),
    ...(spec
      ? {
          spec: {
            ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
            ...(spec.template !== undefined ? { template: spec.template } : {}),
            ...(spec.updateStrategy !== undefined ? { updateStrategy: spec.updateStrategy } : {}),
            ...(spec.volumeClaimTemplates !== undefined ? { volumeClaimTemplates: spec.volumeClaimTemplates } : {}),
          },
        }
      : {}),
  };
}

/**
 * A ReplicaSet or ReplicationController as the caches keep it. One a controller owns (each
 * revision of a Deployment, labelled with the release through the Deployment's template) serves
 * through its owner, which is what a Release lists and the peak counts: only its metadata is kept,
 * at 0 replicas, as for an owned Pod. One of its own is kept as any workload.
 */
export function cachedReplicaSet(w: KubeWorkload & { metadata?: Meta & { ownerReferences?: { controller?: boolean }[] } }): KubeWorkload {
  const owned = w.metadata?.ownerReferences?.some((r) => r.controller === true) ?? false;
  return owned ? { ...(w.metadata ? { metadata: leanMetadata(w).metadata } : {}), spec: { replicas: 0 } } : cachedWorkload(w);
}

/**
 * A DaemonSet as the peak capacity check reads it: its pod template and, as spec.replicas, the
 * number of nodes the controller last counted it should run on (status.desiredNumberScheduled;
 * absent until the controller has observed it, then the check counts the release's design).
 */
export function cachedDaemonSet(d: { metadata?: Meta; spec?: { template?: { spec?: unknown }; updateStrategy?: unknown }; status?: { desiredNumberScheduled?: number } }): KubeWorkload {
  const scheduled = d.status?.desiredNumberScheduled;
  return {
    ...(d.metadata ? { metadata: leanMetadata(d).metadata } : {}),
    spec: { ...(scheduled !== undefined ? { replicas: scheduled } : {}), ...(d.spec?.template !== undefined ? { template: d.spec.template } : {}) },
  };
}

/**
 * A Pod as the peak capacity check reads it: a bare pod (no controlling owner) is one replica of
 * its own spec; a pod a controller owns is counted through its owner, so only its name is kept.
 */
export function cachedPod(p: { metadata?: Meta & { ownerReferences?: { controller?: boolean }[] }; spec?: unknown }): KubeWorkload {
  const owned = p.metadata?.ownerReferences?.some((r) => r.controller === true) ?? false;
  return {
    ...(p.metadata ? { metadata: leanMetadata(p).metadata } : {}),
    spec: owned ? { replicas: 0 } : { replicas: 1, template: { spec: p.spec } },
  };
}

/** A HorizontalPodAutoscaler as the peak capacity check reads it: its target and maxReplicas. */
export function cachedAutoscaler(h: KubeAutoscaler & { metadata?: Meta & { resourceVersion?: string; uid?: string } }): KubeAutoscaler {
  const md = h.metadata;
  const spec = h.spec;
  return {
    ...(md ? { metadata: { name: md.name, namespace: md.namespace, ...(md.resourceVersion !== undefined ? { resourceVersion: md.resourceVersion } : {}) } } : {}),
    ...(spec ? { spec: { ...(spec.scaleTargetRef ? { scaleTargetRef: { kind: spec.scaleTargetRef.kind, name: spec.scaleTargetRef.name } } : {}), ...(spec.maxReplicas !== undefined ? { maxReplicas: spec.maxReplicas } : {}) } } : {}),
  };
}

/** Objects whose status no rule reads (PodDisruptionBudgets: the rules read spec.selector and the name). */
export function withoutStatus<T extends { metadata?: Meta | undefined; status?: unknown }>(o: T): T {
  const { status: _status, ...rest } = leanMetadata(o);
  return rest as T;
}
