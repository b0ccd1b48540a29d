// 5.2 a–c while running: the Release's DesignConformant condition says whether its Deployments
// run as designed (ready replicas, spreading, a PodDisruptionBudget, container resources), with
// the comparison admission uses (compare.ts). Pure: the reconciler passes the informers' objects.
// StatefulSets are compared at admission only: the operator does not watch them.
import { matchesSelector, type LabelSelector, type Release } from "../../api/index.js";
import type { ConditionInput } from "../release/conditions.js";
import { isRatio, rolloutUnits } from "../rollout/waves.js";
import { compareDesign, containerFacts, describeDifference, isSpread } from "./compare.js";

export const DESIGN_CONFORMANT = "DesignConformant";

export interface RunningDeployment {
  spec?: { replicas?: number; template?: unknown; [k: string]: unknown };
  status?: { [k: string]: unknown };
}

export interface PdbLike {
  spec?: { selector?: unknown };
}

/** undefined when the release declares no Deployment designs; PDBs undefined: not compared. */
export function designConformance(release: Release, deployment: (name: string) => RunningDeployment | undefined, pdbs: readonly PdbLike[] | undefined): ConditionInput | undefined {
  const designs = (release.spec.designs ?? []).filter((d) => d.kind === "Deployment");
  if (designs.length === 0) return undefined;
  const rel = release.metadata.name;
  const lines: string[] = [];
  let compared = 0;
  for (const design of designs) {
    const d = deployment(design.name);
    if (!d) continue; // not created yet: nothing runs to compare
    compared++;
    const template = d.spec?.template as { metadata?: { labels?: Record<string, string> }; spec?: unknown } | undefined;
    const labels = template?.metadata?.labels ?? {};
    const ready = typeof d.status?.readyReplicas === "number" ? d.status.readyReplicas : 0;
    // With replica ratio the user's Deployment rests at 0 between rollouts; its stable copy serves.
    const unit = release.spec.strategy ? rolloutUnits(release.spec).find((u) => u.name === design.name) : undefined;
    const resting = d.spec?.replicas === 0 && unit !== undefined && isRatio(unit.routing);
    const differences = compareDesign(design, {
      ...(resting ? {} : { replicas: { count: ready, field: "status.readyReplicas" } }),
      spread: isSpread(template?.spec),
      ...(pdbs ? { podDisruptionBudget: pdbs.some((p) => p.spec?.selector !== undefined && p.spec.selector !== null && matchesSelector(p.spec.selector, labels)) } : {}),
      containers: containerFacts(template?.spec),
    });
    lines.push(...differences.map((x) => describeDifference(`Deployment ${design.name}`, rel, x)));
  }
  if (lines.length) return { type: DESIGN_CONFORMANT, status: "False", reason: "DesignDiffers", message: lines.join("; ").slice(0, 4096) };
  return { type: DESIGN_CONFORMANT, status: compared ? "True" : "Unknown", reason: compared ? "Conformant" : "NotRunning", message: compared ? `${compared} Deployment(s) run as designed` : "no designed Deployment exists yet" };
}
