// "A guarantee with an exception is not a guarantee": a user with the `edit` ClusterRole deletes a
// workload and creates it again with the next release's template while that release rolls out,
// on the real control plane with golive's operator and webhook. Before the webhook judged
// creates against the Released version, a StatefulSet recreated this way ran all its pods on the
// new version within seconds and its Release was Released "nothing to roll out", unverified.
// Here the attack is denied (StatefulSet, DaemonSet, Deployment), the stable copy of a
// Deployment cannot be deleted on its own, an HPA the declared peak relies on cannot be deleted;
// and the legitimate flows still go through: the Released version recreated, held by golive,
// then the new version canaried and Released by its steps (a StatefulSet's partition, a
// Deployment's stable copy restored by golive first).
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../operator/runtime/kube-client.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy } from "./support/policy.js";
import { startRolloutStack, type RolloutStack } from "./support/rollout-stack.js";

type Doc = Record<string, any>;
const ns = useNamespace("admission-recreate");
const own = useNamespace("golive-recreate");
const id = randomBytes(3).toString("hex");
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/app";
let stack: RolloutStack;
let client: KubeClient;
const { kubectlApply, apply, until, release, applyApproved } = releaseKit(() => ns.name);

const strategy = (service: string, verification?: Doc) => ({
  trafficRouting: { service },
  ...(verification ? { verification } : {}),
  steps: [{ name: "half", setWeight: 50 }, { name: "check", analysis: { metrics: ["error-rate"] } }],
  analysis: { prometheus: { address: stack.prometheus.url }, metrics: [{ name: "error-rate", query: "max(golive_test_error_rate)", interval: "1s", count: 2, successCondition: "result < 0.05" }] },
  progressDeadline: "3m",
});
/** Each version its own application name, as the other rollout tests do: the rule matches releases by the workload they list. */
function releaseDoc(name: string, version: string, kind: string, workload: string, extra: Doc = {}): Doc {
  return { apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name }, spec: { application: name, version, workloads: [{ kind, name: workload }], images: [{ name: IMAGE, digest: digest(name) }], architecture: { replicas: 3, highAvailability: false }, ...extra } };
}
const template = (name: string, release: string, nodeSelector?: Doc) => ({ metadata: { labels: { app: name, "golive.dev/release": release } }, spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: "app", image: `${IMAGE}@${digest(release)}` }] } });
const meta = (name: string, release: string) => ({ name, labels: { app: name, "golive.dev/release": release } });
/** With the readiness gate golive verifies a StatefulSet's candidate ordinal behind (operator/rollout/statefulset-gate.ts). */
const gated = (t: Doc): Doc => ({ ...t, spec: { ...t.spec, readinessGates: [{ conditionType: "golive.dev/verified" }] } });
const statefulSet = (name: string, release: string) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: meta(name, release), spec: { replicas: 3, serviceName: name, podManagementPolicy: "Parallel", selector: { matchLabels: { app: name } }, template: gated(template(name, release)) } });
const daemonSet = (name: string, release: string) => ({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: meta(name, release), spec: { selector: { matchLabels: { app: name } }, template: template(name, release, { type: "kwok" }) } });
const deployment = (name: string, release: string, replicas?: number) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: meta(name, release), spec: { ...(replicas !== undefined ? { replicas } : {}), selector: { matchLabels: { app: name } }, template: template(name, release) } });
const service = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } });
const alice = (args: string[], input?: string) => kubectlAsync(["--as=alice", "-n", ns.name, ...args], input);
const get = (path: string) => client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/${path}`);
const gone = async (path: string) => get(path).then(() => false, () => true);
const partition = (s: Doc) => (s.spec.updateStrategy?.rollingUpdate?.partition as number | undefined) ?? 0;

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(releaseManagerPolicy(ns.name, { architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false }, monitoring: { requireReady: false } }));
  stack = await startRolloutStack({ namespace: ns.name, ownNamespace: own.name, configurationName: `golive-recreate-${id}`, probe: { ...statefulSet("probe", "none"), metadata: { name: "probe" } } });
  client = stack.client;
  const bound = await kubectlAsync(["create", "rolebinding", "alice-edit", "-n", ns.name, "--clusterrole=edit", "--user=alice"]);
  if (bound.status !== 0) throw new Error(bound.stderr);
}, 300_000);
afterAll(() => stack?.stop());

describe("a workload deleted and created again while its next release rolls out", () => {
  it("StatefulSet: recreating it with the new template is denied; the Released version is admitted, held, and the new version then canaried by its partition", async () => {
    await applyApproved(releaseDoc("ledger-1", "1.0.0", "StatefulSet", "ledger", { strategy: strategy("ledger") }));
    expect((await kubectlApply(statefulSet("ledger", "ledger-1"))).status).toBe(0);
    await until("ledger-1 Released", () => release("ledger-1"), (r) => r.status?.phase === "Released", 120_000);
    await until("every ledger pod ready", () => get("statefulsets/ledger"), (s) => s.status?.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision, 120_000);
    await applyApproved(releaseDoc("ledger-2", "2.0.0", "StatefulSet", "ledger", { strategy: strategy("ledger") }));
    await until("the partition held", () => get("statefulsets/ledger"), (s) => partition(s) === 3, 30_000);

    // The stable ControllerRevision itself is out of reach of `edit` (read-only there), so only the StatefulSet's delete can take it.
    for (const verb of ["delete", "update", "create"]) expect((await alice(["auth", "can-i", verb, "controllerrevisions.apps"])).stdout.trim()).toBe("no");
    // Deleting is allowed (it serves nothing new); the pods stay, orphaned.
    expect((await alice(["delete", "statefulset", "ledger", "--cascade=orphan"])).status).toBe(0);
    const attack = await alice(["create", "-f", "-"], JSON.stringify(statefulSet("ledger", "ledger-2")));
    expect(attack.status).not.toBe(0);
    expect(attack.stderr).toContain("StatefulSet ledger is being created with Release ledger-2's template while Release ledger-2 (Approved) rolls it out; Release ledger-1 is its Released version: a new object has one revision: every pod would start on it at once");
    expect(attack.stderr).toContain("Create it with Release ledger-1's manifest first (golive.dev/release=ledger-1), then apply the new version as an update");
    expect(await gone("statefulsets/ledger")).toBe(true);
    // Nor as the Released version with another command: its label and sealed images alone are not the template ledger-1 verified.
    const disguised = statefulSet("ledger", "ledger-1") as Doc;
    disguised.spec.template.spec.containers[0].command = ["/bin/sh", "-c", "exec /unverified"];
    const masked = await alice(["create", "-f", "-"], JSON.stringify(disguised));
    expect(masked.status).not.toBe(0);
    expect(masked.stderr).toContain("StatefulSet ledger is being created as Release ledger-1's version while Release ledger-2 (Approved) rolls it out, but its pod template is not the one Release ledger-1 verified");
    expect(await gone("statefulsets/ledger")).toBe(true);

    // The way back: the Released manifest, which golive holds again before the new version.
    const back = await alice(["create", "-f", "-"], JSON.stringify(statefulSet("ledger", "ledger-1")));
    expect(back.status, back.stderr).toBe(0);
    await until("the partition held on the recreated StatefulSet", () => get("statefulsets/ledger"), (s) => partition(s) === 3 && s.status?.readyReplicas === 3, 60_000);
    expect((await kubectlApply(statefulSet("ledger", "ledger-2"))).status).toBe(0);
    const seen = new Set<string>();
    const done = await until("ledger-2 Released", () => release("ledger-2"), (r) => (seen.add(r.status?.phase as string), r.status?.phase === "Released"), 240_000);
    expect(done.status.message).toMatch(/^promoted: StatefulSet ledger runs ledger-2 2\.0\.0/);
    expect(seen.has("Verifying") || seen.has("Progressing")).toBe(true);
  }, 420_000);

  it("DaemonSet: recreating it with the new template is denied; the Released version is admitted", async () => {
    await applyApproved(releaseDoc("agent-1", "1.0.0", "DaemonSet", "agent", { strategy: strategy("agent") }));
    expect((await kubectlApply(daemonSet("agent", "agent-1"))).status).toBe(0);
    await until("agent-1 Released", () => release("agent-1"), (r) => r.status?.phase === "Released", 120_000);
    await applyApproved(releaseDoc("agent-2", "2.0.0", "DaemonSet", "agent", { strategy: strategy("agent") }));
    expect((await alice(["delete", "daemonset", "agent"])).status).toBe(0);
    await until("agent deleted", () => gone("daemonsets/agent"), (g) => g, 30_000);
    const attack = await alice(["create", "-f", "-"], JSON.stringify(daemonSet("agent", "agent-2")));
    expect(attack.status).not.toBe(0);
    expect(attack.stderr).toContain("DaemonSet agent is being created with Release agent-2's template while Release agent-2 (Approved) rolls it out; Release agent-1 is its Released version");
    const back = await alice(["create", "-f", "-"], JSON.stringify(daemonSet("agent", "agent-1")));
    expect(back.status, back.stderr).toBe(0);
  }, 300_000);

  it("Deployment by replica ratio: the stable copy cannot be deleted on its own, the new template cannot be recreated, and after the Released version golive restores the stable copy and canaries the new one", async () => {
    await apply(service("api"));
    await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "api-verification" }, stringData: { token: "let-me-in" } });
    const users = { users: { header: "X-Golive-Verify", valueFrom: { name: "api-verification", key: "token" } }, jobs: [] };
    await applyApproved(releaseDoc("api-1", "1.0.0", "Deployment", "api", { strategy: strategy("api", users) }));
    expect((await kubectlApply(deployment("api", "api-1", 3))).status).toBe(0);
    await until("api-1 Released", () => release("api-1"), (r) => r.status?.phase === "Released", 120_000);
    await applyApproved(releaseDoc("api-2", "2.0.0", "Deployment", "api", { strategy: strategy("api", users) }));

    const copy = await alice(["delete", "deployment", "api-stable"]);
    expect(copy.status).not.toBe(0);
    expect(copy.stderr).toContain("Deployment api-stable is golive's stable copy of Deployment api: the version traffic goes back to on rollback (4.10)");
    expect(await gone("deployments/api-stable")).toBe(false);

    // A plain delete of the Deployment takes its stable copy along (the garbage collector is never judged).
    expect((await alice(["delete", "deployment", "api"])).status).toBe(0);
    await until("api-stable collected with api", () => gone("deployments/api-stable"), (g) => g, 60_000);
    const attack = await alice(["create", "-f", "-"], JSON.stringify(deployment("api", "api-2", 3)));
    expect(attack.status).not.toBe(0);
    expect(attack.stderr).toContain("Deployment api is being created with Release api-2's template while Release api-2 (Approved) rolls it out; Release api-1 is its Released version: it would be taken as a first release: its template would become the stable copy api-stable, unverified");

    const back = await alice(["create", "-f", "-"], JSON.stringify(deployment("api", "api-1", 3)));
    expect(back.status, back.stderr).toBe(0);
    const restored = await until("api-stable restored from the Released version", () => get("deployments/api-stable"), (d) => d.spec.template.spec.containers[0].image === `${IMAGE}@${digest("api-1")}`, 60_000);
    expect(restored.metadata.labels["golive.dev/release"]).toBe("api-1");
    // Its 3 pods would serve users through the one Service the moment they run the new version.
    const running = await kubectlApply(deployment("api", "api-2", 3));
    expect(running.status).not.toBe(0);
    expect(running.stderr).toContain("Deployment api gets a new template while Release api-2 (Approved) rolls it out by replica ratio, with spec.replicas 3");
    expect(running.stderr).toContain("apply it with spec.replicas: 0");
    const next = await kubectlApply(deployment("api", "api-2", 0));
    expect(next.status, next.stderr).toBe(0);
    const seen = new Set<string>();
    const messages = new Set<string>();
    const done = await until("api-2 Released", () => release("api-2"), (r) => (seen.add(r.status?.phase as string), messages.add(r.status?.message as string), r.status?.phase === "Released"), 240_000).catch((e: Error) => {
      throw new Error(`${e.message.slice(0, 300)}; messages: ${[...messages].join(" | ")}`);
    });
    expect(done.status.message).not.toMatch(/first release/);
    expect(done.status.message).toMatch(/^promoted/);
    expect(seen.has("Verifying") || seen.has("Progressing")).toBe(true);
  }, 420_000);

  it("an HPA the declared peak relies on cannot be deleted while its release is live; with a replacement in place it can", async () => {
    const hpa = (name: string) => ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shop" }, minReplicas: 3, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] } });
    await applyApproved({ ...releaseDoc("shop-1", "1.0.0", "Deployment", "shop", { peak: { pods: 5 } }), spec: { ...releaseDoc("shop-1", "1.0.0", "Deployment", "shop", { peak: { pods: 5 } }).spec, architecture: { replicas: 3, highAvailability: false, scaling: { minReplicas: 3, maxReplicas: 5 } } } });
    await apply(hpa("shop"));
    let last = "";
    const admitted = await until("shop admitted with the HPA reaching the peak", () => kubectlApply(deployment("shop", "shop-1", 3)), (r) => ((last = r.stderr), r.status === 0), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${last}`);
    });
    expect(admitted.status).toBe(0);
    await until("shop-1 Released", () => release("shop-1"), (r) => r.status?.phase === "Released", 120_000);
    const removed = await alice(["delete", "hpa", "shop"]);
    expect(removed.status).not.toBe(0);
    expect(removed.stderr).toContain(`golive denied deleting HorizontalPodAutoscaler ${ns.name}/shop (Release shop-1)`);
    expect(removed.stderr).toContain("Release shop-1 needs 5 pods at peak (spec.peak.pods, 6.2.1) and reaches it only through HPA shop (maxReplicas 5); without it its workloads reach 3");
    expect((await alice(["create", "-f", "-"], JSON.stringify(hpa("shop-v2")))).status).toBe(0);
    const replaced = await until("the original deleted once its replacement is in memory", () => alice(["delete", "hpa", "shop"]), (r) => r.status === 0, 30_000);
    expect(replaced.status).toBe(0);
  }, 300_000);
});
