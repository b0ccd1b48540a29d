// A DaemonSet canaried node by node. While the next Release is Pending/Approved golive sets
// updateStrategy OnDelete (recording the stable revision and update strategy in annotations), so
// the new template, once applied, changes no pod by itself. While its wave is Verifying golive
// deletes the pods on the nodes labelled golive.dev/canary-node=true (they come back on the new
// revision: verification runs there); each step then adds its weight as a share of the other
// nodes (by node name), the promotion the rest. Rollback restores the stable template and
// deletes every pod off the stable revision. Candidate and stable pods are told apart by their
// controller-revision-hash against the DaemonSet's ControllerRevisions (the newest is the update
// revision). Pure: the I/O is in daemonset-io.ts and the controller.
import { RELEASE_LABEL, type ReleaseStatus } from "../../api/index.js";
import type { TrafficObservation } from "../routers/types.js";
import { REVISION_LABEL } from "./statefulset.js";
import type { RolloutAction, WorkloadView } from "./types.js";
import { imagesOf, templateHash } from "./workloads.js";

/** Nodes with this label run the candidate first. */
export const CANARY_NODE_LABEL = "golive.dev/canary-node";
export const CANARY_NODE_VALUE = "true";
export const STABLE_REVISION_ANNOTATION = "golive.dev/stable-revision";
export const STABLE_STRATEGY_ANNOTATION = "golive.dev/stable-update-strategy";

type Template = Record<string, unknown>;
export type JsonPatch = { op: "add" | "replace" | "remove"; path: string; value?: unknown }[];

export interface DaemonSetLike {
  metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { template?: Template & { metadata?: { labels?: Record<string, string> } }; updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } }; selector?: { matchLabels?: Record<string, string> }; [k: string]: unknown };
  status?: { observedGeneration?: number; desiredNumberScheduled?: number; numberReady?: number; numberAvailable?: number; updatedNumberScheduled?: number; currentNumberScheduled?: number };
}
export interface DaemonPodLike {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { uid?: string }[] };
  spec?: { nodeName?: string };
  status?: { conditions?: { type?: string; status?: string }[] };
}
export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { taints?: { key?: string; value?: string; effect?: string }[] };
}
export interface DaemonRevisionLike {
  metadata?: { name?: string; labels?: Record<string, string>; ownerReferences?: { uid?: string }[] };
  revision?: number;
  data?: { spec?: { template?: Template } };
}

/**
 * Where the candidate runs: on the canary nodes (`canary`) and on the first `share` % of the
 * other nodes the DaemonSet runs on, by node name (100: every node). Nowhere: neither.
 */
export interface Stage {
  canary: boolean;
  share: number;
}
export const NOWHERE: Stage = { canary: false, share: 0 };
export const EVERYWHERE: Stage = { canary: true, share: 100 };
const nowhere = (s: Stage): boolean => !s.canary && s.share <= 0;

export interface DaemonPod {
  name: string;
  node: string;
  revision: string;
  ready: boolean;
  canaryNode: boolean;
  /** Its node's place among the other (not canary) nodes the DaemonSet runs on, by name; -1 on a canary node. */
  rank: number;
}
export interface DaemonSetView {
  name: string;
  generation: number;
  observed: boolean;
  updateRevision: string;
  stableRevision: string;
  desired: number;
  /** Nodes labelled golive.dev/canary-node=true that the DaemonSet's pods may run on (mayRunOn). */
  canaryNodes: string[];
  /** Nodes labelled so that its pods may not run on (node selector, required affinity, taints): reported, never counted. */
  unfitCanaryNodes: string[];
  /** The other nodes the DaemonSet's pods may run on (node selector and taints), by name: a step's share is of these. */
  otherNodes: string[];
  /** Pods not being deleted. */
  pods: DaemonPod[];
  /** Pods being deleted that do not run the stable revision. */
  terminatingOffStable: number;
}

/** The hash of the newest ControllerRevision: what the DaemonSet's template is now. */
export function updateRevisionOf(revisions: readonly DaemonRevisionLike[]): string {
  const newest = [...revisions].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
  return newest?.metadata?.labels?.[REVISION_LABEL] ?? "";
}

