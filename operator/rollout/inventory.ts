// The inventory (4.9: "update configuration management"): a per-namespace ConfigMap,
// golive-inventory, with one key per Deployment holding what runs there now — application,
// version, release, images, sealed configuration, template hashes, when and how it was released,
// and what it replaced. A ConfigMap (not only Release status) because it outlives Releases: old
// Releases may be deleted, the record of what runs stays, readable with plain kubectl by a CMDB
// sync. Each Deployment's key is written with its own server-side-apply field manager, so records
// of different workloads never overwrite each other.
import type { Release } from "../../api/index.js";
import { MANAGED_BY, type KubeObjectLike } from "../routers/types.js";
import { INVENTORY_CONFIGMAP, stableName } from "./names.js";

/** How it went live; "applied": a Release without spec.strategy, its workloads running as applied (no canary, no stable copy). */
export type InventoryHow = "initialised" | "promoted" | "unchanged" | "applied";

export interface InventoryRecord {
  application: string;
  version: string;
  release: string;
  deployment: string;
  /** <deployment>-stable; absent for a release without a strategy, which has none. */
  stableCopy: string | undefined;
  images: { name: string; digest: string }[];
  configuration: { kind: string; name: string; digest: string }[];
  templateHash: string | undefined;
  podTemplateHash: string | undefined;
  releasedAt: string;
  how: InventoryHow;
  audit?: string | undefined;
}

export function inventoryRecord(release: Release, deployment: string, releasedAt: string, how: InventoryHow): InventoryRecord {
  const s = release.status;
  return {
    application: release.spec.application,
    version: release.spec.version,
    release: release.metadata.name,
    deployment,
    stableCopy: how === "applied" ? undefined : stableName(deployment),
    images: release.spec.images.map((i) => ({ name: i.name, digest: i.digest })),
    configuration: release.spec.configuration.map((c) => ({ kind: c.kind, name: c.name, digest: c.digest })),
    templateHash: s?.canary?.stableTemplateHash,
    podTemplateHash: s?.canary?.stablePodTemplateHash,
    releasedAt,
    how,
    audit: s?.audit?.head,
  };
}

export function inventoryConfigMap(namespace: string, deployment: string, record: InventoryRecord): KubeObjectLike & { data: Record<string, string> } {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: INVENTORY_CONFIGMAP, namespace, labels: { ...MANAGED_BY, "golive.dev/inventory": "true" } },
    data: { [deployment]: JSON.stringify(record, null, 2) },
  };
}
