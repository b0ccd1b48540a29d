// A verified seal survives a registry outage past the seal cache's lifetime (issue 25), in the
// operator on the real control plane: the REAL registry and cosign v3 on loopback behind the
// misbehaving proxy of test/support/faulty-proxy.ts, and a SealCache whose clock the test moves.
// While re-verification fails for registry trouble the expired seal stays in force (the Release
// stays Approved), exactly one SealStale Warning Event is recorded and golive_image_seals_stale
// reads 1; the registry back, the seal is re-verified and the gauge reads 0; past the policy's
// sealGracePeriod with the registry down, the seal no longer counts and the Release is Blocked.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { RegistryClient } from "../images/registry-client.js";
import { SealCache } from "../images/seal-cache.js";
import { registerSealMetrics, SEALS_STALE_METRIC } from "../images/seal-metrics.js";
import { verifyImageSeal } from "../images/verify.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { loadConfig } from "../settings/config.js";
import { tempDir } from "./services/common.js";
import { generateKeyPair, sign } from "./services/cosign.js";
import { pushTestImage, startRegistry, type Registry, type TestImage } from "./services/registry.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { startFaultyProxy, type FaultyProxy } from "./support/faulty-proxy.js";
import { exampleSigners, namespacePolicy, TEST_POLICY_LABEL } from "./support/policy.js";
import { statusWhere, until } from "./support/wait.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const ns = useNamespace("seal-stale");
const NAME = "quotes-1";
const PASSWORD = "seal-stale-password";
const repo = "golive/seal-stale";
/** The seal cache's lifetime and failure lifetime, short so the test's clock can step over them. */
const MAX_AGE_MS = 60_000;
const NEGATIVE_TTL_MS = 1_000;
/** The policy's spec.images.sealGracePeriod. */
const GRACE = "1h";
const GRACE_MS = 3600_000;
const RESYNC_MS = 1_000;

const keysDir = tempDir("seal-stale-keys");
const auditDir = mkdtempSync(join(tmpdir(), "golive-seal-stale-"));
const logLines: Doc[] = [];
let registry: Registry;
let proxy: FaultyProxy;
let image: TestImage;
let imageName: string;
let client: KubeClient;
let operator: OperatorHandle;
/** The seal cache's clock: the test moves it. */
let clock = Date.now();

async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const release = () => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${NAME}`);
const sealed = (r: Release) => r.status?.conditions?.find((c) => c.type === "Sealed");
const releaseWhere = (what: string, ok: (r: Release) => boolean, timeoutMs = 60_000) => statusWhere(release, what, ok, timeoutMs, 100);
const eventsWithReason = async (reason: string): Promise<string[]> => {
  const r = await kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", `reason=${reason},involvedObject.name=${NAME}`, "-o", "jsonpath={range .items[*]}{.type} {.message}{\"\\n\"}{end}"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split("\n").filter(Boolean);
};
const gauge = async (): Promise<number | undefined> => {
  const m = new RegExp(`^${SEALS_STALE_METRIC} (\\d+)$`, "m").exec(await operator.metrics.registry.metrics());
  return m ? Number(m[1]) : undefined;
};
/** Let the operator run a few resyncs (each a reconcile of the Release) on the current clock. */
const someResyncs = () => new Promise((r) => setTimeout(r, RESYNC_MS * 3));

beforeAll(async () => {
  const keys = await generateKeyPair(keysDir.path, PASSWORD);
  registry = await startRegistry();
  proxy = await startFaultyProxy(registry.url);
  image = await pushTestImage(registry.host, repo, "v1");
  await sign(image.reference, keys.privateKey, { password: PASSWORD, format: "legacy" });
  imageName = `${proxy.host}/${repo}`;

  client = new KubeClient(kubeConfig());
  await kubectlAsync(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`]);
  await apply(
    namespacePolicy(ns.name, {
      protectionLevel: 2,
      gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
      signers: [...exampleSigners((name) => name === "release-manager"), { name: "image-signer", publicKey: readFileSync(keys.publicKey, "utf8"), images: true }],
      roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }],
      approvals: [{ stage: "Release", roles: ["release-manager"] }],
      images: { requireDigest: true, requireSignature: true, sealGracePeriod: GRACE },
    }),
  );

  // The operator as `golive operator` builds it, with a seal cache on the test's clock.
  const registryClient = new RegistryClient({ backoffMs: 10 });
  const seals = new SealCache({ verify: (img, k) => verifyImageSeal(registryClient, img, k), now: () => new Date(clock), maxAgeMs: MAX_AGE_MS, negativeTtlMs: NEGATIVE_TTL_MS });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as Doc);
      done();
    },
  });
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: "golive-system", resyncPeriod: `${RESYNC_MS / 1000}s` }, {});
  operator = await startOperator({ config, log: createLogger("info", sink), kubeConfig: kubeConfig(), healthServer: false, seals });
  registerSealMetrics(operator.metrics.registry, seals);
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await proxy?.stop();
  await registry?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  keysDir.remove();
  rmSync(auditDir, { recursive: true, force: true });
});

