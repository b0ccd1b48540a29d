// Webhook benchmarks, each against a baseline measured in the same run (DESIGN.md targets):
//   1. decide() in-process: p99 under 1 ms;
//   2. HTTPS throughput of the webhook against a bare HTTPS echo server (keep-alive, loopback,
//      servers in a child process): at least 0.7x;
//   3. kube-apiserver creates, interleaved in one run: golive's p95 and p99 at most 1.05x a
//      do-nothing (allow-all) webhook's (issue 20), and creates in a namespace no policy selects
//      never reach golive (0 judged) and cost what they cost without a webhook (p95 within 1.05x);
//      golive against no webhook at all is printed too (DESIGN.md's 1.10x).
// Run: npm run bench (tsx bench/webhook.ts). Bounded: every loop stops at a count or a time.
import { fork, type ChildProcess } from "node:child_process";
import { Agent, request as httpsRequest } from "node:https";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { decide } from "../webhook/decide.js";
import { parseReview, reviewResponse } from "../webhook/admission.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import {
  approvedStatus,
  CONFIG_DATA,
  DIGEST,
  fixturePolicy,
  fixtureRelease,
  fixtureView,
  gateResults,
  GOVERNED_LABEL,
  IMAGE,
  pdb,
  policySpec,
  RELEASE,
  request,
  workload,
} from "../webhook/testdata/fixtures.js";
import type { ReleaseEvidence } from "../api/index.js";
import { startControlPlane, type ControlPlane } from "../test/cluster/control-plane.js";
import { installCrds } from "../test/cluster/crds.js";
import type { FromChild, ToChild } from "./webhook-servers.js";

const NOW = new Date("2026-12-01T12:00:00Z");

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const verdict = (pass: boolean) => (pass ? "PASS" : "FAIL");

// ---------------------------------------------------------------------------------------------
// 1. decide() in process

function benchDecision(): { p99AllowNs: number; p99DenyNs: number } {
  const spec = policySpec();
  spec.changeWindows = { timeZone: "Asia/Shanghai", windows: [{ name: "all-day", schedule: "0 0 * * *", duration: "24h" }] };
  const view = fixtureView(NOW, fixturePolicy("shop-policy", spec));
  const evidence = (name: string): ReleaseEvidence => ({
    apiVersion: "golive.dev/v1alpha1",
    kind: "ReleaseEvidence",
    metadata: { name, namespace: "shop" },
    spec: { release: RELEASE, type: "UnitTestReport", envelope: { payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify({ predicate: { issuedAt: "2026-11-20T10:00:00Z" } })).toString("base64"), signatures: [{ sig: "AAAA" }] } },
  });
  for (const name of ["units", "approval"]) view.evidence.put(evidence(name));
  view.releases.put(fixtureRelease(NOW, { status: approvedStatus(NOW, 1, gateResults(NOW, {}, { "unit-tests": ["units"], "go-live-approval": ["approval"] })) }));
  // Through JSON, as the server sees it.
  const allowReq = JSON.parse(JSON.stringify(request(workload("Deployment")))) as ReturnType<typeof request>;
  const denyReq = JSON.parse(JSON.stringify(request(workload("Deployment", { replicas: 1, spec: { containers: [{ name: "web", image: `${IMAGE}:latest` }] } })))) as ReturnType<typeof request>;
  if (!decide(allowReq, view).allowed || decide(denyReq, view).allowed) throw new Error("bench fixtures decide wrongly");
  const measure = (req: typeof allowReq, n: number) => {
    for (let i = 0; i < 5_000; i++) decide(req, view);
    const samples = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      decide(req, view);
      samples[i] = Number(process.hrtime.bigint() - t);
    }
    return Array.from(samples).sort((a, b) => a - b);
  };
  const allowS = measure(allowReq, 50_000);
  const denyS = measure(denyReq, 50_000);
  // The whole request path without the network: parse, validate the envelope, decide, serialise.
  const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: allowReq });
  const full: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = process.hrtime.bigint();
    const parsed = parseReview(JSON.parse(body));
    if (parsed.ok && parsed.request.success) JSON.stringify(reviewResponse(parsed.uid, decide(parsed.request.data, view)));
    full.push(Number(process.hrtime.bigint() - t));
  }
  full.sort((a, b) => a - b);
  console.log("\n1. decide() in process (Deployment, approved sealed release, change window, evidence age):");
  console.log(`   allow: p50 ${us(quantile(allowS, 0.5))}  p99 ${us(quantile(allowS, 0.99))}  max ${us(allowS.at(-1)!)}  (50,000 decisions)`);
  console.log(`   deny:  p50 ${us(quantile(denyS, 0.5))}  p99 ${us(quantile(denyS, 0.99))}  max ${us(denyS.at(-1)!)}  (50,000 decisions)`);
  console.log(`   JSON.parse + envelope + decide + JSON.stringify: p50 ${us(quantile(full, 0.5))}  p99 ${us(quantile(full, 0.99))}`);
  const p99AllowNs = quantile(allowS, 0.99);
  const p99DenyNs = quantile(denyS, 0.99);
  console.log(`   target p99 < 1 ms: ${verdict(Math.max(p99AllowNs, p99DenyNs) < 1e6)}`);
  return { p99AllowNs, p99DenyNs };
}

