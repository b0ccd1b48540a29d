// A DaemonSet rolled out by the planner, pass by pass, against a perfect DaemonSet controller
// built from the same pure functions the controller uses (daemonset.ts: the view, the stage, what
// each action asks, which pods to delete): what is asserted is which nodes run the candidate in
// each phase, the rollback, and what a stopped (Failed) rollout leaves behind. A StatefulSet
// stopped the same way gets its stable template back too.
import { describe, expect, it } from "vitest";
import type { Release, ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease } from "../../gates/testkit.js";
import type { Measurement } from "../analysis/run.js";
import { daemonSetView, daemonSetViews, nodeAction, nodeStage, nodeTraffic, podsToReplace, rollBackStep, STABLE_REVISION_ANNOTATION, STABLE_STRATEGY_ANNOTATION, type DaemonSetLike, type DaemonPodLike, type NodeLike } from "./daemonset.js";
import { desiredTraffic, planRollout } from "./plan.js";
import type { RolloutAction, RolloutPlan, UnitObserved } from "./types.js";
import { rolloutUnits } from "./waves.js";

const { policy } = examplePolicy();
const t0 = Date.parse("2026-12-03T12:00:00Z");
const NODES = ["n0", "n1", "n2", "n3", "n4"];

function release(automatic = true): Release {
  const r = exampleRelease();
  r.metadata.uid = "uid-agent";
  r.metadata.generation = 1;
  r.spec.workloads = [{ kind: "DaemonSet", name: "agent" }];
  const s = r.spec.strategy!;
  delete s.waves;
  delete s.cleanup;
  s.verification!.jobs = [];
  s.progressDeadline = "5m";
  s.analysis!.metrics = [{ name: "error-rate", query: "x", interval: "1s", count: 1, successCondition: "result < 0.01", failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 }];
  s.steps = [
    { name: "half", setWeight: 50 },
    { name: "watch", analysis: { metrics: ["error-rate"] } },
  ];
  r.spec.rollback.hooks = [];
  r.spec.rollback.automatic = automatic;
  return r;
}

/** Five nodes, n0 labelled golive.dev/canary-node=true; a DaemonSet held at revision "old" whose template is now "new". */
class World {
  readonly r: Release;
  status: ReleaseStatus = { phase: "Approved", conditions: [] };
  now = t0;
  readonly nodes: NodeLike[] = NODES.map((name, i): NodeLike => ({ metadata: { name, labels: i === 0 ? { "golive.dev/canary-node": "true" } : {} } }));
  revisions = [
    { metadata: { labels: { "controller-revision-hash": "old" } }, revision: 1, data: { spec: { template: { spec: { containers: [{ name: "agent", image: "agent@sha256:old" }] } } } } },
    { metadata: { labels: { "controller-revision-hash": "new" } }, revision: 2 },
  ];
  ds: DaemonSetLike;
  /** Each node's pod: its revision and readiness. */
  readonly pods = new Map<string, { revision: string; ready: boolean }>(NODES.map((n) => [n, { revision: "old", ready: true }]));
  /** Nodes whose new pod never becomes Ready. */
  readonly stuck = new Set<string>();
  errorRate = "0.001";
  /** The DaemonSet's update strategy was handed back: its own controller replaces pods off the update revision. */
  handedBack = false;
  /** After each pass: the phase planned, the nodes on the candidate, the pods not Ready, the actions; `seen`: what the pass observed. */
  readonly log: { phase: string; candidates: string[]; notReady: number; actions: RolloutAction[]; seen: { offStable: number; notReady: number } }[] = [];

  constructor(automatic = true) {
    this.r = release(automatic);
    const image = `${this.r.spec.images[0]!.name}@${this.r.spec.images[0]!.digest}`;
    this.ds = {
      metadata: { name: "agent", uid: "ds-uid", generation: 3, labels: { "golive.dev/release": this.r.metadata.name }, annotations: { [STABLE_REVISION_ANNOTATION]: "old", [STABLE_STRATEGY_ANNOTATION]: '{"type":"RollingUpdate"}' } },
      spec: { updateStrategy: { type: "OnDelete" }, template: { spec: { containers: [{ name: "agent", image }] } } },
      status: { observedGeneration: 3, desiredNumberScheduled: NODES.length },
    };
  }

  private podList(): DaemonPodLike[] {
    return NODES.map((n) => ({ metadata: { name: `agent-${n}`, labels: { "controller-revision-hash": this.pods.get(n)!.revision } }, spec: { nodeName: n }, status: { conditions: [{ type: "Ready", status: this.pods.get(n)!.ready ? "True" : "False" }] } }));
  }
  private updateRevision(): string {
    return [...this.revisions].sort((a, b) => b.revision - a.revision)[0]!.metadata.labels["controller-revision-hash"];
  }
  candidates(): string[] {
    return NODES.filter((n) => this.pods.get(n)!.revision === "new");
  }

