// "A guarantee with an exception is not a guarantee": golive holds the next version of a
// workload until it is verified (a Deployment's candidate beside its stable copy, a
// StatefulSet's partition, a DaemonSet's OnDelete), but every one of those holds is on the
// object. Deleting the object (kubectl delete, --cascade=orphan, a GitOps tool's replace) and
// creating it again while the next Release rolls out would skip them all:
// - a new StatefulSet or DaemonSet has one revision: every pod starts on the new version at once,
//   and the ControllerRevision golive restores on rollback (4.10) is gone;
// - a new Deployment has no stable copy: golive would take the new version as a first release
//   (its template becomes the stable copy, Released without verification, 4.6 c).
// The same happens when only the stable copy <name>-stable is deleted. So, for a workload that
// an earlier Release brought to Released while a later one is Approved … RollingBack:
// - a CREATE is admitted only with the Released release's manifest (labelled with it; the other
//   rules hold its images and configuration to what that release sealed);
// - the new version of a Deployment is admitted only while its stable copy exists;
// - the stable copy is deleted by golive or with its Deployment (the garbage collector), never
//   on its own by a user, whatever the phase: its loss opens the next release to the same hole.
// Releases are matched by the workload they list, not by spec.application: a Release with a new
// application name listing the same workload would otherwise walk around it.
import type { Release } from "../../api/index.js";
import { STABLE_OF_LABEL } from "../../operator/rollout/workloads.js";
import { stableName } from "../../operator/rollout/names.js";
import { rolloutUnits } from "../../operator/rollout/waves.js";
import type { Findings } from "../findings.js";
import { clip } from "../object.js";
// Phases in which the operator holds the next version back: the partition hold's.
import { ROLLING } from "./partition-hold.js";

const HELD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** Whether the release canaries kind/name (it has a strategy and lists it as a rollout unit). */
function canaries(release: Release, kind: string, name: string): boolean {
  return !!release.spec?.strategy && rolloutUnits(release.spec).some((u) => u.name === name && u.kind === kind);
}

/** The release now rolling the workload out (Approved … RollingBack, canaried), if any. */
export function rollingRelease(listing: readonly Release[], kind: string, name: string): Release | undefined {
  return listing.find((r) => ROLLING.has(r.status?.phase ?? "") && canaries(r, kind, name));
}

/** The last release that brought the workload to Released: its manifest is the stable version. */
export function releasedRelease(listing: readonly Release[]): Release | undefined {
  let latest: Release | undefined;
  for (const r of listing) {
    if (r.status?.phase !== "Released") continue;
    if (!latest || (r.status.releasedAt ?? "") > (latest.status?.releasedAt ?? "")) latest = r;
  }
  return latest;
}

export interface Recreation {
  kind: string;
  name: string;
  /** The golive.dev/release label of the object being created. */
  releaseLabel: string | undefined;
  /** Every Release of the namespace that lists kind/name (releasesListing). */
  releases: readonly Release[];
  /** templateHash of the object's pod template (operator/rollout/workloads.ts), as the operator records it. */
  templateHash?: string | undefined;
}

/** The pod template the Released release verified for kind/name, as its status records it (absent for a release without a strategy). */
function releasedTemplateHash(release: Release, kind: string, name: string): string | undefined {
  for (const wave of release.status?.waves ?? []) for (const w of wave.workloads) if (w.name === name && (w.kind ?? "Deployment") === kind && w.candidateTemplateHash) return w.candidateTemplateHash;
  return undefined;
}

const GITOPS = "GitOps (Argo CD Replace=true with Force=true, Flux force: true): sync that manifest first, and change an immutable field in a release of its own";

