// golive canaries a StatefulSet by its partition: the StatefulSet controller moves only ordinals
// at or above spec.updateStrategy.rollingUpdate.partition to a new template. The operator holds
// the partition at spec.replicas as soon as the next Release is Pending or Approved, so the new
// template changes no pod until golive lowers it step by step. Three other paths would reach
// users before the release's verification and analysis:
// - the new template applied in the moment between Approved and the operator's hold (a GitOps
//   sync right after the approval): every pod rolls at once;
// - anyone but the operator lowering the partition, raising spec.replicas above it (the new
//   ordinals start on the update revision) or switching to OnDelete (a deleted pod comes back on
//   the update revision) while the release rolls out;
// - both at once in one manifest.
// A DaemonSet is held the same way by updateStrategy OnDelete (operator/rollout/daemonset.ts):
// its new template before the hold, or its strategy changed during the rollout, is denied too.
// The webhook never mutates: it denies, and says to retry once the partition is held.
import { VERIFIED_GATE, type Release } from "../../api/index.js";
import { STABLE_REVISION_ANNOTATION, STABLE_STRATEGY_ANNOTATION } from "../../operator/rollout/daemonset.js";
import { declaresVerifiedGate } from "../../operator/rollout/statefulset-gate.js";
import { rolloutUnits } from "../../operator/rollout/waves.js";
import type { Findings } from "../findings.js";
import { asObj, asStr } from "../object.js";

const asNum = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** Phases in which the operator drives the partition of the release's StatefulSets. */
export const ROLLING: ReadonlySet<string> = new Set(["Approved", "Verifying", "CleaningUp", "Progressing", "RollingBack"]);

interface Rollout {
  replicas: number;
  partition: number;
  onDelete: boolean;
  /** Ordinals that would run the update revision: replicas − partition, all of them under OnDelete. */
  exposed: number;
}

export function rolloutOf(object: unknown, kind = "StatefulSet"): Rollout {
  const spec = asObj(asObj(object)?.spec);
  if (kind === "DaemonSet") {
    // Held means OnDelete: a new template then moves no pod until golive deletes one. Anything
    // else lets the DaemonSet controller replace every node's pod at its own pace.
    const onDelete = asStr(asObj(spec?.updateStrategy)?.type) === "OnDelete";
    return { replicas: 1, partition: 0, onDelete, exposed: onDelete ? 0 : 1 };
  }
  const replicas = asNum(spec?.replicas) ?? 1;
  const strategy = asObj(spec?.updateStrategy);
  const onDelete = asStr(strategy?.type) === "OnDelete";
  const partition = asNum(asObj(strategy?.rollingUpdate)?.partition) ?? 0;
  return { replicas, partition, onDelete, exposed: onDelete ? replicas : Math.max(0, replicas - partition) };
}

/** Whether golive canaries this StatefulSet by partition for the release. */
export function partitionOwned(kind: string, name: string, release: Release): boolean {
  const routing = kind === "StatefulSet" ? "partition" : kind === "DaemonSet" ? "nodes" : undefined;
  return routing !== undefined && !!release.spec?.strategy && rolloutUnits(release.spec).some((u) => u.name === name && u.routing === routing);
}

export interface PartitionChange {
  kind: string;
  name: string;
  object: unknown;
  oldObject: unknown;
  /** The pod template changes in this request. */
  templateChanged: boolean;
  /**
   * Every Release of the namespace that lists the StatefulSet. Not only the one its label names:
   * until the new template is applied the label still names the last Released release, while
   * the next one, Approved, is the one whose rollout the partition guards.
   */
  releases: readonly Release[];
  /** The request comes from golive's operator, which moves the partition itself. */
  byOperator: boolean;
}

export function checkPartitionHold(c: PartitionChange, f: Findings): void {
  if (c.byOperator || !c.oldObject || (c.kind !== "StatefulSet" && c.kind !== "DaemonSet")) return;
  for (const release of c.releases) {
    const phase = release.status?.phase ?? "";
    if (!ROLLING.has(phase) || !partitionOwned(c.kind, c.name, release)) continue;
    checkOne(c, release.metadata.name, phase, f);
    return; // one rollout at a time holds a StatefulSet: its message is enough
  }
}

function checkOne(c: PartitionChange, release: string, phase: string, f: Findings): void {
  if (c.kind === "DaemonSet") return checkDaemonSetHold(c, release, phase, f);
  const before = rolloutOf(c.oldObject).exposed;
  const { replicas, partition, onDelete, exposed: after } = rolloutOf(c.object);
  const how = `partition ${partition}${onDelete ? ", updateStrategy OnDelete" : ""}`;
  if (c.templateChanged && after > 0) {
    f.deny(
      after === before && !onDelete
        ? `StatefulSet ${c.name} gets a new template while Release ${release} (${phase}) rolls it out, before golive has held its partition (it is ${partition}: ${after} of ${replicas} pod(s) would move to the new version at once, before verification and analysis): retry in a few seconds, once spec.updateStrategy.rollingUpdate.partition is ${replicas} (kubectl get statefulset ${c.name} -o jsonpath='{.spec.updateStrategy}')`
        : `StatefulSet ${c.name} gets a new template while Release ${release} (${phase}) rolls it out, with ${after} of ${replicas} pod(s) outside the partition (${how}): golive holds the partition at spec.replicas and lowers it step by step; leave spec.updateStrategy out of the manifest (or set type RollingUpdate without a partition) and do not change spec.replicas in the same request`,
    );
    return;
  }
  if (c.templateChanged) checkVerifiable(c, release, phase, replicas, f);
  if (after > before)
    f.deny(
      `golive owns the partition of StatefulSet ${c.name} while Release ${release} rolls it out (${phase}): this request puts ${after} of ${replicas} pod(s) on the update revision where golive allows ${before} (${how}), which would send users to the new version before its steps allow it: leave spec.updateStrategy and spec.replicas as they are until the Release is Released`,
    );
}

