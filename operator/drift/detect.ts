// Drift after admission (JR/T 0179 4.7 a, 8.4), decided purely: from what runs (pods' container
// statuses) and what the sealed ConfigMaps and Secrets hold now, the differences from what the
// Release sealed. No I/O: operator/drift/gather.ts observes, operator/drift/check.ts acts.
//
// Images. For every container, init container and ephemeral container of a pod labelled with the
// release, the digest its status reports (imageID `...@sha256:<hex>`) must be one the release
// approved for that container's image repository:
//   - the release's sealed images (spec.images) of that repository; when the pod's spec pins a
//     sealed digest (name@sha256:X), exactly X;
//   - the images of the Jobs in the approved plan (verification, cleanup, rollback hooks), which
//     the operator itself runs with the release label;
//   - a digest the observation lists as a child of an accepted digest (the platform manifests of a
//     sealed multi-arch index), when the gatherer knows them.
// An imageID without "@sha256:" (some runtimes report the local image id only) is not compared:
// there is nothing to compare it with. A container whose image repository the release did not
// approve at all (a `kubectl debug` container, a pod created while admission was bypassed) is
// drift too, whatever its imageID.
//
// Configuration. Every sealed ConfigMap and Secret (spec.configuration) must exist and its data
// digest (images/config-digest.ts, the one `golive seal-config` prints) match. For a Secret only
// the sealed digest is reported, never what was found: the digest of changed secret data would
// let anyone who can read the Release test guesses of the new value offline.
import type { Release } from "../../api/index.js";
import { checkSealedConfiguration, type ConfigKind, type ConfigObject } from "../../images/config-digest.js";
import { normalizeName } from "../../images/reference.js";

export interface PodContainerStatus {
  name?: string;
  image?: string;
  imageID?: string;
}

export interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: {
    containers?: { name?: string; image?: string }[];
    initContainers?: { name?: string; image?: string }[];
    ephemeralContainers?: { name?: string; image?: string }[];
  };
  status?: {
    phase?: string;
    containerStatuses?: PodContainerStatus[];
    initContainerStatuses?: PodContainerStatus[];
    ephemeralContainerStatuses?: PodContainerStatus[];
  };
}

export interface DriftObservation {
  release: Release;
  /** The pods labelled golive.dev/release=<release name> in its namespace. */
  pods: readonly PodLike[];
  /** The sealed ConfigMaps and Secrets as read now; undefined: it does not exist. */
  configuration: (kind: ConfigKind, name: string) => ConfigObject | undefined;
  /** Platform manifests of a multi-arch index, by the index's digest (when known). */
  children?: ReadonlyMap<string, readonly string[]>;
}

export type ContainerKind = "container" | "initContainer" | "ephemeralContainer";

export type DriftFinding =
  | { kind: "image"; pod: string; container: string; containerKind: ContainerKind; image: string; expected: string[]; found: string; problem: "digest" }
  | { kind: "image"; pod: string; container: string; containerKind: ContainerKind; image: string; expected: string[]; found?: string; problem: "unapproved" }
  | { kind: "ConfigMap" | "Secret"; name: string; expected: string; found?: string; problem: "changed" | "missing" | "invalid"; reason?: string };

export type DriftKind = DriftFinding["kind"];
export const DRIFT_KINDS: readonly DriftKind[] = ["image", "ConfigMap", "Secret"];

const DIGEST = /@(sha256:[a-f0-9]{64})$/;

/** The digest an imageID carries (`docker-pullable://name@sha256:…`, `name@sha256:…`), if any. */
export function imageIdDigest(imageID: string | undefined): string | undefined {
  return imageID ? DIGEST.exec(imageID)?.[1] : undefined;
}

function repository(image: string): { name: string; digest?: string } | undefined {
  try {
    const at = image.indexOf("@");
    const name = normalizeName(at >= 0 ? image.slice(0, at) : image);
    const digest = at >= 0 ? image.slice(at + 1) : undefined;
    return digest ? { name, digest } : { name };
  } catch {
    return undefined;
  }
}

/** Approved digests by normalised repository: the sealed images, then the plan's Job images. */
export function approvedImages(release: Release): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, digest: string) => {
    const list = out.get(name) ?? [];
    if (!list.includes(digest)) list.push(digest);
    out.set(name, list);
  };
  for (const i of release.spec.images) {
    const ref = repository(i.name);
    if (ref) add(ref.name, i.digest);
  }
  const s = release.spec;
  const jobs = [...(s.strategy?.verification?.jobs ?? []).map((j) => j.job), ...(s.strategy?.cleanup ? [s.strategy.cleanup.job] : []), ...s.rollback.hooks.map((h) => h.job)];
  for (const job of jobs) {
    const ref = repository(job.image);
    if (ref?.digest) add(ref.name, ref.digest);
  }
  return out;
}

const TERMINATED = new Set(["Succeeded", "Failed"]);

