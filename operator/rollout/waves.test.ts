// Waves of several Deployments (issue 15): the planner driven pass by pass against perfect routers
// (a router's observation is exactly what desiredTraffic asks for), so what is asserted is the
// order of decisions and the actions on each Deployment, not a router.
import { describe, expect, it } from "vitest";
import type { Release, ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease } from "../../gates/testkit.js";
import type { Measurement } from "../analysis/run.js";
import { planRollout } from "./plan.js";
import type { RolloutAction, RolloutPlan, UnitObserved, WorkloadView } from "./types.js";
import { replicasFor } from "../routers/replica-ratio.js";
import { isRatio, otherActiveRelease, rolloutUnits, wavesProblem } from "./waves.js";

const { policy } = examplePolicy();
const t0 = Date.parse("2026-12-02T12:00:00Z");

function release(): Release {
  const r = exampleRelease();
  r.metadata.uid = "uid-waves";
  r.metadata.generation = 1;
  r.spec.workloads = [
    { kind: "Deployment", name: "underwriting-api" },
    { kind: "Deployment", name: "rating" },
    { kind: "Deployment", name: "worker" },
  ];
  const s = r.spec.strategy!;
  s.waves = [
    { name: "backends", workloads: [{ name: "rating", trafficRouting: { service: "rating" } }, { name: "worker" }] },
    { name: "frontends", workloads: [{ name: "underwriting-api" }] },
  ];
  s.trafficRouting = { service: "underwriting-api", gatewayAPI: { httpRoute: "underwriting" } };
  delete s.cleanup;
  s.verification!.jobs = [];
  s.analysis!.metrics = [{ name: "error-rate", query: "x", interval: "1s", count: 1, successCondition: "result < 0.01", failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 }];
  s.steps = [
    { name: "half", setWeight: 50 },
    { name: "watch", analysis: { metrics: ["error-rate"] } },
  ];
  r.spec.rollback.hooks = [];
  return r;
}

const image = (r: Release) => `${r.spec.images[0]!.name}@${r.spec.images[0]!.digest}`;

/** The cluster as the perfect routers and Deployment controllers leave it after each pass. */
class World {
  readonly r = release();
  status: ReleaseStatus = { phase: "Approved", conditions: [] };
  now = t0;
  readonly stableHash = new Map<string, string>();
  readonly actions: RolloutAction[][] = [];
  errorRate = "0.001";
  /** Workloads on their first release: no stable copy until golive creates one. */
  readonly noStable = new Set<string>();
  /** Routes still sending ordinary traffic to <service>: settled one pass after golive's route action (a gateway applying it). */
  readonly unsettled = new Map<string, "sending" | "applying">();

  constructor() {
    for (const u of rolloutUnits(this.r.spec)) this.stableHash.set(u.name, `old-${u.name}`);
  }

  view(name: string, templateHash: string, replicas: number, label: string): WorkloadView {
    return { name, generation: 1, observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas, statusReplicas: replicas, templateHash, podTemplateHash: `${templateHash}-pth`, releaseLabel: label, images: [image(this.r)] };
  }

  /** What the routers and the Deployment controller have made of the actions so far. */
  readonly state = new Map<string, { candidate: number; stable: number; weight: number; verification: boolean }>();

  units(): UnitObserved[] {
    return rolloutUnits(this.r.spec).map((u) => {
      const st = this.state.get(u.name) ?? { candidate: 3, stable: 3, weight: 0, verification: false };
      return {
        ...u,
        candidate: this.view(u.name, `new-${u.name}`, st.candidate, this.r.metadata.name),
        stable: this.noStable.has(u.name) ? undefined : this.view(`${u.name}-stable`, this.stableHash.get(u.name)!, st.stable, "older"),
        traffic: { weight: st.weight, verification: st.verification, settled: !this.unsettled.has(u.name) },
        candidatePods: st.candidate,
      };
    });
  }

