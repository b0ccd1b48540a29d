// Rollbacks under load (issue 20): N releases (default 100) canarying at once on the real control
// plane (kwok nodes), each analysed against a real Prometheus, all failing their analysis in the
// same moment. Measures, per release, the time from the failing measurement (status.rollback.
// decidedAt) to the router seen sending all traffic to stable (status.rollback.trafficOnStableAt).
// The baseline, in the same run: one release rolling back alone. Target: p99 under 1 s with N
// in flight. One `golive operator` process, as deployed.
// Two routers (GOLIVE_BENCH_ROUTER): replicaRatio (the default; traffic is on stable once
// kube-controller-manager and kwok have scaled the Deployments) and gatewayAPI (an HTTPRoute per
// release; traffic is on stable once golive sees the route it wrote at 100 % stable, so this
// measures golive's own decision-to-route time). The bench waits only for trafficOnStableAt, never
// for RolledBack, so a router's trafficRouting.scaleDownDelay (30 s) does not enter it.
// Run: npx tsx bench/rollback-scale.ts (GOLIVE_BENCH_ROLLBACKS=N to change N,
// GOLIVE_BENCH_ROUTER=replicaRatio|gatewayAPI to choose the router).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { Release } from "../api/index.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { observeRules, type HTTPRoute } from "../operator/routers/gateway-api.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { startControlPlane } from "../test/cluster/control-plane.js";
import { installCrds } from "../test/cluster/crds.js";
import { ensureHttpRouteCrd } from "../test/cluster/gateway-api.js";
import { freePort } from "../test/cluster/processes.js";
import { startPrometheus } from "../test/services/prometheus.js";

type Doc = Record<string, any>;
const N = Number(process.env.GOLIVE_BENCH_ROLLBACKS ?? "100");
const ROUTERS = ["replicaRatio", "gatewayAPI"] as const;
const ROUTER = (process.env.GOLIVE_BENCH_ROUTER ?? "replicaRatio") as (typeof ROUTERS)[number];
if (!ROUTERS.includes(ROUTER)) throw new Error(`GOLIVE_BENCH_ROUTER must be one of ${ROUTERS.join(", ")}, not ${JSON.stringify(ROUTER)}`);
const TARGET_MS = 1_000;
// A kwok node holds 110 pods. By replica ratio an app keeps about its 2 replicas split between the
// stable copy and the candidate; behind an HTTPRoute the candidate keeps all 2 beside the stable
// copy's 2, plus a surge pod while it rolls: 5 per app, more than two nodes hold for 100 apps.
const NODES = ROUTER === "gatewayAPI" ? Math.max(2, Math.ceil(((N + 1) * 5) / 110)) : 2;
const CONCURRENCY = 16;
const root = join(import.meta.dirname, "..");
const ns = "bench-rollback";
const IMAGE = "registry.example.com/bench/app";
const API = `/apis/golive.dev/v1alpha1/namespaces/${ns}`;
const HTTPROUTES = `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`;
const SERVICE_PORT = 80;
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN;
}

/** The error rate each group of releases reports; the analysis of each reads its group's. */
const errorRate: Record<"solo" | "crowd", number> = { solo: 0, crowd: 0 };
const metrics = createServer((_req, res) => res.end(`# TYPE golive_bench_error_rate gauge\ngolive_bench_error_rate{group="solo"} ${errorRate.solo}\ngolive_bench_error_rate{group="crowd"} ${errorRate.crowd}\n`)).listen(0, "127.0.0.1");
await new Promise((r) => metrics.once("listening", r));
const prometheus = await startPrometheus({ targets: [{ job: "bench", urls: [`http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`] }] });

