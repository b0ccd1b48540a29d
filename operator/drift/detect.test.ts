import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { exampleRelease } from "../../gates/testkit.js";
import { configDigest } from "../../images/config-digest.js";
import { approvedImages, countByKind, describeFinding, detectDrift, driftCondition, imageIdDigest, type DriftObservation, type PodLike } from "./detect.js";

const release = exampleRelease();
const sealed = release.spec.images[0]!;
const other = `sha256:${"a".repeat(64)}`;
const child = `sha256:${"c".repeat(64)}`;
const jobImage = release.spec.strategy!.verification!.jobs[0]!.job.image;
const configMap = { kind: "ConfigMap", metadata: { name: "underwriting-api-config" }, data: { PREMIUM_ROUNDING: "half-even", QUOTE_CACHE_TTL: "60s" } };

function pod(name: string, image: string, imageID: string | undefined, extra: Partial<PodLike> = {}): PodLike {
  return {
    metadata: { name, namespace: "underwriting", labels: { "golive.dev/release": release.metadata.name } },
    spec: { containers: [{ name: "api", image }] },
    status: { phase: "Running", containerStatuses: [{ name: "api", image, ...(imageID !== undefined ? { imageID } : {}) }] },
    ...extra,
  };
}
function observe(pods: PodLike[], opts: Partial<DriftObservation> & { release?: Release } = {}): DriftObservation {
  return { release, pods, configuration: (kind, name) => (kind === "ConfigMap" && name === configMap.metadata.name ? configMap : undefined), ...opts };
}
const pinned = `${sealed.name}@${sealed.digest}`;

describe("imageIdDigest", () => {
  it.each([
    [`docker-pullable://${sealed.name}@${sealed.digest}`, sealed.digest],
    [`${sealed.name}@${sealed.digest}`, sealed.digest],
    [sealed.digest, undefined], // a local image id, no repository digest
    ["", undefined],
    [undefined, undefined],
    [`${sealed.name}@sha256:abc`, undefined],
  ])("%s -> %s", (id, digest) => expect(imageIdDigest(id)).toBe(digest));
});

