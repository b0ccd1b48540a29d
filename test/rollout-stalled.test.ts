// Issue 22 item 3: a rollout that cannot proceed must not look healthy. A Release routed through an
// HTTPRoute that does not exist, with a 20 s progress deadline, on the real API server: it keeps its
// phase while golive retries, then says Stalled (ProgressDeadlineExceeded, naming the router's
// error) with Ready=False, records exactly one Warning Event, logs the repeated failure once at
// warn (then at debug), and Flux's and Argo CD's own health readings say Failed and Degraded.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { argoHealth } from "./support/argocd-health.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { fluxHealth, fluxHealthBinary } from "./support/flux-health.js";
import { exampleSigners, releaseManagerPolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const keysDir = join(root, "examples", "keys");
const ns = useNamespace("rollout-stalled");
const auditDir = mkdtempSync(join(tmpdir(), "golive-rollout-stalled-"));
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/shop";
const healthCheckExprs = (parse(readFileSync(join(root, "gitops", "flux", "kustomization.yaml"), "utf8")) as Doc).spec.healthCheckExprs as Doc[];
const logLines: Doc[] = [];
let operator: OperatorHandle;
let client: KubeClient;

async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
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
const release = () => client.get<Doc>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/shop-1`);
const condition = (r: Doc, type: string) => ((r.status?.conditions ?? []) as Doc[]).find((c) => c.type === type);
const warnings = async () =>
  ((await client.get<{ items: Doc[] }>(`/api/v1/namespaces/${ns.name}/events?fieldSelector=${encodeURIComponent("involvedObject.name=shop-1")}`)).items).filter((e) => e.type === "Warning");
const logged = (msg: RegExp) => logLines.filter((l) => l.release === `${ns.name}/shop-1` && msg.test(String(l.msg)));

const releaseDoc: Doc = {
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: "shop-1" },
  spec: {
    application: "shop",
    version: "1.0.0",
    workloads: [{ kind: "Deployment", name: "shop" }],
    images: [{ name: IMAGE, digest: digest("shop 1") }],
    architecture: { replicas: 2 },
    strategy: {
      // The HTTPRoute "web" is never created: the rollout cannot route traffic.
      trafficRouting: { service: "shop", gatewayAPI: { httpRoute: "web" } },
      steps: [{ name: "all", setWeight: 100 }],
      progressDeadline: "20s",
    },
  },
};

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  void fluxHealthBinary();
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(
    releaseManagerPolicy(ns.name, { signers: exampleSigners((name) => name !== "image-signer"), monitoring: { requireReady: false } }, ["Approve", "Promote", "Abort"]),
  );
  await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "shop" }, spec: { selector: { app: "shop" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as Doc);
      done();
    },
  });
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: "golive-system" }, {});
  operator = await startOperator({ config, log: createLogger("debug", sink), kubeConfig: kubeConfig(), healthServer: false });
}, 600_000);

afterAll(async () => {
  await operator?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("a rollout whose HTTPRoute is missing (issue 22 item 3)", () => {
  it("is Stalled with the router's error after its 20 s progress deadline, with one Warning Event, and Flux and Argo CD read Failed and Degraded", async () => {
    await apply(releaseDoc);
    const r = await until("shop-1 Pending", release, (x) => x.status?.phase !== undefined);
    await apply(createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } }), type: "Approval", key: loadPrivateKey(readFileSync(join(keysDir, "release-manager.key"), "utf8")), predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
    await until("shop-1 Approved", release, (x) => x.status?.phase === "Approved");
    await apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "shop", labels: { app: "shop", "golive.dev/release": "shop-1" } },
      spec: { selector: { matchLabels: { app: "shop" } }, template: { metadata: { labels: { app: "shop", "golive.dev/release": "shop-1" } }, spec: { containers: [{ name: "shop", image: `${IMAGE}@${digest("shop 1")}` }] } } },
    });

    // Before the deadline: still Progressing, still Ready, the clock running on the router's error.
    const waiting = await until("shop-1 waiting on the route", release, (x) => x.status?.phase === "Progressing" && x.status?.stall?.since !== undefined, 30_000);
    const since = Date.parse(waiting.status.stall.since as string);
    expect(waiting.status.stall.reason).toBe(`HTTPRoute ${ns.name}/web not found (or the Gateway API CRDs are not installed)`);
    expect(condition(waiting, "Stalled")?.status).toBe("False");

    const stalled = await until("shop-1 Stalled", release, (x) => condition(x, "Stalled")?.status === "True", 60_000);
    const stalledAt = Date.parse(stalled.status.stall.stalledAt as string);
    expect(stalledAt - since).toBeGreaterThanOrEqual(20_000);
    expect(stalledAt - since, "Stalled within a few seconds of the deadline").toBeLessThan(27_000);
    expect(stalled.status.phase).toBe("Progressing");
    expect(condition(stalled, "Stalled")).toMatchObject({ status: "True", reason: "ProgressDeadlineExceeded" });
    expect(condition(stalled, "Stalled")!.message).toContain(`no progress within the progress deadline of 20s`);
    expect(condition(stalled, "Stalled")!.message).toContain(`HTTPRoute ${ns.name}/web not found`);
    expect(condition(stalled, "Ready")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
    expect(condition(stalled, "Reconciling")?.status).toBe("False");
    console.log(`stalled ${((stalledAt - since) / 1000).toFixed(1)} s after the first failing pass (progress deadline 20s)`);

    // Flux (plain kstatus and the shipped healthCheckExprs) and Argo CD (the shipped Lua) on the live object.
    const [flux] = fluxHealth(healthCheckExprs, [stalled]);
    expect(flux).toMatchObject({ kstatus: "Failed", flux: "Failed" });
    expect(flux!.fluxError).toBeUndefined();
    expect(argoHealth(stalled)).toEqual({ status: "Degraded", message: `Progressing: ${condition(stalled, "Stalled")!.message as string}` });

    // golive keeps retrying: no second Warning Event, the same failure at warn once.
    await until("the Warning Event", warnings, (w) => w.some((e) => e.reason === "ProgressDeadlineExceeded"), 10_000);
    const retriesBefore = logged(/rollout action failed again/).length;
    await new Promise((r) => setTimeout(r, 15_000));
    const events = (await warnings()).filter((e) => e.reason === "ProgressDeadlineExceeded");
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toContain(`HTTPRoute ${ns.name}/web not found`);
    // (Blocked is the release waiting for its approval, before it was applied.)
    expect((await warnings()).map((e) => e.reason as string).filter((r) => r !== "Blocked")).toEqual(["ProgressDeadlineExceeded"]);
    const warned = logged(/rollout action failed; retrying/);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: "warn", error: `HTTPRoute ${ns.name}/web not found (or the Gateway API CRDs are not installed)` });
    const repeats = logged(/rollout action failed again/);
    expect(repeats.length, "retries go on, at debug").toBeGreaterThan(retriesBefore);
    expect(repeats.every((l) => l.level === "debug")).toBe(true);
    expect(repeats.at(-1)!.attempts).toBe(repeats.length + 1);
    expect(logged(/reconcile failed/)).toEqual([]);
    console.log(`${repeats.length + 1} failed attempts: 1 warn line, ${repeats.length} at debug; ${events.length} Warning Event`);
    const after = await release();
    expect(after.status.stall.stalledAt).toBe(stalled.status.stall.stalledAt);
    expect(after.status.phase).toBe("Progressing");
  }, 180_000);
});
