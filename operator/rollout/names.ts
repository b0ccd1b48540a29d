// Names of the objects the rollout creates, derived only from the Release and its spec so a
// restarted operator finds the same objects again.
import type { Release, ReleaseSpec } from "../../api/index.js";
import { sha256Hex } from "../../gates/canonical-json.js";
import type { JobPurpose } from "./types.js";

/** The Deployment the rollout drives: the first Deployment the Release governs. */
export function rolloutWorkload(spec: ReleaseSpec): string | undefined {
  return spec.workloads.find((w) => w.kind === "Deployment")?.name;
}

/** Kinds whose pods serve users for as long as they run: each needs its own verified rollout. */
const SERVING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);

/**
 * Why golive cannot roll out a Release with a strategy, if it cannot: it rolls out exactly one
 * Deployment per such Release, so a Release with no Deployment, or with another serving workload
 * (a second Deployment, a StatefulSet, DaemonSet, ReplicaSet or ReplicationController), would let
 * those pods reach all users unverified. Jobs, CronJobs and Pods go with the release as before.
 * Undefined when the Release has no strategy or its workloads can be rolled out.
 */
export function unsupportedWorkloads(spec: ReleaseSpec): string | undefined {
  if (!spec.strategy) return undefined;
  const serving = spec.workloads.filter((w) => SERVING_KINDS.has(w.kind));
  const rolled = rolloutWorkload(spec);
  const others = serving.filter((w) => !(w.kind === "Deployment" && w.name === rolled)).map((w) => `${w.kind}/${w.name}`);
  if (!rolled) return `golive rolls out one Deployment per Release with a strategy and this Release lists none${others.length ? ` (${others.join(", ")} would reach all users unverified)` : ""}: list a Deployment, or remove spec.strategy`;
  if (others.length === 0) return undefined;
  return `golive rolls out one Deployment per Release with a strategy (here Deployment/${rolled}); ${others.join(", ")} would reach all users unverified: list ${others.length > 1 ? "each" : "it"} in its own Release (without spec.strategy unless it is a Deployment)`;
}

export const stableName = (workload: string): string => fit(`${workload}-stable`, 253);
export const stableServiceName = (service: string): string => fit(`${service}-stable`, 63);
export const canaryServiceName = (service: string): string => fit(`${service}-canary`, 63);

/** Job names stay within 63 characters (the job-name label of their pods). */
export function jobName(release: string, purpose: JobPurpose, name: string): string {
  return fit(`${release}-${purpose}-${name}`, 63);
}

export function verificationEvidenceName(release: Release): string {
  return fit(`${release.metadata.name}-verification-jobs`, 253);
}

export const INVENTORY_CONFIGMAP = "golive-inventory";

function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 11).replace(/[-.]+$/, "")}-${sha256Hex(name).slice(0, 10)}`;
}
