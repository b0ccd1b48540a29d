// Sealed images against a REAL OCI registry (with and without the referrers API) and the REAL
// cosign v3 binary: golive accepts what cosign signs with a trusted key in both formats, rejects
// everything else with the right classification, and cosign accepts what `golive seal` writes.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../cli/main.js";
import type { TrustedKey } from "../gates/dsse.js";
import { publicKeyOf } from "../gates/trusted-keys.js";
import { ImageManifest, MediaType } from "../images/oci.js";
import { ImageReferenceError, parseImageReference, requireDigest, type PinnedImage } from "../images/reference.js";
import { RegistryClient } from "../images/registry-client.js";
import { sealImage } from "../images/seal.js";
import { SealCache } from "../images/seal-cache.js";
import { verifyImageSeal } from "../images/verify.js";
import { tempDir } from "./services/common.js";
import { generateKeyPair, sign, verify, type KeyPair } from "./services/cosign.js";
import { getBlob, getManifest, pushBlob, pushManifest, pushTestImage, sha256Digest, startRegistry, type Registry, type TestImage } from "./services/registry.js";
import { until } from "./support/wait.js";

const PASSWORD = "test-password";
const keysDir = tempDir("images-keys");
let cosignKeys: KeyPair;
let otherKeys: KeyPair;
let trusted: TrustedKey[];
let goliveKey: { privateKeyPath: string; publicKeyPath: string; key: KeyObject };

function trustedKey(name: string, pemPath: string): TrustedKey {
  const key = publicKeyOf({ name, publicKey: readFileSync(pemPath, "utf8") });
  if (typeof key === "string") throw new Error(key);
  return { name, key };
}

function pinned(image: TestImage): PinnedImage {
  return requireDigest(image.reference);
}

/** Run the golive CLI in-process, capturing its output. */
async function golive(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Attach a Sigstore bundle to `subject` as cosign does: an artifact manifest whose subject is the
 * image; on a registry without the referrers API, also the index tagged sha256-<hex> listing it.
 */
async function pushBundleReferrer(registry: Registry, repo: string, subject: TestImage, bundle: Buffer): Promise<void> {
  const empty = Buffer.from("{}");
  const [configDigest, layerDigest] = [await pushBlob(registry.host, repo, empty), await pushBlob(registry.host, repo, bundle)];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundleV03,
      config: { mediaType: MediaType.ociEmpty, size: empty.length, digest: configDigest },
      layers: [{ mediaType: MediaType.sigstoreBundleV03, size: bundle.length, digest: layerDigest }],
      subject: { mediaType: subject.mediaType, size: subject.manifest.length, digest: subject.digest },
    }),
  );
  const digest = await pushManifest(registry.host, repo, sha256Digest(manifest), manifest, MediaType.ociManifest);
  if (!registry.referrers) {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, size: manifest.length, digest, artifactType: MediaType.sigstoreBundleV03 }] }));
    await pushManifest(registry.host, repo, subject.digest.replace(":", "-"), index, MediaType.ociIndex);
  }
}

/** The bundle blob cosign attached to `image`. */
async function bundleOf(registry: Registry, repo: string, image: TestImage): Promise<Buffer> {
  const list = registry.referrers
    ? ((await (await fetch(`${registry.url}/v2/${repo}/referrers/${image.digest}`)).json()) as { manifests: { digest: string }[] }).manifests
    : ((await getManifest(registry.host, repo, image.digest.replace(":", "-")))!.json as { manifests: { digest: string }[] }).manifests;
  const manifest = ImageManifest.parse((await getManifest(registry.host, repo, list[0]!.digest))!.json);
  return getBlob(registry.host, repo, manifest.layers[0]!.digest);
}

