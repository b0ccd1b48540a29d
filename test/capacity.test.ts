// Issue 15, capacity during the rollout (JR/T 0179 4.4 f, 6.2) on the real control plane, with
// golive's operator and webhook running: a Release whose namespace's ResourceQuota cannot hold
// the stable copy and the candidate at their peak is Blocked with the figures, and kubectl cannot
// apply its Deployment; the quota raised, it is Approved and goes live within it. An HPA allowing
// more replicas than the Release declares blocks it, naming both figures, until it is brought
// within the bounds.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../settings/config.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { startWebhook, type WebhookHandle } from "../webhook/run.js";
import { freePort } from "./cluster/processes.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("capacity");
const own = useNamespace("golive-capacity");
const work = mkdtempSync(join(tmpdir(), "golive-capacity-"));
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/api";
const CONFIGURATION = `golive-capacity-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
let operator: OperatorHandle | undefined;
let webhook: WebhookHandle | undefined;
let client: KubeClient;

const { kubectlApply, apply, until, release, condition, approve } = releaseKit(() => ns.name);
function releaseDoc(name: string, architecture: Doc, strategy?: Doc): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name },
    spec: { application: name, version: "1.0.0", workloads: [{ kind: "Deployment", name }], images: [{ name: IMAGE, digest: digest(name) }], architecture, ...(strategy ? { strategy } : {}) },
  };
}
function deployment(name: string, replicas: number, cpu: string): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name, "golive.dev/release": name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, "golive.dev/release": name } }, spec: { containers: [{ name, image: `${IMAGE}@${digest(name)}`, resources: { requests: { cpu, memory: "64Mi" }, limits: { memory: "64Mi" } } }] } } },
  };
}
const quota = (cpu: string) => ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "compute" }, spec: { hard: { "requests.cpu": cpu, pods: "20" } } });
const hpa = (name: string, minReplicas: number, maxReplicas: number) => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name }, minReplicas, maxReplicas, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] },
});

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(
    releaseManagerPolicy(ns.name, { architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: true, requireResourceLimits: false, requireRunAsNonRoot: false }, monitoring: { requireReady: false } }),
  );
  await apply(quota("1"));
  await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: own.name, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  operator = await startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false });
  webhook = await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  await until("the webhook to judge the namespace", () => kubectlAsync(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify({ ...deployment("probe", 1, "10m"), metadata: { name: "probe" } })), (r) => /denied the request/.test(r.stderr), 60_000);
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await operator?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("capacity during the rollout (issue 15, 4.4 f, 6.2)", () => {
  it("a ResourceQuota too small for stable + candidate blocks with the figures; raised, the release goes live within it", async () => {
    // Peak: 2 stable + 2 candidate + 1 surge (25 % of 2, rounded up) = 5 pods × 250m = 1250m > 1.
    const strategy = { trafficRouting: { service: "api" }, steps: [{ name: "all", setWeight: 100 }] };
    await apply(releaseDoc("api", { replicas: 2, highAvailability: false, resources: { cpu: "250m" } }, strategy));
    await approve("api");
    const held = await until("api Blocked on its quota", () => release("api"), (r) => r.status?.phase === "Blocked" && condition(r, "GatesPassed")?.status === "True" && condition(r, "CapacityFits")?.status === "False");
    const figures = `ResourceQuota compute requests.cpu: used 0 + needed 1250m = 1250m > hard 1; needed at the peak: Deployment/api 5 pod(s) (2 stable + 2 candidate + 1 surge) × 250m: raise the quota, free capacity in namespace ${ns.name}, or lower the replicas`;
    expect(condition(held, "CapacityFits")).toMatchObject({ status: "False", reason: "QuotaExceeded", message: figures });
    expect(held.status.message).toBe(`QuotaExceeded: ${figures}`);
    expect(condition(held, "Stalled")?.status).toBe("True");
    console.log(`Release api Blocked: ${held.status.message as string}`);
    // Fail closed: the Deployment is not admitted while the release does not fit.
    const denied = await kubectlApply(deployment("api", 2, "250m"));
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain(`Release api is Blocked, not Approved: QuotaExceeded: ResourceQuota compute requests.cpu`);

    const raisedAt = Date.now();
    await apply(quota("1250m"));
    const approved = await until("api Approved once the quota holds the peak", () => release("api"), (r) => r.status?.phase !== "Blocked" && condition(r, "CapacityFits")?.status === "True");
    console.log(`quota raised to 1250m: Release api ${approved.status.phase as string} after ${((Date.now() - raisedAt) / 1000).toFixed(1)} s (${condition(approved, "CapacityFits")?.message as string})`);
    expect(approved.status.phase).toBe("Approved");
    const applied = await kubectlApply(deployment("api", 2, "250m"));
    expect(applied.status, applied.stderr).toBe(0);
    const live = await until("api Released", () => release("api"), (r) => r.status?.phase === "Released", 120_000);
    expect(live.status.phase).toBe("Released");
    const used = await client.get<Doc>(`/api/v1/namespaces/${ns.name}/resourcequotas/compute`);
    console.log(`Released within the quota: requests.cpu used ${used.status.used["requests.cpu"] as string} of ${used.status.hard["requests.cpu"] as string}`);
  }, 240_000);

  it("an HPA allowing more than the declared maxReplicas blocks, naming both figures; within the bounds it is Approved", async () => {
    await apply(hpa("rating", 2, 10));
    await apply(releaseDoc("rating", { replicas: 2, highAvailability: false, scaling: { minReplicas: 2, maxReplicas: 4 } }));
    await approve("rating");
    const held = await until("rating Blocked on its HPA", () => release("rating"), (r) => r.status?.phase === "Blocked" && condition(r, "GatesPassed")?.status === "True" && condition(r, "CapacityFits")?.status === "False");
    const message = "HorizontalPodAutoscaler rating may scale Deployment/rating up to 10 replicas, above spec.architecture.scaling.maxReplicas 4 (the capacity approved): lower the HPA's maxReplicas to 4 or declare a larger bound in a new Release (Release rating, 6.2.2)";
    expect(condition(held, "CapacityFits")).toMatchObject({ status: "False", reason: "HPAOutOfBounds", message });
    expect(held.status.message).toBe(`HPAOutOfBounds: ${message}`);
    console.log(`Release rating Blocked: ${held.status.message as string}`);
    await apply(hpa("rating", 2, 4));
    const approved = await until("rating Approved with the HPA within the bounds", () => release("rating"), (r) => r.status?.phase === "Approved");
    expect(condition(approved, "CapacityFits")).toMatchObject({ status: "True", reason: "Fits", message: "no Deployment is run twice; 1 HPA(s) within spec.architecture.scaling" });
  }, 120_000);
});
