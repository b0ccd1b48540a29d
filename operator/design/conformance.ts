// 5.2 a–c while running: the Release's DesignConformant condition says whether its Deployments
// and StatefulSets run as designed (ready replicas, spreading, a PodDisruptionBudget, container
// resources), with the comparison admission uses (compare.ts). Pure: the reconciler passes the
// informers' objects. Other kinds (DaemonSets, Jobs, Pods) are compared at admission only.
import { matchesSelector, type Release } from "../../api/index.js";
import type { ConditionInput } from "../release/conditions.js";
import { isRatio, rolloutUnits } from "../rollout/waves.js";
import { compareDesign, containerFacts, describeDifference, isSpread } from "./compare.js";

export const DESIGN_CONFORMANT = "DesignConformant";

/** The kinds the operator watches (label golive.dev/release) and so can compare running. */
const RUNNING_KINDS = new Set(["Deployment", "StatefulSet"]);

export interface RunningWorkload {
  spec?: { replicas?: number; template?: unknown; [k: string]: unknown };
  status?: { [k: string]: unknown };
}

export interface PdbLike {
  spec?: { selector?: unknown };
}

/** undefined when the release declares no Deployment or StatefulSet designs; PDBs undefined: not compared. */
export function designConformance(release: Release, workload: (kind: string, name: string) => RunningWorkload | undefined, pdbs: readonly PdbLike[] | undefined): ConditionInput | undefined {
  const designs = (release.spec.designs ?? []).filter((d) => RUNNING_KINDS.has(d.kind));
  if (designs.length === 0) return undefined;
  const rel = release.metadata.name;
  const lines: string[] = [];
  let compared = 0;
  for (const design of designs) {
    const d = workload(design.kind, design.name);
    if (!d) continue; // not created yet: nothing runs to compare
    compared++;
    const template = d.spec?.template as { metadata?: { labels?: Record<string, string> }; spec?: unknown } | undefined;
    const labels = template?.metadata?.labels ?? {};
    const ready = typeof d.status?.readyReplicas === "number" ? d.status.readyReplicas : 0;
    // With replica ratio the user's Deployment rests at 0 between rollouts; its stable copy serves.
    const unit = release.spec.strategy ? rolloutUnits(release.spec).find((u) => u.name === design.name) : undefined;
    const resting = design.kind === "Deployment" && d.spec?.replicas === 0 && unit !== undefined && isRatio(unit.routing);
    const differences = compareDesign(design, {
      ...(resting ? {} : { replicas: { count: ready, field: "status.readyReplicas" } }),
      spread: isSpread(template?.spec),
      ...(pdbs ? { podDisruptionBudget: pdbs.some((p) => p.spec?.selector !== undefined && p.spec.selector !== null && matchesSelector(p.spec.selector, labels)) } : {}),
      containers: containerFacts(template?.spec),
    });
    lines.push(...differences.map((x) => describeDifference(`${design.kind} ${design.name}`, rel, x)));
  }
  if (lines.length) return { type: DESIGN_CONFORMANT, status: "False", reason: "DesignDiffers", message: lines.join("; ").slice(0, 4096) };
  return { type: DESIGN_CONFORMANT, status: compared ? "True" : "Unknown", reason: compared ? "Conformant" : "NotRunning", message: compared ? `${compared} workload(s) run as designed` : "no designed Deployment or StatefulSet exists yet" };
}
