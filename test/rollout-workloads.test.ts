// Issue 15 on the real control plane, with golive's operator and webhook running and a real
// Prometheus for the analysis: a Release without spec.strategy goes Approved → Verifying →
// Released (Deployments available, the Verification gates, the monitoring check, the inventory);
// a Release of three Deployments and a StatefulSet in two waves (a backend with its Service, a
// worker without one, a StatefulSet canaried by its partition, then the frontend) is verified and
// canaried wave by wave and reaches Released with every workload promoted, and the next version, whose analysis fails in the second wave, rolls back
// both waves, each Deployment verified back on stable; a Release with a strategy and a
// ReplicaSet is held Blocked with reason UnsupportedWorkloads, and kubectl cannot apply its
// workloads (fail closed: the ReplicaSet never reaches all users unverified). StatefulSets:
// test/rollout-statefulset.test.ts; DaemonSets: test/rollout-daemonset.test.ts.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../operator/runtime/kube-client.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy } from "./support/policy.js";
import { startRolloutStack, type RolloutStack } from "./support/rollout-stack.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("rollout-workloads");
const own = useNamespace("golive-workloads");
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/ledger";
let stack: RolloutStack;
let client: KubeClient;

const { kubectlApply, apply, until, release, condition, approve } = releaseKit(() => ns.name);
function releaseDoc(name: string, version: string, workloads: Doc[], strategy?: Doc): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name },
    spec: { application: name, version, workloads, images: [{ name: IMAGE, digest: digest(name) }], architecture: { replicas: 1, highAvailability: false }, ...(strategy ? { strategy } : {}) },
  };
}
/** A StatefulSet of the release (2 ordinals: one is verified behind golive's readiness gate while the others serve). */
function statefulSet(name: string, releaseName: string): Doc {
  const labels = { app: name, "golive.dev/release": releaseName };
  return { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, labels }, spec: { replicas: 2, serviceName: name, podManagementPolicy: "Parallel", selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { readinessGates: [{ conditionType: "golive.dev/verified" }], containers: [{ name, image: `${IMAGE}@${digest(releaseName)}` }] } } } };
}
/** A Deployment of the release; `replicas: undefined` leaves them to golive (replica ratio owns them). */
function deployment(name: string, releaseName: string, replicas: number | undefined = 1): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name, "golive.dev/release": releaseName } },
    spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, "golive.dev/release": releaseName } }, spec: { containers: [{ name, image: `${IMAGE}@${digest(releaseName)}` }] } } },
  };
}

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(
    releaseManagerPolicy(ns.name, { architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false }, monitoring: { requireReady: false } }),
  );
  // The webhook judges this namespace: an unlabelled Deployment is denied.
  stack = await startRolloutStack({ namespace: ns.name, ownNamespace: own.name, configurationName: `golive-workloads-${id}`, probe: { ...deployment("probe", "none"), metadata: { name: "probe" } } });
  client = stack.client;
}, 300_000);

afterAll(() => stack?.stop());