beforeAll(async () => {
  mkdirSync(join(keysDir.path, "other"));
  [cosignKeys, otherKeys] = await Promise.all([generateKeyPair(keysDir.path, PASSWORD), generateKeyPair(join(keysDir.path, "other"), "other-password")]);
  trusted = [trustedKey("release-signer", cosignKeys.publicKey)];
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  goliveKey = { privateKeyPath: join(keysDir.path, "golive.key"), publicKeyPath: join(keysDir.path, "golive.pub"), key: pair.privateKey };
  writeFileSync(goliveKey.privateKeyPath, pair.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(goliveKey.publicKeyPath, pair.publicKey.export({ type: "spki", format: "pem" }));
});
afterAll(() => keysDir.remove());

describe.each([
  { referrers: true, label: "a registry with the referrers API" },
  { referrers: false, label: "a registry without it (referrers tag schema)" },
])("verifying cosign signatures on $label", ({ referrers }) => {
  let registry: Registry;
  const client = new RegistryClient();
  const repo = "golive/underwriting-api";

  beforeAll(async () => {
    registry = await startRegistry({ referrers });
  });
  afterAll(() => registry?.stop());

  it("accepts a legacy .sig signature cosign made with a trusted key", async () => {
    const image = await pushTestImage(registry.host, repo, "legacy-ok");
    await sign(image.reference, cosignKeys.privateKey, { password: PASSWORD, format: "legacy", annotations: { "golive.dev/release": "uw-2-4-1" } });
    const verdict = await verifyImageSeal(client, pinned(image), trusted);
    expect(verdict).toMatchObject({ sealed: true, signer: "release-signer", format: "legacy-sig" });
  });

  it("accepts a Sigstore bundle cosign v3 made with a trusted key, found through the referrers API or its tag fallback", async () => {
    const image = await pushTestImage(registry.host, repo, "bundle-ok");
    await sign(image.reference, cosignKeys.privateKey, { password: PASSWORD, format: "bundle" });
    const verdict = await verifyImageSeal(client, pinned(image), trusted);
    expect(verdict).toMatchObject({ sealed: true, signer: "release-signer", format: "sigstore-bundle" });
    // The registry logs each request after answering it, through a pipe: the line may trail the response.
    const line = referrers ? `GET /v2/${repo}/referrers/${image.digest} 200` : `GET /v2/${repo}/manifests/${image.digest.replace(":", "-")} 200`;
    await until(`"${line}" in the registry's log`, () => (registry.log().includes(line) ? true : undefined), 5_000, 50);
  });

  it("rejects other keys: a legacy signature as BadSignature (it names no key), a bundle as UntrustedKey (it names its key)", async () => {
    const [legacy, bundle] = [await pushTestImage(registry.host, repo, "legacy-other"), await pushTestImage(registry.host, repo, "bundle-other")];
    await sign(legacy.reference, otherKeys.privateKey, { password: "other-password", format: "legacy" });
    await sign(bundle.reference, otherKeys.privateKey, { password: "other-password", format: "bundle" });
    const l = await verifyImageSeal(client, pinned(legacy), trusted);
    expect(l).toMatchObject({ sealed: false, failure: "BadSignature", reason: expect.stringMatching(/does not verify with any trusted key \(release-signer\): it was made by another key or changed after signing/) });
    const b = await verifyImageSeal(client, pinned(bundle), trusted);
    expect(b).toMatchObject({ sealed: false, failure: "UntrustedKey", reason: expect.stringMatching(/signed by key \S+ .* which the policy does not trust for images/) });
    // The same images pass once their signer is trusted.
    const both = [...trusted, trustedKey("other-team", otherKeys.publicKey)];
    expect(await verifyImageSeal(client, pinned(legacy), both)).toMatchObject({ sealed: true, signer: "other-team" });
    expect(await verifyImageSeal(client, pinned(bundle), both)).toMatchObject({ sealed: true, signer: "other-team" });
  });

  it("rejects a tampered legacy payload as BadSignature", async () => {
    const image = await pushTestImage(registry.host, repo, "legacy-tampered");
    await sign(image.reference, cosignKeys.privateKey, { password: PASSWORD, format: "legacy" });
    const tag = `${image.digest.replace(":", "-")}.sig`;
    const sig = ImageManifest.parse((await getManifest(registry.host, repo, tag))!.json);
    const layer = sig.layers[0]!;
    const payload = JSON.parse((await getBlob(registry.host, repo, layer.digest)).toString()) as { optional: unknown };
    payload.optional = { approvedBy: "someone-else" };
    const tampered = Buffer.from(JSON.stringify(payload));
    const tamperedDigest = await pushBlob(registry.host, repo, tampered);
    const forged = { ...sig, layers: [{ ...layer, digest: tamperedDigest, size: tampered.length }] };
    await pushManifest(registry.host, repo, tag, Buffer.from(JSON.stringify(forged)), MediaType.ociManifest);
    expect(await verifyImageSeal(client, pinned(image), trusted)).toMatchObject({ sealed: false, failure: "BadSignature" });
  });

  it("rejects a tampered bundle (it names the trusted key, which does not verify it) as BadSignature", async () => {
    const [source, target] = [await pushTestImage(registry.host, repo, "bundle-source"), await pushTestImage(registry.host, repo, "bundle-tampered")];
    await sign(source.reference, cosignKeys.privateKey, { password: PASSWORD, format: "bundle" });
    const bundle = JSON.parse((await bundleOf(registry, repo, source)).toString()) as { dsseEnvelope: { payload: string } };
    // Point the signed statement at the target image without re-signing.
    const statement = Buffer.from(bundle.dsseEnvelope.payload, "base64").toString().replace(source.digest.slice(7), target.digest.slice(7));
    bundle.dsseEnvelope.payload = Buffer.from(statement).toString("base64");
    await pushBundleReferrer(registry, repo, target, Buffer.from(JSON.stringify(bundle)));
    expect(await verifyImageSeal(client, pinned(target), trusted)).toMatchObject({
      sealed: false,
      failure: "BadSignature",
      reason: expect.stringMatching(/names trusted key release-signer but its signature does not verify with it: the bundle was changed after signing/),
    });
  });

  it("rejects valid signatures whose claimed digest is another image's (copied next to this one), in both formats", async () => {
    const [signed, legacyTarget, bundleTarget] = [
      await pushTestImage(registry.host, repo, "copied-from"),
      await pushTestImage(registry.host, repo, "copied-to-legacy"),
      await pushTestImage(registry.host, repo, "copied-to-bundle"),
    ];
    await sign(signed.reference, cosignKeys.privateKey, { password: PASSWORD, format: "legacy" });
    await sign(signed.reference, cosignKeys.privateKey, { password: PASSWORD, format: "bundle" });
    const sig = (await getManifest(registry.host, repo, `${signed.digest.replace(":", "-")}.sig`))!;
    await pushManifest(registry.host, repo, `${legacyTarget.digest.replace(":", "-")}.sig`, sig.bytes, MediaType.ociManifest);
    expect(await verifyImageSeal(client, pinned(legacyTarget), trusted)).toMatchObject({
      sealed: false,
      failure: "BadSignature",
      reason: expect.stringContaining(`signed by release-signer, but the signature is for another image: critical.image.docker-manifest-digest is ${signed.digest}, not ${legacyTarget.digest}`),
    });
    await pushBundleReferrer(registry, repo, bundleTarget, await bundleOf(registry, repo, signed));
    expect(await verifyImageSeal(client, pinned(bundleTarget), trusted)).toMatchObject({
      sealed: false,
      failure: "BadSignature",
      reason: expect.stringContaining(`signed by release-signer, but the signature is for another image: its subject is ${signed.digest}, not ${bundleTarget.digest}`),
    });
  });

  it("reports an unsigned image as Unsigned and an unknown digest as NotFound", async () => {
    const image = await pushTestImage(registry.host, repo, "unsigned");
    expect(await verifyImageSeal(client, pinned(image), trusted)).toMatchObject({ sealed: false, failure: "Unsigned", reason: expect.stringMatching(/no signature found/) });
    const missing = { ...pinned(image), digest: `sha256:${"0".repeat(64)}` };
    expect(await verifyImageSeal(client, missing, trusted)).toMatchObject({ sealed: false, failure: "NotFound" });
  });

  it("shares one registry round-trip between concurrent verifications of a digest, then answers from memory", async () => {
    const image = await pushTestImage(registry.host, repo, "single-flight");
    await sign(image.reference, cosignKeys.privateKey, { password: PASSWORD, format: referrers ? "bundle" : "legacy" });
    const cache = new SealCache({ verify: (img, keys) => verifyImageSeal(client, img, keys) });
    const ref = parseImageReference(image.reference);
    expect(cache.peek(ref.name, image.digest, trusted)).toBeUndefined();
    const before = registry.log().split("\n").filter((l) => l.includes(`GET /v2/${repo}/manifests/${image.digest} `)).length;
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => cache.verify(ref.name, image.digest, trusted)));
    expect(verdicts.every((v) => v.sealed)).toBe(true);
    const fetches = () => registry.log().split("\n").filter((l) => l.includes(`GET /v2/${repo}/manifests/${image.digest} `)).length - before;
    await until("the manifest fetch in the registry's log", () => (fetches() >= 1 ? true : undefined), 5_000, 50);
    await new Promise((r) => setTimeout(r, 300)); // time for any second fetch's line to arrive
    expect(fetches()).toBe(1);
    expect(cache.peek(ref.name, image.digest, trusted)).toMatchObject({ sealed: true, signer: "release-signer" });
  });
});