/**
 * golive verifies a StatefulSet's new template on one ordinal that its readiness gate keeps out
 * of every Service (operator/rollout/statefulset-gate.ts). A template without the gate, or a
 * StatefulSet of one replica (verified in place, its only pod would stop serving), could only wait
 * for the progress deadline and roll back: said now, with what to change.
 */
function checkVerifiable(c: PartitionChange, release: string, phase: string, replicas: number, f: Findings): void {
  const template = asObj(asObj(asObj(asObj(c.object)?.spec)?.template)?.spec);
  if (!declaresVerifiedGate(template ?? undefined))
    f.deny(`StatefulSet ${c.name} gets a new template for Release ${release} (${phase}) without the readiness gate ${VERIFIED_GATE}: golive verifies the new version on one ordinal that this gate keeps out of every Service until verification passes (4.6 c); add to spec.template.spec: readinessGates: [{conditionType: ${VERIFIED_GATE}}]`);
  else if (replicas < 2)
    f.deny(`StatefulSet ${c.name} gets a new template for Release ${release} (${phase}) with ${replicas} replica: golive verifies the new version on one ordinal while the others keep serving, and with one replica none would; run 2 or more replicas (spec.replicas), or list it in a Release without spec.strategy`);
}

/** A DaemonSet is held by updateStrategy OnDelete, which golive sets and hands back after the rollout. */
function checkDaemonSetHold(c: PartitionChange, release: string, phase: string, f: Findings): void {
  const before = rolloutOf(c.oldObject, "DaemonSet");
  const after = rolloutOf(c.object, "DaemonSet");
  if (after.onDelete) return;
  if (c.templateChanged)
    f.deny(
      before.onDelete
        ? `DaemonSet ${c.name} gets a new template while Release ${release} (${phase}) rolls it out, with an updateStrategy other than OnDelete: the DaemonSet controller would replace the pod on every node at once, before verification on the canary nodes; leave spec.updateStrategy out of the manifest (golive holds it at OnDelete and hands your strategy back after the rollout)`
        : `DaemonSet ${c.name} gets a new template while Release ${release} (${phase}) rolls it out, before golive has held it (updateStrategy OnDelete): every node's pod would move to the new version at once, before verification and analysis: retry in a few seconds, once spec.updateStrategy.type is OnDelete (kubectl get daemonset ${c.name} -o jsonpath='{.spec.updateStrategy}')`,
    );
  else if (before.onDelete)
    f.deny(`golive holds DaemonSet ${c.name} at updateStrategy OnDelete while Release ${release} rolls it out (${phase}): changing it would let the DaemonSet controller move every node to the new version before the steps allow it; leave spec.updateStrategy as it is until the Release is Released (golive hands your strategy back then)`);
}

/** The Releases of a namespace that list kind/name in spec.workloads. */
export function releasesListing(all: readonly Release[], kind: string, name: string): Release[] {
  return all.filter((r) => (r.spec?.workloads ?? []).some((w) => w.kind === kind && w.name === name));
}

/**
 * What golive records on a DaemonSet it holds: the stable revision (what a rollback restores, and
 * what RolledBack is verified against) and the update strategy to hand back. Written by anyone
 * else, a rollback would "restore" the revision they name and report it verified; so only the
 * operator may set, change or remove them, in any phase.
 */
export function checkHoldAnnotations(kind: string, name: string, object: unknown, oldObject: unknown, byOperator: boolean, f: Findings): void {
  if (kind !== "DaemonSet" || byOperator) return;
  const annotations = (o: unknown) => asObj(asObj(asObj(o)?.metadata)?.annotations);
  const now = annotations(object);
  const before = annotations(oldObject);
  const changed = [STABLE_REVISION_ANNOTATION, STABLE_STRATEGY_ANNOTATION].filter((k) => asStr(now?.[k]) !== asStr(before?.[k]));
  if (changed.length)
    f.deny(
      `DaemonSet ${name}: ${changed.join(" and ")} ${changed.length > 1 ? "are" : "is"} golive's record of the revision a rollback restores and the update strategy it hands back: only golive's operator may set, change or remove ${changed.length > 1 ? "them" : "it"}; leave ${changed.length > 1 ? "them" : "it"} as ${changed.length > 1 ? "they are" : "it is"} (a Replace sync that drops annotations: sync this DaemonSet with apply instead)`,
    );
}
