// Operator at scale: N Releases (default 1,000), each with signed evidence, reconciled by one
// `golive operator` process on the real control plane. Prints the time until every release is
// Approved, the operator's peak RSS (VmHWM), and the ratio against a baseline measured in the
// same run: a bare loop that writes one status patch per release (the API work the operator
// cannot avoid). Finally verifies the run's audit chain.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { Release, ReleasePolicy, type ReleaseEvidence } from "../api/index.js";
import { verifyChain } from "../audit/chain.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { Informer } from "../operator/runtime/informer.js";
import { examplePolicy, sign } from "../gates/testkit.js";
import { startControlPlane } from "../test/cluster/control-plane.js";
import { installCrds } from "../test/cluster/crds.js";
import { freePort } from "../test/cluster/processes.js";

const N = Number(process.env.GOLIVE_BENCH_RELEASES ?? "1000");
const CONCURRENCY = 16;
const root = join(import.meta.dirname, "..");
const ns = "bench";

async function pool<T>(items: T[], fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Signals the operator to write a heap snapshot and waits until the file is complete. */
async function heapSnapshot(pid: number, dir: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  for (let last = -1; ; await new Promise((r) => setTimeout(r, 2_000))) {
    const file = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    const size = file ? statSync(join(dir, file)).size : -1;
    if (file && size > 0 && size === last) return console.log(`heap snapshot: ${join(dir, file)} (${(size / 2 ** 20).toFixed(0)} MiB)`);
    last = size;
  }
}

let operator: ReturnType<typeof spawn> | undefined;
const plane = await startControlPlane({ nodes: 1, log: (l) => console.log(`[control plane] ${l}`) });
const dir = mkdtempSync(join(tmpdir(), "golive-bench-"));
try {
  await installCrds(plane.kubectl);
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfig);
  const client = new KubeClient(kc);
  plane.kubectl(["create", "namespace", ns]);
  plane.kubectl(["create", "namespace", "golive-system"]);
  plane.kubectl(["label", "namespace", ns, "golive.dev/governed=true"]);

  // A lighter policy than the sample's (four gates, five evidence objects per release) so the
  // bench measures the operator, not 19,000 creates.
  const { policy, keys } = examplePolicy();
  const spec = { ...policy.spec, images: { ...policy.spec.images, requireSignature: false }, approvals: [{ stage: "Release" as const, roles: ["business-owner"], distinctSigners: true }] };
  spec.gates = spec.gates.filter((g) => ["unit-tests", "defect-convergence", "documents", "go-live-approval"].includes(g.name)).map((g) => (g.documents ? { ...g, documents: { required: ["SLA" as const, "RollbackPlan" as const] } } : g));
  const benchPolicy = ReleasePolicy.parse({ ...policy, metadata: { name: "bench" }, spec });
  await client.create("/apis/golive.dev/v1alpha1/releasepolicies", benchPolicy);

  const base = Release.parse(parse(readFileSync(join(root, "examples", "release.yaml"), "utf8")));
  // The sample's chat webhook does not exist here: without it the bench measures reconciles, not
  // retries to an unresolvable host.
  const releases = Array.from({ length: N }, (_, i) => ({ ...base, metadata: { name: `app-${i}`, namespace: ns }, spec: { ...base.spec, application: `app-${i}`, version: `1.0.${i}`, notifications: [] } }));
  const tests = { summary: { totals: { planned: 3, executed: 3, passed: 3, failed: 0, errored: 0, skipped: 0 }, failures: [] } };
  const defects = { summary: { total: 0, unaccepted: [], accepted: [], arrivals: [] } };
  const doc = { source: { digest: "sha256:" + "c".repeat(64) } };
  let t = Date.now();
  const evidence: ReleaseEvidence[] = releases.flatMap((r) => [
    sign(r, "UnitTestReport", keys.qa, tests),
    sign(r, "DefectList", keys.qa, defects),
    sign(r, "SLA", keys.manager, doc),
    sign(r, "RollbackPlan", keys.manager, doc),
    sign(r, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner" } }),
  ]);
  console.log(`signed ${evidence.length} evidence objects in ${Date.now() - t} ms`);
  t = Date.now();
  await pool(releases, (r) => client.create(`/apis/golive.dev/v1alpha1/namespaces/${ns}/releases`, r));
  await pool(evidence, (e) => client.create(`/apis/golive.dev/v1alpha1/namespaces/${ns}/releaseevidences`, { ...e, metadata: { ...e.metadata, namespace: ns } }));
  console.log(`created ${N} releases and ${evidence.length} evidence objects in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // Baseline: the status writes the operator makes (Pending, then Approved), by a bare client at
  // the same concurrency, nothing else.
  t = Date.now();
  await pool(releases, async (r) => {
    for (const message of ["baseline: pending", "baseline: approved"]) await client.patch(`/apis/golive.dev/v1alpha1/namespaces/${ns}/releases/${r.metadata.name}/status`, { status: { message } });
  });
  const baselineMs = Date.now() - t;

  const auditFile = join(dir, "audit.jsonl");
  const healthPort = await freePort();
  const started = Date.now();
  // GOLIVE_BENCH_CPU_PROF=DIR writes the operator's CPU profile there (open it in Chrome DevTools).
  const profile = process.env.GOLIVE_BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.GOLIVE_BENCH_CPU_PROF] : [];
  // GOLIVE_BENCH_HEAP=DIR writes a heap snapshot there once every release is Approved (what the memory is).
  const heapDir = process.env.GOLIVE_BENCH_HEAP;
  if (heapDir) profile.push("--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${heapDir}`);
  const child = spawn(process.execPath, [...profile, "--import", "tsx", join(root, "cli", "main.ts"), "operator", "--kubeconfig", plane.kubeconfig, "--leader-elect", "false", "--audit-file", auditFile, "--health-port", String(healthPort), "--log-level", "warn", "--concurrency", "8"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  operator = child;
  // Cold start: the health server answers only once every informer has listed.
  let syncedMs: number | undefined;
  void (async () => {
    while (syncedMs === undefined && child.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then((r) => r.ok, () => false);
      if (ok) syncedMs = Date.now() - started;
      else await new Promise((r) => setTimeout(r, 200));
    }
  })();
  // Counted from a watch: listing 10,000 releases every second (100 MB a list) loaded the API
  // server more than the operator did, and the baseline had no such load.
  const watched = new Informer<Release>(client, `/apis/golive.dev/v1alpha1/namespaces/${ns}/releases`, { resyncMs: 0 });
  await watched.start();
  const approved = () => watched.list().filter((r) => r.status?.phase === "Approved").length;
  let done = 0;
  while ((done = approved()) < N) {
    if (Date.now() - started > 20 * 60_000) throw new Error(`only ${done}/${N} approved after 20 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const operatorMs = Date.now() - started;
  await watched.stop();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
  if (heapDir) await heapSnapshot(child.pid!, heapDir);
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  const chain = verifyChain(readFileSync(auditFile, "utf8"));

  const peakMiB = Number(hwm) / 1024;
  console.log(`\noperator scale (${N} releases, ${evidence.length} evidence objects):`);
  console.log(`  all Approved after         ${(operatorMs / 1000).toFixed(1)} s (process start included)`);
  console.log(`  baseline status writes     ${(baselineMs / 1000).toFixed(1)} s (one patch per release, ${CONCURRENCY} at a time)`);
  // Targets (issue 20): at most 1.5× the bare client, 512 MiB at 10,000 releases, caches synced in 30 s.
  const ratio = operatorMs / baselineMs;
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  console.log(`  ratio operator / baseline  ${ratio.toFixed(2)}× (target ≤ 1.50×) ${verdict(ratio <= 1.5)}`);
  console.log(`  operator peak RSS          ${peakMiB.toFixed(0)} MiB, ${((peakMiB * 1024) / N).toFixed(1)} KiB per release (target ≤ 512 MiB at 10,000) ${N >= 10_000 ? verdict(peakMiB <= 512) : `${verdict((peakMiB * 10_000) / N <= 512)} if it grew linearly`}`);
  console.log(`  caches synced (cold start) ${syncedMs === undefined ? "never" : `${(syncedMs / 1000).toFixed(1)} s`} (target < 30 s) ${verdict(syncedMs !== undefined && syncedMs < 30_000)}`);
  console.log(`  audit chain                ${chain.ok ? `intact, ${chain.records} records` : `BROKEN at line ${chain.line}: ${chain.reason}`}`);
  if (!chain.ok) process.exitCode = 1;
} finally {
  // A failed run must not leave the operator behind, retrying against a stopped API server.
  if (operator && operator.exitCode === null) operator.kill("SIGKILL");
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
}