  pass(): RolloutPlan | undefined {
    // The pods started last pass are Ready now (but on a stuck node).
    for (const [n, p] of this.pods) if (!p.ready && !(this.stuck.has(n) && p.revision === "new")) p.ready = true;
    const view = daemonSetView(this.ds, this.revisions, this.podList(), this.nodes);
    const seen = { offStable: view.pods.filter((p) => p.revision !== view.stableRevision).length, notReady: view.pods.filter((p) => !p.ready).length };
    const views = daemonSetViews(this.ds, view);
    const unit = rolloutUnits(this.r.spec)[0]!;
    const base = this.status;
    const u: UnitObserved = { ...unit, kind: "DaemonSet", candidate: views.candidate, stable: views.stable };
    if (base.phase !== "Approved") u.traffic = nodeTraffic(view, nodeStage(base, unit), desiredTraffic(base, unit), base.phase === "RollingBack");
    if (base.phase === "RollingBack") u.candidatePods = view.pods.filter((p) => p.revision !== view.stableRevision).length + view.terminatingOffStable;
    const measurements = new Map<string, Measurement>([["error-rate", { at: new Date(this.now), value: Number(this.errorRate) }]]);
    const p = planRollout({ release: { ...this.r, status: base }, base, policy: policy.spec, evidence: [], units: [u], candidate: u.candidate, stable: u.stable, jobs: new Map(), measurements, canSign: false, now: new Date(this.now), monitoring: { ready: true, reasons: [] } });
    if (p) {
      this.status = p.status;
      // What the controller's executeNodes does with each action, against this view.
      for (const a of p.actions) {
        if (!("workload" in a)) continue;
        const what = nodeAction(a, p.status, unit);
        if (what === "rollBack") {
          const step = rollBackStep(view);
          if ("template" in step) this.restoreTemplate();
          else for (const pod of step.pods) this.pods.set(pod.replace("agent-", ""), { revision: this.updateRevision(), ready: false });
        } else if (what === "restoreAndHandBack") {
          this.restoreTemplate();
          this.handedBack = true;
          delete this.ds.metadata!.annotations;
        } else if (what) for (const pod of podsToReplace(view, what.stage, 1)) this.pods.set(pod.replace("agent-", ""), { revision: this.updateRevision(), ready: false });
      }
    }
    // A DaemonSet with its RollingUpdate strategy back replaces one pod off the update revision at a time.
    // (an unavailable one first, as the DaemonSet controller does).
    if (this.handedBack) {
      const off = NODES.filter((n) => this.pods.get(n)!.revision !== this.updateRevision());
      const down = NODES.filter((n) => !this.pods.get(n)!.ready);
      const next = off.find((n) => down.includes(n)) ?? (down.length ? undefined : off[0]);
      if (next) this.pods.set(next, { revision: this.updateRevision(), ready: false });
    }
    this.log.push({ phase: this.status.phase ?? "", candidates: this.candidates(), notReady: NODES.filter((n) => !this.pods.get(n)!.ready).length, actions: p?.actions ?? [], seen });
    this.now += 2_000;
    return p;
  }

  /** The stable template back: the DaemonSet controller reuses its ControllerRevision as the newest. */
  private restoreTemplate(): void {
    this.ds.spec!.template = this.revisions[0]!.data!.spec.template;
    this.revisions[0]!.revision = 3;
  }

  until(phase: string, also: (s: ReleaseStatus) => boolean = () => true, max = 120): void {
    for (let i = 0; i < max; i++) {
      this.pass();
      if (this.status.phase === phase && also(this.status)) return;
    }
    throw new Error(`never reached ${phase}: ${this.status.phase} — ${this.status.message}`);
  }
}

