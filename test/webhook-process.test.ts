// `golive webhook` as its own process against the real API server, as the Helm chart runs it:
// informer-backed view (Secrets watched per governed namespace), self-managed TLS publishing its
// caBundle into an existing configuration, probes and metrics, graceful shutdown on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { configDigest } from "../images/config-digest.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import { approvedStatus, CONFIG_DATA, fixturePolicy, fixtureRelease, gateResults, GOVERNED_LABEL, pdb, podSpec, policySpec, RELEASE, releaseSpec, workload } from "../webhook/testdata/fixtures.js";
import { freePort } from "./cluster/processes.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";

// The webhook's audit chain goes to a temp dir, not the pod path /var/lib/golive.
const auditDir = mkdtempSync(join(tmpdir(), "golive-webhook-audit-"));

const root = join(import.meta.dirname, "..");
const id = randomBytes(3).toString("hex");
const TEST_LABEL = "golive.dev/webhook-process-test";
const own = useNamespace("golive-proc");
const gov = useNamespace("proc-gov", { [TEST_LABEL]: id, [GOVERNED_LABEL]: id });
const configurationName = `golive-webhook-proc-${id}`;
const policyName = `proc-${id}`;
const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "web-tls", namespace: gov.name }, data: { "tls.key": Buffer.from("sealed").toString("base64") } };

let child: ChildProcess;
let output = "";
let ports: { webhook: number; health: number; metrics: number };

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, timeout: 2_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}\n${output.slice(-3000)}`);
}

const apply = (object: object, dryRun = false) => kubectlAsync(["apply", "-f", "-", ...(dryRun ? ["--dry-run=server"] : [])], JSON.stringify(object));
const deployment = (mutate: (spec: Record<string, any>) => void = () => undefined) => {
  const spec = podSpec();
  spec.volumes = [{ name: "tls", secret: { secretName: "web-tls" } }];
  mutate(spec);
  return workload("Deployment", { namespace: gov.name, spec });
};

beforeAll(async () => {
  const admin = (await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim();
  const spec = policySpec(id);
  spec.images = { requireDigest: true, requireSignature: false }; // no registry here: digests only
  await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(policyName, spec)));
  const rs = releaseSpec();
  (rs.configuration as object[]).push({ kind: "Secret", name: "web-tls", digest: configDigest("Secret", secret) });
  await ok(["apply", "-f", "-"], JSON.stringify(fixtureRelease(new Date(), { namespace: gov.name, status: null, spec: rs })));
  await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: approvedStatus(new Date()) })]);
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: CONFIG_DATA }));
  await ok(["apply", "-f", "-"], JSON.stringify(secret));
  await ok(["apply", "-f", "-"], JSON.stringify(pdb("web", { app: "web" }, gov.name)));
  ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  // The configuration exists before the webhook starts (Helm installs it), without a caBundle.
  await ok(["apply", "-f", "-"], JSON.stringify(webhookConfiguration({ name: configurationName, ownNamespace: own.name, client: { url: `https://127.0.0.1:${ports.webhook}/validate` }, timeoutSeconds: 10, scopes: [{ name: `p${id}`, selector: { matchLabels: { [TEST_LABEL]: id } } }] })));
  const args = ["webhook", "--kubeconfig", inject("kubeconfig"), "--namespace", own.name, "--webhook-port", String(ports.webhook), "--health-port", String(ports.health), "--metrics-port", String(ports.metrics), "--tls-ip", "127.0.0.1", "--configuration-name", configurationName, "--operator-identity", admin];
  child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, GOLIVE_LOG_LEVEL: "info", GOLIVE_AUDIT_FILE: join(auditDir, "audit.jsonl") }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString()));
  await until("/readyz", async () => (await get(ports.health, "/readyz")).status === 200);
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await kubectlAsync(["delete", "validatingwebhookconfiguration", configurationName, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
});

describe("golive webhook, the process", () => {
  it("creates its certificate Secret and publishes the CA into the configuration", async () => {
    const ca = (await ok(["get", "secret", "golive-webhook-tls", "-n", own.name, "-o", "jsonpath={.data.ca\\.crt}"])).trim();
    expect(ca).not.toBe("");
    await until("the caBundle", async () => (await ok(["get", "validatingwebhookconfiguration", configurationName, "-o", "jsonpath={.webhooks[*].clientConfig.caBundle}"])).trim() === [ca, ca, ca, ca, ca].join(" "));
    expect((await get(ports.health, "/healthz")).status).toBe(200);
  });

  it("judges from its informers: admits the approved release, follows status and Secret changes", async () => {
    await until("the webhook to take effect", async () => /has no golive.dev\/release label/.test((await apply(workload("Deployment", { namespace: gov.name, release: null }), true)).stderr));
    const created = await apply(deployment());
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);

    await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { ...approvedStatus(new Date()), phase: "Blocked", message: "gate unit-tests Failed", gates: gateResults(new Date(), { "unit-tests": "Failed" }) } })]);
    const change = deployment((s) => (s.dnsPolicy = "Default"));
    await until("the Blocked status to reach the webhook", async () => /Release web-1-2-0 is Blocked, not Approved/.test((await apply(change, true)).stderr));
    await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: approvedStatus(new Date()) })]);
    await until("the Approved status to reach the webhook", async () => (await apply(change, true)).status === 0);

    // While the release is live, its sealed Secret cannot change (the denial names digests, never values).
    const changed = JSON.stringify({ ...secret, data: { "tls.key": Buffer.from("changed").toString("base64") } });
    const refused = await kubectlAsync(["apply", "-f", "-"], changed);
    expect(refused.stderr).toMatch(/Secret web-tls is sealed in Release web-1-2-0, which is Approved \(8.4\)/);
    // (kubectl itself echoes the patch it sent before the reason; the reason golive wrote holds no value)
    expect(refused.stderr.slice(refused.stderr.indexOf("denied the request"))).not.toContain(Buffer.from("changed").toString("base64"));
    // Changed while the release was not live (Blocked), it denies the workloads once approved again.
    await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { ...approvedStatus(new Date()), phase: "Blocked" } })]);
    await until("the Blocked status to reach the webhook", async () => (await kubectlAsync(["apply", "-f", "-"], changed)).status === 0);
    await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: approvedStatus(new Date()) })]);
    await until("the changed Secret to reach the webhook", async () => /Secret web-tls does not match the digest sealed in Release web-1-2-0/.test((await apply(change, true)).stderr));
    expect(output).not.toContain(Buffer.from("changed").toString("base64")); // Secret values never reach a log
  });

  it("exposes controller-runtime's webhook metrics", async () => {
    const metrics = await get(ports.metrics, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/controller_runtime_webhook_requests_total\{code="200",webhook="\/validate"\} [1-9]/);
    expect(metrics.body).toMatch(/controller_runtime_webhook_latency_seconds_count\{webhook="\/validate"\} [1-9]/);
    expect(metrics.body).toMatch(/controller_runtime_webhook_requests_in_flight\{webhook="\/validate"\} 0/);
  });

  it("logs denials with the request uid, and stops cleanly on SIGTERM", async () => {
    const denial = output.split("\n").find((l) => l.includes("has no golive.dev/release label"));
    expect(denial).toBeDefined();
    expect(JSON.parse(denial!)).toMatchObject({ level: "info", component: "webhook", uid: expect.stringMatching(/.+/), allowed: false, kind: "Deployment" });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const stopping = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(4_000);
  });
});
