// 6.2.1: the Release's declared peak (spec.peak: pods, CPU, memory, connections, storage) against
// what its serving workloads can reach (Deployments, StatefulSets, ReplicaSets,
// ReplicationControllers, DaemonSets on the nodes they are scheduled to, bare Pods): the object
// being admitted as it would be, the others from the informers' memory, each at its HPA's
// maxReplicas when one targets it. A workload
// not created yet counts as its design (spec.designs) says, so the first of several is not denied.
// An HPA being admitted (checkAutoscalerPeak) counts as it would be, in place of its old self.
import type { Release } from "../../api/index.js";
import { designOf } from "../../operator/design/compare.js";
import { peakShortfalls, perPod, reachSummary, replicasToReach, type WorkloadReach } from "../../operator/design/peak.js";
import { parseQuantity } from "../../operator/capacity/quantity.js";
import { stableName } from "../../operator/rollout/names.js";
import type { Findings } from "../findings.js";
import { asObj } from "../object.js";
import { workloadStore, type AdmissionView } from "../view.js";
import type { Workload } from "../workload.js";
import { ratioOwned } from "./replica-ratio.js";

/**
 * The kinds that serve at peak. A ReplicaSet or Pod a listed owner controls is not listed itself,
 * so nothing is counted twice. Jobs and CronJobs run to completion: they are not serving capacity.
 */
const COUNTED = new Set(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "DaemonSet", "Pod"]);

export interface PeakCheck {
  kind: string;
  w: Workload;
  /** The object being admitted, as sent (its volumeClaimTemplates). */
  object: unknown;
  namespace: string;
  release: Release;
  view: AdmissionView;
}

/** An HorizontalPodAutoscaler as admission reads it (autoscaling/v2, or v1: the same fields). */
export interface AdmittedAutoscaler {
  name: string;
  /** spec.scaleTargetRef */
  kind: string;
  target: string;
  maxReplicas: number;
}

interface ReachContext {
  namespace: string;
  release: Release;
  view: AdmissionView;
  /** The Deployment or StatefulSet being admitted, counted as sent. */
  admitted?: { kind: string; w: Workload; object: unknown };
  /** The HPA being admitted, counted as sent (its stored self, by name, is not). */
  autoscaler?: AdmittedAutoscaler;
  /** The HPA being deleted: not counted at all. */
  removed?: string;
}

/**
 * An HPA created or changed after its workload (6.2.1): the release's workloads with this HPA's
 * maxReplicas against spec.peak, everything else from memory. A change that does not lower what
 * the target can reach (a higher maxReplicas, a label) is never denied, even when the release is
 * short for another reason: it cannot make things worse, and the fix lies elsewhere.
 */
export function checkAutoscalerPeak(c: { hpa: AdmittedAutoscaler; old?: AdmittedAutoscaler | undefined; namespace: string; release: Release; view: AdmissionView }, f: Findings): void {
  const peak = c.release.spec.peak;
  if (!peak || !COUNTED.has(c.hpa.kind)) return;
  if (c.old && c.old.kind === c.hpa.kind && c.old.target === c.hpa.target && c.hpa.maxReplicas >= c.old.maxReplicas) return;
  const ctx: ReachContext = { namespace: c.namespace, release: c.release, view: c.view, autoscaler: c.hpa };
  const reaches = c.release.spec.workloads.filter((x) => COUNTED.has(x.kind)).map((x) => reachOf(x.kind, x.name, ctx));
  const target = reaches.find((r) => r.workload === `${c.hpa.kind} ${c.hpa.target}`);
  if (!target) return; // not a workload of this release: its own admission counts it
  const rel = c.release.metadata.name;
  for (const s of peakShortfalls(peak, reaches))
    f.deny(`HPA ${c.hpa.name} caps ${target.workload} at maxReplicas ${c.hpa.maxReplicas}, and with it Release ${rel}'s workloads reach ${s.reachable} ${s.metric} (replicas: ${reachSummary(reaches)}) but the Release needs ${s.declared} at peak (spec.peak.${s.metric}, 6.2.1): ${s.short} short; ${replicasToReach(s, target)}, or raise another workload's replicas or requests, or correct spec.peak.${s.metric}`);
}

