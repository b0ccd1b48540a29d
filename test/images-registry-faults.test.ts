// Registry trouble is never a bad signature, and never unseals a verified image (issue 25).
// The REAL OCI registry and the REAL cosign v3 on loopback, with a small misbehaving HTTP proxy in
// front of the registry: each fault on a signature artifact (a redirect loop, a refused redirect,
// HTTP 400, a blob or a referrer manifest whose bytes do not hash to their digest, HTTP 429 beyond
// the budget, no answer) is exit 3 with the fault named, never BadSignature; and a seal the cache
// verified stays sealed through each.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrustedKey } from "../gates/dsse.js";
import { publicKeyOf } from "../gates/trusted-keys.js";
import { requireDigest } from "../images/reference.js";
import { RegistryClient } from "../images/registry-client.js";
import { sealImage } from "../images/seal.js";
import { SealCache } from "../images/seal-cache.js";
import { verifyImageSeal } from "../images/verify.js";
import { tempDir } from "./services/common.js";
import { generateKeyPair, sign, type KeyPair } from "./services/cosign.js";
import { listReferrers, pushTestImage, startRegistry, type Registry, type TestImage } from "./services/registry.js";
import { startFaultyProxy, type Fault, type FaultyProxy } from "./support/faulty-proxy.js";
import { runGolive } from "./support/golive-cli.js";

const PASSWORD = "faults-password";
const keysDir = tempDir("registry-faults-keys");
let keys: KeyPair;
let trusted: TrustedKey[];

/** Run the golive CLI in-process, capturing its output. */
async function golive(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runGolive(args);
  return { code: r.code, stdout: r.out, stderr: r.err };
}

const path = (req: IncomingMessage) => new URL(req.url ?? "/", "http://x").pathname;
const isGet = (req: IncomingMessage) => req.method === "GET";
const redirectLoop = (res: ServerResponse, req: IncomingMessage) => {
  res.writeHead(307, { location: req.url ?? "/" });
  res.end();
};

let registry: Registry;
let proxy: FaultyProxy;
const repo = "golive/faults";
let legacy: TestImage;
let bundle: TestImage;
/** The digests of the bundle image's referrer manifests. */
let referrerDigests: string[] = [];

beforeAll(async () => {
  keys = await generateKeyPair(keysDir.path, PASSWORD);
  const key = publicKeyOf({ name: "release-signer", publicKey: readFileSync(keys.publicKey, "utf8") });
  if (typeof key === "string") throw new Error(key);
  trusted = [{ name: "release-signer", key }];
  registry = await startRegistry();
  proxy = await startFaultyProxy(registry.url);
  legacy = await pushTestImage(registry.host, repo, "legacy");
  bundle = await pushTestImage(registry.host, repo, "bundle");
  await sign(legacy.reference, keys.privateKey, { password: PASSWORD, format: "legacy" });
  await sign(bundle.reference, keys.privateKey, { password: PASSWORD, format: "bundle" });
  referrerDigests = ((await listReferrers(registry.host, repo, bundle.digest)) ?? []).map((d) => d.digest);
  expect(referrerDigests.length).toBeGreaterThan(0);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  keysDir.remove();
});

/** The image as reached through the proxy. */
const viaProxy = (image: TestImage) => `${proxy.host}/${repo}@${image.digest}`;

interface Case {
  name: string;
  image: () => TestImage;
  fault: Fault;
  /** What the reason must name. */
  named: RegExp;
  /** The kind of registry trouble (default RegistryDown). */
  failure?: "RegistryDown" | "Throttled" | "Timeout";
}

const sigTag = (image: TestImage) => `/manifests/${image.digest.replace(":", "-")}.sig`;
const blobs = "/blobs/sha256:";
const configBlob = (image: TestImage) => (JSON.parse(image.manifest.toString()) as { config: { digest: string } }).config.digest;
/** A signature blob: any blob but the image's own config and layer. */
const signatureBlob = (req: IncomingMessage, image: TestImage) => isGet(req) && path(req).includes(blobs) && !path(req).endsWith(configBlob(image));

