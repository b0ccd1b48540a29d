// Names of the objects the rollout creates, derived only from the Release and its spec so a
// restarted operator finds the same objects again.
import type { Release, ReleaseSpec } from "../../api/index.js";
import { sha256Hex } from "../../gates/canonical-json.js";
import type { JobPurpose } from "./types.js";

/** The Deployment the rollout drives: the first Deployment the Release governs. */
export function rolloutWorkload(spec: ReleaseSpec): string | undefined {
  return spec.workloads.find((w) => w.kind === "Deployment")?.name;
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
