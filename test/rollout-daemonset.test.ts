// Issue 15, the DaemonSet canary on the real control plane (kube-controller-manager's DaemonSet
// controller, kube-scheduler, kwok nodes running the pods), with golive's operator and webhook and
// a real Prometheus for the analysis. One of the three kwok nodes is labelled
// golive.dev/canary-node=true. golive holds the DaemonSet (OnDelete, stable revision recorded)
// before the new template is applied, so no pod changes; while Verifying the candidate runs on the
// canary node only; the step at 50 % adds half of the other nodes (by name), the promotion the
// rest, and the release is Released with every pod on the new revision and the update strategy
// handed back. A failing analysis rolls back: the stable template is restored from its
// ControllerRevision and RolledBack is recorded only when every node runs one Ready pod of the
// stable revision again.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../operator/runtime/kube-client.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy } from "./support/policy.js";
import { startRolloutStack, type RolloutStack } from "./support/rollout-stack.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("rollout-daemonset");
const own = useNamespace("golive-daemonset");
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/agent";
/** The suite's kwok nodes (test/cluster/control-plane.ts): the first is the canary node. */
const NODES = ["kwok-node-0", "kwok-node-1", "kwok-node-2"];
const CANARY = NODES[0]!;
let stack: RolloutStack;
let client: KubeClient;

const { kubectlApply, apply, until, release, applyApproved } = releaseKit(() => ns.name);
function releaseDoc(name: string, version: string, workloads: Doc[], strategy?: Doc): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name },
    spec: { application: name, version, workloads, images: [{ name: IMAGE, digest: digest(name) }], architecture: { replicas: 3, highAvailability: false }, ...(strategy ? { strategy } : {}) },
  };
}
beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  const labelled = await kubectlAsync(["label", "node", CANARY, "golive.dev/canary-node=true", "--overwrite"]);
  if (labelled.status !== 0) throw new Error(labelled.stderr);
  await apply(releaseManagerPolicy(ns.name, { architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false }, monitoring: { requireReady: false } }));
  // The webhook judges this namespace: an unlabelled DaemonSet is denied.
  stack = await startRolloutStack({ namespace: ns.name, ownNamespace: own.name, configurationName: `golive-daemonset-${id}`, probe: { ...daemonSet("probe", "none"), metadata: { name: "probe" } } });
  client = stack.client;
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await kubectlAsync(["label", "node", CANARY, "golive.dev/canary-node-"]);
});

/** On the kwok nodes only (type=kwok): a real node another file may add is tainted anyway. */
function daemonSet(name: string, releaseName: string): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, labels: { app: name, "golive.dev/release": releaseName } },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, "golive.dev/release": releaseName } }, spec: { nodeSelector: { type: "kwok" }, containers: [{ name, image: `${IMAGE}@${digest(releaseName)}` }] } } },
  };
}

type Pod = { name: string; node: string; revision: string; ready: boolean; deleting: boolean };
const podOf = (p: Doc): Pod => ({
  name: p.metadata.name as string,
  // A daemon pod is created bound to its node by node affinity, before the scheduler sets nodeName.
  node: (p.spec?.nodeName as string | undefined) || (p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] as string | undefined) || "",
  revision: p.metadata.labels?.["controller-revision-hash"] as string,
  ready: ((p.status?.conditions ?? []) as Doc[]).some((c) => c.type === "Ready" && c.status === "True"),
  deleting: Boolean(p.metadata.deletionTimestamp),
});

