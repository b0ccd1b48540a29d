// Names of the objects the rollout creates, derived only from the Release and its spec so a
// restarted operator finds the same objects again.
import type { Release, ReleaseSpec } from "../../api/index.js";
import { sha256Hex } from "../../gates/canonical-json.js";
import type { JobPurpose } from "./types.js";
import { wavesProblem } from "./waves.js";

/**
 * The workload status.canary names first: the first Deployment the Release governs
 * (spec.strategy.trafficRouting routes it), else its first StatefulSet (canaried by partition),
 * else its first DaemonSet (canaried node by node).
 */
export function rolloutWorkload(spec: ReleaseSpec): string | undefined {
  return (spec.workloads.find((w) => w.kind === "Deployment") ?? spec.workloads.find((w) => w.kind === "StatefulSet") ?? spec.workloads.find((w) => w.kind === "DaemonSet"))?.name;
}

/** Kinds whose pods serve users for as long as they run: each needs its own verified rollout. */
const SERVING_KINDS = new Set(["ReplicaSet", "ReplicationController", "Pod"]);

/**
 * Why golive cannot roll out a Release with a strategy, if it cannot. It rolls out every
 * Deployment, StatefulSet and DaemonSet the Release lists, in waves; it has no canary for
 * ReplicaSets, ReplicationControllers or bare Pods yet, whose pods would reach all users unverified. Jobs,
 * CronJobs are admitted by the webhook's own rules. Undefined when the Release has no
 * strategy or its workloads can be rolled out.
 */
export function unsupportedWorkloads(spec: ReleaseSpec): string | undefined {
  if (!spec.strategy) return undefined;
  const others = spec.workloads.filter((w) => SERVING_KINDS.has(w.kind)).map((w) => `${w.kind}/${w.name}`);
  if (!rolloutWorkload(spec)) return `a Release with spec.strategy rolls out Deployments, StatefulSets and DaemonSets and this Release lists none${others.length ? ` (${others.join(", ")} would reach all users unverified)` : ""}: list a Deployment, StatefulSet or DaemonSet, or remove spec.strategy`;
  if (others.length) return `golive canaries Deployments, StatefulSets and DaemonSets only (a ReplicaSet, ReplicationController or bare Pod has no revisions to canary between); ${others.join(", ")} would reach all users unverified: list ${others.length > 1 ? "each" : "it"} in its own Release without spec.strategy`;
  return wavesProblem(spec);
}

export const stableName = (workload: string): string => fit(`${workload}-stable`, 253);

/**
 * Whether a change to the workload `kind`/`name` concerns a Release with this spec: it lists the
 * workload, or (a Deployment) the workload is the stable copy or the replica-ratio verification
 * copy (<name>-verify) of one it lists. A Deployment event
 * wakes only these releases, not every release of the namespace (with a hundred applications in
 * one namespace, each Deployment's status updates would otherwise re-queue all hundred).
 */
export function governsWorkload(spec: Pick<ReleaseSpec, "workloads">, kind: string, name: string): boolean {
  return spec.workloads.some((w) => w.kind === kind && (w.name === name || (kind === "Deployment" && (stableName(w.name) === name || `${w.name}-verify` === name))));
}
export const stableServiceName = (service: string): string => fit(`${service}-stable`, 63);
export const canaryServiceName = (service: string): string => fit(`${service}-canary`, 63);

/** Job names stay within 63 characters (the job-name label of their pods). */
export function jobName(release: string, purpose: JobPurpose, name: string, wave = 0): string {
  return fit(`${release}-${purpose}-${name}${wave > 0 ? `-wave${wave}` : ""}`, 63);
}

/** The VerificationReport the operator signs for a wave's Jobs (the first wave keeps the plain name). */
export function verificationEvidenceName(release: Release, wave = 0): string {
  return fit(`${release.metadata.name}-verification-jobs${wave > 0 ? `-wave${wave}` : ""}`, 253);
}

export const INVENTORY_CONFIGMAP = "golive-inventory";

function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 11).replace(/[-.]+$/, "")}-${sha256Hex(name).slice(0, 10)}`;
}