// ---------------------------------------------------------------------------------------------
// Servers in a child process

class Servers {
  private readonly child: ChildProcess;
  private waiting: ((m: FromChild) => void)[] = [];

  constructor() {
    this.child = fork(join(import.meta.dirname, "webhook-servers.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (m: FromChild) => this.waiting.shift()?.(m));
  }

  ask(msg: ToChild): Promise<FromChild> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(msg);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.send({ type: "stop" } satisfies ToChild);
      setTimeout(() => this.child.kill("SIGKILL"), 5_000).unref();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 2. HTTPS throughput: the webhook against a bare echo server

async function load(port: number, ca: string, body: string, opts: { connections: number; maxRequests: number; maxMs: number }): Promise<{ rps: number; requests: number; failures: number; p99Ms: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections, ca });
  const deadline = Date.now() + opts.maxMs;
  let issued = 0;
  let done = 0;
  let failures = 0;
  const latencies: number[] = [];
  const one = () =>
    new Promise<void>((resolve) => {
      const t = process.hrtime.bigint();
      const req = httpsRequest({ host: "127.0.0.1", port, path: "/validate", method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        res.on("data", () => undefined);
        res.on("end", () => {
          if (res.statusCode !== 200) failures++;
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          resolve();
        });
      });
      req.on("error", () => {
        failures++;
        resolve();
      });
      req.end(body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (issued < opts.maxRequests && Date.now() < deadline) {
        issued++;
        await one();
        done++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: done / seconds, requests: done, failures, p99Ms: quantile(latencies, 0.99) };
}

async function benchThroughput(): Promise<number> {
  const servers = new Servers();
  try {
    const ready = (await servers.ask({ type: "start" })) as Extract<FromChild, { type: "ready" }>;
    const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: request(workload("Deployment")) });
    const opts = { connections: 16, maxRequests: 20_000, maxMs: 1_500 };
    await load(ready.echoPort, ready.ca, body, { ...opts, maxRequests: 3_000 }); // warm up both
    await load(ready.webhookPort, ready.ca, body, { ...opts, maxRequests: 3_000 });
    // Short alternating rounds, so a neighbour's load on the machine hits both sides alike.
    const rounds: { echo: Awaited<ReturnType<typeof load>>; webhook: Awaited<ReturnType<typeof load>> }[] = [];
    const cpu = async () => ((await servers.ask({ type: "cpu" })) as Extract<FromChild, { type: "cpu" }>).micros;
    const cpuPerRequest = { echo: [] as number[], webhook: [] as number[] };
    const measured = async (port: number, k: "echo" | "webhook") => {
      const before = await cpu();
      const r = await load(port, ready.ca, body, opts);
      cpuPerRequest[k].push(((await cpu()) - before) / r.requests);
      return r;
    };
    for (let i = 0; i < 8; i++) {
      const echo = await measured(ready.echoPort, "echo");
      const webhook = await measured(ready.webhookPort, "webhook");
      rounds.push({ echo, webhook });
    }
    const ratios = rounds.map((r) => r.webhook.rps / r.echo.rps).sort((a, b) => a - b);
    const ratio = quantile(ratios, 0.5);
    const total = (k: "echo" | "webhook") => rounds.reduce((n, r) => n + r[k].requests, 0);
    const failed = rounds.reduce((n, r) => n + r.echo.failures + r.webhook.failures, 0);
    const median = (k: "echo" | "webhook") => quantile(rounds.map((r) => r[k].rps).sort((a, b) => a - b), 0.5);
    const p99 = (k: "echo" | "webhook") => quantile(rounds.map((r) => r[k].p99Ms).sort((a, b) => a - b), 0.5);
    console.log(`\n2. HTTPS throughput, keep-alive, ${opts.connections} connections, loopback, ${Buffer.byteLength(body)}-byte AdmissionReview, servers in a child process, ${rounds.length} alternating rounds of ${opts.maxMs / 1000} s:`);
    console.log(`   echo:    median ${median("echo").toFixed(0)} req/s, p99 ${ms(p99("echo"))} (${total("echo")} requests)`);
    console.log(`   webhook: median ${median("webhook").toFixed(0)} req/s, p99 ${ms(p99("webhook"))} (${total("webhook")} requests)`);
    console.log(`   per-round webhook/echo: ${ratios.map((r) => r.toFixed(2)).join(" ")}; ${failed} failed requests`);
    const cpuMedian = (k: "echo" | "webhook") => quantile([...cpuPerRequest[k]].sort((x, y) => x - y), 0.5);
    console.log(`   server CPU per request (user+system, median): echo ${cpuMedian("echo").toFixed(0)} µs, webhook ${cpuMedian("webhook").toFixed(0)} µs: on an otherwise idle server core, webhook/echo ≈ ${(cpuMedian("echo") / cpuMedian("webhook")).toFixed(2)}`);
    console.log(`   webhook / echo = ${ratio.toFixed(2)} (median)  target >= 0.70: ${verdict(ratio >= 0.7)}`);
    return ratio;
  } finally {
    await servers.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. kube-apiserver create p95 with and without the webhook

interface Kubeconfig {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
}

async function benchApiServer(): Promise<{ p95: number; p99: number; ungoverned: number; withoutWebhook: number; anyWebhook: number }> {
  const started = Date.now();
  const plane: ControlPlane = await startControlPlane({ nodes: 1 });
  const servers = new Servers();
  try {
    await installCrds(plane.kubectl);
    console.log(`\n3. kube-apiserver (local control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const ns = "bench-gov";
    const free = "bench-free"; // selected by no policy and no scope: the API server never calls golive
    const label = { [GOVERNED_LABEL]: "bench", "golive.dev/bench": "on" };
    plane.kubectl(["create", "namespace", ns]);
    plane.kubectl(["label", "namespace", ns, ...Object.entries(label).map(([k, v]) => `${k}=${v}`)]);
    plane.kubectl(["create", "namespace", free]);
    const admin = plane.kubectl(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]).trim();
    plane.kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy("bench", policySpec("bench"))));
    plane.kubectl(["apply", "-f", "-"], JSON.stringify(fixtureRelease(NOW, { namespace: ns, status: null })));
    plane.kubectl(["patch", "release", RELEASE, "-n", ns, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: approvedStatus(new Date()) })]);
    plane.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: ns }, data: CONFIG_DATA }));
    plane.kubectl(["apply", "-f", "-"], JSON.stringify(pdb("web", { app: "web" }, ns)));
    const get = (args: string[]): any[] => (JSON.parse(plane.kubectl(["get", ...args, "-o", "json"])) as { items: any[] }).items;
    const view = {
      namespaces: get(["namespaces"]),
      policies: get(["releasepolicies"]),
      releases: get(["releases", "-A"]),
      pdbs: get(["pdb", "-n", ns]),
      configMaps: get(["configmaps", "-n", ns]),
      seals: [{ name: IMAGE, digest: DIGEST }],
      operatorIdentity: admin,
      ownNamespace: "golive-system",
    };
    const ready = (await servers.ask({ type: "start", view })) as Extract<FromChild, { type: "ready" }>;
    const configurationFor = (port: number) => webhookConfiguration({ name: "golive-bench", ownNamespace: "golive-system", client: { url: `https://127.0.0.1:${port}/validate` }, caBundle: ready.ca, timeoutSeconds: 10, scopes: [{ name: "bench", selector: { matchLabels: { "golive.dev/bench": "on" } } }] });

    const kc = parseYaml(await import("node:fs").then((fs) => fs.readFileSync(plane.kubeconfig, "utf8"))) as Kubeconfig;
    const b64 = (s: string) => Buffer.from(s, "base64").toString();
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: b64(kc.clusters[0]!.cluster["certificate-authority-data"]), cert: b64(kc.users[0]!.user["client-certificate-data"]), key: b64(kc.users[0]!.user["client-key-data"]) });
    const server = new URL(plane.server);
    const create = (opts: { name?: string; dryRun?: boolean; labelled?: boolean; namespace?: string } = {}) =>
      new Promise<{ ms: number; status: number; body: string }>((resolve, reject) => {
        const d = workload("Deployment", { namespace: opts.namespace ?? ns, name: opts.name ?? "web", ...(opts.labelled === false ? { release: null } : {}) });
        d.spec.paused = true; // no ReplicaSets: measure the create, not the controllers
        const body = JSON.stringify(d);
        const t = process.hrtime.bigint();
        const req = httpsRequest(
          { host: server.hostname, port: server.port, path: `/apis/apps/v1/namespaces/${opts.namespace ?? ns}/deployments${opts.dryRun ? "?dryRun=All" : ""}`, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    type Mode = "without" | "allow-all" | "with" | "ungoverned";
    const judgedCount = async () => ((await servers.ask({ type: "count" })) as Extract<FromChild, { type: "count" }>).requests;
    // golive is active when an unlabelled Deployment is denied; none is when it is admitted; the
    // allow-all webhook is active when golive is not and a configuration names it (given time).
    const waitFor = async (mode: Mode) => {
      for (let i = 0; i < 200; i++) {
        const r = await create({ name: "probe", dryRun: true, labelled: false });
        if ((r.status === 403) === (mode === "with")) {
          if (mode !== "allow-all" || i >= 20) return;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error(`the API server did not switch to ${mode}`);
    };
    const enable = async (mode: Mode) => {
      if (mode === "ungoverned") return waitFor("with"); // golive registered; the creates go elsewhere
      if (mode === "without") plane.kubectl(["delete", "validatingwebhookconfiguration", "golive-bench", "--ignore-not-found"]);
      else plane.kubectl(["apply", "-f", "-"], JSON.stringify(configurationFor(mode === "with" ? ready.webhookPort : ready.allowAllPort)));
      await waitFor(mode);
    };
    const samples: Record<Mode, number[]> = { without: [], "allow-all": [], with: [], ungoverned: [] };
    // The Release lists the workloads it governs, so every create is of Deployment "web", deleted
    // again between creates (deletes are not intercepted and not measured).
    const remove = (namespace: string) =>
      new Promise<void>((resolve, reject) => {
        const req = httpsRequest({ host: server.hostname, port: server.port, path: `/apis/apps/v1/namespaces/${namespace}/deployments/web`, method: "DELETE", agent }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 || res.statusCode === 202 || res.statusCode === 404 ? resolve() : reject(new Error(`delete: HTTP ${res.statusCode}`))));
        });
        req.on("error", reject);
        req.end();
      });
    const block = async (which: Mode, n: number) => {
      const namespace = which === "ungoverned" ? free : ns;
      for (let i = -20; i < n; i++) {
        const r = await create({ name: "web", namespace });
        if (r.status !== 201) throw new Error(`create ${which} the webhook failed: HTTP ${r.status} ${r.body.slice(0, 300)}`);
        if (i >= 0) samples[which].push(r.ms); // the first 20 warm this configuration up
        await remove(namespace);
      }
    };
    const perBlock = 150;
    let judged = 0;
    for (let round = 0; round < 3; round++) {
      for (const mode of ["without", "allow-all", "with", "ungoverned"] as const) {
        await enable(mode);
        const before = await judgedCount();
        await block(mode, perBlock);
        const n = (await judgedCount()) - before;
        if (mode === "with") judged += n;
        else if (n > 0) throw new Error(`golive judged ${n} requests while ${mode}`);
      }
    }
    agent.destroy();
    const summary = (k: Mode) => {
      const s = [...samples[k]].sort((a, b) => a - b);
      return { p50: quantile(s, 0.5), p95: quantile(s, 0.95), p99: quantile(s, 0.99), n: s.length };
    };
    const without = summary("without");
    const allowAll = summary("allow-all");
    const withWebhook = summary("with");
    const ungoverned = summary("ungoverned");
    const line = (label: string, x: ReturnType<typeof summary>) => console.log(`   ${label.padEnd(34)} p50 ${ms(x.p50)}  p95 ${ms(x.p95)}  p99 ${ms(x.p99)}  (n=${x.n})`);
    console.log(`   create Deployment (sequential, keep-alive, paused; deleted between creates), 3 interleaved rounds of ${perBlock} per configuration; golive judged ${judged} creates:`);
    line("without a webhook:", without);
    line("with an allow-all webhook:", allowAll);
    line("with golive:", withWebhook);
    line("with golive, ungoverned namespace:", ungoverned);
    const result = {
      p95: withWebhook.p95 / allowAll.p95,
      p99: withWebhook.p99 / allowAll.p99,
      ungoverned: ungoverned.p95 / without.p95,
      withoutWebhook: withWebhook.p95 / without.p95,
      anyWebhook: allowAll.p95 / without.p95,
    };
    console.log(`   p95 golive / allow-all = ${result.p95.toFixed(2)}  target <= 1.05: ${verdict(result.p95 <= 1.05)}`);
    console.log(`   p99 golive / allow-all = ${result.p99.toFixed(2)}  target <= 1.05: ${verdict(result.p99 <= 1.05)}`);
    // 0 judged is checked above (the run throws otherwise); 1.05 is the noise between two
    // identical configurations measured a block apart on this machine.
    console.log(`   ungoverned namespace: 0 requests reached golive; p95 / without = ${result.ungoverned.toFixed(2)}  target <= 1.05: ${verdict(result.ungoverned <= 1.05)}`);
    console.log(`   p95 golive / no webhook = ${result.withoutWebhook.toFixed(2)} (DESIGN.md target <= 1.10: ${verdict(result.withoutWebhook <= 1.1)}); any webhook call costs ${result.anyWebhook.toFixed(2)}x here`);
    return result;
  } finally {
    await servers.stop();
    await plane.stop();
  }
}

const only = process.argv[2];
console.log(`golive webhook bench: ${cpus().length} CPU(s), load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (other work on the machine skews absolute figures; the ratios compare runs interleaved in time)`);
const decision = !only || only === "decision" ? benchDecision() : undefined;
const throughput = !only || only === "throughput" ? await benchThroughput() : undefined;
const apiserver = !only || only === "apiserver" ? await benchApiServer() : undefined;
console.log("\nsummary:");
if (decision) console.log(`   decide() p99 ${us(Math.max(decision.p99AllowNs, decision.p99DenyNs))} (target < 1 ms)`);
if (throughput !== undefined) console.log(`   throughput webhook/echo ${throughput.toFixed(2)} (target >= 0.70)`);
if (apiserver !== undefined)
  console.log(`   kube-apiserver create golive/allow-all p95 ${apiserver.p95.toFixed(2)} p99 ${apiserver.p99.toFixed(2)} (target <= 1.05); ungoverned/without p95 ${apiserver.ungoverned.toFixed(2)} (target <= 1.05, 0 judged); golive/without p95 ${apiserver.withoutWebhook.toFixed(2)} (target <= 1.10)`);
process.exit(0);
