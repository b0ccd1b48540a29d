// The webhook at scale (issue 20): its view holding N releases (default 10,000) with five signed
// evidence objects each, their namespaces, ConfigMaps and PodDisruptionBudgets and the policy.
// Targets: resident memory at most 256 MiB, every decision's p99 under 1 ms. Baseline: the same
// decisions in a process holding 10 releases, measured in the same run.
//
// Each size runs in its own child process (`node --expose-gc`), so the RSS is that of a process
// holding one view: the child builds the objects, passes each through JSON (as an informer
// receives them from the wire, so nothing is shared between objects), forces a full GC and then
// reads its RSS; VmHWM (peak) includes the garbage of building them. The view reduces each object
// on arrival exactly as the informers do (webhook/lean.ts: evidence to its name, type and
// issuedAt; releases to the status fields rules read). Memory per evidence object is the heap
// freed by dropping every evidence object (full GC before and after); per release, the heap
// without evidence against the baseline's, over the difference in releases.
// Run: npx tsx bench/webhook-scale.ts (GOLIVE_BENCH_RELEASES=N for another size).
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type { ReleaseEvidence } from "../api/index.js";
import { sign } from "../gates/testkit.js";
import { decide } from "../webhook/decide.js";
import type { AdmissionRequest } from "../webhook/admission.js";
import {
  approvedStatus,
  configMap,
  DIGEST,
  fixturePolicy,
  fixtureRelease,
  gateResults,
  GOVERNED_LABEL,
  IMAGE,
  namespace,
  pdb,
  releaseSpec,
  request,
  workload,
} from "../webhook/testdata/fixtures.js";
import { MemoryView } from "../webhook/memory-view.js";

const NOW = new Date("2026-12-01T12:00:00Z");
/** GOLIVE_BENCH_WORKLOADS=0 leaves the workloads out (the view as it was before the 6.2.1 informers). */
const WORKLOADS = process.env.GOLIVE_BENCH_WORKLOADS !== "0";
const RELEASES_PER_NAMESPACE = 100;
const SAMPLES = 20_000;
const BASELINE = 10;

interface ChildResult {
  releases: number;
  evidence: number;
  namespaces: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Heap after dropping every evidence object (full GC). */
  heapWithoutEvidenceMiB: number;
  peakMiB: number;
  buildMs: number;
  p99Us: Record<string, number>;
  p50Us: Record<string, number>;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const wire = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** The view as the webhook's informers would hold it after listing everything. */
function buildView(n: number): { view: MemoryView; evidence: number; namespaces: number } {
  const key = generateKeyPairSync("ed25519").privateKey;
  const namespaces = Math.ceil(n / RELEASES_PER_NAMESPACE);
  const nsName = (k: number) => `team-${k}`;
  const view = new MemoryView({
    namespaces: [...Array.from({ length: namespaces }, (_, k) => namespace(nsName(k), { [GOVERNED_LABEL]: "true" })), namespace("kube-system"), namespace("golive-system")].map(wire),
    policies: [wire(fixturePolicy())],
    pdbs: Array.from({ length: namespaces }, (_, k) => wire(pdb("web", { app: "web" }, nsName(k)))),
    configMaps: Array.from({ length: namespaces }, (_, k) => wire(configMap(undefined, nsName(k)))),
    now: () => NOW,
    operatorIdentity: "system:serviceaccount:golive-system:golive-operator",
    ownNamespace: "golive-system",
  });
  view.seals.sealed(IMAGE, DIGEST);
  const tests = { summary: { totals: { planned: 3, executed: 3, passed: 3, failed: 0, errored: 0, skipped: 0 }, failures: [] } };
  let evidence = 0;
  for (let i = 0; i < n; i++) {
    const ns = nsName(i % namespaces);
    const meta = (kind: string) => ({ uid: `${kind}-${i}-0000-0000-000000000000`, resourceVersion: String(100_000 + i), creationTimestamp: "2026-11-20T10:00:00Z" });
    const bare = fixtureRelease(NOW, { name: `app-${i}`, namespace: ns, spec: { ...releaseSpec(), application: `app-${i}`, version: "1.2.0" }, status: null });
    const signed: ReleaseEvidence[] = [
      sign(bare, "UnitTestReport", key, tests),
      sign(bare, "BatchTestReport", key, tests),
      sign(bare, "SLA", key, { source: { digest: "sha256:" + "c".repeat(64) } }),
      sign(bare, "RollbackPlan", key, { source: { digest: "sha256:" + "d".repeat(64) } }),
      sign(bare, "Approval", key, { approval: { stage: "Release", role: "owner" } }),
    ];
    for (const e of signed) view.evidence.put(wire({ ...e, metadata: { ...e.metadata, ...meta("evidence") } }));
    evidence += signed.length;
    const names = signed.map((e) => e.metadata.name);
    const status = approvedStatus(NOW, 1, gateResults(NOW, {}, { "unit-tests": [names[0]!], "batch-tests": [names[1]!], "go-live-approval": [names[4]!] }));
    view.releases.put(wire({ ...bare, metadata: { ...bare.metadata, ...meta("release") }, status }));
    if (WORKLOADS) {
      // What the webhook's workload informers hold for it (the 6.2.1 peak counts them): its
      // Deployment, and two ReplicaSets it owns (the current revision and one before it) carrying
      // the release label the Deployment's template gives them.
      const release = `app-${i}`;
      const stamped = (o: Record<string, any>, kind: string) => wire({ ...o, metadata: { ...o.metadata, ...meta(kind) } }) as never;
      view.deployments.put(stamped(workload("Deployment", { name: release, namespace: ns, release }), "deployment"));
      const owner = { ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: release, uid: `deployment-${i}-0000-0000-000000000000`, controller: true, blockOwnerDeletion: true }] };
      for (const rev of ["a1", "b2"]) {
        const rs = workload("ReplicaSet", { name: `${release}-${rev}`, namespace: ns, release, labels: { "pod-template-hash": rev } });
        view.replicaSets.put(stamped({ ...rs, metadata: { ...rs.metadata, ...owner } }, `rs-${rev}`));
      }
    }
  }
  // Per namespace, one node agent (a DaemonSet scheduled to 20 nodes) and two bare Pods of a release.
  if (WORKLOADS)
    for (let k = 0; k < namespaces; k++) {
      const ns = nsName(k);
      const ds = workload("DaemonSet", { name: "agent", namespace: ns, release: `app-${k}` });
      view.daemonSets.put(wire({ ...ds, status: { desiredNumberScheduled: 20, currentNumberScheduled: 20, numberMisscheduled: 0, numberReady: 20 } }));
      for (const name of ["debug-0", "debug-1"]) view.pods.put(wire(workload("Pod", { name, namespace: ns, release: `app-${k}` })) as never);
    }
  return { view, evidence, namespaces };
}