let operator: ChildProcess | undefined;
const plane = await startControlPlane({ nodes: NODES, log: (l) => console.log(`[control plane] ${l}`) });
const dir = mkdtempSync(join(tmpdir(), "golive-bench-rollback-"));
try {
  await installCrds(plane.kubectl);
  if (ROUTER === "gatewayAPI") console.log(`[bench] ${await ensureHttpRouteCrd(plane.kubectl)}`);
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfig);
  const client = new KubeClient(kc);
  plane.kubectl(["create", "namespace", ns]);
  plane.kubectl(["create", "namespace", "golive-system"]);
  plane.kubectl(["label", "namespace", ns, "golive.dev/bench=rollback"]);
  const examplePolicy = parse(readFileSync(join(root, "examples", "policy.yaml"), "utf8")) as Doc;
  await client.create("/apis/golive.dev/v1alpha1/releasepolicies", {
    apiVersion: "golive.dev/v1alpha1",
    kind: "ReleasePolicy",
    metadata: { name: "bench-rollback" },
    spec: {
      namespaceSelector: { matchLabels: { "golive.dev/bench": "rollback" } },
      protectionLevel: 2,
      gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
      signers: (examplePolicy.spec.signers as Doc[]).filter((s) => s.name === "release-manager"),
      roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }],
      approvals: [{ stage: "Release", roles: ["release-manager"] }],
      images: { requireDigest: true, requireSignature: false },
      architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false },
      monitoring: { requireReady: false },
    },
  });
  const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));

  // app-0 rolls back alone (the baseline), app-1..N all at once.
  const apps = Array.from({ length: N + 1 }, (_, i) => ({ name: `app-${i}`, group: i === 0 ? ("solo" as const) : ("crowd" as const) }));
  // Behind a Service, the candidate's verification copy is reached by verification users only.
  // With gatewayAPI, the HTTPRoute is named like the Service.
  const strategy = (group: string, service: string) => ({
    trafficRouting: ROUTER === "gatewayAPI" ? { service, gatewayAPI: { httpRoute: service } } : { service },
    verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "bench-verification", key: "token" } } },
    steps: [{ name: "canary", setWeight: 20 }, { name: "check", analysis: { metrics: ["error-rate"] } }],
    // Measured every 2 s for up to 33 minutes: the analysis is still running when the rate rises.
    analysis: { prometheus: { address: prometheus.url }, metrics: [{ name: "error-rate", query: `max(golive_bench_error_rate{group="${group}"})`, interval: "2s", count: 1000, successCondition: "result < 0.05" }] },
    progressDeadline: "60m",
  });
  const releaseName = (app: string, v: number) => `${app}-${v}`;
  const releaseDoc = (app: { name: string; group: string }, v: number): Doc => ({
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: releaseName(app.name, v), namespace: ns },
    spec: { application: app.name, version: `${v}.0.0`, workloads: [{ kind: "Deployment", name: app.name }], images: [{ name: IMAGE, digest: digest(releaseName(app.name, v)) }], architecture: { replicas: 2, highAvailability: false }, strategy: strategy(app.group, app.name) },
  });
  const deployment = (app: string, v: number): Doc => {
    const labels = { app, "golive.dev/release": releaseName(app, v) };
    return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: app, namespace: ns, labels }, spec: { selector: { matchLabels: { app } }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: `${IMAGE}@${digest(releaseName(app, v))}` }] } } } };
  };
  const release = (name: string) => client.get<Doc>(`${API}/releases/${name}`);
  async function phases(v: number): Promise<Map<string, Doc>> {
    const list = await client.get<{ items: Doc[] }>(`${API}/releases`);
    return new Map(list.items.filter((r) => r.metadata.name.endsWith(`-${v}`)).map((r) => [r.metadata.name as string, r]));
  }
  async function all(v: number, what: string, check: (r: Doc) => boolean, timeoutMs = 15 * 60_000): Promise<void> {
    const started = Date.now();
    for (;;) {
      const got = await phases(v);
      const done = apps.filter((a) => { const r = got.get(releaseName(a.name, v)); return r !== undefined && check(r); }).length;
      if (done === apps.length) return;
      if (Date.now() - started > timeoutMs) {
        // What the others wait for, most common first.
        const waiting = new Map<string, number>();
        for (const a of apps) {
          const r = got.get(releaseName(a.name, v));
          if (r !== undefined && check(r)) continue;
          const why = r === undefined ? "no Release" : `${r.status?.phase ?? "no phase"}: ${(r.status?.message as string | undefined) ?? ""}`.replace(/app-\d+/g, "app-*").slice(0, 300);
          waiting.set(why, (waiting.get(why) ?? 0) + 1);
        }
        const top = [...waiting].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([why, n]) => `${n}× ${why}`);
        throw new Error(`only ${done}/${apps.length} releases ${what} after ${timeoutMs / 60_000} min; the others: ${top.join("; ")}`);
      }
      await sleep(500);
    }
  }
  async function approveAll(v: number): Promise<void> {
    await all(v, "evaluated", (r) => r.status?.phase === "Blocked");
    await pool(apps, async (a) => {
      const r = await release(releaseName(a.name, v));
      const e = createEvidence({ release: Release.parse(r), type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } });
      await client.create(`${API}/releaseevidences`, { ...e, metadata: { ...e.metadata, namespace: ns } });
    });
    await all(v, "Approved", (r) => r.status?.phase === "Approved");
  }

  const auditFile = join(dir, "audit.jsonl");
  const healthPort = await freePort();
  operator = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "operator", "--kubeconfig", plane.kubeconfig, "--leader-elect", "false", "--audit-file", auditFile, "--health-port", String(healthPort), "--log-level", "warn"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  await client.create(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "bench-verification" }, stringData: { token: "bench-token" } });
  await pool(apps, (a) => client.create(`/api/v1/namespaces/${ns}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: a.name }, spec: { selector: { app: a.name }, ports: [{ port: SERVICE_PORT, targetPort: 8080 }] } }));
  // One route per release, attached to a Gateway no controller serves: golive reads and writes the route only.
  if (ROUTER === "gatewayAPI") await pool(apps, (a) => client.create(HTTPROUTES, { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: a.name }, spec: { parentRefs: [{ name: "bench-gateway" }], rules: [{ backendRefs: [{ name: `${a.name}-stable`, port: SERVICE_PORT }] }] } }));

  let t = Date.now();
  await pool(apps, (a) => client.create(`${API}/releases`, releaseDoc(a, 1)));
  await approveAll(1);
  await pool(apps, (a) => client.create(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(a.name, 1)));
  await all(1, "Released", (r) => r.status?.phase === "Released");
  console.log(`${apps.length} first versions Released in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  t = Date.now();
  await pool(apps, (a) => client.create(`${API}/releases`, releaseDoc(a, 2)));
  await approveAll(2);
  await pool(apps, async (a) => {
    const live = await client.get<Doc>(`/apis/apps/v1/namespaces/${ns}/deployments/${a.name}`);
    const next = deployment(a.name, 2);
    await client.replace(`/apis/apps/v1/namespaces/${ns}/deployments/${a.name}`, { ...live, metadata: { ...live.metadata, labels: next.metadata.labels }, spec: { ...live.spec, template: next.spec.template } });
  });
  await all(2, "analysing at 20 %", (r) => r.status?.phase === "Progressing" && r.status?.canary?.stepName === "check", 20 * 60_000);
  console.log(`${apps.length} next versions analysing at 20 % in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const gap = (r: Doc) => Date.parse(r.status.rollback.trafficOnStableAt as string) - Date.parse(r.status.rollback.decidedAt as string);
  const rolledBack = (r: Doc) => r.status?.rollback?.trafficOnStableAt !== undefined;
  // Baseline: app-0 alone fails its analysis while the others keep measuring.
  errorRate.solo = 0.5;
  let solo: Doc;
  for (const started = Date.now(); !rolledBack((solo = await release(releaseName("app-0", 2)))); await sleep(200)) if (Date.now() - started > 120_000) throw new Error(`app-0 did not roll back: ${JSON.stringify(solo.status).slice(0, 1000)}`);
  const baselineMs = gap(solo);
  // Where the time goes. By replica ratio: the moment the operator's write scaling each candidate to
  // 0 is seen on the API server's watch (golive's share); from there to traffic on stable is the
  // control plane's (kube-controller-manager scaling ReplicaSets, kwok making pods Ready or gone)
  // plus the operator seeing it. With gatewayAPI: the moment golive's write of each HTTPRoute at
  // 100 % stable (no canary weight, no verification rule) is seen on a watch of HTTPRoutes; from
  // there to trafficOnStableAt is golive observing its own write.
  const scaledAt = new Map<string, number>();
  // When the controllers were done with each app: candidate without pods, stable copy Ready, verification copy deleted.
  const live = new Map<string, Doc>();
  const settledAt = new Map<string, number>();
  const settledNow = (app: string) => {
    const c = live.get(app), s = live.get(`${app}-stable`);
    const ok = (d: Doc | undefined, n: number) => d !== undefined && d.spec?.replicas === n && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (d.status?.readyReplicas ?? 0) === n && (d.status?.replicas ?? 0) === n;
    return ok(c, 0) && s !== undefined && ok(s, s.spec?.replicas as number) && !live.has(`${app}-verify`);
  };
  // gatewayAPI: when each app's route was first seen at 100 % stable.
  const routedAt = new Map<string, number>();
  const onStable = (r: HTTPRoute) => {
    const app = r.metadata?.name ?? "";
    const seen = observeRules(r.spec?.rules ?? [], { service: app, stableService: `${app}-stable`, canaryService: `${app}-canary`, namespace: ns });
    return seen.managed > 0 && seen.weight === 0 && !seen.verification;
  };
  const watchAbort = new AbortController();
  let watching: Promise<unknown>;
  if (ROUTER === "gatewayAPI") {
    const routesNow = await client.get<{ metadata: { resourceVersion: string }; items: HTTPRoute[] }>(HTTPROUTES);
    const before = routesNow.items.filter((r) => r.metadata?.name !== "app-0" && onStable(r)).map((r) => r.metadata?.name);
    if (before.length) throw new Error(`HTTPRoutes already at 100 % stable before the analysis fails: ${before.join(", ")}`);
    watching = client.watch<HTTPRoute>(`${HTTPROUTES}?watch=1&resourceVersion=${routesNow.metadata.resourceVersion}`, (e) => {
      const name = e.object?.metadata?.name;
      if (name && e.type === "MODIFIED" && !routedAt.has(name) && onStable(e.object)) routedAt.set(name, Date.now());
    }, watchAbort.signal).catch(() => undefined);
  } else {
    const deploymentsNow = await client.get<{ metadata: { resourceVersion: string }; items: Doc[] }>(`/apis/apps/v1/namespaces/${ns}/deployments`);
    for (const d of deploymentsNow.items) live.set(d.metadata.name as string, d);
    watching = client.watch<Doc>(`/apis/apps/v1/namespaces/${ns}/deployments?watch=1&resourceVersion=${deploymentsNow.metadata.resourceVersion}`, (e) => {
      const name = e.object?.metadata?.name as string | undefined;
      if (!name) return;
      if (e.type === "MODIFIED" && e.object.spec?.replicas === 0 && !scaledAt.has(name)) scaledAt.set(name, Date.now());
      if (e.type === "DELETED") live.delete(name);
      else live.set(name, e.object);
      const app = name.replace(/-(stable|verify)$/, "");
      if (scaledAt.has(app) && !settledAt.has(app) && settledNow(app)) settledAt.set(app, Date.now());
    }, watchAbort.signal).catch(() => undefined);
  }
  // Then all the others at once.
  errorRate.crowd = 0.5;
  const crowd = apps.filter((a) => a.group === "crowd").map((a) => releaseName(a.name, 2));
  let got = new Map<string, Doc>();
  for (const started = Date.now(); crowd.some((n) => !rolledBack(got.get(n) ?? {})); await sleep(500)) {
    if (Date.now() - started > 10 * 60_000) throw new Error(`only ${crowd.filter((n) => rolledBack(got.get(n) ?? {})).length}/${N} rolled back traffic after 10 min`);
    got = await phases(2);
  }
  watchAbort.abort();
  await watching;
  const gaps = crowd.map((n) => gap(got.get(n)!)).sort((a, b) => a - b);
  const appOf = (n: string) => n.slice(0, n.lastIndexOf("-"));
  const decided = (n: string) => Date.parse(got.get(n)!.status.rollback.decidedAt as string);
  const onStableAt = (n: string) => Date.parse(got.get(n)!.status.rollback.trafficOnStableAt as string);
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const figures = (xs: readonly number[]) => `p50 ${quantile(xs, 0.5)} ms, p99 ${quantile(xs, 0.99)} ms`;
  const p50 = quantile(gaps, 0.5);
  const p99 = quantile(gaps, 0.99);
  const triggers = new Set(crowd.map((n) => got.get(n)!.status.rollback.trigger as string));
  console.log(`\nrollback under load, router ${ROUTER} (${N} releases canarying at once, analysis failing together; trigger ${[...triggers].join(", ")}):`);
  console.log(`  baseline, one release alone     failing measurement → traffic 100 % stable ${baselineMs} ms`);
  console.log(`  ${N} in flight                   p50 ${p50} ms, p99 ${p99} ms, max ${gaps[gaps.length - 1]} ms`);
  console.log(`  ratio p99 / baseline            ${(p99 / Math.max(1, baselineMs)).toFixed(2)}×`);
  if (ROUTER === "gatewayAPI") {
    const routed = crowd.filter((n) => routedAt.has(appOf(n)));
    const ours = sorted(routed.map((n) => routedAt.get(appOf(n))! - decided(n)));
    const seeing = sorted(routed.map((n) => onStableAt(n) - routedAt.get(appOf(n))!));
    console.log(`  of which: decision → HTTPRoute at 100 % stable (golive's write, seen on a watch of HTTPRoutes; ${routed.length}/${N}) ${figures(ours)}`);
    console.log(`            route written → trafficOnStableAt (golive observing its write; the pass's timestamp, so it can be < 0) ${figures(seeing)}`);
  } else {
    const ours = sorted(crowd.filter((n) => scaledAt.has(appOf(n))).map((n) => scaledAt.get(appOf(n))! - decided(n)));
    const both = crowd.filter((n) => scaledAt.has(appOf(n)) && settledAt.has(appOf(n)));
    const theirs = sorted(both.map((n) => settledAt.get(appOf(n))! - scaledAt.get(appOf(n))!));
    const seeing = sorted(both.map((n) => onStableAt(n) - settledAt.get(appOf(n))!));
    console.log(`  of which: decision → candidate scaled to 0 (golive's write, seen on the watch; ${ours.length}/${N}) ${figures(ours)}`);
    console.log(`            scaled to 0 → pods settled (kube-controller-manager, kwok; ${both.length}/${N}) ${figures(theirs)}`);
    console.log(`            pods settled → trafficOnStableAt (golive observing it) ${figures(seeing)}`);
  }
  console.log(`  p99 with ${N} in flight (${ROUTER}) target < ${TARGET_MS} ms ${verdict(p99 < TARGET_MS)}`);
  if (!(p99 < TARGET_MS)) process.exitCode = 1;
} finally {
  if (operator && operator.exitCode === null) operator.kill("SIGKILL");
  await plane.stop();
  await prometheus.stop();
  metrics.close();
  rmSync(dir, { recursive: true, force: true });
}
