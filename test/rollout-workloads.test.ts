// Issue 15 (partial) on the real control plane, with golive's operator and webhook running: a
// Release without spec.strategy goes Approved → Verifying → Released (Deployments available, the
// Verification gates, the monitoring check, the inventory); a Release with a strategy and two
// Deployments is held Blocked with reason UnsupportedWorkloads, and kubectl cannot apply its
// workloads (fail closed: the second Deployment never reaches all users unverified).
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { loadConfig } from "../settings/config.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { startWebhook, type WebhookHandle } from "../webhook/run.js";
import { freePort } from "./cluster/processes.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const id = randomBytes(3).toString("hex");
const ns = useNamespace("rollout-workloads");
const own = useNamespace("golive-workloads");
const work = mkdtempSync(join(tmpdir(), "golive-rollout-workloads-"));
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/ledger";
const CONFIGURATION = `golive-workloads-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
let operator: OperatorHandle | undefined;
let webhook: WebhookHandle | undefined;
let client: KubeClient;

const kubectlApply = (doc: object) => kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
async function apply(doc: object): Promise<void> {
  const r = await kubectlApply(doc);
  if (r.status !== 0) throw new Error(r.stderr);
}
async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined as T);
    if (last !== undefined && check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify((last as { status?: unknown })?.status ?? last)?.slice(0, 3000)}`);
}
const release = (name: string) => client.get<Doc>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${name}`);
const condition = (r: Doc, type: string) => ((r.status?.conditions ?? []) as Doc[]).find((c) => c.type === type);
async function approve(name: string): Promise<void> {
  const r = await release(name);
  await apply(createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } }), type: "Approval", key: loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8")), predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
}
function releaseDoc(name: string, version: string, workloads: Doc[], strategy?: Doc): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name },
    spec: { application: name, version, workloads, images: [{ name: IMAGE, digest: digest(name) }], architecture: { replicas: 1, highAvailability: false }, ...(strategy ? { strategy } : {}) },
  };
}
function deployment(name: string, releaseName: string): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name, "golive.dev/release": releaseName } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, "golive.dev/release": releaseName } }, spec: { containers: [{ name, image: `${IMAGE}@${digest(releaseName)}` }] } } },
  };
}

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(
    namespacePolicy(ns.name, {
      protectionLevel: 2,
      gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
      signers: exampleSigners((name) => name === "release-manager"),
      roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }],
      approvals: [{ stage: "Release", roles: ["release-manager"] }],
      images: { requireDigest: true, requireSignature: false },
      architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false },
      monitoring: { requireReady: false },
    }),
  );
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: own.name, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  operator = await startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false });
  webhook = await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  // The webhook judges this namespace: an unlabelled Deployment is denied.
  await until("the webhook to judge the namespace", () => kubectlAsync(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify({ ...deployment("probe", "none"), metadata: { name: "probe" } })), (r) => /denied the request/.test(r.stderr), 60_000);
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await operator?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("what golive can and cannot roll out (issue 15)", () => {
  it("a Release without spec.strategy goes Approved → Verifying → Released, with the inventory", async () => {
    await apply(releaseDoc("ledger", "1.0.0", [{ kind: "Deployment", name: "ledger" }]));
    await until("ledger Blocked on its approval", () => release("ledger"), (r) => r.status?.phase === "Blocked");
    await approve("ledger");
    await until("ledger Approved", () => release("ledger"), (r) => r.status?.phase === "Approved");
    const applied = await kubectlApply(deployment("ledger", "ledger"));
    expect(applied.status, applied.stderr).toBe(0);
    const started = Date.now();
    const done = await until("ledger Released", () => release("ledger"), (r) => r.status?.phase === "Released");
    console.log(`no-strategy Release: Released ${((Date.now() - started) / 1000).toFixed(1)} s after kubectl applied its Deployment`);
    expect(done.status.message).toMatch(/^no spec.strategy: 1 Deployment\(s\) available as applied, 0 Verification gate\(s\) passed, monitoring in place \(4.7 b\); inventory updated \(4.9\)$/);
    expect(condition(done, "Ready")?.status).toBe("True");
    expect(condition(done, "Verified")?.status).toBe("True");
    expect(done.status.canary).toBeUndefined();
    // The audit trail has the whole path.
    const audit = readFileSync(join(work, "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { object: string; result: string }).filter((a) => a.object === `${ns.name}/Release/ledger`).map((a) => a.result);
    expect(audit.slice(-3)).toEqual(["Approved", "Verifying", "Released"]);
    const inventory = await until("the inventory record", () => client.get<Doc>(`/api/v1/namespaces/${ns.name}/configmaps/golive-inventory`), (cm) => cm.data?.ledger !== undefined);
    expect(JSON.parse(inventory.data.ledger as string)).toMatchObject({ application: "ledger", version: "1.0.0", release: "ledger", deployment: "ledger", how: "applied" });
    expect(JSON.parse(inventory.data.ledger as string).stableCopy).toBeUndefined();
  }, 120_000);

  it("a Release with a strategy and two Deployments is Blocked (UnsupportedWorkloads) and kubectl cannot apply the second Deployment", async () => {
    const strategy = { trafficRouting: { service: "shop" }, steps: [{ name: "all", setWeight: 100 }] };
    await apply(releaseDoc("shop", "1.0.0", [{ kind: "Deployment", name: "shop" }, { kind: "Deployment", name: "shop-worker" }], strategy));
    await approve("shop");
    const expected = "golive rolls out one Deployment per Release with a strategy (here Deployment/shop); Deployment/shop-worker would reach all users unverified: list it in its own Release (without spec.strategy unless it is a Deployment)";
    const held = await until("shop held with the reason", () => release("shop"), (r) => r.status?.phase === "Blocked" && condition(r, "GatesPassed")?.status === "True");
    expect(condition(held, "WorkloadsSupported")).toMatchObject({ status: "False", reason: "UnsupportedWorkloads", message: expected });
    expect(held.status.message).toBe(`UnsupportedWorkloads: ${expected}`);
    expect(condition(held, "Stalled")?.status).toBe("True");
    const second = await kubectlApply(deployment("shop-worker", "shop"));
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/denied the request/);
    expect(second.stderr).toContain(`Release shop is Blocked, not Approved: UnsupportedWorkloads: ${expected}`);
    console.log(`kubectl apply of Deployment shop-worker: ${second.stderr.trim().split("\n")[0]!.slice(0, 400)}`);
    // Fail closed: the Deployment golive could roll out waits too, until the Release is split.
    const first = await kubectlApply(deployment("shop", "shop"));
    expect(first.status).not.toBe(0);
    expect(first.stderr).toContain("UnsupportedWorkloads");
    const none = await kubectlAsync(["get", "deployments", "-n", ns.name, "-o", "name"]);
    expect(none.stdout.trim().split("\n")).toEqual(["deployment.apps/ledger"]);
  }, 120_000);
});