  pass(): RolloutPlan | undefined {
    const measurements = new Map<string, Measurement>([["error-rate", { at: new Date(this.now), value: Number(this.errorRate) }]]);
    const p = planRollout({ release: { ...this.r, status: this.status }, base: this.status, policy: policy.spec, evidence: [], units: this.units(), candidate: undefined, stable: undefined, jobs: new Map(), measurements, canSign: false, now: new Date(this.now), monitoring: { ready: true, reasons: [] } });
    if (!p) return undefined;
    this.status = p.status;
    this.actions.push(p.actions);
    const units = rolloutUnits(this.r.spec);
    for (const [name, state] of this.unsettled) if (state === "applying") this.unsettled.delete(name);
    for (const a of p.actions) {
      if (!("workload" in a)) continue;
      const st = this.state.get(a.workload) ?? { candidate: 3, stable: 3, weight: 0, verification: false };
      const ratio = isRatio(units.find((u) => u.name === a.workload)!.routing);
      if (a.type === "ensureStable") {
        this.noStable.delete(a.workload);
        this.stableHash.set(a.workload, `new-${a.workload}`);
        st.stable = a.replicas;
      }
      if (a.type === "scaleCandidate") st.candidate = a.replicas;
      if (a.type === "route") {
        Object.assign(st, { weight: a.weight, verification: a.verification });
        if (this.unsettled.has(a.workload)) this.unsettled.set(a.workload, "applying");
        // Replica ratio: the router splits the pods between the two sides by the weight.
        if (ratio) Object.assign(st, replicasFor(st.candidate + st.stable, a.weight));
      }
      this.state.set(a.workload, st);
    }
    this.now += 2_000;
    return p;
  }

  /** Passes until the phase is `phase` (at most 60). */
  until(phase: string, also: (s: ReleaseStatus) => boolean = () => true): RolloutPlan[] {
    const plans: RolloutPlan[] = [];
    for (let i = 0; i < 60; i++) {
      const p = this.pass();
      if (p) plans.push(p);
      if (this.status.phase === phase && also(this.status)) return plans;
    }
    throw new Error(`never reached ${phase}: ${this.status.phase} — ${this.status.message}`);
  }
}

const routesOf = (actions: RolloutAction[]) => actions.filter((a) => a.type === "route").map((a) => `${a.workload}:${a.weight}${a.verification ? "+verify" : ""}`);

describe("rolloutUnits and wavesProblem", () => {
  it("orders the Deployments by wave and gives each its routing", () => {
    expect(rolloutUnits(release().spec).map((u) => `${u.waveName}/${u.name}/${u.routing}`)).toEqual(["backends/rating/replicaRatio", "backends/worker/worker", "frontends/underwriting-api/gatewayAPI"]);
    expect(wavesProblem(release().spec)).toBeUndefined();
  });

  it("without waves, one wave of every Deployment in the listed order", () => {
    const r = release();
    delete r.spec.strategy!.waves;
    expect(rolloutUnits(r.spec).map((u) => `${u.wave}/${u.name}/${u.routing}`)).toEqual(["0/underwriting-api/gatewayAPI", "0/rating/worker", "0/worker/worker"]);
  });
});

