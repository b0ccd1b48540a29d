// The audit trail through the real kube-apiserver: two `golive webhook` processes (each with its
// own ValidatingWebhookConfiguration, so the API server asks both) and an operator write at
// once into one trail directory; a denial, an admission and a break-glass admission appear with
// user and result, and `golive audit verify` reports every chain intact.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import type { AuditRecord } from "../audit/chain.js";
import { chainFiles, readTrail } from "../audit/trail.js";
import { writerFile } from "../audit/writer.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import { approvedStatus, fixturePolicy, fixtureRelease, GOVERNED_LABEL, pdb, CONFIG_DATA, podSpec, policySpec, RELEASE, releaseSpec, workload } from "../webhook/testdata/fixtures.js";
import { freePort } from "./cluster/processes.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { spawnOperator, type OperatorProcess } from "./support/operator-process.js";

const root = join(import.meta.dirname, "..");
const id = randomBytes(3).toString("hex");
const TEST_LABEL = "golive.dev/audit-trail-test";
const own = useNamespace("golive-audit");
const gov = useNamespace("audit-gov", { [TEST_LABEL]: id, [GOVERNED_LABEL]: id });
const policyName = `audit-${id}`;
const dir = mkdtempSync(join(tmpdir(), "golive-trail-"));
const trail = join(dir, "audit.jsonl");
// The evidence key signs each chain's head into ConfigMap golive-audit-checkpoints.
const keys = mkdtempSync(join(tmpdir(), "golive-trail-keys-"));
const keyPair = generateKeyPairSync("ed25519");
const privatePem = join(keys, "evidence.pem");
const publicPem = join(keys, "evidence.pub.pem");
writeFileSync(privatePem, keyPair.privateKey.export({ type: "pkcs8", format: "pem" }));
writeFileSync(publicPem, keyPair.publicKey.export({ type: "spki", format: "pem" }));
const signing = { GOLIVE_EVIDENCE_KEY: privatePem, GOLIVE_AUDIT_CHECKPOINT_INTERVAL_MS: "300" };

interface Webhook {
  child: ChildProcess;
  output: string;
  configuration: string;
  health: number;
}
const webhooks: Webhook[] = [];
let operator: OperatorProcess | undefined;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, timeout: 2_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}\n${webhooks.map((w) => w.output.slice(-1500)).join("\n")}`);
}

const apply = (object: object, opts: { as?: string; groups?: string[] } = {}) =>
  kubectlAsync(["apply", "-f", "-", ...(opts.as ? [`--as=${opts.as}`, ...(opts.groups ?? []).map((g) => `--as-group=${g}`)] : [])], JSON.stringify(object));

const records = (): AuditRecord[] => (existsSync(dir) ? readTrail(chainFiles([dir])) : []);

async function startWebhook(n: number, admin: string): Promise<Webhook> {
  const port = await freePort();
  const health = await freePort();
  const metrics = await freePort();
  const configuration = `golive-audit-${id}-${n}`;
  await ok(["apply", "-f", "-"], JSON.stringify(webhookConfiguration({ name: configuration, ownNamespace: own.name, client: { url: `https://127.0.0.1:${port}/validate` }, timeoutSeconds: 10, scopes: [{ name: `p${id}`, selector: { matchLabels: { [TEST_LABEL]: id } } }] })));
  const args = ["webhook", "--kubeconfig", inject("kubeconfig"), "--namespace", own.name, "--webhook-port", String(port), "--health-port", String(health), "--metrics-port", String(metrics), "--tls-ip", "127.0.0.1", "--configuration-name", configuration, "--operator-identity", admin, "--audit-file", trail];
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, ...signing, GOLIVE_LOG_LEVEL: "info", POD_NAME: `wh-${n}` }, stdio: ["ignore", "pipe", "pipe"] });
  const w: Webhook = { child, output: "", configuration, health };
  child.stdout?.on("data", (b: Buffer) => (w.output += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (w.output += b.toString()));
  return w;
}

beforeAll(async () => {
  const admin = (await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim();
  const spec = policySpec(id);
  spec.images = { requireDigest: true, requireSignature: false };
  await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(policyName, spec)));
  await ok(["apply", "-f", "-"], JSON.stringify(fixtureRelease(new Date(), { namespace: gov.name, status: null, spec: releaseSpec() })));
  await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: approvedStatus(new Date()) })]);
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: CONFIG_DATA }));
  await ok(["apply", "-f", "-"], JSON.stringify(pdb("web", { app: "web" }, gov.name)));
  // RBAC runs before admission: the impersonated users may touch Deployments here.
  await ok(["create", "role", "tester", "-n", gov.name, "--verb=*", "--resource=deployments"]);
  await ok(["create", "rolebinding", "tester", "-n", gov.name, "--role=tester", "--user=carol", "--user=mallory"]);
  webhooks.push(await startWebhook(1, admin), await startWebhook(2, admin));
  await until("both webhooks ready", async () => (await Promise.all(webhooks.map((w) => get(w.health, "/readyz")))).every((s) => s === 200));
}, 120_000);