const cases: Case[] = [
  {
    name: "a redirect loop on the .sig tag",
    image: () => legacy,
    fault: (req, res) => (path(req).endsWith(sigTag(legacy)) ? (redirectLoop(res, req), "handled") : "pass"),
    named: /registry trouble fetching the legacy signature sha256-[a-f0-9]{64}\.sig.*more than 5 redirects \(a redirect loop\)/,
  },
  {
    name: "a redirect loop on the signature's payload blob",
    image: () => legacy,
    fault: (req, res) => (signatureBlob(req, legacy) ? (redirectLoop(res, req), "handled") : "pass"),
    named: /registry trouble fetching the legacy signature .*more than 5 redirects \(a redirect loop\) for \/v2\/golive\/faults\/blobs\//,
  },
  {
    name: "a refused redirect (to plain HTTP on another host) for the bundle blob",
    image: () => bundle,
    fault: (req, res) => {
      if (!signatureBlob(req, bundle) || referrerDigests.some((d) => path(req).endsWith(d))) return "pass";
      res.writeHead(302, { location: `http://storage.example.com${req.url ?? "/"}` });
      res.end();
      return "handled";
    },
    named: /registry trouble fetching the Sigstore bundles.*refusing a redirect to http:\/\/storage\.example\.com/,
  },
  {
    name: "HTTP 400 for the .sig manifest",
    image: () => legacy,
    fault: (req, res) => {
      if (!path(req).endsWith(sigTag(legacy))) return "pass";
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"UNSUPPORTED","message":"flaky"}]}');
      return "handled";
    },
    named: /registry trouble fetching the legacy signature .*unexpected HTTP 400 for manifest sha256-[a-f0-9]{64}\.sig/,
  },
  {
    name: "a signature payload blob whose bytes do not hash to its digest",
    image: () => legacy,
    fault: (req) => (signatureBlob(req, legacy) ? "alter" : "pass"),
    named: /registry trouble fetching the legacy signature .*blob sha256:[a-f0-9]{64} was served with content hashing to sha256:[a-f0-9]{64}, not to its digest: the registry is broken or the content was tampered with/,
  },
  {
    name: "a bundle blob whose bytes do not hash to its digest",
    image: () => bundle,
    fault: (req) => (signatureBlob(req, bundle) ? "alter" : "pass"),
    named: /registry trouble fetching the Sigstore bundles .*not to its digest: the registry is broken or the content was tampered with/,
  },
  {
    name: "a referrer manifest whose bytes do not hash to its digest",
    image: () => bundle,
    fault: (req) => (isGet(req) && referrerDigests.some((d) => path(req).endsWith(`/manifests/${d}`)) ? "alter" : "pass"),
    named: /registry trouble fetching the Sigstore bundles .*the manifest served for sha256:[a-f0-9]{64} hashes to sha256:[a-f0-9]{64}, not to its digest: the registry is broken or the content was tampered with/,
  },
  {
    name: "HTTP 429 with a Retry-After beyond the budget for the .sig manifest",
    image: () => legacy,
    fault: (req, res) => {
      if (!path(req).endsWith(sigTag(legacy))) return "pass";
      res.writeHead(429, { "retry-after": "30", "content-type": "application/json" });
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      return "handled";
    },
    named: /registry trouble fetching the legacy signature sha256-[a-f0-9]{64}\.sig, not a verdict on any signature: .*HTTP 429 after 1 attempt, Retry-After 30 s is beyond the budget/,
    failure: "Throttled",
  },
  {
    name: "no answer for a Sigstore bundle referrer manifest",
    image: () => bundle,
    // Accepted and never answered (the proxy's stop closes it).
    fault: (req) => (referrerDigests.some((d) => path(req).endsWith(`/manifests/${d}`)) ? "handled" : "pass"),
    named: /registry trouble fetching the Sigstore bundles \(referrers\), not a verdict on any signature: .*no answer within 1000 ms/,
    failure: "Timeout",
  },
];

