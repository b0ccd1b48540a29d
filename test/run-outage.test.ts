// `golive run --install-configuration` (the small install) through the real kube-apiserver: it
// registers the webhook for the namespaces its ReleasePolicies govern and follows policy changes,
// so when golive is killed or stopped, governed namespaces fail closed and every other namespace
// (the `default` namespace included) keeps working; a clean stop says how to lift it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fixturePolicy, GOVERNED_LABEL, policySpec, workload } from "../webhook/testdata/fixtures.js";
import { freePort } from "./cluster/processes.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";

const root = join(import.meta.dirname, "..");
const id = randomBytes(3).toString("hex");
const gov = useNamespace("run-gov", { [GOVERNED_LABEL]: id });
const later = useNamespace("run-later");
const free = useNamespace("run-free");
const own = useNamespace("golive-run");
const policyName = `run-${id}`;
const CONFIGURATION = "golive-webhook";
let child: ChildProcess | undefined;
let output = "";

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; golive said:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const unlabelled = (namespace: string) => JSON.stringify(workload("Deployment", { namespace, name: `probe-${randomBytes(2).toString("hex")}`, release: null, replicas: 1, spec: { containers: [{ name: "x", image: "nginx:1.27" }] } }));
const tryCreate = (namespace: string) => kubectlAsync(["create", "--dry-run=server", "-f", "-"], unlabelled(namespace));
const scopes = async () => (await ok(["get", "validatingwebhookconfiguration", CONFIGURATION, "-o", "jsonpath={.webhooks[*].name}"])).trim().split(/\s+/).filter(Boolean);

async function startRun(): Promise<void> {
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const work = mkdtempSync(join(tmpdir(), "golive-run-"));
  const args = ["run", "--kubeconfig", inject("kubeconfig"), "--namespace", own.name, "--leader-elect", "false", "--audit-file", join(work, "audit.jsonl"), "--webhook-port", String(ports.webhook), "--health-port", String(ports.health), "--metrics-port", String(ports.metrics), "--install-configuration", "--webhook-url", `https://127.0.0.1:${ports.webhook}/validate`, "--tls-ip", "127.0.0.1", "--log-level", "info"];
  output = "";
  const started = Date.now();
  child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString()));
  await until("the governed namespace's webhook to take effect", async () => /has no golive.dev\/release label/.test((await tryCreate(gov.name)).stderr));
  // The runbook's recovery figure: from the process start to admission judged again.
  console.log(`golive run: admission judged again ${((Date.now() - started) / 1000).toFixed(1)} s after start`);
}

beforeAll(async () => {
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(policyName, policySpec(id))));
  await startRun();
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
});

describe("golive run --install-configuration", () => {
  it("registers one scope per ReleasePolicy and follows the policies", async () => {
    expect(await scopes()).toEqual([`workloads.${policyName}.golive.dev`, `releases.${policyName}.golive.dev`, `evidence.${policyName}.golive.dev`, `protected.${policyName}.golive.dev`, `evictions.${policyName}.golive.dev`]);
    expect((await tryCreate(free.name)).status).toBe(0);
    // A second policy (another namespace) gets its own scope within seconds.
    const second = `${policyName}-b`;
    await ok(["label", "namespace", later.name, `golive.dev/second=${id}`]);
    await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(second, { ...policySpec(id), namespaceSelector: { matchLabels: { "golive.dev/second": id } } })));
    try {
      await until("the second scope", async () => (await scopes()).includes(`workloads.${second}.golive.dev`), 20_000);
      await until("the later namespace to be judged", async () => /has no golive.dev\/release label/.test((await tryCreate(later.name)).stderr));
    } finally {
      await ok(["delete", "releasepolicy", second]);
    }
    await until("the second scope to go", async () => !(await scopes()).includes(`workloads.${second}.golive.dev`), 20_000);
  });

  it("killed: governed namespaces fail closed, the default namespace and the others keep working", async () => {
    child!.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    const governed = await tryCreate(gov.name);
    expect(governed.status).not.toBe(0);
    expect(governed.stderr).toMatch(/failed calling webhook "workloads\.run-\w+\.golive\.dev"/);
    for (const ns of ["default", free.name]) {
      const r = await tryCreate(ns);
      expect(r.stderr, ns).toBe("");
      expect(r.status, ns).toBe(0);
    }
    await startRun();
  }, 120_000);

  it("stopped with SIGTERM: the configuration stays (governed namespaces fail closed) and the log says how to lift it", async () => {
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain(`ValidatingWebhookConfiguration ${CONFIGURATION} stays, so the namespaces of ReleasePolicies ${policyName} fail closed until golive runs again (other namespaces are not affected); to lift it in an emergency: kubectl delete validatingwebhookconfiguration ${CONFIGURATION}`);
    expect((await tryCreate(gov.name)).status).not.toBe(0);
    expect((await tryCreate("default")).status).toBe(0);
  });
});
