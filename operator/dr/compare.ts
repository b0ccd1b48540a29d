// 4.3 g: the disaster-recovery cluster runs the same sealed version. Decided purely from what a
// DR target holds (the release's workloads and pods, its sealed ConfigMaps and Secrets, and the
// golive Release there, if golive runs there too) against what the primary release sealed. No
// I/O: operator/dr/observe.ts reads the target, operator/dr/report.ts turns results into status.
import type { Release } from "../../api/index.js";
import type { ConfigKind, ConfigObject } from "../../images/config-digest.js";
import { approvedImages, describeFinding, detectDrift, type PodLike } from "../drift/detect.js";
import { normalizeName } from "../../images/reference.js";

export interface WorkloadLike {
  kind: string;
  name: string;
  spec?: { template?: { spec?: { containers?: { name?: string; image?: string }[]; initContainers?: { name?: string; image?: string }[] } } };
}

export interface DrObservation {
  /** The release's workloads as found on the DR cluster (by kind and name); undefined: missing. */
  workload: (kind: string, name: string) => WorkloadLike | undefined;
  /** Pods labelled golive.dev/release=<release> in the mapped namespace. */
  pods: readonly PodLike[];
  configuration: (kind: ConfigKind, name: string) => ConfigObject | undefined;
  /** The golive Release of the same name there, if golive runs on the DR cluster. */
  release?: Pick<Release, "spec"> | undefined;
}

export type DrComparison = { state: "InSync"; differences: [] } | { state: "Drifted"; differences: string[] };

/** Each template image of a workload must pin a sealed digest of its repository. */
function templateDifferences(release: Release, w: WorkloadLike): string[] {
  const approved = approvedImages(release);
  const out: string[] = [];
  const spec = w.spec?.template?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const image = c.image ?? "";
    const at = image.indexOf("@");
    let name: string;
    try {
      name = normalizeName(at >= 0 ? image.slice(0, at) : image);
    } catch {
      out.push(`${w.kind} ${w.name} container ${c.name ?? ""} has an unparseable image ${image}`);
      continue;
    }
    const sealed = approved.get(name);
    const digest = at >= 0 ? image.slice(at + 1) : undefined;
    if (!sealed) out.push(`${w.kind} ${w.name} container ${c.name ?? ""} runs ${image}, an image the release did not seal`);
    else if (!digest || !sealed.includes(digest)) out.push(`${w.kind} ${w.name} container ${c.name ?? ""} template has ${digest ?? "no digest"} for ${name}, not the sealed ${sealed.join(" or ")}`);
  }
  return out;
}

/** The DR Release must seal the same images and configuration (same version, same bits). */
function releaseDifferences(primary: Release, dr: Pick<Release, "spec">): string[] {
  const key = (xs: readonly { name: string; digest: string; kind?: string }[]) => xs.map((x) => `${x.kind ?? "image"} ${x.name}@${x.digest}`).sort();
  const out: string[] = [];
  if (dr.spec.version !== primary.spec.version) out.push(`the DR Release is version ${dr.spec.version}, not ${primary.spec.version}`);
  const a = key(primary.spec.images), b = key(dr.spec.images);
  for (const i of a) if (!b.includes(i)) out.push(`the DR Release does not seal ${i.replace(/^image /, "image ")}`);
  for (const i of b) if (!a.includes(i)) out.push(`the DR Release seals ${i}, which the primary does not`);
  const ca = key(primary.spec.configuration), cb = key(dr.spec.configuration);
  for (const i of ca) if (!cb.includes(i)) out.push(`the DR Release does not seal ${i}`);
  for (const i of cb) if (!ca.includes(i)) out.push(`the DR Release seals ${i}, which the primary does not`);
  return out;
}

export function compareTarget(release: Release, observed: DrObservation): DrComparison {
  const differences: string[] = [];
  for (const w of release.spec.workloads) {
    const found = observed.workload(w.kind, w.name);
    if (!found) differences.push(`${w.kind} ${w.name} does not exist on the DR cluster`);
    else differences.push(...templateDifferences(release, { ...found, kind: w.kind, name: w.name }));
  }
  // Running pods and sealed configuration: the same rules as drift in the primary.
  differences.push(...detectDrift({ release, pods: observed.pods, configuration: observed.configuration }).map(describeFinding));
  if (observed.release) differences.push(...releaseDifferences(release, observed.release));
  return differences.length ? { state: "Drifted", differences } : { state: "InSync", differences: [] };
}
