// What one Release and one ReleaseEvidence cost in the operator's informer stores (issue 20), and
// what opening evidence on arrival saves (gates/opened-evidence.ts). Baseline, measured in the same
// run: the evidence as the store kept it before, the whole object without managedFields and
// kubectl's last-applied copy (operator/release/gather.ts leanEvidence).
//
// Each object comes through JSON as an informer receives it from the wire (nothing shared between
// objects), with the metadata the API server adds (uid, resourceVersion, creationTimestamp,
// managedFields). The heap is measured after a full GC (`node --expose-gc`; the bench re-runs
// itself with it) before and after the objects are built, over N objects of each kind.
// Target: the stores of 10,000 releases and 50,000 evidence objects within half of the operator's
// 512 MiB (issue 20), the other half being the runtime, its code and the pages of a list in
// flight. The whole operator at 10,000 releases is measured by bench/operator-scale.ts.
// Run: npx tsx bench/operator-memory.ts (GOLIVE_BENCH_OBJECTS=N, default 5,000).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Release, ReleaseEvidence } from "../api/index.js";
import { knownKeysOf, openEvidence } from "../gates/opened-evidence.js";
import { examplePolicy, exampleRelease, sign } from "../gates/testkit.js";
import { leanEvidence } from "../operator/release/gather.js";
import { planRelease } from "../operator/release/plan.js";
import { withoutManagedFields } from "../operator/runtime/informer.js";

const N = Number(process.env.GOLIVE_BENCH_OBJECTS ?? "5000");
const NOW = new Date("2026-11-24T12:00:00Z");

function asFromTheServer<T extends { metadata: Record<string, unknown> }>(o: T, i: number): string {
  const metadata = { ...o.metadata, uid: randomUUID(), resourceVersion: String(100_000 + i), generation: 1, creationTimestamp: NOW.toISOString(), managedFields: [{ manager: "golive", operation: "Update", apiVersion: "golive.dev/v1alpha1", time: NOW.toISOString(), fieldsType: "FieldsV1", fieldsV1: { "f:spec": { ".": {}, "f:release": {}, "f:type": {}, "f:envelope": {} } } }] };
  return JSON.stringify({ ...o, metadata });
}

/** Heap bytes per object held by `build` for n objects (full GC before and after). */
function perObject(n: number, build: (i: number) => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = Array.from({ length: n }, (_, i) => build(i));
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (held.length !== n) throw new Error("unreachable");
  return (after - before) / n;
}

function measure(): void {
  const { policy, keys } = examplePolicy();
  const release = exampleRelease();
  // Five evidence objects per release, as in bench/operator-scale.ts and the sample's lighter policy.
  const kinds = [
    () => sign(release, "UnitTestReport", keys.qa, { summary: { totals: { planned: 3, executed: 3, passed: 3, failed: 0, errored: 0, skipped: 0 }, failures: [] } }),
    () => sign(release, "DefectList", keys.qa, { summary: { total: 0, unaccepted: [], accepted: [], arrivals: [] } }),
    () => sign(release, "SLA", keys.manager, { source: { digest: "sha256:" + "c".repeat(64) } }),
    () => sign(release, "RollbackPlan", keys.manager, { source: { digest: "sha256:" + "c".repeat(64) } }),
    () => sign(release, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner" } }),
  ];
  const wire = Array.from({ length: N }, (_, i) => asFromTheServer({ ...kinds[i % kinds.length]!(), metadata: { name: `e-${i}`, namespace: "bench" } }, i));
  const known = knownKeysOf(policy);
  const parse = (i: number) => withoutManagedFields(JSON.parse(wire[i]!) as ReleaseEvidence);
  const envelopeForm = perObject(N, (i) => leanEvidence(parse(i)));
  const openedForm = perObject(N, (i) => openEvidence(leanEvidence(parse(i)), known));

  const plan = planRelease({ release, policy, evidence: kinds.map((k) => k()), seals: new Map(), now: NOW });
  const releaseWire = Array.from({ length: N }, (_, i) => asFromTheServer({ ...release, metadata: { name: `r-${i}`, namespace: "bench" }, spec: { ...release.spec, application: `app-${i}` }, status: plan.status }, i));
  const releaseForm = perObject(N, (i) => withoutManagedFields(JSON.parse(releaseWire[i]!) as Release));
  process.stdout.write(JSON.stringify({ envelopeForm, openedForm, releaseForm, phase: plan.status.phase }));
}

if (process.argv[2] === "child") measure();
else {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, "child"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`the measuring process failed (${r.status})`);
  const m = JSON.parse(r.stdout) as { envelopeForm: number; openedForm: number; releaseForm: number; phase: string };
  const kib = (b: number) => `${(b / 1024).toFixed(2)} KiB`;
  const ratio = m.openedForm / m.envelopeForm;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(`operator store memory (${N} objects of each kind, heap after a full GC):`);
  console.log(`  evidence with its envelope (baseline) ${kib(m.envelopeForm)} per object`);
  console.log(`  evidence opened on arrival            ${kib(m.openedForm)} per object (${ratio.toFixed(2)}× the baseline)`);
  console.log(`  release with its gate status (${m.phase})  ${kib(m.releaseForm)} per object`);
  const stores = 10_000 * m.releaseForm + 50_000 * m.openedForm;
  console.log(`  10,000 releases + 50,000 evidence       ${mib(stores)} in the stores (${mib(10_000 * m.releaseForm + 50_000 * m.envelopeForm)} with envelopes; target ≤ 256 MiB) ${stores <= 256 * 2 ** 20 ? "PASS" : "FAIL"}`);
}