export function detectDrift(observed: DriftObservation): DriftFinding[] {
  const approved = approvedImages(observed.release);
  const findings: DriftFinding[] = [];
  for (const pod of observed.pods) {
    if (TERMINATED.has(pod.status?.phase ?? "")) continue;
    const podName = pod.metadata?.name ?? "";
    const groups: [ContainerKind, { name?: string; image?: string }[] | undefined, PodContainerStatus[] | undefined][] = [
      ["container", pod.spec?.containers, pod.status?.containerStatuses],
      ["initContainer", pod.spec?.initContainers, pod.status?.initContainerStatuses],
      ["ephemeralContainer", pod.spec?.ephemeralContainers, pod.status?.ephemeralContainerStatuses],
    ];
    for (const [containerKind, specs, statuses] of groups) {
      for (const c of specs ?? []) {
        const status = statuses?.find((s) => s.name === c.name);
        const image = c.image ?? status?.image ?? "";
        const found = imageIdDigest(status?.imageID);
        const ref = repository(image);
        const forRepo = ref ? approved.get(ref.name) : undefined;
        const at = { pod: podName, container: c.name ?? "", containerKind, image };
        if (!forRepo) {
          findings.push({ kind: "image", ...at, expected: [], ...(found ? { found } : {}), problem: "unapproved" });
          continue;
        }
        // A spec pinning an approved digest runs exactly that one; otherwise any approved digest.
        const expected = ref?.digest && forRepo.includes(ref.digest) ? [ref.digest] : forRepo;
        if (ref?.digest && !forRepo.includes(ref.digest)) {
          findings.push({ kind: "image", ...at, expected: forRepo, found: ref.digest, problem: "unapproved" });
          continue;
        }
        if (!found) continue;
        const accepted = expected.some((d) => d === found || (observed.children?.get(d) ?? []).includes(found));
        if (!accepted) findings.push({ kind: "image", ...at, expected, found, problem: "digest" });
      }
    }
  }
  const check = checkSealedConfiguration(observed.release.spec.configuration, observed.configuration);
  const sealedDigest = (kind: ConfigKind, name: string) => observed.release.spec.configuration.find((c) => c.kind === kind && c.name === name)?.digest ?? "";
  for (const m of check.mismatches) findings.push({ kind: m.kind, name: m.name, expected: m.expected, ...(m.kind === "ConfigMap" ? { found: m.actual } : {}), problem: "changed" });
  for (const m of check.missing) findings.push({ kind: m.kind, name: m.name, expected: sealedDigest(m.kind, m.name), problem: "missing" });
  for (const m of check.invalid) findings.push({ kind: m.kind, name: m.name, expected: sealedDigest(m.kind, m.name), problem: "invalid", reason: m.reason });
  return findings.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
}

function sortKey(f: DriftFinding): string {
  return f.kind === "image" ? `image/${f.pod}/${f.containerKind}/${f.container}` : `${f.kind}/${f.name}`;
}

/** One line per finding: what differs, where, expected and found (never secret data). */
export function describeFinding(f: DriftFinding): string {
  if (f.kind === "image") {
    const where = `pod ${f.pod} ${f.containerKind} ${f.container}`;
    if (f.problem === "digest") return `${where} runs ${f.found} (imageID), not the sealed ${f.expected.join(" or ")} of ${f.image}`;
    return f.expected.length
      ? `${where} references ${f.image}, a digest the release did not seal (sealed: ${f.expected.join(", ")})`
      : `${where} runs ${f.image}${f.found ? ` (imageID ${f.found})` : ""}, an image the release did not seal`;
  }
  if (f.problem === "missing") return `${f.kind} ${f.name} is sealed (${f.expected}) but does not exist`;
  if (f.problem === "invalid") return `${f.kind} ${f.name} cannot be digested (${f.reason ?? "invalid data"}); sealed ${f.expected}`;
  return f.kind === "ConfigMap" ? `ConfigMap ${f.name} has digest ${f.found}, not the sealed ${f.expected}` : `Secret ${f.name} no longer matches its sealed digest ${f.expected} (the digest found is not shown for a Secret)`;
}

export function countByKind(findings: readonly DriftFinding[]): Record<DriftKind, number> {
  const out: Record<DriftKind, number> = { image: 0, ConfigMap: 0, Secret: 0 };
  for (const f of findings) out[f.kind]++;
  return out;
}

const MAX_LINES = 20;

/** The Drifted condition: True with every difference (the first 20), False when there are none. */
export function driftCondition(findings: readonly DriftFinding[]): { type: "Drifted"; status: "True" | "False"; reason: string; message: string } {
  if (findings.length === 0) return { type: "Drifted", status: "False", reason: "MatchesSeal", message: "running images and sealed configuration match the seal" };
  const counts = countByKind(findings);
  const reason = counts.image && counts.ConfigMap + counts.Secret ? "ImageAndConfigurationDrift" : counts.image ? "ImageDrift" : "ConfigurationDrift";
  const lines = findings.slice(0, MAX_LINES).map(describeFinding);
  if (findings.length > MAX_LINES) lines.push(`(and ${findings.length - MAX_LINES} more)`);
  return { type: "Drifted", status: "True", reason, message: lines.join("; ") };
}