/** The decisions that read the most of the view: each lists or scans what it must. */
function decisions(n: number, namespaces: number): Record<string, AdmissionRequest> {
  const i = Math.floor(n / 2);
  const ns = `team-${i % namespaces}`;
  const rel = `app-${i}`;
  const deployment = workload("Deployment", { namespace: ns, release: rel });
  const unsealed = workload("Deployment", { namespace: ns, release: rel, spec: { containers: [{ name: "web", image: `${IMAGE}:latest` }] } });
  const newRelease = { apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: `app-${i}-next`, namespace: ns }, spec: { ...releaseSpec(), application: rel, version: "1.3.0" } };
  const changedConfig = configMap({ MODE: "debug" }, ns);
  const scale = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web", namespace: ns }, spec: { replicas: 1 } };
  const ev = { apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { name: "x", namespace: ns }, spec: { release: rel, type: "UnitTestReport" } };
  return wire({
    "Deployment create (allowed)": request(deployment, { namespace: ns }),
    "Deployment create (denied)": request(unsealed, { namespace: ns }),
    "Release create (version check)": request(newRelease, { namespace: ns }),
    "Release create (dup. version)": request({ ...newRelease, spec: { ...newRelease.spec, version: "1.2.0" } }, { namespace: ns }),
    "ConfigMap update (sealed)": request(changedConfig, { namespace: ns, operation: "UPDATE", oldObject: configMap(undefined, ns) }),
    "Deployment scale": { ...request(scale, { namespace: ns, operation: "UPDATE", oldObject: { ...scale, spec: { replicas: 3 } } }), kind: { group: "autoscaling", version: "v1", kind: "Scale" }, resource: { group: "apps", version: "v1", resource: "deployments" }, subResource: "scale", name: "web" },
    "Evidence delete (live)": { ...request(ev, { namespace: ns, operation: "DELETE", oldObject: ev }), object: null, name: "x" },
  });
}

