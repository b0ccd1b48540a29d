// Issue 15, the StatefulSet canary on the real control plane (kube-controller-manager's
// StatefulSet controller, kwok nodes running the pods), with golive's operator and webhook and a
// real Prometheus for the analysis: golive holds spec.updateStrategy.rollingUpdate.partition at
// spec.replicas before the new template is applied (no pod changes), lowers it step by step (the
// pods on the update revision are always replicas − partition), promotes with partition 0 and is
// Released once every pod runs the new revision; a failing analysis rolls back: the stable
// template is restored from its ControllerRevision, the partition is 0, and RolledBack is
// recorded only when every pod runs the stable revision again. A promotion that misses its progress
// deadline (the kwok nodes cordoned, so the replaced pod stays Pending) stops the release as
// Failed: golive puts the stable template back with partition 0 and the StatefulSet controller
// takes every pod back to the stable revision once nodes take pods.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Release } from "../api/index.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../operator/runtime/kube-client.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy } from "./support/policy.js";
import { startRolloutStack, type RolloutStack } from "./support/rollout-stack.js";

type Doc = Record<string, any>;
const ns = useNamespace("rollout-statefulset");
const own = useNamespace("golive-statefulset");
const id = randomBytes(3).toString("hex");
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/ledger";
let stack: RolloutStack;
let client: KubeClient;

const { kubectlApply, apply, until, release, applyApproved } = releaseKit(() => ns.name);
const alice = (args: string[]) => kubectlAsync(["--as=alice", "-n", ns.name, ...args]);
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
  // A Verification sign-off holds each release in Verifying until the test has looked at it.
  await apply(releaseManagerPolicy(ns.name, {
    gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }, { name: "verification-sign-off", clause: "4.7 f", phase: "Verification", approvals: { stage: "Verification" } }],
    approvals: [{ stage: "Release", roles: ["release-manager"] }, { stage: "Verification", roles: ["release-manager"] }],
    architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false }, monitoring: { requireReady: false } }));
  // The webhook judges this namespace: an unlabelled StatefulSet is denied.
  stack = await startRolloutStack({ namespace: ns.name, ownNamespace: own.name, configurationName: `golive-statefulset-${id}`, probe: { ...statefulSet("probe", "none"), metadata: { name: "probe" } } });
  client = stack.client;
  await kubectlAsync(["create", "rolebinding", "alice-edit", "-n", ns.name, "--clusterrole=edit", "--user=alice"]);
}, 300_000);

afterAll(async () => {
  // The Failed test cordons the kwok nodes; never leave them so.
  await kubectlAsync(["uncordon", "-l", "type=kwok"]);
  await stack?.stop();
});


const REPLICAS = 3;
const GATE = "golive.dev/verified";
function statefulSet(name: string, releaseName: string): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, labels: { app: name, "golive.dev/release": releaseName } },
    spec: { replicas: REPLICAS, serviceName: name, podManagementPolicy: "Parallel", selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, "golive.dev/release": releaseName } }, spec: { readinessGates: [{ conditionType: GATE }], containers: [{ name, image: `${IMAGE}@${digest(releaseName)}`, ports: [{ name: "pg", containerPort: 5432 }] }] } } },
  };
}