describe("a verified seal through a registry outage, in the operator", () => {
  it("is sealed and Approved once verified through the proxy", async () => {
    const doc: Doc = {
      apiVersion: "golive.dev/v1alpha1",
      kind: "Release",
      metadata: { name: NAME },
      spec: { application: "quotes", version: "1.0.0", workloads: [{ kind: "Deployment", name: "quotes" }], images: [{ name: imageName, digest: image.digest }], architecture: { replicas: 1, highAvailability: false } },
    };
    await apply(doc);
    const parsed = Release.parse({ ...doc, metadata: { ...doc.metadata, namespace: ns.name } });
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    await apply(createEvidence({ release: parsed, type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
    const approved = await releaseWhere("Approved and Sealed", (r) => r.status?.phase === "Approved" && sealed(r)?.status === "True");
    expect(approved.status?.seals).toEqual([expect.objectContaining({ image: imageName, digest: image.digest, status: "Verified", signer: "image-signer" })]);
    expect(await gauge()).toBe(0);
    expect(await eventsWithReason("SealStale")).toEqual([]);
  });

  it("past the cache's lifetime with the registry down: still sealed, one SealStale Warning Event, the gauge at 1", async () => {
    proxy.down = true;
    const asked = proxy.requests;
    clock += MAX_AGE_MS + 1_000;
    const events = await until("a SealStale Event", async () => {
      const e = await eventsWithReason("SealStale");
      return e.length > 0 ? e : undefined;
    });
    expect(proxy.requests).toBeGreaterThan(asked); // the operator did try to re-verify
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(
      new RegExp(`^Warning image ${imageName.replace(/\./g, "\\.")}@${image.digest}: its seal \\(signer image-signer\\) expired at \\S+ and cannot be re-verified \\(RegistryDown: .*cannot reach 127\\.0\\.0\\.1:\\d+ .*\\) since \\S+; it stays sealed until \\S+ \\(spec\\.images\\.sealGracePeriod\\) unless re-verification succeeds or fails definitively$`),
    );
    expect(logLines.some((l) => l.msg === "stale image seal in force: the registry cannot re-verify it" && l.failure === "RegistryDown")).toBe(true);
    expect(await gauge()).toBe(1);
    // More resyncs and more failed re-verifications (the failure lifetime passes on the cache's
    // clock each time): the seal stays in force, and the episode still has one Event.
    for (let i = 0; i < 3; i++) {
      const before = proxy.requests;
      clock += NEGATIVE_TTL_MS;
      await until("another re-verification attempt", () => (proxy.requests > before ? true : undefined));
      await someResyncs();
    }
    const r = await release();
    expect(r.status?.phase).toBe("Approved");
    expect(sealed(r)).toMatchObject({ status: "True", reason: "ImagesSealed" });
    expect(r.status?.seals?.[0]).toMatchObject({ status: "Verified", signer: "image-signer" });
    expect(await eventsWithReason("SealStale")).toHaveLength(1);
    expect(await gauge()).toBe(1);
  });

  it("the registry back: re-verified, the gauge at 0, still Approved", async () => {
    proxy.down = false;
    clock += NEGATIVE_TTL_MS;
    await until("the gauge back at 0", async () => ((await gauge()) === 0 ? true : undefined));
    await until("the re-verification logged", () => (logLines.some((l) => l.msg === "image seal re-verified") ? true : undefined));
    await someResyncs();
    const r = await release();
    expect(r.status?.phase).toBe("Approved");
    expect(sealed(r)?.status).toBe("True");
    expect(await eventsWithReason("SealStale")).toHaveLength(1);
  });

  it("past the grace with the registry down: the seal no longer counts and the Release is Blocked naming the registry trouble", async () => {
    proxy.down = true;
    // The fresh seal's lifetime and the whole grace pass: peek drops it, the operator verifies
    // again, the registry cannot be reached, and that failure is the verdict.
    clock += MAX_AGE_MS + GRACE_MS + 1_000;
    const blocked = await releaseWhere("Blocked, not sealed", (r) => r.status?.phase === "Blocked");
    expect(sealed(blocked)).toMatchObject({ status: "False", reason: "NotSealed" });
    expect(blocked.status?.seals?.[0]).toMatchObject({ status: "Failed", reason: expect.stringMatching(/cannot reach 127\.0\.0\.1:\d+ .*after 3 attempts/) });
    expect(blocked.status?.message).toMatch(new RegExp(`^image ${imageName.replace(/\./g, "\\.")}@${image.digest} is not sealed: .*cannot reach 127\\.0\\.0\\.1`));
    expect(await gauge()).toBe(0); // no longer held: nothing stale
    await until("the Blocked Warning Event", async () => ((await eventsWithReason("Blocked")).some((m) => m.startsWith("Warning ") && m.includes("is not sealed")) ? true : undefined));
    // Lapsing at the grace's end is not a new stale episode: still the one SealStale Event.
    expect(await eventsWithReason("SealStale")).toHaveLength(1);
  });

  it("the registry back again: verified anew and Approved", async () => {
    proxy.down = false;
    clock += NEGATIVE_TTL_MS; // the failure's lifetime ends; the next reconcile verifies again
    const r = await releaseWhere("Approved again", (x) => x.status?.phase === "Approved" && sealed(x)?.status === "True");
    expect(r.status?.seals?.[0]).toMatchObject({ status: "Verified", signer: "image-signer" });
  });
});