type Toleration = { key?: string; operator?: string; value?: string; effect?: string };
type NodeSelectorRequirement = { key?: string; operator?: string; values?: string[] };
type NodeSelectorTerm = { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] };
type PodSpecLike = { nodeSelector?: Record<string, string>; tolerations?: Toleration[]; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } };
/** Taints the DaemonSet controller tolerates on every daemon pod (node conditions, unschedulable). */
const DAEMON_TOLERATED = /^node\.kubernetes\.io\/(not-ready|unreachable|disk-pressure|memory-pressure|pid-pressure|unschedulable|network-unavailable)$/;
const tolerates = (tolerations: readonly Toleration[], t: { key?: string; value?: string; effect?: string }): boolean =>
  DAEMON_TOLERATED.test(t.key ?? "") || tolerations.some((x) => (x.effect === undefined || x.effect === "" || x.effect === t.effect) && (x.operator === "Exists" ? x.key === undefined || x.key === "" || x.key === t.key : x.key === t.key && (x.value ?? "") === (t.value ?? "")));

/** One requirement of a node selector term against a node's labels (or fields), as the scheduler reads it. */
function requirementHolds(r: NodeSelectorRequirement, values: Record<string, string>): boolean {
  const key = r.key ?? "";
  const has = Object.prototype.hasOwnProperty.call(values, key);
  const value = values[key];
  const integer = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);
  switch (r.operator) {
    case "In":
      return has && (r.values ?? []).includes(value!);
    case "NotIn":
      return !has || !(r.values ?? []).includes(value!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      const [n, bound] = [integer(value), integer(r.values?.[0])];
      if (n === undefined || bound === undefined || (r.values ?? []).length !== 1) return false;
      return r.operator === "Gt" ? n > bound : n < bound;
    }
    default:
      return false; // an operator the API server would have refused
  }
}

/**
 * Required node affinity: the terms are ORed, the requirements of a term ANDed; a term with no
 * requirement matches no node. matchFields knows metadata.name only, as the scheduler does.
 */
function affinityAllows(spec: PodSpecLike, node: NodeLike): boolean {
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined) return true;
  const labels = node.metadata?.labels ?? {};
  const fields = { "metadata.name": node.metadata?.name ?? "" };
  return terms.some((t) => {
    const expressions = t.matchExpressions ?? [];
    const byField = t.matchFields ?? [];
    return expressions.length + byField.length > 0 && expressions.every((r) => requirementHolds(r, labels)) && byField.every((r) => requirementHolds(r, fields));
  });
}

/**
 * Whether the DaemonSet's pods may run on a node: its node selector matches, its required node
 * affinity allows it, and every NoSchedule/NoExecute taint is tolerated. Preferred affinity only
 * ranks nodes for the scheduler and does not count.
 */