/** CREATE of a Deployment, StatefulSet or DaemonSet: the Released version only, while a later release rolls it out. */
export function checkRecreate(c: Recreation, f: Findings): void {
  if (!HELD_KINDS.has(c.kind)) return;
  const rolling = rollingRelease(c.releases, c.kind, c.name);
  if (!rolling) return;
  const stable = releasedRelease(c.releases);
  if (!stable) return; // the first release
  const phase = rolling.status?.phase ?? "";
  const s = clip(stable.metadata.name, 80);
  if (c.releaseLabel === stable.metadata.name) {
    // The stable version back, but only as it was verified: its label and sealed images alone would
    // let another command, environment or probe in as the version a rollback restores.
    const verified = releasedTemplateHash(stable, c.kind, c.name);
    if (verified && c.templateHash && verified !== c.templateHash)
      f.deny(
        `${c.kind} ${clip(c.name, 120)} is being created as Release ${s}'s version while Release ${clip(rolling.metadata.name, 80)} (${phase}) rolls it out, but its pod template is not the one Release ${s} verified (template ${c.templateHash}, verified ${verified}): it would become the stable version unverified (4.6 c, 4.10). Create it with exactly Release ${s}'s manifest (the one in Git at that release), then apply the new version as an update. ${GITOPS}`,
      );
    return;
  }
  const what =
    c.kind === "Deployment"
      ? `it would be taken as a first release: its template would become the stable copy ${stableName(c.name)}, unverified`
      : "a new object has one revision: every pod would start on it at once, and the stable ControllerRevision a rollback restores would be gone";
  f.deny(
    `${c.kind} ${clip(c.name, 120)} is being created${c.releaseLabel !== undefined ? ` with Release ${clip(c.releaseLabel, 80)}'s template` : ""} while Release ${clip(rolling.metadata.name, 80)} (${phase}) rolls it out; Release ${s} is its Released version: ${what} (4.6 c, 4.10). Create it with Release ${s}'s manifest first (golive.dev/release=${s}), then apply the new version as an update. ${GITOPS}`,
  );
}

export interface StableCopyNeed {
  name: string;
  /** The pod template of the stored Deployment changes in this request (a create is checkRecreate's). */
  templateChanged: boolean;
  releaseLabel: string | undefined;
  releases: readonly Release[];
  /** Whether <name>-stable is in memory; undefined when golive does not watch Deployments. */
  stableCopyExists: boolean | undefined;
}

/** A Deployment gets the rolling release's template: its stable copy must be there to go back to. */
export function checkStableCopyPresent(c: StableCopyNeed, f: Findings): void {
  if (!c.templateChanged || c.stableCopyExists !== false) return;
  const rolling = rollingRelease(c.releases, "Deployment", c.name);
  if (!rolling || c.releaseLabel !== rolling.metadata.name) return;
  const stable = releasedRelease(c.releases);
  if (!stable) return; // a first release: its template becomes the stable copy, by design
  const copy = stableName(c.name);
  const s = clip(stable.metadata.name, 80);
  f.deny(
    `Deployment ${clip(c.name, 120)} gets Release ${clip(rolling.metadata.name, 80)}'s template while its stable copy ${copy} is missing: it would be taken as a first release and become stable unverified (4.6 c), with nothing to roll back to (4.10). golive recreates ${copy} from Deployment ${clip(c.name, 120)} while that runs Release ${s}'s manifest: apply that manifest (golive.dev/release=${s}) if needed, retry once ${copy} exists (kubectl get deployment ${copy})`,
  );
}

export interface StableCopyDelete {
  /** The Deployment being deleted, as stored. */
  name: string;
  labels: Record<string, string>;
  /** The request comes from golive's operator. */
  byOperator: boolean;
  /** Whether the Deployment it copies is in memory; undefined when golive does not watch Deployments. */
  originalExists: boolean | undefined;
}

/** DELETE of golive's stable copy by anyone but golive while its Deployment exists (the garbage collector never reaches golive). */
export function checkStableCopyDelete(c: StableCopyDelete, f: Findings): void {
  const of = c.labels[STABLE_OF_LABEL];
  if (c.byOperator || of === undefined || c.labels["app.kubernetes.io/managed-by"] !== "golive" || c.name !== stableName(of)) return;
  // Left behind by a delete with --cascade=orphan: with its Deployment gone it guards nothing (a
  // Deployment created again is held to the Released version, and golive copies it afresh).
  if (c.originalExists === false) return;
  f.deny(
    `Deployment ${clip(c.name, 120)} is golive's stable copy of Deployment ${clip(of, 120)}: the version traffic goes back to on rollback (4.10); without it the next release would be taken as a first release and become stable unverified (4.6 c). Delete Deployment ${clip(of, 120)} itself to retire the workload (its stable copy goes with it)`,
  );
}