function child(n: number): ChildResult {
  const t = Date.now();
  const { view, evidence, namespaces } = buildView(n);
  const buildMs = Date.now() - t;
  const reqs = decisions(n, namespaces);
  // Each decision must come out as a real webhook would decide it, or the bench measures a shortcut.
  const expect: Record<string, boolean> = { "Deployment create (allowed)": true, "Deployment create (denied)": false, "Release create (version check)": true, "Release create (dup. version)": false, "ConfigMap update (sealed)": false, "Deployment scale": false, "Evidence delete (live)": false };
  for (const [what, req] of Object.entries(reqs)) {
    const d = decide(req, view);
    if (d.allowed !== expect[what]) throw new Error(`${what}: expected ${expect[what] ? "allowed" : "denied"}, got ${JSON.stringify(d).slice(0, 400)}`);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  gc();
  gc();
  const mem = process.memoryUsage();
  const p99Us: Record<string, number> = {};
  const p50Us: Record<string, number> = {};
  for (const [what, req] of Object.entries(reqs)) {
    for (let k = 0; k < 2_000; k++) decide(req, view);
    const samples = new Float64Array(SAMPLES);
    for (let k = 0; k < SAMPLES; k++) {
      const s = process.hrtime.bigint();
      decide(req, view);
      samples[k] = Number(process.hrtime.bigint() - s);
    }
    samples.sort();
    p99Us[what] = quantile(samples, 0.99) / 1000;
    p50Us[what] = quantile(samples, 0.5) / 1000;
  }
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN) / 1024;
  // Keep the view reachable until here, so the GC cannot have dropped it before the RSS reading.
  if (view.releases.list().length !== n) throw new Error("view lost releases");
  view.evidence.replace([]);
  gc();
  gc();
  const heapWithoutEvidence = process.memoryUsage().heapUsed;
  if (view.releases.list().length !== n) throw new Error("view lost releases");
  return { releases: n, evidence, namespaces, rssMiB: mem.rss / 2 ** 20, heapUsedMiB: mem.heapUsed / 2 ** 20, heapWithoutEvidenceMiB: heapWithoutEvidence / 2 ** 20, peakMiB: peak, buildMs, p99Us, p50Us };
}

function run(n: number): ChildResult {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, "child", String(n)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the child holding ${n} releases failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

if (process.argv[2] === "child") {
  console.log(JSON.stringify(child(Number(process.argv[3]))));
} else {
  const N = Number(process.env.GOLIVE_BENCH_RELEASES ?? "10000");
  if (!Number.isInteger(N) || N < BASELINE) throw new Error(`GOLIVE_BENCH_RELEASES must be an integer of at least ${BASELINE}, not ${process.env.GOLIVE_BENCH_RELEASES}`);
  console.log(`golive webhook scale bench: ${cpus().length} CPU(s), load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (other work on the machine skews the timings)`);
  const base = run(BASELINE);
  const big = run(N);
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  const f1 = (x: number) => x.toFixed(1);
  console.log(`\nwebhook view with ${big.releases} releases, ${big.evidence} signed evidence objects, ${big.namespaces} namespaces${WORKLOADS ? ", a Deployment and two ReplicaSets per release, a DaemonSet and two bare Pods per namespace" : ", no workloads (GOLIVE_BENCH_WORKLOADS=0)"} (baseline: ${base.releases} releases, ${base.evidence} evidence, same run):`);
  console.log(`  built in                 ${f1(big.buildMs / 1000)} s (signing included)`);
  console.log(`  RSS after full GC        ${f1(big.rssMiB)} MiB vs ${f1(base.rssMiB)} MiB = ${(big.rssMiB / base.rssMiB).toFixed(2)}× (target ≤ 256 MiB) ${verdict(big.rssMiB <= 256)}`);
  console.log(`  heap used                ${f1(big.heapUsedMiB)} MiB vs ${f1(base.heapUsedMiB)} MiB: ${f1(((big.heapUsedMiB - base.heapUsedMiB) * 1024) / (big.releases - base.releases))} KiB per release with its 5 evidence objects`);
  const perEvidence = ((big.heapUsedMiB - big.heapWithoutEvidenceMiB) * 2 ** 20) / big.evidence;
  const perRelease = ((big.heapWithoutEvidenceMiB - base.heapWithoutEvidenceMiB) * 1024) / (big.releases - base.releases);
  console.log(`  per evidence object      ${perEvidence.toFixed(0)} B (heap freed by dropping all ${big.evidence})`);
  console.log(`  per release              ${f1(perRelease)} KiB (heap without evidence, ${f1(big.heapWithoutEvidenceMiB)} vs ${f1(base.heapWithoutEvidenceMiB)} MiB; its namespace's share of ConfigMaps and PDBs included)`);
  console.log(`  peak RSS (VmHWM)         ${f1(big.peakMiB)} MiB (building included)`);
  let worst = 0;
  for (const what of Object.keys(big.p99Us)) {
    const p99 = big.p99Us[what]!;
    worst = Math.max(worst, p99);
    console.log(`  ${what.padEnd(30)} p50 ${f1(big.p50Us[what]!)} µs  p99 ${f1(p99)} µs vs ${f1(base.p99Us[what]!)} µs = ${(p99 / base.p99Us[what]!).toFixed(2)}× (target p99 < 1 ms) ${verdict(p99 < 1000)}`);
  }
  console.log(`  worst decision p99       ${f1(worst)} µs (target < 1,000 µs) ${verdict(worst < 1000)}`);
}