describe("a StatefulSet canaried by its partition (issue 15)", () => {
  const strategy = (progressDeadline = "3m") => ({
    trafficRouting: { service: "ledger" },
    steps: [
      { name: "one", setWeight: 33 },
      { name: "two", setWeight: 66 },
      { name: "check", analysis: { metrics: ["error-rate"] } },
    ],
    analysis: { prometheus: { address: stack.prometheus.url }, metrics: [{ name: "error-rate", query: "max(golive_test_error_rate)", interval: "1s", count: 2, successCondition: "result < 0.05" }] },
    progressDeadline,
  });
  const ledgerRelease = (name: string, version: string, progressDeadline?: string) => releaseDoc(name, version, [{ kind: "StatefulSet", name: "ledger" }], strategy(progressDeadline));
  const sts = () => client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/statefulsets/ledger`);
  const pods = async () => (await client.get<{ items: Doc[] }>(`/api/v1/namespaces/${ns.name}/pods?labelSelector=app%3Dledger`)).items;
  const partition = (s: Doc) => (s.spec.updateStrategy?.rollingUpdate?.partition as number | undefined) ?? 0;
  const imageOf = (s: Doc) => (s.spec.template.spec.containers[0].image as string).split("@")[1];
  const allOn = (list: Doc[], revision: string) => list.length === REPLICAS && list.every((p) => p.metadata.labels["controller-revision-hash"] === revision && !p.metadata.deletionTimestamp);

  const approved = (name: string, version: string) => applyApproved(ledgerRelease(name, version));
  const gateOf = (p: Doc) => ((p.status?.conditions ?? []) as Doc[]).find((c) => c.type === GATE)?.status as string | undefined;
  /**
   * The release manager's Verification sign-off, once the release asks for it (the candidate is
   * up for verification); nothing if the release went past Verifying without asking.
   */
  const askedToSignOff = (name: string): Promise<Doc> =>
    until(`${name} waiting for its Verification sign-off`, () => release(name), (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? "") || !["Approved", "Verifying", undefined].includes(r.status?.phase), 240_000);
  async function signOff(name: string): Promise<Doc> {
    const asked = await askedToSignOff(name);
    if (asked.status.phase !== "Verifying") return asked;
    const key = loadPrivateKey(readFileSync(join(import.meta.dirname, "..", "examples", "keys", "release-manager.key"), "utf8"));
    await apply(createEvidence({ release: Release.parse({ ...asked, metadata: { ...asked.metadata, namespace: ns.name } }), type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Verification", role: "release-manager" } } }));
    return asked;
  }

  /**
   * Records every state the StatefulSet passes through while a rollout runs. A watch, not a poll:
   * a step that needs no pause lasts as long as its pods take to start (well under a second on
   * kwok), and a poll loaded by the rest of the suite can miss it. `onUpdate` is the controller's
   * own count of pods on the update revision (status.updatedReplicas). The Release's phase is
   * watched beside it, each version paired with the StatefulSet's latest state.
   */
  function sampler(name: string) {
    type Sample = { partition: number; observed: boolean; update: string; current: string; onUpdate: number };
    const samples: Sample[] = [];
    const phases: { phase: string; at: Sample }[] = [];
    const abort = new AbortController();
    let latest: Sample | undefined;
    let running = true;
    const record = (s: Doc): void => {
      latest = { partition: partition(s), observed: (s.status?.observedGeneration ?? 0) >= s.metadata.generation, update: s.status?.updateRevision as string, current: s.status?.currentRevision as string, onUpdate: (s.status?.updatedReplicas as number | undefined) ?? 0 };
      samples.push(latest);
    };
    /** Every version of one object from `first` on, through a watch resumed until stopped. */
    const follow = async (list: string, first: Doc, onObject: (o: Doc) => void): Promise<void> => {
      onObject(first);
      let version = first.metadata.resourceVersion as string;
      while (running) {
        await client
          .watch<Doc>(`${list}?watch=true&allowWatchBookmarks=true&fieldSelector=metadata.name%3D${first.metadata.name as string}&resourceVersion=${version}`, (e) => {
            version = (e.object.metadata?.resourceVersion as string | undefined) ?? version;
            if (e.type === "MODIFIED" || e.type === "ADDED") onObject(e.object);
          }, abort.signal)
          .catch(() => undefined);
      }
    };
    const started = sts().then((first) => follow(`/apis/apps/v1/namespaces/${ns.name}/statefulsets`, first, record));
    // The Release's phases by watch too: Verifying lasts only as long as its (empty) verification.
    const polling = release(name).then((first) =>
      follow(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases`, first, (r) => {
        if (latest) phases.push({ phase: (r.status?.phase as string | undefined) ?? "", at: latest });
      }),
    );
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

  let stableRevision = "";

  it("the partition is held at replicas before the new template, one ordinal gated out of every Service while Verifying, lowered step by step, then 0: Released with every pod on the new revision", async () => {
    await approved("ledger-1", "1.0.0");
    expect((await kubectlApply(statefulSet("ledger", "ledger-1"))).status).toBe(0);
    await signOff("ledger-1");
    const first = await until("ledger-1 Released", () => release("ledger-1"), (r) => r.status?.phase === "Released", 120_000);
    expect(first.status.message).toMatch(/nothing to roll out/);
    const v1 = await until("every ledger pod on the first revision", () => sts(), (s) => s.status?.readyReplicas === REPLICAS && s.status?.currentRevision === s.status?.updateRevision, 120_000);
    const firstRevision = v1.status.currentRevision as string;

    // The next release holds the partition before its template is applied: no pod changes.
    await approved("ledger-2", "2.0.0");
    const held = await until("the partition held at replicas", () => sts(), (s) => partition(s) === REPLICAS, 30_000);
    expect(held.status.currentRevision).toBe(firstRevision);
    const watch = sampler("ledger-2");
    expect((await kubectlApply(statefulSet("ledger", "ledger-2"))).status).toBe(0);

    // Verifying (4.6 c): one ordinal runs the candidate, held out of every Service by its readiness
    // gate, reached through ledger-verify (not-ready addresses published) behind a NetworkPolicy
    // for verification clients and the StatefulSet's own pods; every other ordinal stays stable.
    expect((await askedToSignOff("ledger-2")).status.phase).toBe("Verifying");
    const during = await sts();
    expect(partition(during)).toBe(REPLICAS - 1);
    expect(during.status.updatedReplicas).toBe(1);
    const candidateRevision = during.status.updateRevision as string;
    const inVerification = await pods();
    const candidates = inVerification.filter((p) => p.metadata.labels["controller-revision-hash"] === candidateRevision);
    expect(candidates.map((p) => p.metadata.name as string)).toEqual([`ledger-${REPLICAS - 1}`]);
    expect(candidates.map(gateOf)).toEqual(["False"]);
    expect(inVerification.filter((p) => !candidates.includes(p)).map(gateOf)).toEqual(["True", "True"]);
    const verifySvc = await client.get<Doc>(`/api/v1/namespaces/${ns.name}/services/ledger-verify`);
    expect(verifySvc.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true, selector: { app: "ledger", "controller-revision-hash": candidateRevision }, ports: [{ name: "pg", port: 5432 }] });
    const verifyPolicy = await client.get<Doc>(`/apis/networking.k8s.io/v1/namespaces/${ns.name}/networkpolicies/ledger-verify`);
    expect(verifyPolicy.spec.podSelector.matchLabels).toEqual({ app: "ledger", "controller-revision-hash": candidateRevision });
    expect(verifyPolicy.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { "golive.dev/verification-client": "true" } } }, { podSelector: { matchLabels: { app: "ledger" } } }]);
    // The gate is golive's to set: the edit role cannot write a pod's status.
    const forged = await alice(["patch", "pod", candidates[0]!.metadata.name, "--subresource=status", "--type=json", "-p", JSON.stringify([{ op: "add", path: "/status/conditions/-", value: { type: GATE, status: "True" } }])]);
    expect(forged.status).not.toBe(0);
    expect(forged.stderr).toMatch(/forbidden/i);
    // Nor may the edit role relabel a pod of the release while it rolls out (its labels are its routing).
    const relabelled = await alice(["label", "pod", candidates[0]!.metadata.name as string, "tier=public"]);
    expect(relabelled.status).not.toBe(0);
    expect(relabelled.stderr).toContain(`pod ${candidates[0]!.metadata.name as string} belongs to Release ledger-2, which is rolling out (Verifying)`);
    // NetworkPolicies add up: one of the team's opening the ledger pods to its API opens the candidate too. Reported, then cleared.
    const exclusive = (r: Doc) => (r.status?.conditions as Doc[] | undefined)?.find((c) => c.type === "VerificationExclusive");
    expect(exclusive(await until("VerificationExclusive True", () => release("ledger-2"), (r) => exclusive(r)?.status === "True"))!.reason).toBe("Exclusive");
    const clients = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "ledger-clients" }, spec: { podSelector: { matchLabels: { app: "ledger" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "api" } } }], ports: [{ port: 5432 }] }] } };
    expect((await kubectlApply(clients)).status).toBe(0);
    const opened = exclusive(await until("VerificationExclusive False naming ledger-clients", () => release("ledger-2"), (r) => exclusive(r)?.status === "False"))!;
    expect(opened.message).toContain(`NetworkPolicy ledger-clients also selects the pods verification reaches for StatefulSet ledger (${candidates[0]!.metadata.name as string})`);
    // Held meanwhile: a sign-off given now would not pass verification.
    await until("ledger-2 says verification is held", () => release("ledger-2"), (r) => /^verification held: 4\.6 c: NetworkPolicy ledger-clients/.test(r.status?.message ?? ""));
    await kubectlAsync(["delete", "networkpolicy", "ledger-clients", "-n", ns.name]);
    await until("VerificationExclusive True again", () => release("ledger-2"), (r) => exclusive(r)?.status === "True");
    await signOff("ledger-2");

    const done = await until("ledger-2 Released", () => release("ledger-2"), (r) => r.status?.phase === "Released", 240_000);
    await watch.stop();
    console.log(`StatefulSet canary: ${watch.samples.length} samples, partitions ${[...new Set(watch.samples.map((x) => x.partition))].join(" → ")}`);
    expect(done.status.message).toMatch(/^promoted: StatefulSet ledger runs ledger-2 2\.0\.0 and serves all traffic/);
    expect(done.status.waves[0].workloads[0]).toMatchObject({ kind: "StatefulSet", name: "ledger", routing: "partition", changed: true });
    // Step by step: partition 3 (held), 2 (verification on one gated ordinal, then 33 %: 1 pod), 1 (66 %: 2 pods), 0.
    const partitions = watch.samples.map((x) => x.partition).filter((p, i, all) => i === 0 || all[i - 1] !== p);
    expect(partitions).toEqual([3, 2, 1, 0]);
    // Never more candidate pods than the partition allows; each step reached replicas − partition.
    const rolling = watch.samples.filter((x) => x.observed && x.update !== x.current);
    for (const x of rolling) expect(x.onUpdate, `partition ${x.partition}`).toBeLessThanOrEqual(REPLICAS - x.partition);
    for (const p of [3, 2, 1]) expect(rolling.some((x) => x.partition === p && x.onUpdate === REPLICAS - p), `partition ${p} with ${REPLICAS - p} candidate pod(s)`).toBe(true);
    const verifying = watch.phases.filter((x) => x.phase === "Verifying");
    expect(verifying.length).toBeGreaterThan(0);
    expect(verifying.every((x) => x.at.partition >= REPLICAS - 1 && x.at.onUpdate <= 1)).toBe(true);
    // Verified, the candidate serves: every pod's gate True, the verification route gone.
    const serving = await until("every pod's gate True", () => pods(), (list) => list.length === REPLICAS && list.every((p) => gateOf(p) === "True"), 30_000);
    expect(serving).toHaveLength(REPLICAS);
    for (const path of [`/api/v1/namespaces/${ns.name}/services/ledger-verify`, `/apis/networking.k8s.io/v1/namespaces/${ns.name}/networkpolicies/ledger-verify`])
      await expect(client.get(path), path).rejects.toMatchObject({ code: 404 });
    const after = await sts();
    expect(partition(after)).toBe(0);
    expect(after.status.currentRevision).toBe(after.status.updateRevision);
    expect(after.status.currentRevision).not.toBe(firstRevision);
    expect(allOn(await pods(), after.status.currentRevision as string)).toBe(true);
    stableRevision = after.status.currentRevision as string;
    // Released, the same label is the user's to set.
    const labelled = await alice(["label", "pod", "ledger-0", "tier=public"]);
    expect(labelled.status, labelled.stderr).toBe(0);
  }, 420_000);

  it("a failing analysis rolls back: the stable template restored, partition 0, every pod verified back on the stable revision", async () => {
    await approved("ledger-3", "3.0.0");
    await until("the partition held at replicas", () => sts(), (s) => partition(s) === REPLICAS, 30_000);
    // While the release rolls out the partition is golive's: a user (not the operator) lowering it
    // or scaling up past it is denied through the API server, and nothing changes.
    const lower = await kubectlAsync(["--as=alice", "-n", ns.name, "patch", "statefulset", "ledger", "--type=merge", "-p", JSON.stringify({ spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } })]);
    expect(lower.stderr).toMatch(/golive owns the partition of StatefulSet ledger while Release ledger-3 rolls it out \(Approved\)/);
    const up = await kubectlAsync(["--as=alice", "-n", ns.name, "scale", "statefulset", "ledger", "--replicas=5"]);
    expect(up.stderr).toMatch(/this request puts 2 of 5 pod\(s\) on the update revision where golive allows 0/);
    expect(partition(await sts())).toBe(REPLICAS);
    expect((await sts()).spec.replicas).toBe(REPLICAS);
    // The error rate is bad from the start: only the "check" step analyses, so the rollout moves to
    // partition 1 first. (Raised once "check" began, Prometheus's next scrape could come after the
    // step's two measurements had passed.)
    stack.setErrorRate(0.5);
    const watch = sampler("ledger-3");
    expect((await kubectlApply(statefulSet("ledger", "ledger-3"))).status).toBe(0);
    await signOff("ledger-3");
    const rolled = await until("ledger-3 RolledBack", () => release("ledger-3"), (r) => r.status?.phase === "RolledBack", 240_000);
    stack.setErrorRate(0);
    await watch.stop();
    expect(rolled.status.rollback.trigger).toBe("AnalysisFailed");
    expect(rolled.status.analysis.find((a: Doc) => a.phase === "Failed")?.step).toBe("check");
    // It failed with the candidate on 2 pods (partition 1), and never beyond.
    const candidate = watch.samples.filter((x) => x.observed && x.update !== stableRevision);
    expect(candidate.some((x) => x.partition === 1 && x.onUpdate === 2)).toBe(true);
    for (const x of candidate) expect(x.onUpdate).toBeLessThanOrEqual(2);
    expect(rolled.status.message).toMatch(/the stable template is back with partition 0 and every pod runs the stable revision \(0 candidate pods\)/);
    expect(rolled.status.waves[0].workloads[0].rolledBackAt).toBeDefined();
    const back = await sts();
    expect(imageOf(back)).toBe(digest("ledger-2"));
    expect(back.spec.template.metadata.labels["golive.dev/release"]).toBe("ledger-2");
    expect(partition(back)).toBe(0);
    expect(back.status.currentRevision).toBe(stableRevision);
    expect(back.status.updateRevision).toBe(stableRevision);
    // Recorded only once every pod ran the stable revision: true when RolledBack was read.
    expect(allOn(await pods(), stableRevision)).toBe(true);
  }, 420_000);

  it("stopped as Failed when the promotion misses its progress deadline (no node takes the new pod): the stable template is restored with partition 0, and every pod runs the stable revision once nodes take pods", async () => {
    expect(stableRevision).not.toBe("");
    const DEADLINE = "30s";
    await applyApproved(ledgerRelease("ledger-4", "4.0.0", DEADLINE));
    await until("the partition held at replicas", () => sts(), (s) => partition(s) === REPLICAS, 30_000);
    expect((await kubectlApply(statefulSet("ledger", "ledger-4"))).status).toBe(0);
    await signOff("ledger-4");
    await until("ledger-4 analysing", () => release("ledger-4"), (r) => r.status?.phase === "Progressing" && r.status?.canary?.stepName === "check", 240_000);
    // Before the promotion no node takes a new pod: the pod it replaces stays Pending.
    const cordoned = await kubectlAsync(["cordon", "-l", "type=kwok"]);
    expect(cordoned.status, cordoned.stderr).toBe(0);
    try {
      const promoting = await until("ledger-4 promoting", () => release("ledger-4"), (r) => r.status?.promotion?.startedAt !== undefined, 60_000);
      expect(promoting.status.phase).toBe("Progressing");
      const stopped = await until("ledger-4 Failed", () => release("ledger-4"), (r) => r.status?.phase === "Failed", 120_000);
      expect(stopped.status.message).toMatch(new RegExp(`^promotion: StatefulSet ledger did not run the new template on every pod within the progress deadline of ${DEADLINE}; StatefulSet ledger gets the stable template back, as in a rollback`));
      // Not before the deadline (the clocks are this machine's).
      expect(Date.now() - Date.parse(promoting.status.promotion.startedAt as string)).toBeGreaterThanOrEqual(30_000 - 1_000);
      // The stable template is back at once, with partition 0, while the nodes still take no pod.
      const back = await until("the stable template restored", () => sts(), (s) => imageOf(s) === digest("ledger-2") && s.status?.updateRevision === stableRevision && s.status?.observedGeneration === s.metadata.generation, 30_000);
      expect(back.spec.template.metadata.labels["golive.dev/release"]).toBe("ledger-2");
      expect(partition(back)).toBe(0);
    } finally {
      await kubectlAsync(["uncordon", "-l", "type=kwok"]);
    }
    // The StatefulSet controller takes every pod back to the stable revision; golive asks nothing more.
    const settled = await until("every pod Ready on the stable revision", () => pods(), (list) => allOn(list, stableRevision) && list.every((p) => ((p.status?.conditions ?? []) as Doc[]).some((c) => c.type === "Ready" && c.status === "True")), 120_000);
    expect(settled.map((p) => p.metadata.labels["controller-revision-hash"] as string)).toEqual([stableRevision, stableRevision, stableRevision]);
    const end = await sts();
    expect(end.status.currentRevision).toBe(stableRevision);
    expect(imageOf(end)).toBe(digest("ledger-2"));
    expect((await release("ledger-4")).status.phase).toBe("Failed");
  }, 420_000);
});