describe("a DaemonSet canaried node by node (issue 15)", () => {
  const strategy = () => ({
    trafficRouting: { service: "agent" },
    steps: [
      { name: "half", setWeight: 50 },
      { name: "check", analysis: { metrics: ["error-rate"] } },
    ],
    analysis: { prometheus: { address: stack.prometheus.url }, metrics: [{ name: "error-rate", query: "max(golive_test_error_rate)", interval: "1s", count: 2, successCondition: "result < 0.05" }] },
    progressDeadline: "3m",
  });
  const agentRelease = (name: string, version: string) => releaseDoc(name, version, [{ kind: "DaemonSet", name: "agent" }], strategy());
  const ds = () => client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/daemonsets/agent`);
  const pods = async () => (await client.get<{ items: Doc[] }>(`/api/v1/namespaces/${ns.name}/pods?labelSelector=app%3Dagent`)).items.map(podOf);
  const imageOf = (d: Doc) => (d.spec.template.spec.containers[0].image as string).split("@")[1];
  /** One Ready pod of the revision on every node, none being deleted. */
  const allOn = (list: Pod[], revision: string) => list.length === NODES.length && list.every((p) => p.revision === revision && p.ready && !p.deleting) && new Set(list.map((p) => p.node)).size === NODES.length;
  const heldAt = (d: Doc, revision: string) => d.spec.updateStrategy?.type === "OnDelete" && d.metadata.annotations?.["golive.dev/stable-revision"] === revision;
  const handedBack = (d: Doc) => d.spec.updateStrategy?.type === "RollingUpdate" && d.metadata.annotations?.["golive.dev/stable-revision"] === undefined && d.metadata.annotations?.["golive.dev/stable-update-strategy"] === undefined;

  const approved = (name: string, version: string) => applyApproved(agentRelease(name, version));

  /**
   * Records every state the DaemonSet's pods pass through while a rollout runs. A watch, not a
   * poll: the canary node's pod is replaced in well under a second on kwok, and a poll loaded by
   * the rest of the suite can miss a state. Each sample is the set of live pods after one watch
   * event, with the time it was seen (never earlier than the change). The Release's phase is
   * polled beside it and paired with the pods' latest state.
   */
  function sampler(name: string) {
    type Sample = { at: number; pods: Pod[] };
    const samples: Sample[] = [];
    const phases: { phase: string; stepName?: string; at: Sample }[] = [];
    const abort = new AbortController();
    const current = new Map<string, Pod>();
    let latest: Sample | undefined;
    let running = true;
    const record = (): void => {
      latest = { at: Date.now(), pods: [...current.values()].filter((p) => !p.deleting) };
      samples.push(latest);
    };
    const started = client.get<{ metadata: { resourceVersion: string }; items: Doc[] }>(`/api/v1/namespaces/${ns.name}/pods?labelSelector=app%3Dagent`).then(async (list) => {
      for (const p of list.items) current.set(p.metadata.name as string, podOf(p));
      record();
      let version = list.metadata.resourceVersion;
      while (running) {
        await client
          .watch<Doc>(`/api/v1/namespaces/${ns.name}/pods?watch=true&allowWatchBookmarks=true&labelSelector=app%3Dagent&resourceVersion=${version}`, (e) => {
            version = (e.object.metadata?.resourceVersion as string | undefined) ?? version;
            if (e.type === "BOOKMARK") return;
            if (e.type === "DELETED") current.delete(e.object.metadata.name as string);
            else current.set(e.object.metadata.name as string, podOf(e.object));
            record();
          }, abort.signal)
          .catch(() => undefined);
      }
    });
    const polling = (async () => {
      while (running) {
        const r = await release(name).catch(() => undefined);
        if (latest) phases.push({ phase: r?.status?.phase ?? "", stepName: r?.status?.canary?.stepName, at: latest });
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    return {
      samples,
      phases,
      stop: async () => {
        running = false;
        abort.abort();
        await Promise.all([started, polling]);
      },
    };
  }
  /** The nodes whose live pod is not on the stable revision. */
  const candidateNodes = (s: { pods: Pod[] }, stable: string) => s.pods.filter((p) => p.revision !== stable).map((p) => p.node).sort();

  let stableRevision = "";

  it("held before the new template; the canary node while Verifying, half the other nodes at 50 %, then all: Released with every pod on the new revision", async () => {
    await approved("agent-1", "1.0.0");
    expect((await kubectlApply(daemonSet("agent", "agent-1"))).status).toBe(0);
    const first = await until("agent-1 Released", () => release("agent-1"), (r) => r.status?.phase === "Released", 120_000);
    expect(first.status.message).toMatch(/nothing to roll out/);
    const v1 = await until("a Ready agent pod on every node", () => pods(), (list) => list.length === NODES.length && list.every((p) => p.ready) && new Set(list.map((p) => p.revision)).size === 1, 120_000);
    const firstRevision = v1[0]!.revision;
    expect(v1.map((p) => p.node).sort()).toEqual(NODES);

    // The next release holds the DaemonSet before its template is applied: no pod changes.
    await approved("agent-2", "2.0.0");
    const held = await until("the DaemonSet held (OnDelete, stable revision recorded)", () => ds(), (d) => heldAt(d, firstRevision), 30_000);
    expect(JSON.parse(held.metadata.annotations["golive.dev/stable-update-strategy"] as string)).toMatchObject({ type: "RollingUpdate" });
    const watch = sampler("agent-2");
    expect((await kubectlApply(daemonSet("agent", "agent-2"))).status).toBe(0);
    const done = await until("agent-2 Released", () => release("agent-2"), (r) => r.status?.phase === "Released", 240_000);
    await watch.stop();
    const counts = watch.samples.map((s) => candidateNodes(s, firstRevision).length).filter((n, i, all) => i === 0 || all[i - 1] !== n);
    console.log(`DaemonSet canary: ${watch.samples.length} pod events, candidate nodes ${counts.join(" → ")}`);
    expect(done.status.message).toMatch(/^promoted: DaemonSet agent runs agent-2 2\.0\.0 and serves all traffic/);
    expect(done.status.waves[0].workloads[0]).toMatchObject({ kind: "DaemonSet", name: "agent", routing: "nodes", changed: true });

    // Verification ran on the canary node only: until it passed no other node ran the candidate.
    const passedAt = Date.parse(done.status.verification.passedAt as string);
    const beforePassed = watch.samples.filter((s) => s.at < passedAt);
    expect(beforePassed.every((s) => candidateNodes(s, firstRevision).every((n) => n === CANARY))).toBe(true);
    const verifying = watch.phases.filter((x) => x.phase === "Verifying");
    expect(verifying.length).toBeGreaterThan(0);
    expect(verifying.every((x) => candidateNodes(x.at, firstRevision).every((n) => n === CANARY))).toBe(true);
    // In the order the API server saw it: the canary node's candidate Ready first, then kwok-node-1
    // (50 % of the two other nodes, the first by name) with kwok-node-2 still stable, then all.
    const canaryReady = watch.samples.findIndex((s) => s.pods.some((p) => p.node === CANARY && p.revision !== firstRevision && p.ready));
    const half = watch.samples.findIndex((s) => candidateNodes(s, firstRevision).join() === [CANARY, NODES[1]].join() && s.pods.filter((p) => p.revision !== firstRevision).every((p) => p.ready));
    const firstOther = watch.samples.findIndex((s) => candidateNodes(s, firstRevision).some((n) => n !== CANARY));
    const firstLast = watch.samples.findIndex((s) => candidateNodes(s, firstRevision).includes(NODES[2]!));
    expect(canaryReady).toBeGreaterThanOrEqual(0);
    expect(firstOther).toBeGreaterThan(canaryReady);
    expect(candidateNodes(watch.samples[firstOther]!, firstRevision)).toEqual([CANARY, NODES[1]]);
    expect(half).toBeGreaterThan(canaryReady);
    expect(firstLast).toBeGreaterThan(half);
    // Never more than one node without a Ready agent at a time (maxUnavailable 1 of the stable strategy).
    for (const s of watch.samples) expect(NODES.length - s.pods.filter((p) => p.ready).length, `at ${s.at}`).toBeLessThanOrEqual(1);

    const after = await pods();
    const newRevision = after[0]!.revision;
    expect(allOn(after, newRevision)).toBe(true);
    expect(newRevision).not.toBe(firstRevision);
    // The rollout is over: the update strategy is handed back, golive's annotations gone.
    await until("the update strategy handed back", () => ds(), handedBack, 30_000);
    const inventory = await until("the inventory record", () => client.get<Doc>(`/api/v1/namespaces/${ns.name}/configmaps/golive-inventory`), (cm) => typeof cm.data?.agent === "string" && (JSON.parse(cm.data.agent as string) as { release?: string }).release === "agent-2");
    expect(JSON.parse(inventory.data.agent as string)).toMatchObject({ release: "agent-2", version: "2.0.0", how: "promoted" });
    stableRevision = newRevision;
  }, 420_000);

  it("a failing analysis rolls back: the stable template restored, every node verified back on one Ready stable pod", async () => {
    expect(stableRevision).not.toBe("");
    await approved("agent-3", "3.0.0");
    await until("the DaemonSet held at the stable revision", () => ds(), (d) => heldAt(d, stableRevision), 30_000);
    const watch = sampler("agent-3");
    // The error rate is bad from the start: only the "check" step analyses, so the rollout reaches
    // half the nodes first. (Raised once "check" began, Prometheus's next scrape could come after
    // the step's two measurements had passed.)
    stack.setErrorRate(0.5);
    expect((await kubectlApply(daemonSet("agent", "agent-3"))).status).toBe(0);
    // While golive holds the DaemonSet, a user deleting a pod still on the stable revision would
    // bring it back on the new template at once: denied through the API server.
    await kubectlAsync(["create", "rolebinding", "alice-edit", "-n", ns.name, "--clusterrole=edit", "--user=alice"]);
    // The last node's pod: the rollout moves NODES[1] itself at its next step, never NODES[2] before it fails.
    const onStable = await until("the last node's stable pod", () => pods(), (list) => list.some((p) => p.revision === stableRevision && p.node === NODES[2] && !p.deleting)).then((list) => list.find((p) => p.node === NODES[2]));
    expect(onStable).toBeDefined();
    const removed = await kubectlAsync(["--as=alice", "-n", ns.name, "delete", "pod", onStable!.name, "--wait=false"]);
    expect(removed.status).not.toBe(0);
    expect(removed.stderr).toMatch(new RegExp(`pod ${onStable!.name} of DaemonSet agent is golive's to replace while Release agent-3 rolls the DaemonSet out \\((Approved|Verifying|CleaningUp|Progressing)\\)`));
    expect((await pods()).find((p) => p.name === onStable!.name)?.deleting).toBe(false);
    // An eviction deletes the pod without the delete reaching admission: the eviction itself is refused.
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: onStable!.name, namespace: ns.name } };
    const evicted = await kubectlAsync(["--as=alice", "create", "--raw", `/api/v1/namespaces/${ns.name}/pods/${onStable!.name}/eviction`, "-f", "-"], JSON.stringify(eviction));
    expect(evicted.status).not.toBe(0);
    expect(evicted.stderr).toMatch(new RegExp(`evicting pod ${onStable!.name} \\(named as a pod of DaemonSet agent\\) is refused while Release agent-3 rolls the DaemonSet out`));
    // A collection delete (deletecollection) is judged pod by pod (the API server admits each item): refused too.
    const collection = await kubectlAsync(["--as=alice", "delete", "--raw", `/api/v1/namespaces/${ns.name}/pods?labelSelector=app%3Dagent`]);
    expect(collection.status).not.toBe(0);
    expect(collection.stderr).toMatch(/of DaemonSet agent is golive's to replace while Release agent-3 rolls the DaemonSet out/);
    expect((await pods()).find((p) => p.name === onStable!.name)?.deleting).toBe(false);
    const rolled = await until("agent-3 RolledBack", () => release("agent-3"), (r) => r.status?.phase === "RolledBack", 240_000);
    stack.setErrorRate(0);
    // It failed with half the nodes moved (the canary node and one other), never more.
    const moved = watch.samples.map((x) => candidateNodes(x, stableRevision));
    expect(moved.some((nodes) => nodes.join() === [CANARY, NODES[1]].join())).toBe(true);
    for (const nodes of moved) expect(nodes.length).toBeLessThanOrEqual(2);
    // Recorded only once every node ran one Ready stable pod: true when RolledBack was read.
    expect(allOn(await pods(), stableRevision)).toBe(true);
    await watch.stop();
    expect(rolled.status.rollback.trigger).toBe("AnalysisFailed");
    expect(rolled.status.message).toMatch(/the stable template is back and every node runs one Ready pod of the stable revision \(0 candidate pods\)/);
    expect(rolled.status.waves[0].workloads[0].rolledBackAt).toBeDefined();
    const rolledBack = watch.phases.filter((x) => x.phase === "RolledBack");
    expect(rolledBack.every((x) => allOn(x.at.pods, stableRevision))).toBe(true);
    const back = await ds();
    expect(imageOf(back)).toBe(digest("agent-2"));
    expect(back.spec.template.metadata.labels["golive.dev/release"]).toBe("agent-2");
    await until("the update strategy handed back", () => ds(), handedBack, 30_000);
  }, 420_000);

  it("a Released release led by a DaemonSet catches up a missing inventory record, by the DaemonSet's release label (a restarted operator)", async () => {
    const removed = await kubectlAsync(["patch", "configmap", "golive-inventory", "-n", ns.name, "--type=json", "-p", JSON.stringify([{ op: "remove", path: "/data/agent" }])]);
    expect(removed.status, removed.stderr).toBe(0);
    await stack.restartOperator();
    // agent-2 is what the DaemonSet runs (agent-3 was rolled back): its record comes back; agent-1's, older, never overwrites it.
    const inventory = await until("the inventory record written again", () => client.get<Doc>(`/api/v1/namespaces/${ns.name}/configmaps/golive-inventory`), (cm) => typeof cm.data?.agent === "string", 60_000);
    expect(JSON.parse(inventory.data.agent as string)).toMatchObject({ release: "agent-2", version: "2.0.0" });
    await new Promise((r) => setTimeout(r, 3_000));
    const later = await client.get<Doc>(`/api/v1/namespaces/${ns.name}/configmaps/golive-inventory`);
    expect(JSON.parse(later.data.agent as string)).toMatchObject({ release: "agent-2" });
  }, 120_000);
});