describe("detectDrift", () => {
  it("the example's sealed ConfigMap digest is the digest of the example workload's ConfigMap", () => {
    expect(configDigest("ConfigMap", configMap)).toBe(release.spec.configuration[0]!.digest);
  });

  it("finds nothing when every imageID carries the sealed digest and the configuration matches", () => {
    const pods = [pod("a", pinned, `${sealed.name}@${sealed.digest}`), pod("b", pinned, `docker-pullable://${sealed.name}@${sealed.digest}`)];
    expect(detectDrift(observe(pods))).toEqual([]);
  });

  it("reports a pinned image whose imageID has another digest, with pod, container, expected and found", () => {
    const findings = detectDrift(observe([pod("a", pinned, `${sealed.name}@${other}`)]));
    expect(findings).toEqual([{ kind: "image", pod: "a", container: "api", containerKind: "container", image: pinned, expected: [sealed.digest], found: other, problem: "digest" }]);
    expect(describeFinding(findings[0]!)).toBe(`pod a container api runs ${other} (imageID), not the sealed ${sealed.digest} of ${pinned}`);
  });

  it("compares digests only: an imageID from a mirror's repository with the sealed digest is no drift", () => {
    expect(detectDrift(observe([pod("a", pinned, `mirror/any-name@${sealed.digest}`)]))).toEqual([]);
  });

  it("does not compare an imageID without a digest, nor a pod that has not reported one yet", () => {
    expect(detectDrift(observe([pod("a", pinned, other), pod("b", pinned, undefined), pod("c", pinned, "")]))).toEqual([]);
  });

  it("skips pods that finished (Succeeded, Failed)", () => {
    const done = (phase: string) => {
      const p = pod(phase, pinned, `${sealed.name}@${other}`);
      p.status!.phase = phase;
      return p;
    };
    expect(detectDrift(observe([done("Succeeded"), done("Failed")]))).toEqual([]);
    expect(detectDrift(observe([done("Pending")]))).toHaveLength(1);
  });

  it("checks init and ephemeral containers: a debug container with an unsealed image is drift", () => {
    const p = pod("a", pinned, `${sealed.name}@${sealed.digest}`);
    p.spec!.initContainers = [{ name: "migrate", image: pinned }];
    p.status!.initContainerStatuses = [{ name: "migrate", imageID: `${sealed.name}@${other}` }];
    p.spec!.ephemeralContainers = [{ name: "debugger", image: "busybox:1.36" }];
    p.status!.ephemeralContainerStatuses = [{ name: "debugger", imageID: `busybox@${other}` }];
    const findings = detectDrift(observe([p]));
    expect(findings.map((f) => f.kind === "image" && [f.containerKind, f.container, f.problem])).toEqual([
      ["ephemeralContainer", "debugger", "unapproved"],
      ["initContainer", "migrate", "digest"],
    ]);
    expect(describeFinding(findings[0]!)).toBe(`pod a ephemeralContainer debugger runs busybox:1.36 (imageID ${other}), an image the release did not seal`);
  });

  it("reports a spec pinned to a digest the release did not seal, whatever the imageID says", () => {
    const findings = detectDrift(observe([pod("a", `${sealed.name}@${other}`, `${sealed.name}@${other}`)]));
    expect(findings).toMatchObject([{ problem: "unapproved", expected: [sealed.digest], found: other }]);
    expect(describeFinding(findings[0]!)).toMatch(/a digest the release did not seal \(sealed: sha256:3f1c/);
  });

  it("compares a tag reference's imageID with the repository's sealed digests", () => {
    expect(detectDrift(observe([pod("a", `${sealed.name}:2.4.1`, `${sealed.name}@${sealed.digest}`)]))).toEqual([]);
    expect(detectDrift(observe([pod("a", `${sealed.name}:2.4.1`, `${sealed.name}@${other}`)]))).toMatchObject([{ problem: "digest", expected: [sealed.digest], found: other }]);
  });

  it("accepts the images of the plan's Jobs (verification, cleanup, hooks) at their pinned digest", () => {
    const [name, digest] = jobImage.split("@") as [string, string];
    expect(approvedImages(release).get(name)).toEqual([digest]);
    expect(detectDrift(observe([pod("verify", jobImage, `${name}@${digest}`)]))).toEqual([]);
    expect(detectDrift(observe([pod("verify", jobImage, `${name}@${other}`)]))).toMatchObject([{ problem: "digest" }]);
  });

  it("accepts a platform manifest only when it is a known child of the sealed index", () => {
    const p = pod("a", pinned, `${sealed.name}@${child}`);
    expect(detectDrift(observe([p]))).toMatchObject([{ problem: "digest", found: child }]);
    expect(detectDrift(observe([p], { children: new Map([[sealed.digest, [child]]]) }))).toEqual([]);
    expect(detectDrift(observe([p], { children: new Map([[other, [child]]]) }))).toHaveLength(1);
  });

  it("reports a changed ConfigMap with both digests, a missing one, and a changed Secret without what was found", () => {
    const r = structuredClone(release);
    const secretData = { password: Buffer.from("hunter2").toString("base64") };
    r.spec.configuration.push({ kind: "Secret", name: "db", digest: configDigest("Secret", { data: secretData }) }, { kind: "ConfigMap", name: "gone", digest: other });
    const changedConfig = { ...configMap, data: { ...configMap.data, QUOTE_CACHE_TTL: "1s" } };
    const changedSecret = { kind: "Secret", metadata: { name: "db" }, data: { password: Buffer.from("hunter3").toString("base64") } };
    const live = (kind: string, name: string) => (kind === "ConfigMap" && name === configMap.metadata.name ? changedConfig : kind === "Secret" && name === "db" ? changedSecret : undefined);
    const findings = detectDrift({ release: r, pods: [], configuration: live });
    expect(findings).toEqual([
      { kind: "ConfigMap", name: "gone", expected: other, problem: "missing" },
      { kind: "ConfigMap", name: "underwriting-api-config", expected: r.spec.configuration[0]!.digest, found: configDigest("ConfigMap", changedConfig), problem: "changed" },
      { kind: "Secret", name: "db", expected: r.spec.configuration[1]!.digest, problem: "changed" },
    ]);
    const text = JSON.stringify(findings) + driftCondition(findings).message;
    expect(text).not.toContain(configDigest("Secret", changedSecret));
    expect(text).not.toMatch(/hunter|aHVudGVy/);
    expect(driftCondition(findings).message).toContain("Secret db no longer matches its sealed digest");
    expect(countByKind(findings)).toEqual({ image: 0, ConfigMap: 2, Secret: 1 });
    // Restored: only the missing ConfigMap remains.
    const restored = (kind: string, name: string) => (kind === "Secret" ? { data: secretData } : name === configMap.metadata.name ? configMap : undefined);
    expect(detectDrift({ release: r, pods: [], configuration: restored }).map((f) => f.kind === "image" ? f.pod : f.name)).toEqual(["gone"]);
  });

  it("reports data that cannot be digested, without the data", () => {
    const findings = detectDrift(observe([], { configuration: () => ({ kind: "ConfigMap", data: { "bad key": "x" } }) }));
    expect(findings).toMatchObject([{ kind: "ConfigMap", problem: "invalid" }]);
  });
});

describe("driftCondition", () => {
  it("is False without findings and True naming each one, in a stable order", () => {
    expect(driftCondition([])).toMatchObject({ type: "Drifted", status: "False", reason: "MatchesSeal" });
    const pods = ["b", "a"].map((n) => pod(n, pinned, `${sealed.name}@${other}`));
    const c = driftCondition(detectDrift(observe(pods)));
    expect(c).toMatchObject({ status: "True", reason: "ImageDrift" });
    expect(c.message).toMatch(/^pod a container api .*; pod b container api /);
    expect(driftCondition(detectDrift(observe([...pods].reverse()))).message).toBe(c.message);
  });

  it("names both kinds in the reason and caps the list at 20", () => {
    const pods = Array.from({ length: 25 }, (_, i) => pod(`p${String(i).padStart(2, "0")}`, pinned, `${sealed.name}@${other}`));
    const c = driftCondition(detectDrift(observe(pods, { configuration: () => undefined })));
    expect(c.reason).toBe("ImageAndConfigurationDrift");
    expect(c.message.split("; ")).toHaveLength(21);
    expect(c.message).toMatch(/\(and 6 more\)$/);
  });
});