describe("planRollout with a DaemonSet canaried node by node (issue 15)", () => {
  it("verifies on the canary node only, adds half the other nodes at 50 %, promotes to every node, within maxUnavailable 1", () => {
    const w = new World();
    w.until("Released");
    const phases = (p: string) => w.log.filter((x) => x.phase === p);
    expect(phases("Verifying").length).toBeGreaterThan(0);
    for (const x of [...phases("Verifying"), ...phases("CleaningUp")]) expect(x.candidates.filter((n) => n !== "n0")).toEqual([]);
    // Verification passed only once the canary node ran the candidate.
    expect(phases("CleaningUp")[0]!.candidates).toEqual(["n0"]);
    const beforePromotion = w.log.filter((x) => x.phase === "Progressing" && !x.actions.some((a) => a.type === "ensureStable"));
    expect(beforePromotion.every((x) => x.candidates.every((n) => ["n0", "n1", "n2"].includes(n)))).toBe(true);
    expect(beforePromotion.some((x) => x.candidates.join() === "n0,n1,n2")).toBe(true);
    expect(w.candidates()).toEqual(NODES);
    expect(w.log.every((x) => x.notReady <= 1)).toBe(true);
    expect(w.status.message).toMatch(/^promoted: DaemonSet agent runs/);
  });

  it("a failing analysis rolls back: stable template, then every pod; RolledBack only when every node runs a Ready stable pod", () => {
    const w = new World();
    w.until("Progressing", (s) => s.canary?.stepName === "watch");
    expect(w.candidates()).toEqual(["n0", "n1", "n2"]);
    w.errorRate = "0.5";
    w.until("RolledBack");
    const last = w.log.at(-1)!;
    expect(last.candidates).toEqual([]);
    expect(last.notReady).toBe(0);
    // Decided on a pass that saw every node on a Ready stable pod; every pass before it that saw a pod off stable stayed RollingBack.
    expect(last.seen).toEqual({ offStable: 0, notReady: 0 });
    const rolling = w.log.filter((x) => x.phase === "RollingBack");
    expect(rolling.length).toBeGreaterThan(1);
    expect(rolling.filter((x) => x.seen.offStable > 0 || x.seen.notReady > 0).length).toBe(rolling.length);
    expect(w.status.message).toMatch(/the stable template is back and every node runs one Ready pod of the stable revision \(0 candidate pods\)/);
  });

  it("stopped as Failed at the promotion's progress deadline: the stable template and update strategy are put back, every node returns to stable", () => {
    const w = new World();
    w.stuck.add("n4");
    w.until("Failed", undefined, 400);
    expect(w.status.message).toMatch(/^promotion: DaemonSet agent did not run the new template on every node within the progress deadline of 5m; DaemonSet agent gets the stable template back, as in a rollback/);
    expect(w.log.at(-1)!.actions).toContainEqual({ type: "restoreStable", workload: "agent" });
    for (let i = 0; i < 20; i++) w.pass();
    expect(w.handedBack).toBe(true);
    expect(w.candidates()).toEqual([]);
    expect(w.ds.spec!.template).toEqual(w.revisions[0]!.data!.spec.template);
    // Restored once: the template is the stable one, so no further restoreStable is asked for.
    expect(w.log.slice(-5).every((x) => !x.actions.some((a) => a.type === "restoreStable"))).toBe(true);
  });

  it("with automatic rollback off, a failed analysis leaves the DaemonSet as it is for a person", () => {
    const w = new World(false);
    w.until("Progressing", (s) => s.canary?.stepName === "watch");
    w.errorRate = "0.5";
    w.until("Failed");
    for (let i = 0; i < 5; i++) w.pass();
    expect(w.log.slice(-6).every((x) => !x.actions.some((a) => a.type === "restoreStable"))).toBe(true);
    expect(w.candidates()).toEqual(["n0", "n1", "n2"]);
    expect(w.handedBack).toBe(false);
  });
});

describe("a StatefulSet stopped during its promotion", () => {
  it("gets restoreStable (its stable template back with partition 0) until the template is back", () => {
    const r = exampleRelease();
    r.spec.workloads = [{ kind: "StatefulSet", name: "ledger" }];
    r.spec.strategy!.steps = [
      { name: "one", setWeight: 33 },
      { name: "two", setWeight: 66 },
    ];
    r.spec.strategy!.progressDeadline = "10m";
    const view = (templateHash: string, updated: number) => ({ name: "ledger", generation: 2, observedGeneration: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: updated, statusReplicas: 3, templateHash, podTemplateHash: templateHash, releaseLabel: r.metadata.name, images: [] });
    const unit = { ...rolloutUnits(r.spec)[0]!, kind: "StatefulSet", candidate: view("new", 1), stable: view("revision:old", 2), traffic: { weight: 0, verification: false, settled: true } } as UnitObserved;
    const startedAt = new Date(t0).toISOString();
    const status: ReleaseStatus = {
      phase: "Progressing",
      conditions: [],
      canary: { stepIndex: 2, weight: 66, wave: 0, workload: "ledger", startedAt, stepStartedAt: startedAt, candidateTemplateHash: "new" },
      waves: [{ name: "default", phase: "Progressing", weight: 0, workloads: [{ kind: "StatefulSet", name: "ledger", routing: "partition", changed: true, replicas: 3, candidateTemplateHash: "new", stableTemplateHash: "revision:old" }] }],
      promotion: { startedAt, gates: [] },
    };
    const observe = (s: ReleaseStatus, now: number) => planRollout({ release: { ...r, status: s }, base: s, policy: policy.spec, evidence: [], units: [unit], candidate: unit.candidate, stable: unit.stable, jobs: new Map(), measurements: new Map(), canSign: false, now: new Date(now), monitoring: { ready: true, reasons: [] } })!;
    const stopped = observe(status, t0 + 11 * 60_000);
    expect(stopped.status.phase).toBe("Failed");
    expect(stopped.status.message).toMatch(/^promotion: StatefulSet ledger did not run the new template on every pod within the progress deadline of 10m; StatefulSet ledger gets the stable template back/);
    expect(stopped.actions).toContainEqual({ type: "restoreStable", workload: "ledger" });
    // Once the template is back, nothing more is asked: the StatefulSet controller finishes at partition 0.
    const after = observe(stopped.status, t0 + 12 * 60_000);
    expect(after?.actions ?? []).toContainEqual({ type: "restoreStable", workload: "ledger" });
    unit.candidate = view("restored", 1);
    const restored = observe(stopped.status, t0 + 13 * 60_000);
    expect((restored?.actions ?? []).some((a) => a.type === "restoreStable")).toBe(false);
  });
});