afterAll(async () => {
  for (const w of webhooks) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await operator?.kill();
  for (const w of webhooks) await kubectlAsync(["delete", "validatingwebhookconfiguration", w.configuration, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(keys, { recursive: true, force: true });
});

describe("the audit trail, through the API server", () => {
  it("records a denial, an admission and a break-glass admission in every webhook's chain, with user, groups, release, images and result", async () => {
    // A denial: no release label.
    await until("the webhooks to take effect", async () => /has no golive.dev\/release label/.test((await apply(workload("Deployment", { name: "stray", namespace: gov.name, release: null }), { as: "mallory", groups: ["shop:dev"] })).stderr));
    await until("the denial in both chains", () => webhooks.every((_, i) => records().some((r) => r.source === `webhook/wh-${i + 1}` && r.type === "admission" && r.result === "denied" && r.user === "mallory")));
    const denial = records().find((r) => r.result === "denied" && r.user === "mallory")!;
    expect(denial).toMatchObject({ object: `${gov.name}/Deployment/stray`, details: { namespace: gov.name, kind: "Deployment", name: "stray", groups: expect.arrayContaining(["shop:dev"]), policy: policyName } });
    expect(denial.reason).toContain("has no golive.dev/release label");

    // An admission: the approved release's Deployment.
    const allowed = await apply(workload("Deployment", { namespace: gov.name, spec: podSpec() }));
    expect(allowed.stderr).toBe("");
    expect(allowed.status).toBe(0);
    await until("the admission in both chains", () => webhooks.every((_, i) => records().some((r) => r.source === `webhook/wh-${i + 1}` && r.result === "allowed" && r.object === `${gov.name}/Deployment/web`)));
    const admitted = records().find((r) => r.result === "allowed" && r.object === `${gov.name}/Deployment/web`)!;
    expect(admitted.details).toMatchObject({ release: RELEASE, images: [expect.stringMatching(/@sha256:/)], operation: expect.stringMatching(/CREATE|UPDATE/) });
    expect(admitted.user).not.toBe("");

    // Break glass through a freeze.
    const frozen = policySpec(id);
    frozen.images = { requireDigest: true, requireSignature: false };
    frozen.changeWindows = { freezes: [{ name: "audit-freeze", start: new Date(Date.now() - 60_000).toISOString(), end: new Date(Date.now() + 3_600_000).toISOString(), reason: "audit test" }] };
    await ok(["apply", "--server-side", "--force-conflicts", "-f", "-"], JSON.stringify(fixturePolicy(policyName, frozen)));
    const change = (annotations?: Record<string, string>) => workload("Deployment", { namespace: gov.name, ...(annotations ? { annotations } : {}), spec: { ...podSpec(), dnsPolicy: "Default" } });
    await until("the freeze to reach both webhooks", async () => /the change window is closed/.test((await apply(change(), { as: "carol" })).stderr));
    await until("the break-glass admission", async () => (await apply(change({ "golive.dev/break-glass": "INC-1: outage" }), { as: "carol" })).status === 0);
    await until("break glass in both chains", () => webhooks.every((_, i) => records().some((r) => r.source === `webhook/wh-${i + 1}` && r.type === "break-glass" && r.user === "carol")));
    expect(records().find((r) => r.type === "break-glass")).toMatchObject({ result: expect.any(String), reason: "INC-1: outage", details: { release: RELEASE, roles: ["ops-on-call"] } });
  }, 180_000);

  it("two webhooks and an operator write at once; golive audit verify reports the whole trail intact", async () => {
    operator = await spawnOperator("audit-op", { namespace: own.name, auditFile: trail, extra: ["--leader-elect", "false", "--evidence-key", privatePem] });
    // Traffic at the webhooks while the operator reconciles the Release.
    const burst = Array.from({ length: 10 }, (_, i) => apply(workload("Deployment", { name: `burst-${i}`, namespace: gov.name, release: null })));
    await Promise.all(burst);
    await until("the operator's chain", () => existsSync(trail) && readFileSync(trail, "utf8").trim() !== "", 90_000);
    await new Promise((r) => setTimeout(r, 500));
    for (const w of webhooks) {
      const exited = new Promise((r) => w.child.once("exit", r));
      w.child.kill("SIGTERM");
      await exited;
    }
    await operator.kill("SIGTERM");
    const files = chainFiles([dir]);
    expect(files).toEqual(expect.arrayContaining([trail, writerFile(trail, "webhook-wh-1"), writerFile(trail, "webhook-wh-2")]));
    const v = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "audit", "verify", dir], { cwd: root, encoding: "utf8" });
    expect(v.stderr).toBe("");
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/3 chain\(s\), \d+ record\(s\): trail intact/);
    expect(records().filter((r) => r.user === "" && r.type === "admission")).toHaveLength(0);

    // Signed checkpoints of all three chains, outside the trail, check out against the files.
    const checkpoints = join(keys, "checkpoints.json");
    writeFileSync(checkpoints, await ok(["get", "configmap", "golive-audit-checkpoints", "-n", own.name, "-o", "json"]));
    const cm = JSON.parse(readFileSync(checkpoints, "utf8")) as { data: Record<string, string> };
    expect(Object.keys(cm.data).sort()).toEqual(["audit.jsonl", "audit.webhook-wh-1.jsonl", "audit.webhook-wh-2.jsonl"]);
    const verify = (path: string) => spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "audit", "verify", path, "--checkpoints", checkpoints, "--key", publicPem], { cwd: root, encoding: "utf8" });
    const intact = verify(dir);
    expect(intact.stderr).toBe("");
    expect(intact.stdout).toMatch(/\d+ signed checkpoint\(s\) checked/);
    // Cut the newest two records of one webhook's chain: the file alone still verifies, the checkpoints do not.
    const copy = join(keys, "copy");
    mkdirSync(copy);
    for (const f of chainFiles([dir])) writeFileSync(join(copy, f.split("/").at(-1)!), readFileSync(f));
    const wh1 = join(copy, "audit.webhook-wh-1.jsonl");
    const kept = readFileSync(wh1, "utf8").trimEnd().split("\n");
    writeFileSync(wh1, kept.slice(0, -2).join("\n") + "\n");
    const cut = verify(copy);
    expect(cut.status).not.toBe(0);
    expect(cut.stderr).toContain(`audit.webhook-wh-1.jsonl: record ${kept.length - 1} is missing (truncated or removed)`);
  }, 180_000);
});