describe("what golive can and cannot roll out (issue 15)", () => {
  it("a Release without spec.strategy goes Approved → Verifying → Released, with the inventory", async () => {
    await apply(releaseDoc("ledger", "1.0.0", [{ kind: "Deployment", name: "ledger" }]));
    await until("ledger Blocked on its approval", () => release("ledger"), (r) => r.status?.phase === "Blocked");
    await approve("ledger");
    await until("ledger Approved", () => release("ledger"), (r) => r.status?.phase === "Approved");
    const applied = await kubectlApply(deployment("ledger", "ledger"));
    expect(applied.status, applied.stderr).toBe(0);
    const started = Date.now();
    const done = await until("ledger Released", () => release("ledger"), (r) => r.status?.phase === "Released");
    console.log(`no-strategy Release: Released ${((Date.now() - started) / 1000).toFixed(1)} s after kubectl applied its Deployment`);
    expect(done.status.message).toMatch(/^no spec.strategy: 1 Deployment\(s\) available as applied, 0 Verification gate\(s\) passed, monitoring in place \(4.7 b\); inventory updated \(4.9\)$/);
    expect(condition(done, "Ready")?.status).toBe("True");
    expect(condition(done, "Verified")?.status).toBe("True");
    expect(done.status.canary).toBeUndefined();
    // The audit trail has the whole path.
    const audit = readFileSync(stack.auditFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: string; result: string }).filter((a) => a.type === "transition" && a.object === `${ns.name}/Release/ledger`).map((a) => a.result);
    expect(audit.slice(-3)).toEqual(["Approved", "Verifying", "Released"]);
    const inventory = await until("the inventory record", () => client.get<Doc>(`/api/v1/namespaces/${ns.name}/configmaps/golive-inventory`), (cm) => cm.data?.ledger !== undefined);
    expect(JSON.parse(inventory.data.ledger as string)).toMatchObject({ application: "ledger", version: "1.0.0", release: "ledger", deployment: "ledger", how: "applied" });
    expect(JSON.parse(inventory.data.ledger as string).stableCopy).toBeUndefined();
  }, 120_000);

  it("a Release without spec.strategy waits for its StatefulSet: Approved until it runs the release, Released once every pod is available", async () => {
    await apply(releaseDoc("books", "1.0.0", [{ kind: "StatefulSet", name: "books" }]));
    await approve("books");
    await until("books Approved", () => release("books"), (r) => r.status?.phase === "Approved");
    // Nothing applied yet: it stays Approved (it used to go on to Released with nothing running).
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await release("books")).status.phase).toBe("Approved");
    const labels = { app: "books", "golive.dev/release": "books" };
    const statefulSet = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "books", labels }, spec: { replicas: 2, serviceName: "books", selector: { matchLabels: { app: "books" } }, template: { metadata: { labels }, spec: { containers: [{ name: "books", image: `${IMAGE}@${digest("books")}` }] } } } };
    const applied = await kubectlApply(statefulSet);
    expect(applied.status, applied.stderr).toBe(0);
    const done = await until("books Released", () => release("books"), (r) => r.status?.phase === "Released", 120_000);
    expect(done.status.message).toMatch(/^no spec.strategy: 0 Deployment\(s\), 1 StatefulSet\(s\) available as applied/);
    const sts = await client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/statefulsets/books`);
    expect(sts.status.availableReplicas).toBe(2);
  }, 180_000);

  it("a Release with a strategy and a ReplicaSet is Blocked (UnsupportedWorkloads) and kubectl cannot apply its workloads", async () => {
    const strategy = { trafficRouting: { service: "vault" }, steps: [{ name: "all", setWeight: 100 }] };
    await apply(releaseDoc("vault", "1.0.0", [{ kind: "Deployment", name: "vault" }, { kind: "ReplicaSet", name: "vault-ledger" }], strategy));
    await approve("vault");
    const expected = "golive canaries Deployments, StatefulSets and DaemonSets only (a ReplicaSet, ReplicationController or bare Pod has no revisions to canary between); ReplicaSet/vault-ledger would reach all users unverified: list it in its own Release without spec.strategy";
    const held = await until("vault held with the reason", () => release("vault"), (r) => r.status?.phase === "Blocked" && condition(r, "GatesPassed")?.status === "True");
    expect(condition(held, "WorkloadsSupported")).toMatchObject({ status: "False", reason: "UnsupportedWorkloads", message: expected });
    expect(held.status.message).toBe(`UnsupportedWorkloads: ${expected}`);
    expect(condition(held, "Stalled")?.status).toBe("True");
    const replicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "vault-ledger", labels: { app: "vault-ledger", "golive.dev/release": "vault" } },
      spec: { replicas: 1, selector: { matchLabels: { app: "vault-ledger" } }, template: { metadata: { labels: { app: "vault-ledger", "golive.dev/release": "vault" } }, spec: { containers: [{ name: "ledger", image: `${IMAGE}@${digest("vault")}` }] } } },
    };
    const second = await kubectlApply(replicaSet);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/denied the request/);
    expect(second.stderr).toContain(`Release vault is Blocked, not Approved: UnsupportedWorkloads: ${expected}`);
    console.log(`kubectl apply of ReplicaSet vault-ledger: ${second.stderr.trim().split("\n")[0]!.slice(0, 400)}`);
    // Fail closed: the Deployment golive could roll out waits too, until the Release is split.
    const first = await kubectlApply(deployment("vault", "vault"));
    expect(first.status).not.toBe(0);
    expect(first.stderr).toContain("UnsupportedWorkloads");
    const none = await kubectlAsync(["get", "deployments,replicasets", "-n", ns.name, "-o", "name"]);
    expect(none.stdout).not.toMatch(/vault/);
  }, 120_000);
});

describe("every Deployment of a Release in waves (issue 15)", () => {
  // Backends first: rating behind its own Service, a worker with none, the tariff StatefulSet
  // (canaried by its partition); then the frontend, shop.
  // spec.strategy.trafficRouting is the first Deployment's (shop); the others bring their own or none.
  const SHOP = ["shop", "rating", "worker"];
  const strategy = () => ({
    trafficRouting: { service: "shop" },
    waves: [
      { name: "backends", workloads: [{ name: "rating", trafficRouting: { service: "rating" } }, { name: "worker" }, { name: "tariff" }] },
      { name: "frontends", workloads: [{ name: "shop" }] },
    ],
    verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "shop-verification", key: "token" } } },
    steps: [
      { name: "half", setWeight: 50 },
      { name: "check", analysis: { metrics: ["error-rate"] } },
    ],
    analysis: { prometheus: { address: stack.prometheus.url }, metrics: [{ name: "error-rate", query: "max(golive_test_error_rate)", interval: "1s", count: 2, successCondition: "result < 0.05" }] },
    progressDeadline: "3m",
  });
  const shopRelease = (name: string, version: string) => releaseDoc(name, version, [...SHOP.map((n) => ({ kind: "Deployment", name: n })), { kind: "StatefulSet", name: "tariff" }], strategy());
  const tariff = () => client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/statefulsets/tariff`);
  /** The StatefulSet runs `releaseName` on every pod: one revision, partition 0, all ready. */
  const tariffRuns = (s: Doc, releaseName: string) => imageOf(s) === digest(releaseName) && s.status?.currentRevision === s.status?.updateRevision && (s.spec.updateStrategy?.rollingUpdate?.partition ?? 0) === 0 && s.status?.readyReplicas === 2 && s.status?.observedGeneration === s.metadata.generation;
  const deploymentOf = (name: string) => client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/deployments/${name}`);
  const imageOf = (d: Doc) => (d.spec.template.spec.containers[0].image as string).split("@")[1];
  const service = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });

  /** Goes live as `name`: approved, its three Deployments applied with these replicas (0: golive owns them from the second version on). */
  async function goLive(name: string, version: string, replicas?: number): Promise<void> {
    await apply(shopRelease(name, version));
    if ((await release(name)).status?.phase !== "Approved") {
      await until(`${name} Blocked on its approval`, () => release(name), (r) => r.status?.phase === "Blocked");
      await approve(name);
    }
    await until(`${name} Approved`, () => release(name), (r) => r.status?.phase === "Approved");
    for (const d of SHOP) await apply(deployment(d, name, replicas));
    await apply(statefulSet("tariff", name));
  }

  /** Samples the three Deployments (and the verification copies) while a rollout runs. */
  function sampler(): { samples: { at: number; phase: string; wave: number; weights: number[]; replicas: Record<string, number>; verify: string[] }[]; added: { at: number; name: string }[]; stop: () => Promise<void> } {
    const samples: { at: number; phase: string; wave: number; weights: number[]; replicas: Record<string, number>; verify: string[] }[] = [];
    const added: { at: number; name: string }[] = [];
    const stopWatch = new AbortController();
    void client.watch<Doc>(`/apis/apps/v1/namespaces/${ns.name}/deployments?watch=1`, (e) => e.type === "ADDED" && added.push({ at: Date.now(), name: e.object.metadata.name as string }), stopWatch.signal).catch(() => undefined);
    let running = true;
    const loop = (async () => {
      while (running) {
        const [list, r] = await Promise.all([client.get<{ items: Doc[] }>(`/apis/apps/v1/namespaces/${ns.name}/deployments`), release("shop-2").catch(() => undefined)]);
        const replicas = Object.fromEntries(list.items.map((d) => [d.metadata.name as string, (d.spec.replicas as number) ?? 0]));
        samples.push({ at: Date.now(), phase: r?.status?.phase ?? "", wave: r?.status?.canary?.wave ?? 0, weights: (r?.status?.waves ?? []).map((w: Doc) => w.weight as number), replicas, verify: list.items.map((d) => d.metadata.name as string).filter((n) => n.endsWith("-verify")) });
        await new Promise((res) => setTimeout(res, 150));
      }
    })();
    return {
      samples,
      added,
      stop: async () => {
        running = false;
        stopWatch.abort();
        await loop;
      },
    };
  }

  it("the first version initialises every Deployment's stable copy; the next goes wave by wave to Released, the frontend unreachable until its wave is verified", async () => {
    for (const s of ["shop", "rating"]) await apply(service(s));
    await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "shop-verification" }, stringData: { token: "wave-secret" } });
    await goLive("shop-1", "1.0.0", 2);
    const first = await until("shop-1 Released", () => release("shop-1"), (r) => r.status?.phase === "Released", 120_000);
    expect(first.status.message).toMatch(/first release of Deployment rating, Deployment worker, Deployment shop initialised/);
    await until("tariff on shop-1", tariff, (s) => tariffRuns(s, "shop-1"), 60_000);
    for (const d of SHOP) expect(imageOf(await deploymentOf(`${d}-stable`)), d).toBe(digest("shop-1"));

    const watch = sampler();
    // golive owns the replicas of a replica-ratio candidate: an apply that drops the replicas
    // kubectl set for shop-1 (server-side apply resets them to 1) is denied, so no pod of the
    // new version serves before its wave is verified. The manifests say replicas: 0 instead.
    await apply(shopRelease("shop-2", "2.0.0"));
    await approve("shop-2");
    await until("shop-2 Approved", () => release("shop-2"), (r) => r.status?.phase === "Approved");
    const dropped = await kubectlApply(deployment("shop", "shop-2", undefined));
    expect(dropped.status).not.toBe(0);
    expect(dropped.stderr).toContain("golive owns spec.replicas of Deployment shop while Release shop-2 rolls it out by replica ratio (it is 0; this request makes it 1");
    console.log(`kubectl apply without replicas: ${dropped.stderr.trim().split("\n")[0]!.slice(0, 300)}`);
    const started = Date.now();
    await goLive("shop-2", "2.0.0", 0);
    const done = await until("shop-2 Released", () => release("shop-2"), (r) => r.status?.phase === "Released", 240_000);
    await watch.stop();
    console.log(`two waves (three Deployments, a StatefulSet): Released ${((Date.now() - started) / 1000).toFixed(1)} s after kubectl applied them (${watch.samples.length} samples)`);
    expect(done.status.message).toMatch(/^promoted: the stable copies of Deployment rating, Deployment worker, StatefulSet tariff, Deployment shop run shop-2 2\.0\.0/);
    expect(done.status.waves.map((w: Doc) => `${w.name}:${w.phase}`)).toEqual(["backends:Promoted", "frontends:Promoted"]);
    expect(done.status.waves[0].workloads.find((w: Doc) => w.name === "tariff")).toMatchObject({ kind: "StatefulSet", routing: "partition", changed: true });
    expect(tariffRuns(await tariff(), "shop-2")).toBe(true);
    for (const d of SHOP) expect(imageOf(await deploymentOf(`${d}-stable`)), d).toBe(digest("shop-2"));
    // Written right after the status that says Released, one record per Deployment.
    const inventory = await until("an inventory record per Deployment", () => client.get<Doc>(`/api/v1/namespaces/${ns.name}/configmaps/golive-inventory`), (cm) => SHOP.every((d) => typeof cm.data?.[d] === "string" && (JSON.parse(cm.data[d]) as { release?: string }).release === "shop-2"));
    for (const d of SHOP) expect(JSON.parse(inventory.data[d] as string), d).toMatchObject({ release: "shop-2", version: "2.0.0", how: "promoted" });

    // Order: the backends' verification copy, then the backends at 50 %, then the frontend's copy.
    const during = watch.samples.filter((x) => ["Verifying", "CleaningUp", "Progressing"].includes(x.phase));
    const firstWave = during.filter((x) => x.wave === 0);
    const secondWave = during.filter((x) => x.wave === 1);
    expect(firstWave.length).toBeGreaterThan(0);
    expect(secondWave.length).toBeGreaterThan(0);
    // The verification copies, from a watch (each lives only while its wave is verified): the
    // backend's first, the frontend's only after the first wave passed.
    const created = (name: string) => watch.added.find((a) => a.name === name)?.at ?? Number.NaN;
    const wavePassed = Date.parse(done.status.waves[0].passedAt as string);
    expect(created("rating-verify")).toBeLessThan(wavePassed);
    expect(created("shop-verify")).toBeGreaterThanOrEqual(wavePassed - 1_000);
    expect(watch.added.map((a) => a.name).filter((n) => n.endsWith("-verify"))).toEqual(["rating-verify", "shop-verify"]);
    // Non-verifiers never reach the frontend's new version before its wave is verified: its own
    // Deployment (what the Service selects beside the stable copy) runs no pod in the first wave.
    expect(Math.max(...firstWave.map((x) => x.replicas.shop ?? 0))).toBe(0);
    // While the frontend is verified, the backends hold their 50 %.
    expect(secondWave.filter((x) => x.phase === "Verifying").every((x) => x.weights[0] === 50)).toBe(true);
    expect(Math.max(...secondWave.map((x) => x.replicas.rating ?? 0))).toBeGreaterThan(0);
  }, 420_000);

  it("a failing analysis in the second wave rolls back the frontend, then the backends, each verified back on stable", async () => {
    await goLive("shop-3", "3.0.0", 0);
    // The error rate rises as the second wave starts (its verification), before its "check" step:
    // raised once "check" began, Prometheus's next scrape could come after the step's two
    // measurements had passed. The first wave's check has passed by then.
    await until("shop-3 in its second wave", () => release("shop-3"), (r) => r.status?.canary?.wave === 1, 240_000);
    stack.setErrorRate(0.5);
    const decided = Date.now();
    const rolled = await until("shop-3 RolledBack", () => release("shop-3"), (r) => r.status?.phase === "RolledBack", 120_000);
    stack.setErrorRate(0);
    console.log(`wave 2 analysis failed: RolledBack ${((Date.now() - decided) / 1000).toFixed(1)} s after the error rate rose`);
    expect(rolled.status.rollback.trigger).toBe("AnalysisFailed");
    expect(rolled.status.analysis.find((a: Doc) => a.phase === "Failed")).toMatchObject({ step: "check" });
    expect(rolled.status.message).toMatch(/Verified for each of Deployment rating, Deployment worker, StatefulSet tariff, Deployment shop: the router sends 0% to the candidate.*StatefulSet tariff: the stable template is back with partition 0 and every pod runs the stable revision/);
    expect(rolled.status.waves.map((w: Doc) => `${w.name}:${w.phase}`)).toEqual(["backends:RolledBack", "frontends:RolledBack"]);
    const workloads = (rolled.status.waves as Doc[]).flatMap((w) => w.workloads as Doc[]);
    const at: Record<string, number> = Object.fromEntries(workloads.map((x) => [x.name as string, Date.parse(x.rolledBackAt as string)]));
    // Newest wave first: the frontend was back on stable no later than any backend.
    expect(at.shop!).toBeLessThanOrEqual(Math.min(at.rating!, at.worker!, at.tariff!));
    // The StatefulSet too: its stable template back, partition 0, one revision when RolledBack was read (then every pod ready).
    const back = await tariff();
    expect([imageOf(back), back.status.currentRevision === back.status.updateRevision, back.spec.updateStrategy?.rollingUpdate?.partition ?? 0]).toEqual([digest("shop-2"), true, 0]);
    await until("tariff ready on shop-2", tariff, (x) => tariffRuns(x, "shop-2"), 30_000);
    for (const d of SHOP) {
      expect((await deploymentOf(d)).spec.replicas, d).toBe(0);
      expect(imageOf(await deploymentOf(`${d}-stable`)), d).toBe(digest("shop-2"));
    }
    const verify = await client.get<{ items: Doc[] }>(`/apis/apps/v1/namespaces/${ns.name}/deployments`);
    expect(verify.items.map((d) => d.metadata.name as string).filter((n) => n.endsWith("-verify"))).toEqual([]);
  }, 420_000);
});