describe("registry trouble on a signature artifact is registry trouble (exit 3), never BadSignature", () => {
  it("verifies both images through the proxy while it behaves", async () => {
    proxy.fault = undefined;
    for (const image of [legacy, bundle]) {
      const r = await golive(["verify-image", "--key", keys.publicKey, viaProxy(image)]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
  });

  it.each(cases)("$name: exit 3, the fault named; a cached success stays sealed", async ({ image, fault, named, failure = "RegistryDown" }) => {
    const client = new RegistryClient({ backoffMs: 10, requestTimeoutMs: 1_000 });
    let clock = Date.now();
    const cache = new SealCache({ verify: (img, k) => verifyImageSeal(client, img, k), now: () => new Date(clock), maxAgeMs: 60_000, graceMs: 600_000 });
    const name = `${proxy.host}/${repo}`;
    proxy.fault = undefined;
    expect(await cache.verify(name, image().digest, trusted)).toMatchObject({ sealed: true, signer: "release-signer" });
    proxy.fault = fault;
    try {
      const r = await golive(["verify-image", "--key", keys.publicKey, "--timeout", "1000", viaProxy(image())]);
      expect(r.stderr).toMatch(new RegExp(`^golive: not sealed: ${failure}: `));
      expect(r.stderr).toMatch(named);
      expect(r.stderr).not.toMatch(/BadSignature|UntrustedKey/);
      expect(r.code).toBe(3);
      // The same through the API and the seal cache: the verdict is RegistryDown, and the seal stays.
      const verdict = await cache.verify(name, image().digest, trusted);
      expect(verdict).toMatchObject({ sealed: false, failure, reason: expect.stringMatching(named) });
      expect(cache.peek(name, image().digest, trusted)).toMatchObject({ sealed: true, signer: "release-signer" });
      // Past the cache's lifetime, re-verification under the same fault leaves it sealed (stale).
      clock += 61_000;
      expect(cache.peek(name, image().digest, trusted)).toMatchObject({ sealed: true, stale: { due: true } });
      await cache.verify(name, image().digest, trusted);
      expect(cache.peek(name, image().digest, trusted)).toMatchObject({ sealed: true, stale: { due: false, failure, reason: expect.stringMatching(named) } });
    } finally {
      proxy.fault = undefined;
    }
  });
});

describe("the seal cache through a registry outage", () => {
  it("keeps a verified seal while the registry is down, past its lifetime within the grace; a definitive failure unseals", async () => {
    const client = new RegistryClient({ backoffMs: 10 });
    let clock = Date.now();
    const cache = new SealCache({ verify: (img, k) => verifyImageSeal(client, img, k), now: () => new Date(clock), maxAgeMs: 60_000, negativeTtlMs: 1_000 });
    const name = `${proxy.host}/${repo}`;
    expect(await cache.verify(name, legacy.digest, trusted)).toMatchObject({ sealed: true });
    proxy.down = true;
    try {
      expect(await cache.verify(name, legacy.digest, trusted)).toMatchObject({ sealed: false, failure: "RegistryDown" });
      expect(cache.peek(name, legacy.digest, trusted)).toMatchObject({ sealed: true });
      expect(cache.peek(name, legacy.digest, trusted)).not.toHaveProperty("stale");
      // 12 h past the lifetime, the registry still down: stale, in force within a 24 h grace.
      clock += 60_000 + 12 * 3600_000;
      expect(cache.peek(name, legacy.digest, trusted, 24 * 3600_000)).toMatchObject({ sealed: true, stale: { due: true } });
      const again = await cache.verify(name, legacy.digest, trusted);
      expect(again).toMatchObject({ sealed: false, failure: "RegistryDown", reason: expect.stringMatching(/cannot reach 127\.0\.0\.1:\d+ \(\w+\) after 3 attempts/) });
      const stale = cache.peek(name, legacy.digest, trusted, 24 * 3600_000);
      expect(stale).toMatchObject({ sealed: true, signer: "release-signer", stale: { due: false, failure: "RegistryDown" } });
      expect(cache.staleCount).toBe(1);
      // A policy with a shorter grace no longer counts it: peek says nothing, verify again.
      expect(cache.peek(name, legacy.digest, trusted, 3600_000)).toBeUndefined();
      expect(await cache.verify(name, legacy.digest, trusted)).toMatchObject({ sealed: false, failure: "RegistryDown" });
      expect(cache.peek(name, legacy.digest, trusted, 3600_000)).toMatchObject({ sealed: false, failure: "RegistryDown" });
    } finally {
      proxy.down = false;
    }
    // Back up: re-verified, fresh again.
    clock += 2_000;
    expect(await cache.verify(name, legacy.digest, trusted)).toMatchObject({ sealed: true });
    expect(cache.peek(name, legacy.digest, trusted)).not.toHaveProperty("stale");
    // Past the lifetime again, and the signature is gone: a definitive failure replaces the seal.
    clock += 61_000;
    const deleted = await fetch(`${registry.url}/v2/${repo}/manifests/${legacy.digest.replace(":", "-")}.sig`, { method: "DELETE" });
    expect(deleted.status).toBe(202);
    expect(await cache.verify(name, legacy.digest, trusted)).toMatchObject({ sealed: false, failure: "Unsigned" });
    expect(cache.peek(name, legacy.digest, trusted)).toMatchObject({ sealed: false, failure: "Unsigned" });
    expect(cache.staleCount).toBe(0);
  });
});

describe("16 untrusted signatures pushed before the trusted one", () => {
  let tagSchema: Registry;
  let other: KeyPair;
  const otherDir = tempDir("registry-faults-other");

  beforeAll(async () => {
    tagSchema = await startRegistry({ referrers: false });
    other = await generateKeyPair(otherDir.path, "other-password");
  });
  afterAll(async () => {
    await tagSchema?.stop();
    otherDir.remove();
  });

  it("legacy layers: the verdict says the cap was hit", async () => {
    const image = await pushTestImage(tagSchema.host, repo, "buried-legacy");
    for (let i = 0; i < 16; i++) await sealImage(new RegistryClient(), requireDigest(image.reference), generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
    await sign(image.reference, keys.privateKey, { password: PASSWORD, format: "legacy" });
    const verdict = await verifyImageSeal(new RegistryClient(), requireDigest(image.reference), trusted);
    expect(verdict).toMatchObject({ sealed: false, failure: "BadSignature", reason: expect.stringMatching(/the cap on signatures examined was reached: sha256-[a-f0-9]{64}\.sig holds 17 legacy signatures and only the first 16 were examined/) });
  });

  it("Sigstore bundles (referrers tag schema, in push order): with key hints the trusted bundle is still found", async () => {
    const image = await pushTestImage(tagSchema.host, repo, "buried-bundle");
    for (let i = 0; i < 16; i++) await sign(image.reference, other.privateKey, { password: "other-password", format: "bundle" });
    await sign(image.reference, keys.privateKey, { password: PASSWORD, format: "bundle" });
    const index = JSON.parse((await fetch(`${tagSchema.url}/v2/${repo}/manifests/${image.digest.replace(":", "-")}`, { headers: { accept: "application/vnd.oci.image.index.v1+json" } }).then((r) => r.text()))) as { manifests: unknown[] };
    expect(index.manifests).toHaveLength(17);
    expect(await verifyImageSeal(new RegistryClient(), requireDigest(image.reference), trusted)).toMatchObject({ sealed: true, signer: "release-signer", format: "sigstore-bundle" });
    // Without the trusted key, the verdict names the cap: 17 listed, 16 examined.
    const otherKey = publicKeyOf({ name: "someone", publicKey: generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString() });
    if (typeof otherKey === "string") throw new Error(otherKey);
    expect(await verifyImageSeal(new RegistryClient(), requireDigest(image.reference), [{ name: "someone", key: otherKey }])).toMatchObject({
      sealed: false,
      failure: "UntrustedKey",
      reason: expect.stringMatching(/the cap on signatures examined was reached: 17 Sigstore bundles are listed and only 16 were examined/),
    });
  });
});

describe("verify-image and seal usage", () => {
  it("usage errors exit 2: a missing --key, an unknown option, a missing image", async () => {
    const ref = viaProxy(legacy);
    const cases: [string[], RegExp][] = [
      [["verify-image", ref], /required option '--key <path>' not specified/],
      [["seal", ref], /required option '--key <path>' not specified/],
      [["verify-image", "--key", keys.publicKey, "--no-such-option", ref], /unknown option '--no-such-option'/],
      [["verify-image", "--key", keys.publicKey], /missing required argument 'image'/],
      [["seal", "--key", keys.privateKey], /missing required argument 'image'/],
      [["verify-image", "--key", keys.publicKey, `${proxy.host}/${repo}:legacy`], /is not pinned by digest: a tag can be moved/],
    ];
    for (const [args, says] of cases) {
      const r = await golive(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(says);
    }
    // --help says the same exit codes as the README.
    const help = await golive(["verify-image", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("Exit 0 when sealed; 1 when not; 2 on bad usage; 3 when the registry could not be asked");
    const sealHelp = await golive(["seal", "--help"]);
    expect(sealHelp.code).toBe(0);
    expect(sealHelp.stdout.replace(/\s+/g, " ")).toContain("Exit 0 when sealed; 1 when the image is not in the registry; 2 on bad usage; 3 when the registry could not be asked");
  });

  it("--insecure-registry takes one host per flag, repeatable, and never swallows the image", async () => {
    const r = await golive(["verify-image", "--key", keys.publicKey, "--insecure-registry", "registry.example.com:5000", "--insecure-registry", proxy.host, viaProxy(bundle)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