describe("registry failures are never a pass", () => {
  const image = (host: string): PinnedImage => requireDigest(`${host}/golive/app@sha256:${"a".repeat(64)}`);

  it("requires a digest: a tag-only reference cannot be sealed or verified", async () => {
    expect(() => requireDigest("127.0.0.1:5000/golive/app:2.4.1")).toThrow(ImageReferenceError);
    const r = await golive(["verify-image", "--key", cosignKeys.publicKey, "127.0.0.1:5000/golive/app:2.4.1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/127\.0\.0\.1:5000\/golive\/app:2\.4\.1 is not pinned by digest: a tag can be moved/);
    const s = await golive(["seal", "--key", goliveKey.privateKeyPath, "127.0.0.1:5000/golive/app:2.4.1"]);
    expect(s.code).toBe(2);
  });

  it("reports an unreachable registry as RegistryDown, quickly", async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((r) => closed.close(r));
    const started = Date.now();
    const verdict = await verifyImageSeal(new RegistryClient(), image(host), trusted);
    expect(verdict).toMatchObject({ sealed: false, failure: "RegistryDown", reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reports a registry that accepts connections but never answers as Timeout, within the budget", async () => {
    const sockets: Socket[] = [];
    const hanging: Server = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(hanging.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      const verdict = await verifyImageSeal(new RegistryClient({ requestTimeoutMs: 500 }), image(host), trusted, { deadlineMs: 2_000 });
      expect(verdict).toMatchObject({ sealed: false, failure: "Timeout" });
      expect(Date.now() - started).toBeLessThan(2_500);
      // Through the cache too: remembered as a failure, never as sealed.
      const cache = new SealCache({ verify: (img, keys) => verifyImageSeal(new RegistryClient({ requestTimeoutMs: 300 }), img, keys, { deadlineMs: 1_000 }) });
      expect(await cache.verify(`${host}/golive/app`, `sha256:${"a".repeat(64)}`, trusted)).toMatchObject({ sealed: false, failure: "Timeout" });
      expect(cache.peek(`${host}/golive/app`, `sha256:${"a".repeat(64)}`, trusted)).toMatchObject({ sealed: false });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hanging.close(r));
    }
  });
});

describe("golive seal, verify-image and cosign verify", () => {
  let registry: Registry;
  const repo = "golive/claims-api";

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it("cosign verify accepts what golive seal wrote with a golive key (PKCS#8 PEM)", async () => {
    const image = await pushTestImage(registry.host, repo, "sealed-by-golive");
    const sealed = await golive(["seal", "--key", goliveKey.privateKeyPath, "-a", "golive.dev/release=claims-1-0-0", image.reference]);
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toContain(`sealed: ${image.reference}`);
    expect(sealed.stdout).toContain(`- name: ${registry.host}/${repo}\n  digest: ${image.digest}`);
    const cosign = await verify(image.reference, goliveKey.publicKeyPath, { format: "legacy" });
    expect(cosign.output).toMatch(/The signatures were verified against the specified public key/);
    expect(cosign.ok).toBe(true);
    expect(cosign.payloads[0]).toMatchObject({ critical: { image: { "docker-manifest-digest": image.digest } }, optional: { "golive.dev/release": "claims-1-0-0" } });

    const checked = await golive(["verify-image", "--key", goliveKey.publicKeyPath, image.reference]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/^sealed: .*\n {2}signer: golive \(key sha256:[a-f0-9]{64}\)\n {2}format: legacy-sig\n$/);
    // Against cosign's key it is not sealed, and the reason is classified.
    const other = await golive(["verify-image", "--key", cosignKeys.publicKey, image.reference]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/not sealed: BadSignature: .*does not verify with any trusted key \(cosign\)/);
  });

  it("seals with cosign's own encrypted cosign.key, appending to the existing signatures; sealing again changes nothing", async () => {
    const image = await pushTestImage(registry.host, repo, "two-signers");
    expect((await golive(["seal", "--key", goliveKey.privateKeyPath, image.reference])).code).toBe(0);
    const withCosignKey = await golive(["seal", "--key", cosignKeys.privateKey, image.reference], { COSIGN_PASSWORD: PASSWORD });
    expect(withCosignKey.stderr).toBe("");
    expect(withCosignKey.code).toBe(0);
    const again = await golive(["seal", "--key", cosignKeys.privateKey, image.reference], { COSIGN_PASSWORD: PASSWORD });
    expect(again.stdout).toMatch(/^already sealed with this key/);
    const sig = ImageManifest.parse((await getManifest(registry.host, repo, `${image.digest.replace(":", "-")}.sig`))!.json);
    expect(sig.layers).toHaveLength(2);
    expect((await verify(image.reference, cosignKeys.publicKey, { format: "legacy" })).ok).toBe(true);
    expect((await verify(image.reference, goliveKey.publicKeyPath, { format: "legacy" })).ok).toBe(true);
    const wrongPassword = await golive(["seal", "--key", cosignKeys.privateKey, image.reference], { COSIGN_PASSWORD: "nope" });
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stderr).toMatch(/wrong password/);
  });

  it("verify-image: exit 0 with the signer for a cosign bundle, 1 with the reason when unsigned, 3 when the registry cannot be asked; JSON on request", async () => {
    const image = await pushTestImage(registry.host, repo, "bundle-cli");
    await sign(image.reference, cosignKeys.privateKey, { password: PASSWORD, format: "bundle" });
    const ok = await golive(["verify-image", "--key", goliveKey.publicKeyPath, "--key", cosignKeys.publicKey, image.reference, "-o", "json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ image: image.reference, sealed: true, signer: "cosign", format: "sigstore-bundle" });
    const unsigned = await pushTestImage(registry.host, repo, "unsigned-cli");
    const no = await golive(["verify-image", "--key", cosignKeys.publicKey, unsigned.reference]);
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(/not sealed: Unsigned: .*no signature found/);
    const down = await golive(["verify-image", "--key", cosignKeys.publicKey, `127.0.0.1:1/golive/app@${image.digest}`]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/not sealed: RegistryDown: /);
  });

  it("golive's own sealImage writes what its verifier accepts, and refuses an image that is not in the registry", async () => {
    const image = await pushTestImage(registry.host, repo, "api-seal");
    const client = new RegistryClient();
    const result = await sealImage(client, pinned(image), goliveKey.key);
    expect(result).toMatchObject({ tag: `${image.digest.replace(":", "-")}.sig`, written: true });
    expect(await verifyImageSeal(client, pinned(image), [trustedKey("golive", goliveKey.publicKeyPath)])).toMatchObject({ sealed: true, signer: "golive", format: "legacy-sig" });
    await expect(sealImage(client, { ...pinned(image), digest: `sha256:${"b".repeat(64)}` }, goliveKey.key)).rejects.toThrow(/no such manifest in the registry; push the image before sealing it/);
  });
});

describe("golive seal-config", () => {
  it("prints the canonical digest and a ready configuration: block", async () => {
    const dir = tempDir("seal-config");
    try {
      const file = join(dir.path, "config.yaml");
      writeFileSync(
        file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: claims-config\ndata:\n  app.yaml: |\n    rate: 3\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: claims-db\nstringData:\n  password: s3cret\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ignored\n",
      );
      const r = await golive(["seal-config", "-f", file]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^# ConfigMap claims-config sha256:[a-f0-9]{64}\n# Secret claims-db sha256:[a-f0-9]{64}\nconfiguration:\n {2}- kind: ConfigMap\n {4}name: claims-config\n {4}digest: sha256:/);
      expect(r.stdout).not.toContain("s3cret");
    } finally {
      dir.remove();
    }
  });
});