/**
 * An HPA deleted while its target's Release is live (6.2.1): without it the target stays at its
 * spec.replicas. Denied only when the release's declared peak relies on it (it reaches the peak
 * with the HPA and not without); an HPA the peak does not need goes freely.
 */
export function checkAutoscalerDelete(c: { hpa: AdmittedAutoscaler; namespace: string; release: Release; view: AdmissionView }, f: Findings): void {
  const peak = c.release.spec.peak;
  if (!peak || !COUNTED.has(c.hpa.kind)) return;
  const names = new Set(c.release.spec.workloads.filter((x) => COUNTED.has(x.kind)).map((x) => `${x.kind} ${x.name}`));
  if (!names.has(`${c.hpa.kind} ${c.hpa.target}`)) return;
  const reaches = (ctx: ReachContext) => c.release.spec.workloads.filter((x) => COUNTED.has(x.kind)).map((x) => reachOf(x.kind, x.name, ctx));
  const withIt = reaches({ namespace: c.namespace, release: c.release, view: c.view, autoscaler: c.hpa });
  const without = reaches({ namespace: c.namespace, release: c.release, view: c.view, removed: c.hpa.name });
  const before = new Set(peakShortfalls(peak, withIt).map((s) => s.metric));
  const rel = c.release.metadata.name;
  for (const s of peakShortfalls(peak, without)) {
    if (before.has(s.metric)) continue; // short with the HPA too: its delete does not make it worse
    f.deny(`Release ${rel} needs ${s.declared} ${s.metric} at peak (spec.peak.${s.metric}, 6.2.1) and reaches it only through HPA ${c.hpa.name} (maxReplicas ${c.hpa.maxReplicas}); without it its workloads reach ${s.reachable} (replicas: ${reachSummary(without)}): ${s.short} short. create the replacement HPA first, or raise ${c.hpa.kind} ${c.hpa.target}'s spec.replicas, or correct spec.peak.${s.metric} in a new Release`);
  }
}

export function checkPeakCapacity(c: PeakCheck, f: Findings): void {
  const peak = c.release.spec.peak;
  if (!peak || !COUNTED.has(c.kind)) return;
  if (c.w.replicas !== undefined && !Number.isInteger(c.w.replicas)) return; // checkReplication reports a malformed replicas
  const rel = c.release.metadata.name;
  const self = perPod(c.w.podSpec, volumeClaimTemplates(c.object));
  for (const p of self.problems) f.deny(`${c.kind} ${c.w.name}: ${p}: fix it so golive can check the peak Release ${rel} declares (spec.peak, 6.2.1)`);
  const ctx: ReachContext = { namespace: c.namespace, release: c.release, view: c.view, admitted: { kind: c.kind, w: c.w, object: c.object } };
  const reaches = c.release.spec.workloads.filter((x) => COUNTED.has(x.kind)).map((x) => reachOf(x.kind, x.name, ctx));
  const admitted = reaches.find((r) => r.workload === `${c.kind} ${c.w.name}`);
  for (const s of peakShortfalls(peak, reaches)) {
    const fix = admitted ? `${replicasToReach(s, admitted)}; or raise another workload's replicas or requests, or correct spec.peak.${s.metric}` : `raise the requests or replicas (or an HPA's maxReplicas), or correct spec.peak.${s.metric}`;
    f.deny(`Release ${rel} needs ${s.declared} ${s.metric} at peak (spec.peak.${s.metric}, 6.2.1) but its workloads reach ${s.reachable} (replicas: ${reachSummary(reaches)}): ${s.short} short; ${fix}`);
  }
}

const volumeClaimTemplates = (object: unknown): unknown[] => (asObj(asObj(object)?.spec)?.volumeClaimTemplates as unknown[] | undefined) ?? [];

/** What a workload of the release runs now: its pods' spec and how many, or undefined when not in memory. */
interface Running {
  podSpec: unknown;
  claims: unknown[] | undefined;
  /** undefined: a DaemonSet the controller has not scheduled yet (its node count is not known). */
  replicas: number | undefined;
  from: string;
}