describe("planRollout in waves (issue 15)", () => {
  it("verifies and canaries wave by wave, holds a passed wave's weight, promotes every Deployment at the end", () => {
    const w = new World();
    const start = w.pass()!;
    expect(start.transition).toMatchObject({ from: "Approved", to: "Verifying" });
    expect(start.transition?.reason).toMatch(/^wave backends \(1 of 2\): Deployment rating, Deployment worker run the sealed images/);
    expect(w.status.waves?.map((x) => `${x.name}:${x.phase}`)).toEqual(["backends:Verifying", "frontends:Pending"]);
    // The wave being verified: verification-only access where it has a Service; the frontend held at 0 %.
    expect(routesOf(start.actions)).toEqual(["rating:0+verify", "worker:0", "underwriting-api:0"]);

    w.until("Progressing", (s) => s.canary?.weight === 50);
    expect(w.status.canary?.wave).toBe(0);
    expect(routesOf(w.actions.at(-1)!)).toEqual(["rating:50", "worker:50", "underwriting-api:0"]);

    const toWave2 = w.until("Verifying", (s) => s.canary?.wave === 1);
    const passed = toWave2.at(-1)!;
    expect(passed.events.map((e) => e.reason)).toContain("WavePassed");
    expect(passed.transition?.reason).toMatch(/^wave backends passed; wave frontends \(2 of 2\): Deployment underwriting-api/);
    expect(w.status.waves?.map((x) => `${x.name}:${x.phase}:${x.weight}`)).toEqual(["backends:Passed:50", "frontends:Verifying:0"]);
    // The backends keep their share while the frontend is verified, with no ordinary traffic on it.
    expect(routesOf(passed.actions)).toEqual(["rating:50", "worker:50", "underwriting-api:0+verify"]);
    expect(w.actions.flat().some((a) => a.type === "route" && a.workload === "underwriting-api" && a.weight > 0 && w.status.canary?.wave === 0)).toBe(false);

    const done = w.until("Released").at(-1)!;
    expect(done.transition?.reason).toMatch(/promoted: the stable copies of Deployment rating, Deployment worker, Deployment underwriting-api run/);
    expect(done.actions.filter((a) => a.type === "recordInventory").map((a) => a.workload)).toEqual(["rating", "worker", "underwriting-api"]);
    expect(w.status.waves?.map((x) => x.phase)).toEqual(["Promoted", "Promoted"]);
    expect([...w.stableHash.values()].every((h) => h.startsWith("new-"))).toBe(true);
  });

  it("a failure in the second wave rolls back both waves, newest first, and RolledBack only when each is back on stable", () => {
    const w = new World();
    w.until("Verifying", (s) => s.canary?.wave === 1);
    w.until("Progressing", (s) => s.canary?.stepName === "watch");
    w.errorRate = "0.5";
    const decided = w.until("RollingBack").at(-1)!;
    expect(decided.status.rollback?.trigger).toBe("AnalysisFailed");
    expect(decided.transition?.reason).toMatch(/every wave already moved, newest first \(Deployment underwriting-api, Deployment worker, Deployment rating\)/);
    // The frontend goes back first; the backends only once it is on stable.
    const first = routesOf(decided.actions);
    expect(first[0]).toBe("underwriting-api:0");
    // Its candidate keeps its pods while the gateway switches (scaleDownDelay), then goes.
    expect(decided.actions).not.toContainEqual(expect.objectContaining({ type: "scaleCandidate" }));
    const plans = w.until("RolledBack");
    const kept = plans.findIndex((p) => /keep(s)? the candidate's pods \d+ s more while the router finishes switching/.test(p.status.message ?? ""));
    const scaled = plans.findIndex((p) => p.actions.some((a) => a.type === "scaleCandidate" && a.workload === "underwriting-api"));
    expect(kept).toBeGreaterThanOrEqual(0);
    expect(scaled).toBeGreaterThan(kept);
    const rolled = plans.at(-1)!;
    expect(rolled.transition?.reason).toMatch(/Verified for each of Deployment rating, Deployment worker, Deployment underwriting-api: the router sends 0% to the candidate/);
    expect(rolled.transition?.details).toMatchObject({ workloads: ["rating", "worker", "underwriting-api"] });
    for (const x of w.status.waves!.flatMap((wave) => wave.workloads)) expect(x.rolledBackAt, x.name).toBeDefined();
    expect(w.status.waves?.map((x) => x.phase)).toEqual(["RolledBack", "RolledBack"]);
    // Nothing was promoted: the stable copies still run the old templates.
    expect([...w.stableHash.values()].every((h) => h.startsWith("old-"))).toBe(true);
  });

  it("a first release behind a route golive moved off <service>: the Deployment keeps its pods scaleDownDelay before the next wave's new version replaces them", () => {
    const w = new World();
    // underwriting-api goes live for the first time and its route still names <service>; the backends have stable copies and changed.
    w.noStable.add("underwriting-api");
    w.unsettled.set("underwriting-api", "sending");
    const start = w.pass()!;
    expect(start.transition).toMatchObject({ from: "Approved", to: "Progressing" });
    expect(start.transition?.reason).toMatch(/first release of Deployment underwriting-api: its current template becomes the stable copy underwriting-api-stable .*; the other Deployments are rolled out in their waves afterwards/);
    const plans = w.until("Progressing", (s) => s.canary?.routeMovedToStable?.settledAt !== undefined);
    expect(plans.some((p) => p.actions.some((a) => a.type === "route" && a.workload === "underwriting-api" && a.weight === 0))).toBe(true);
    const waiting = plans.at(-1)!;
    expect(waiting.status.message).toMatch(/^initialising: all traffic on the stable copies; Deployment underwriting-api keeps the candidate's pods 30 s more while the router finishes switching, then the new version replaces them \(trafficRouting.scaleDownDelay\)$/);
    expect(waiting.requeueAfterMs).toBe(30_000);
    const settledAt = Date.parse(waiting.status.canary!.routeMovedToStable!.settledAt!);
    // No wave starts (no candidate template reaches the Deployments' pods) until the delay is over.
    const held: RolloutPlan[] = [];
    while (w.now < settledAt + 30_000) held.push(w.pass()!);
    expect(held.every((p) => p.status.phase === "Progressing" && p.status.canary?.initialising === true)).toBe(true);
    expect(held.flatMap((p) => p.actions).some((a) => a.type === "scaleCandidate")).toBe(false);
    const next = w.until("Verifying").at(-1)!;
    expect(next.transition?.reason).toMatch(/wave backends \(1 of 2\)/);
    expect(w.status.canary?.routeMovedToStable).toBeUndefined();
    expect(w.now - settledAt).toBeGreaterThanOrEqual(30_000);
  });

  it("a wave whose Deployments did not change is skipped", () => {
    const w = new World();
    w.stableHash.set("rating", "new-rating");
    w.stableHash.set("worker", "new-worker");
    const start = w.pass()!;
    expect(w.status.canary?.wave).toBe(1);
    expect(start.transition?.reason).toMatch(/^wave frontends \(2 of 2\)/);
    expect(w.status.waves?.map((x) => x.phase)).toEqual(["Skipped", "Verifying"]);
  });

  it("does not start until every Deployment runs the release, and says which it waits for", () => {
    const w = new World();
    const units = w.units();
    units[2] = { ...units[2]!, candidate: { ...units[2]!.candidate!, releaseLabel: "older" } };
    const p = planRollout({ release: { ...w.r, status: w.status }, base: w.status, policy: policy.spec, evidence: [], units, candidate: undefined, stable: undefined, jobs: new Map(), measurements: new Map(), canSign: false, now: new Date(t0) });
    expect(p?.status.phase).toBe("Approved");
    expect(p?.status.message).toMatch(/waiting for Deployment underwriting-api to run this release's sealed images/);
    expect(p?.actions).toEqual([]);
  });
});

describe("wavesProblem names what cannot be rolled out", () => {
  it("spec.strategy.trafficRouting left routing nothing (its Deployment has its own in a wave)", () => {
    const r = release();
    r.spec.strategy!.waves![1]!.workloads[0]!.trafficRouting = { service: "elsewhere" };
    expect(wavesProblem(r.spec)).toMatch(/spec.strategy.trafficRouting \(Service underwriting-api\) routes no Deployment: it is for the first Deployment of spec.workloads, underwriting-api/);
  });
});

describe("a workload listed twice", () => {
  it("in one wave is refused, saying so", () => {
    const r = release();
    r.spec.strategy!.waves![0]!.workloads.push({ name: "worker" });
    expect(wavesProblem(r.spec)).toBe("spec.strategy.waves: wave backends lists Deployment worker twice: list it once");
  });
  it("in two waves is refused, naming both", () => {
    const r = release();
    r.spec.strategy!.waves![1]!.workloads.push({ name: "worker" });
    expect(wavesProblem(r.spec)).toBe("spec.strategy.waves: Deployment worker is in waves backends and frontends: list it once");
  });
});

describe("otherActiveRelease across multi-Deployment waves", () => {
  const other = (phase: ReleaseStatus["phase"], canaryOn: string): Release => {
    const r = release();
    r.metadata.name = "underwriting-api-2-4-0";
    r.status = { phase, canary: { stepIndex: 0, weight: 0, wave: 0, workload: canaryOn }, waves: [
      { name: "backends", phase: "Progressing", weight: 0, workloads: [{ kind: "Deployment", name: "rating" }, { kind: "Deployment", name: "worker" }] },
      { name: "frontends", phase: "Pending", weight: 0, workloads: [{ kind: "Deployment", name: "underwriting-api" }] },
    ] } as unknown as ReleaseStatus;
    return r;
  };
  it("finds a release moving a Deployment in any of its waves, not only the one it is on", () => {
    const mine = release();
    expect(otherActiveRelease(mine, [mine, other("Progressing", "rating")], ["underwriting-api"])).toBe("underwriting-api-2-4-0");
    expect(otherActiveRelease(mine, [other("Verifying", "rating")], ["worker"])).toBe("underwriting-api-2-4-0");
  });
  it("ignores itself, releases no longer active, and releases of other Deployments", () => {
    const mine = release();
    expect(otherActiveRelease(mine, [mine], ["rating"])).toBeUndefined();
    expect(otherActiveRelease(mine, [other("Released", "rating"), other("RolledBack", "rating")], ["rating"])).toBeUndefined();
    expect(otherActiveRelease(mine, [other("Progressing", "rating")], ["ledger"])).toBeUndefined();
  });
});

describe("a DaemonSet in a wave", () => {
  it("is rolled out in place, node by node, with no router", () => {
    const r = release();
    r.spec.workloads.push({ kind: "DaemonSet", name: "agent" });
    r.spec.strategy!.waves![0]!.workloads.push({ name: "agent" });
    expect(wavesProblem(r.spec)).toBeUndefined();
    expect(rolloutUnits(r.spec).find((u) => u.name === "agent")).toMatchObject({ kind: "DaemonSet", wave: 0, routing: "nodes", trafficRouting: undefined, primary: false });
  });
  it("with a trafficRouting of its own is refused, saying why", () => {
    const r = release();
    r.spec.workloads.push({ kind: "DaemonSet", name: "agent" });
    r.spec.strategy!.waves![0]!.workloads.push({ name: "agent", trafficRouting: { service: "agent" } });
    expect(wavesProblem(r.spec)).toBe("spec.strategy.waves: DaemonSet agent in wave backends has a trafficRouting: golive canaries a DaemonSet node by node, with no router; remove it");
  });
});
