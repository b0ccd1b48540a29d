// Sealed content (4.1 d, 4.6 a, 8.4): every image pinned by digest, listed in the Release's
// sealed images and its signature verified by the operator (read from the seal cache's memory,
// never a registry call here); sealed ConfigMaps and Secrets the pods use match their digests.
import type { Release } from "../../api/index.js";
import type { CompiledPolicy, CompiledRelease } from "../compiled.js";
import { configDigest } from "../../images/config-digest.js";
import type { Findings } from "../findings.js";
import { parseImageReference, type ImageReference } from "../../images/reference.js";
import { asStr, clip, type Obj } from "../object.js";
import type { AdmissionView } from "../view.js";
import { forEachConfigReference, forEachContainer } from "../workload.js";

const short = (digest: string) => (digest.length > 19 ? `${digest.slice(0, 19)}…` : digest);

// Image references repeat across requests (every replica, every rollout): parse each once.
const references = new Map<string, ImageReference | string>();
function reference(image: string): ImageReference | string {
  let ref = references.get(image);
  if (ref === undefined) {
    try {
      ref = parseImageReference(image);
    } catch (e) {
      ref = (e as Error).message;
    }
    if (image.length <= 512) {
      if (references.size >= 10_000) references.clear();
      references.set(image, ref);
    }
  }
  return ref;
}

export function checkImages(podSpec: Obj | undefined, policy: CompiledPolicy, release: { release: Release; compiled: CompiledRelease } | undefined, view: AdmissionView, f: Findings): void {
  const rules = policy.policy.spec.images;
  const requireDigest = rules?.requireDigest ?? true;
  const requireSignature = rules?.requireSignature ?? true;
  const allowed = rules?.allowedRegistries ?? [];
  const releaseName = release?.release.metadata.name;
  // One verdict per distinct image: a pod repeating an image is judged (and reported) once.
  const seen = new Set<string>();
  forEachContainer(podSpec, (c, cname, ckind) => {
    const image = asStr(c.image);
    if (!image) {
      f.deny(`${ckind} ${clip(cname, 80)} names no image`);
      return;
    }
    if (seen.has(image)) return;
    seen.add(image);
    const who = `${ckind} ${clip(cname, 80)}`;
    const ref = reference(image);
    if (typeof ref === "string") {
      f.deny(`${who}: "${clip(image, 200)}" is not a valid image reference (${clip(ref, 300)})`);
      return;
    }
    if (allowed.length > 0 && !allowed.some((prefix) => image.startsWith(prefix) || ref.name.startsWith(prefix))) {
      f.deny(`${who}: image ${clip(ref.name)} is not from an allowed registry (ReleasePolicy ${policy.name} spec.images.allowedRegistries: ${allowed.join(", ")})`);
    }
    const sealed = release?.compiled.images.get(ref.name);
    if (!ref.digest) {
      const hint = sealed?.[0] ? `${ref.name}@${sealed[0]}` : `${ref.name}@sha256:<digest>`;
      if (requireDigest) {
        f.deny(`${who}: image ${clip(image)} is not pinned by digest: reference it as ${hint}, the digest sealed in Release ${releaseName ?? "<release>"} (spec.images)`);
        return;
      }
      if (release && !sealed) f.deny(`${who}: image ${clip(ref.name)} is not among Release ${releaseName}'s sealed images (spec.images): seal it into a new Release`);
      else if (requireSignature) f.deny(`${who}: image ${clip(image)} has no digest, so its signature cannot be verified: reference it as ${hint}`);
      return;
    }
    if (!release) return;
    if (!sealed) {
      f.deny(`${who}: image ${clip(ref.name)} is not among Release ${releaseName}'s sealed images (spec.images): seal it into a new Release`);
      return;
    }
    if (!sealed.includes(ref.digest)) {
      f.deny(`${who}: image ${clip(ref.name)}@${short(ref.digest)} is not the digest sealed in Release ${releaseName} (${sealed.map(short).join(", ")}): deploy the sealed digest, or seal this one into a new Release`);
      return;
    }
    if (!requireSignature) return;
    const verdict = view.seals.peek(ref.name, ref.digest, policy.imageKeys, policy.sealGraceMs);
    if (!verdict) f.deny(`image ${clip(ref.name)}@${short(ref.digest)}: seal not yet verified by the operator: wait until Release ${releaseName} shows Sealed=True, then retry`);
    else if (!verdict.sealed) f.deny(`image ${clip(ref.name)}@${short(ref.digest)} is not sealed (${verdict.failure}): ${clip(verdict.reason, 300)}`);
  });
}

export function checkConfiguration(podSpec: Obj | undefined, namespace: string, release: { release: Release; compiled: CompiledRelease }, view: AdmissionView, f: Findings): void {
  const sealedConfig = release.compiled.configuration;
  if (sealedConfig.size === 0) return;
  const name = release.release.metadata.name;
  const seen = new Set<string>();
  forEachConfigReference(podSpec, (kind, ref) => {
    const key = `${kind}/${ref}`;
    const sealed = sealedConfig.get(key);
    if (sealed === undefined || seen.has(key)) return;
    seen.add(key);
    const live = kind === "ConfigMap" ? view.configMaps.get(namespace, ref) : view.secrets.get(namespace, ref);
    if (!live) {
      f.deny(`${kind} ${ref}, sealed in Release ${name}, does not exist in namespace ${namespace}: create it with its sealed content before the workload`);
      return;
    }
    let digest: string;
    try {
      digest = configDigest(kind, live);
    } catch (e) {
      f.deny(`${kind} ${ref}, sealed in Release ${name}, cannot be digested: ${(e as Error).message}`);
      return;
    }
    if (digest !== sealed) f.deny(`${kind} ${ref} does not match the digest sealed in Release ${name} (live ${short(digest)}, sealed ${short(sealed)}): restore the sealed content, or seal the change into a new Release`);
  });
}