function running(kind: string, name: string, c: ReachContext): Running | undefined {
  const stored = workloadStore(c.view, kind)?.get(c.namespace, name);
  const a = c.admitted;
  if (a && kind === a.kind && name === a.w.name) {
    // A DaemonSet runs where its node selector and tolerations allow: how many the controller last counted.
    if (kind === "DaemonSet") return { podSpec: a.w.podSpec, claims: undefined, replicas: stored?.spec?.replicas, from: DAEMON_FROM };
    if (kind === "Pod") return { podSpec: a.w.podSpec, claims: undefined, replicas: 1, from: "a bare Pod" };
    return { podSpec: a.w.podSpec, claims: volumeClaimTemplates(a.object), replicas: a.w.replicas ?? 1, from: "spec.replicas" };
  }
  if (!stored) return undefined;
  let replicas = stored.spec?.replicas ?? (kind === "DaemonSet" ? undefined : 1);
  // With replica ratio the user's Deployment rests at 0 between rollouts; its stable copy serves.
  if (replicas === 0 && ratioOwned(kind, name, c.release)) replicas = c.view.deployments?.get(c.namespace, stableName(name))?.spec?.replicas ?? 0;
  if (replicas !== undefined && !Number.isInteger(replicas)) replicas = 0;
  const owned = (stored.metadata as { ownerReferences?: { controller?: boolean }[] } | undefined)?.ownerReferences?.some((r) => r.controller === true) === true;
  const from = kind === "DaemonSet" ? DAEMON_FROM : kind === "Pod" ? (replicas ? "a bare Pod" : "a Pod with an owner, counted through it") : owned ? `a ${kind} with an owner, counted through it` : "spec.replicas";
  return { podSpec: stored.spec?.template?.spec, claims: stored.spec?.volumeClaimTemplates, replicas, from };
}

const DAEMON_FROM = "status.desiredNumberScheduled";

function reachOf(kind: string, name: string, c: ReachContext): WorkloadReach {
  const design = designOf(c.release.spec.designs, kind, name);
  const workload = `${kind} ${name}`;
  const connections = design?.connectionsPerPod ?? 0;
  const own = c.autoscaler && c.autoscaler.kind === kind && c.autoscaler.target === name ? c.autoscaler : undefined;
  const stored = own ? undefined : c.view.autoscalers?.list(c.namespace).find((h) => h.metadata?.name !== c.autoscaler?.name && h.metadata?.name !== c.removed && h.spec?.scaleTargetRef?.kind === kind && h.spec.scaleTargetRef.name === name);
  const hpaMax = own ? own.maxReplicas : Number.isInteger(stored?.spec?.maxReplicas) ? stored!.spec!.maxReplicas! : undefined;
  const hpaName = own?.name ?? stored?.metadata?.name ?? name;
  const designed = design ? (design.maxReplicas ?? design.minReplicas) : undefined;
  const now = running(kind, name, c);
  if (now) {
    const { cpu, memory, storage } = perPod(now.podSpec, now.claims);
    if (hpaMax !== undefined) return { workload, replicas: hpaMax, replicasFrom: `HPA ${hpaName} maxReplicas`, hpa: hpaName, cpu, memory, storage, connections };
    if (now.replicas === undefined)
      return { workload, replicas: designed ?? 0, replicasFrom: designed !== undefined ? "design, not scheduled on any node yet" : "not scheduled on any node yet and no spec.designs entry to count it by", cpu, memory, storage, connections };
    return { workload, replicas: now.replicas, replicasFrom: now.from, cpu, memory, storage, connections };
  }
  // Not created yet: as designed.
  const sum = (res: "cpu" | "memory") => (design?.containers ?? []).reduce((t, k) => t + (parseQuantity(k.requests?.[res]) ?? 0n), 0n);
  return { workload, replicas: hpaMax ?? designed ?? 0, replicasFrom: hpaMax !== undefined ? `HPA ${hpaName} maxReplicas, not created yet` : "design, not created yet", cpu: sum("cpu"), memory: sum("memory"), storage: 0n, connections };
}