export function mayRunOn(template: Template | undefined, node: NodeLike): boolean {
  const spec = (template?.spec ?? {}) as PodSpecLike;
  const labels = node.metadata?.labels ?? {};
  if (Object.entries(spec.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) return false;
  if (!affinityAllows(spec, node)) return false;
  return (node.spec?.taints ?? []).filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute").every((t) => tolerates(spec.tolerations ?? [], t));
}

export function daemonSetView(ds: DaemonSetLike, revisions: readonly DaemonRevisionLike[], pods: readonly DaemonPodLike[], nodes: readonly NodeLike[]): DaemonSetView {
  const isCanary = (n: NodeLike) => n.metadata?.labels?.[CANARY_NODE_LABEL] === CANARY_NODE_VALUE;
  // A labelled node its pods may not run on is no canary node: verification would wait on it for ever.
  const canaryNodes = nodes.filter((n) => isCanary(n) && mayRunOn(ds.spec?.template, n)).map((n) => n.metadata?.name ?? "");
  const unfitCanaryNodes = nodes.filter((n) => isCanary(n) && !mayRunOn(ds.spec?.template, n)).map((n) => n.metadata?.name ?? "");
  // Node objects, not the pods seen now: a pod being replaced is briefly missing, and a share
  // counted over pods would then pick another node.
  const otherNodes = nodes
    .filter((n) => !isCanary(n) && mayRunOn(ds.spec?.template, n))
    .map((n) => n.metadata?.name ?? "")
    .sort();
  const updateRevision = updateRevisionOf(revisions);
  const stableRevision = ds.metadata?.annotations?.[STABLE_REVISION_ANNOTATION] ?? updateRevision;
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  const rankOf = (node: string): number => (canaryNodes.includes(node) ? -1 : otherNodes.includes(node) ? otherNodes.indexOf(node) : otherNodes.length);
  return {
    name: ds.metadata?.name ?? "",
    generation: ds.metadata?.generation ?? 0,
    observed: (ds.status?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0),
    updateRevision,
    stableRevision,
    desired: ds.status?.desiredNumberScheduled ?? 0,
    canaryNodes,
    unfitCanaryNodes,
    otherNodes,
    pods: live.map((p) => ({
      name: p.metadata?.name ?? "",
      node: p.spec?.nodeName ?? "",
      revision: p.metadata?.labels?.[REVISION_LABEL] ?? "",
      ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      canaryNode: canaryNodes.includes(p.spec?.nodeName ?? ""),
      rank: rankOf(p.spec?.nodeName ?? ""),
    })),
    terminatingOffStable: pods.filter((p) => p.metadata?.deletionTimestamp && p.metadata.labels?.[REVISION_LABEL] !== stableRevision).length,
  };
}

/**
 * The stage golive wants for a DaemonSet of the rollout, from the Release's status and the
 * DaemonSet's wave. Rolling back (or stopped, or not started): nowhere. Its wave Verifying or
 * CleaningUp: the canary nodes only (the labelled nodes are where verification runs, 4.6 c; they
 * keep the candidate while verification data is cleaned up, so no pod flips back and forth).
 * Progressing: the canary nodes plus the step's weight as a share of the other nodes; a wave
 * already passed keeps its last weight; the promotion and Released: every node.
 */
export function nodeStage(status: ReleaseStatus | undefined, u: { name: string; wave: number }): Stage {
  const phase = status?.phase;
  if (!status || phase === "RollingBack") return NOWHERE;
  const record = status.waves?.[u.wave]?.workloads.find((w) => w.name === u.name);
  if (record && !record.changed) return NOWHERE;
  if (phase === "Released" || (phase === "Progressing" && status.promotion?.startedAt)) return EVERYWHERE;
  if (!(phase === "Verifying" || phase === "CleaningUp" || phase === "Progressing") || status.canary?.initialising) return NOWHERE;
  const wave = status.canary?.wave ?? 0;
  if (u.wave > wave) return NOWHERE;
  const weight = u.wave < wave ? (status.waves?.[u.wave]?.weight ?? 0) : phase === "Progressing" ? (status.canary?.weight ?? 0) : 0;
  return { canary: true, share: Math.min(100, Math.max(0, weight)) };
}

/**
 * What a rollout action asks of a DaemonSet unit: a route while rolling back puts the stable
 * template back, then its pods (rollBackStep); a stopped (Failed) rollout's restoreStable puts the
 * stable template and the recorded update strategy back at once, so the DaemonSet controller
 * itself takes every node back to the stable revision (restoreAndHandBackPatch); otherwise a
 * route replaces the pods of the stage the status asks for and the promotion (ensureStable) those
 * of every node. Nothing else once Released or Failed.
 */
export function nodeAction(a: RolloutAction, status: ReleaseStatus | undefined, u: { name: string; wave: number }): "rollBack" | "restoreAndHandBack" | { stage: Stage } | undefined {
  if (a.type === "restoreStable") return "restoreAndHandBack";
  if (a.type === "route" && status?.phase === "RollingBack") return "rollBack";
  if (status?.phase === "Released" || status?.phase === "Failed") return undefined;
  if (a.type === "ensureStable") return { stage: EVERYWHERE };
  if (a.type === "route") return { stage: nodeStage(status, u) };
  return undefined;
}

/** How many of the other nodes a stage puts the candidate on. */
const othersIn = (v: DaemonSetView, stage: Stage): number => (stage.share >= 100 ? Infinity : Math.ceil((stage.share * v.otherNodes.length) / 100));
const inStage = (v: DaemonSetView, p: DaemonPod, stage: Stage): boolean => (p.canaryNode ? stage.canary : p.rank < othersIn(v, stage));
/** Pods on the update revision while it is not the stable one. */
export const candidatePods = (v: DaemonSetView): DaemonPod[] => (v.updateRevision === v.stableRevision ? [] : v.pods.filter((p) => p.revision === v.updateRevision));
/** Every node runs one pod of the update revision. */
const allOnUpdate = (v: DaemonSetView): boolean => v.observed && v.desired > 0 && v.pods.length === v.desired && v.pods.every((p) => p.revision === v.updateRevision);

/** The maxUnavailable of an update strategy, as a pod count (default 1, at least 1). */
export function maxUnavailableOf(strategy: { rollingUpdate?: { maxUnavailable?: number | string } } | undefined, desired: number): number {
  const m = strategy?.rollingUpdate?.maxUnavailable;
  if (typeof m === "number") return Math.max(1, m);
  if (typeof m === "string" && /^\d+%$/.test(m)) return Math.max(1, Math.floor((desired * Number(m.slice(0, -1))) / 100));
  return 1;
}

/**
 * The pods to delete now so a stage runs the candidate: those in it not on the update revision,
 * canary nodes first then by node name, no more at once than the stable update strategy's
 * maxUnavailable allows (counting the pods already missing or not ready), so the rest of the
 * nodes keep their agent.
 */
export function podsToReplace(v: DaemonSetView, stage: Stage, maxUnavailable: number): string[] {
  if (!v.observed || v.updateRevision === v.stableRevision) return [];
  const out = v.pods.filter((p) => inStage(v, p, stage) && p.revision !== v.updateRevision).sort((a, b) => a.rank - b.rank || a.node.localeCompare(b.node));
  const down = Math.max(0, v.desired - v.pods.filter((p) => p.ready).length);
  return out.slice(0, Math.max(0, maxUnavailable - down)).map((p) => p.name);
}

/**
 * The planner's two views of a DaemonSet, as for a StatefulSet: the candidate is its template
 * (update revision); the stable side is the stable revision, which carries the candidate's
 * template hash only once every node runs the update revision.
 */
export function daemonSetViews(ds: DaemonSetLike, v: DaemonSetView): { candidate: WorkloadView; stable: WorkloadView } {
  const same = allOnUpdate(v);
  const hash = templateHash(ds.spec?.template);
  const ready = (rev: string) => v.pods.filter((p) => p.revision === rev && p.ready).length;
  const on = (rev: string) => v.pods.filter((p) => p.revision === rev).length;
  const base = { name: v.name, uid: ds.metadata?.uid, generation: v.generation, observedGeneration: ds.status?.observedGeneration ?? 0, replicas: v.desired, statusReplicas: v.pods.length, releaseLabel: ds.metadata?.labels?.[RELEASE_LABEL], images: imagesOf(ds) };
  const stableRev = same ? v.updateRevision : v.stableRevision;
  return {
    candidate: { ...base, readyReplicas: ready(v.updateRevision), availableReplicas: ready(v.updateRevision), updatedReplicas: on(v.updateRevision), templateHash: hash, podTemplateHash: v.observed ? v.updateRevision : undefined },
    stable: { ...base, readyReplicas: ready(stableRev), availableReplicas: ready(stableRev), updatedReplicas: on(stableRev), templateHash: same ? hash : `revision:${v.stableRevision}`, podTemplateHash: v.stableRevision },
  };
}

/**
 * A DaemonSet as its controller reports it, for a release without a strategy (no canary, so no
 * revisions or pods to tell apart): rolled out once every node that should run it runs an
 * available pod of its current template.
 */
export function daemonSetStatusView(ds: DaemonSetLike): WorkloadView {
  const st = ds.status ?? {};
  const desired = st.desiredNumberScheduled ?? 0;
  return {
    name: ds.metadata?.name ?? "",
    uid: ds.metadata?.uid,
    generation: ds.metadata?.generation ?? 0,
    observedGeneration: st.observedGeneration ?? 0,
    replicas: desired,
    readyReplicas: st.numberReady ?? 0,
    availableReplicas: st.numberAvailable ?? 0,
    updatedReplicas: st.updatedNumberScheduled ?? 0,
    statusReplicas: st.currentNumberScheduled ?? 0,
    templateHash: templateHash(ds.spec?.template),
    releaseLabel: ds.metadata?.labels?.[RELEASE_LABEL],
    images: imagesOf(ds),
  };
}

const stageLabel = (v: DaemonSetView, s: Stage): string =>
  nowhere(s) ? "none" : s.share >= 100 ? "all" : `the ${v.canaryNodes.length} canary node(s)${s.share > 0 ? ` and ${othersIn(v, s)} of the ${v.otherNodes.length} other node(s)` : ""}`;

/**
 * What is in effect against what golive wants, as a router would say it: settled when the stage
 * golive wants runs (its nodes one Ready pod each of the update revision, every other node the
 * stable one); while rolling back, when the template is the stable one again and every node runs
 * one Ready stable pod. `verification` (its wave Verifying) is reported once the canary nodes run
 * the candidate: they are where verification runs. The weight reported is the one wanted once
 * settled.
 */
export function nodeTraffic(v: DaemonSetView, stage: Stage, want: { weight: number; verification: boolean }, rollingBack = false): TrafficObservation {
  const candidates = candidatePods(v);
  const share = (n: number) => (v.desired ? Math.round((100 * n) / v.desired) : 0);
  if (rollingBack) {
    const settled = rolledBack(v);
    return { weight: settled ? 0 : Math.max(1, share(candidates.length)), verification: false, settled, ...(settled ? {} : { message: `restoring the stable template of DaemonSet ${v.name}: ${candidates.length + v.terminatingOffStable} pod(s) off the stable revision` }) };
  }
  const unsettled = (message: string): TrafficObservation => ({ weight: share(candidates.length), verification: false, settled: false, message });
  if (stage.canary && v.canaryNodes.length === 0 && v.unfitCanaryNodes.length) return unsettled(`DaemonSet ${v.name} may not run on the nodes labelled ${CANARY_NODE_LABEL}=${CANARY_NODE_VALUE} (${v.unfitCanaryNodes.join(", ")}): its node selector, required node affinity or untolerated taints keep its pods off them; label nodes it runs on (kubectl label node NODE ${CANARY_NODE_LABEL}=${CANARY_NODE_VALUE})`);
  if (stage.canary && v.canaryNodes.length === 0) return unsettled(`no node is labelled ${CANARY_NODE_LABEL}=${CANARY_NODE_VALUE}: label the nodes the DaemonSet ${v.name} is verified on first (kubectl label node NODE ${CANARY_NODE_LABEL}=${CANARY_NODE_VALUE})`);
  const changing = v.updateRevision !== v.stableRevision;
  if (stage.canary && changing && !v.pods.some((p) => p.canaryNode)) return unsettled(`none of the nodes labelled ${CANARY_NODE_LABEL}=${CANARY_NODE_VALUE} (${v.canaryNodes.join(", ")}) runs a pod of DaemonSet ${v.name}: label nodes it runs on`);
  const scope = v.pods.filter((p) => inStage(v, p, stage));
  const others = v.pods.filter((p) => !inStage(v, p, stage));
  const settled = v.observed && v.pods.length === v.desired && scope.every((p) => p.ready && p.revision === v.updateRevision) && others.every((p) => p.revision === v.stableRevision || !changing);
  return {
    weight: settled ? want.weight : share(candidates.length),
    verification: settled && want.verification,
    settled,
    ...(settled ? {} : { message: `DaemonSet ${v.name}: ${candidates.length} of ${v.desired} node(s) on the update revision, want ${stageLabel(v, stage)}` }),
  };
}

/**
 * The next move of a rollback: the stable template first (OnDelete kept, so nothing moves until
 * it is back); once the controller made the stable revision the update revision again, delete
 * every pod off it (they come back on it). Nothing while the controller has not seen the template.
 */
export function rollBackStep(v: DaemonSetView): { template: true } | { pods: string[] } {
  if (v.updateRevision !== v.stableRevision) return { template: true };
  if (!v.observed) return { pods: [] };
  return { pods: v.pods.filter((p) => p.revision !== v.stableRevision).map((p) => p.name) };
}

/** Rolled back: the template is the stable one again and every node runs one Ready stable pod (0 candidate pods). */
export function rolledBack(v: DaemonSetView): boolean {
  return v.observed && v.updateRevision === v.stableRevision && v.pods.length === v.desired && v.terminatingOffStable === 0 && v.pods.every((p) => p.ready && p.revision === v.stableRevision);
}

const escape = (k: string): string => k.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Hold a DaemonSet before the next template: OnDelete, with the stable revision and the update
 * strategy it had recorded, so the rollout knows what to compare with and what to put back. A
 * DaemonSet still held (an earlier rollout never handed it back) keeps the strategy recorded
 * then: its OnDelete is golive's, not the user's.
 */
export function holdPatch(live: DaemonSetLike, stableRevision: string): JsonPatch {
  const recorded = held(live) ? live.metadata?.annotations?.[STABLE_STRATEGY_ANNOTATION] : undefined;
  const annotations = { [STABLE_REVISION_ANNOTATION]: stableRevision, [STABLE_STRATEGY_ANNOTATION]: recorded ?? JSON.stringify(live.spec?.updateStrategy ?? { type: "RollingUpdate" }) };
  return [
    ...(live.metadata?.annotations ? Object.entries(annotations).map(([k, value]) => ({ op: "add" as const, path: `/metadata/annotations/${escape(k)}`, value })) : [{ op: "add" as const, path: "/metadata/annotations", value: annotations }]),
    { op: "add", path: "/spec/updateStrategy", value: { type: "OnDelete" } },
  ];
}

/** Whether the DaemonSet is held: OnDelete with its stable revision recorded. */
export const held = (ds: DaemonSetLike): boolean => ds.spec?.updateStrategy?.type === "OnDelete" && ds.metadata?.annotations?.[STABLE_REVISION_ANNOTATION] !== undefined;

/** The stable template: the ControllerRevision of the recorded stable revision. */
export function daemonStableTemplate(live: DaemonSetLike, revisions: readonly DaemonRevisionLike[]): Template {
  const stable = live.metadata?.annotations?.[STABLE_REVISION_ANNOTATION];
  const stored = revisions.find((r) => stable && r.metadata?.labels?.[REVISION_LABEL] === stable)?.data?.spec?.template;
  if (!stored) throw new Error(`DaemonSet ${live.metadata?.name ?? ""}: the ControllerRevision of its stable revision ${stable ?? "(not recorded)"} is gone, so golive cannot tell which template to restore: restore it by hand (kubectl rollout undo daemonset/${live.metadata?.name ?? ""})`);
  const { $patch: _p, ...template } = stored as Template & { $patch?: unknown };
  return template;
}

/** The stable template back (with the release label it ran under), OnDelete kept until every candidate pod is gone. */
export function restorePatch(template: Template): JsonPatch {
  const label = (template.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[RELEASE_LABEL];
  return [{ op: "replace", path: "/spec/template", value: template }, ...(label ? [{ op: "add" as const, path: `/metadata/labels/${escape(RELEASE_LABEL)}`, value: label }] : [])];
}

/** The recorded update strategy back and golive's annotations gone: the rollout is over. */
export function releasePatch(live: DaemonSetLike): JsonPatch {
  const recorded = live.metadata?.annotations?.[STABLE_STRATEGY_ANNOTATION];
  const have = live.metadata?.annotations ?? {};
  return [
    { op: "add", path: "/spec/updateStrategy", value: recorded ? (JSON.parse(recorded) as unknown) : { type: "RollingUpdate" } },
    ...[STABLE_REVISION_ANNOTATION, STABLE_STRATEGY_ANNOTATION].filter((k) => k in have).map((k) => ({ op: "remove" as const, path: `/metadata/annotations/${escape(k)}` })),
  ];
}

/**
 * A stopped rollout: the stable template and the recorded update strategy back, golive's
 * annotations gone, in one patch. The DaemonSet controller then replaces every pod off the stable
 * revision within the strategy's maxUnavailable; golive no longer holds it.
 */
export function restoreAndHandBackPatch(live: DaemonSetLike, template: Template): JsonPatch {
  return [...restorePatch(template), ...releasePatch(live)];
}
