// Issue 24, 5.2 and 6.2.1 on the real control plane with golive's operator and webhook running:
// each workload of a release is held to its own design (a database StatefulSet and a web
// Deployment differ), a workload with no design is denied when the policy requires designs, the
// declared peak denies workloads that cannot reach it (by how much) and admits them once an HPA
// can scale far enough, an HPA edited afterwards below the peak is denied, and a Deployment scaled below its design turns DesignConformant False.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../settings/config.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { startWebhook, type WebhookHandle } from "../webhook/run.js";
import { freePort } from "./cluster/processes.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { exampleSigners, namespacePolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("design");
const own = useNamespace("golive-design");
const work = mkdtempSync(join(tmpdir(), "golive-design-"));
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/store";
const CONFIGURATION = `golive-design-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
let operator: OperatorHandle | undefined;
let webhook: WebhookHandle | undefined;

const { kubectlApply, apply, until, release, condition, approve } = releaseKit(() => ns.name);

function releaseDoc(name: string, workloads: Doc[], extra: Doc): Doc {
  return { apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name }, spec: { application: name, version: "1.0.0", workloads, images: [{ name: IMAGE, digest: digest(name) }], ...extra } };
}
function podTemplate(release: string, app: string, container: string, resources: Doc, spread = false): Doc {
  return {
    metadata: { labels: { app, "golive.dev/release": release } },
    spec: {
      ...(spread ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app } } }] } : {}),
      containers: [{ name: container, image: `${IMAGE}@${digest(release)}`, resources }],
    },
  };
}
const deployment = (release: string, name: string, replicas: number, cpu = "100m") => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name, "golive.dev/release": release } },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate(release, name, "app", { requests: { cpu, memory: "64Mi" }, limits: { memory: "64Mi" } }) },
});
const statefulSet = (release: string, replicas: number, spread: boolean, memory = "128Mi") => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db", labels: { app: "db", "golive.dev/release": release } },
  spec: { replicas, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: podTemplate(release, "db", "postgres", { requests: { cpu: "100m", memory }, limits: { memory: "128Mi" } }, spread) },
});
const pdb = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "db" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "db" } } } };

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(
    namespacePolicy(ns.name, {
      protectionLevel: 2,
      gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
      signers: exampleSigners((name) => name === "release-manager"),
      roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }],
      approvals: [{ stage: "Release", roles: ["release-manager"] }],
      images: { requireDigest: true, requireSignature: false },
      architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: true, requireResourceLimits: false, requireRunAsNonRoot: false },
      design: { requireWorkloadDesigns: true },
      monitoring: { requireReady: false },
    }),
  );
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: own.name, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  operator = await startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false });
  webhook = await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  await until("the webhook to judge the namespace", () => kubectlAsync(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify(deployment("probe", "probe", 1))), (r) => /denied the request/.test(r.stderr), 60_000);
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await operator?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("a design per workload (5.2) and the declared peak (6.2.1)", () => {
  it("holds the database StatefulSet and the web Deployment each to its own design; a workload without one is denied", async () => {
    await apply(
      releaseDoc("store", [{ kind: "Deployment", name: "web" }, { kind: "StatefulSet", name: "db" }, { kind: "Deployment", name: "worker" }], {
        designs: [
          { kind: "Deployment", name: "web", minReplicas: 2, maxReplicas: 4, containers: [{ name: "app", requests: { cpu: "100m" } }] },
          { kind: "StatefulSet", name: "db", minReplicas: 3, highAvailability: { spread: true, podDisruptionBudget: true }, containers: [{ name: "postgres", requests: { memory: "128Mi" }, limits: { memory: "128Mi" } }] },
        ],
      }),
    );
    await approve("store");
    await until("store Approved", () => release("store"), (r) => r.status?.phase === "Approved");

    const db = await kubectlApply(statefulSet("store", 1, false, "64Mi"));
    expect(db.status).not.toBe(0);
    for (const line of [
      "StatefulSet db: spec.replicas is 1, Release store designs at least 3 (minReplicas) (spec.designs, 5.2): run at least 3 replicas, or change the design",
      "StatefulSet db: spec.template.spec.topologySpreadConstraints is neither topologySpreadConstraints nor required pod anti-affinity",
      "StatefulSet db: PodDisruptionBudget is none selects them, Release store designs one selects the pods (highAvailability.podDisruptionBudget)",
      "StatefulSet db: containers[postgres].resources.requests.memory is 64Mi, Release store designs at least 128Mi",
    ])
      expect(db.stderr).toContain(line);
    console.log(`StatefulSet db denied: ${db.stderr.trim().slice(0, 600)}`);

    // The web Deployment has neither PDB nor spreading and is admitted: the database's design is not its design.
    const webLow = await kubectlApply(deployment("store", "web", 1));
    expect(webLow.stderr).toContain("Deployment web: spec.replicas is 1, Release store designs at least 2 (minReplicas)");
    expect(webLow.stderr).not.toContain("PodDisruptionBudget");
    const web = await kubectlApply(deployment("store", "web", 2));
    expect(web.status, web.stderr).toBe(0);

    await apply(pdb);
    await until("the webhook to see the PodDisruptionBudget", () => kubectlApply(statefulSet("store", 3, true)), (r) => r.status === 0);

    const worker = await kubectlApply(deployment("store", "worker", 2));
    expect(worker.status).not.toBe(0);
    expect(worker.stderr).toContain(`Deployment worker has no design in Release store: ReleasePolicy ${ns.name}-policy requires one per workload (spec.design.requireWorkloadDesigns, 5.2): add {kind: Deployment, name: worker, minReplicas: ...} to the Release's spec.designs`);
  }, 180_000);

  it("reports DesignConformant True while the Deployment runs as designed and False, naming it, once scaled below its design", async () => {
    const ok = await until("store DesignConformant True", () => release("store"), (r) => condition(r, "DesignConformant")?.status === "True", 120_000);
    expect(condition(ok, "DesignConformant")).toMatchObject({ reason: "Conformant", message: "2 workload(s) run as designed" });
    // The operator's identity (admin here) may scale below the minimum: the running state now differs.
    const scaled = await kubectlAsync(["scale", "-n", ns.name, "deployment/web", "--replicas=1"]);
    expect(scaled.status, scaled.stderr).toBe(0);
    const off = await until("store DesignConformant False", () => release("store"), (r) => condition(r, "DesignConformant")?.status === "False", 120_000);
    expect(condition(off, "DesignConformant")).toMatchObject({ reason: "DesignDiffers", message: "Deployment web: status.readyReplicas is 1, Release store designs at least 2 (minReplicas) (spec.designs, 5.2): run at least 2 replicas, or change the design" });
    console.log(`scaled to 1: ${condition(off, "DesignConformant")?.message as string}`);
  }, 240_000);

  it("denies workloads that cannot reach the declared peak, saying by how much; an HPA that can reach it admits them", async () => {
    await apply(
      releaseDoc("shop", [{ kind: "Deployment", name: "shop" }], {
        // The HPA below must keep the approved scaling bounds, or the operator blocks the release (6.2.2).
        architecture: { replicas: 2, highAvailability: false, scaling: { minReplicas: 2, maxReplicas: 4 } },
        designs: [{ kind: "Deployment", name: "shop", minReplicas: 2, connectionsPerPod: 100 }],
        peak: { pods: 4, cpu: "1", connections: 400 },
      }),
    );
    await approve("shop");
    await until("shop Approved", () => release("shop"), (r) => r.status?.phase === "Approved");
    const short = await kubectlApply(deployment("shop", "shop", 2, "250m"));
    expect(short.status).not.toBe(0);
    expect(short.stderr).toContain("Release shop needs 4 pods at peak (spec.peak.pods, 6.2.1) but its workloads reach 2 (replicas: Deployment shop 2 (spec.replicas)): 2 short");
    expect(short.stderr).toContain("Release shop needs 1 cpu at peak (spec.peak.cpu, 6.2.1) but its workloads reach 500m (replicas: Deployment shop 2 (spec.replicas)): 500m short");
    expect(short.stderr).toContain("Release shop needs 400 connections at peak (spec.peak.connections, 6.2.1) but its workloads reach 200");
    console.log(`Deployment shop denied: ${short.stderr.trim().slice(0, 600)}`);

    await apply({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "shop" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shop" }, minReplicas: 2, maxReplicas: 4, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] } });
    const admitted = await until("shop admitted with the HPA reaching the peak", () => kubectlApply(deployment("shop", "shop", 2, "250m")), (r) => r.status === 0).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${(await kubectlApply(deployment("shop", "shop", 2, "250m"))).stderr}`);
    });
    expect(admitted.status).toBe(0);
  }, 180_000);

  it("counts a DaemonSet at the nodes it is scheduled to and a bare Pod as one pod towards the peak", async () => {
    const nodes = (await kubectlAsync(["get", "nodes", "-l", "type=kwok", "-o", "name"])).stdout.trim().split("\n").filter(Boolean).length;
    expect(nodes).toBeGreaterThan(1);
    const resources = { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "32Mi" } };
    await apply(
      releaseDoc("fleet", [{ kind: "DaemonSet", name: "agent" }, { kind: "Deployment", name: "fleet-api" }, { kind: "Pod", name: "debug" }], {
        architecture: { replicas: 1, highAvailability: false },
        // The DaemonSet's design counts it until the controller has scheduled it.
        designs: [{ kind: "DaemonSet", name: "agent", minReplicas: nodes }, { kind: "Deployment", name: "fleet-api", minReplicas: 1, maxReplicas: 2 }, { kind: "Pod", name: "debug", minReplicas: 1 }],
        peak: { pods: nodes + 3 },
      }),
    );
    await approve("fleet");
    await until("fleet Approved", () => release("fleet"), (r) => r.status?.phase === "Approved");
    const agent = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", labels: { app: "agent", "golive.dev/release": "fleet" } }, spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent", "golive.dev/release": "fleet" } }, spec: { nodeSelector: { type: "kwok" }, containers: [{ name: "agent", image: `${IMAGE}@${digest("fleet")}`, resources }] } } } };
    const created = await kubectlApply(agent);
    expect(created.status, created.stderr).toBe(0);
    await until("the DaemonSet scheduled on every kwok node", () => kubectlAsync(["get", "daemonset", "agent", "-n", ns.name, "-o", "jsonpath={.status.desiredNumberScheduled}"]), (r) => r.stdout.trim() === String(nodes));
    const debug = { apiVersion: "v1", kind: "Pod", metadata: { name: "debug", labels: { app: "debug", "golive.dev/release": "fleet" } }, spec: { nodeSelector: { type: "kwok" }, containers: [{ name: "debug", image: `${IMAGE}@${digest("fleet")}`, resources }] } };
    const pod = await kubectlApply(debug);
    expect(pod.status, pod.stderr).toBe(0);
    // The Deployment below one replica short: the DaemonSet (from memory, at its scheduled nodes) and the Pod count.
    const expected = `its workloads reach ${nodes + 2} (replicas: DaemonSet agent ${nodes} (status.desiredNumberScheduled), Deployment fleet-api 1 (spec.replicas), Pod debug 1 (a bare Pod)): 1 short; run Deployment fleet-api at 2 replicas or more`;
    const short = await until("the Deployment denied, counting the DaemonSet and the Pod", () => kubectlApply(deployment("fleet", "fleet-api", 1, "50m")), (r) => r.stderr.includes(expected)).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${(await kubectlApply(deployment("fleet", "fleet-api", 1, "50m"))).stderr}`);
    });
    expect(short.status).not.toBe(0);
    console.log(`Deployment fleet-api denied: ${short.stderr.trim().slice(0, 500)}`);
    const enough = await kubectlApply(deployment("fleet", "fleet-api", 2, "50m"));
    expect(enough.status, enough.stderr).toBe(0);
  }, 180_000);

  it("denies an HPA edited after its workload so that it can no longer reach the peak, as autoscaling/v2 or v1, naming the maxReplicas that would", async () => {
    const hpa = (apiVersion: string, maxReplicas: number) => ({
      apiVersion,
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "shop" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shop" }, minReplicas: 2, maxReplicas, ...(apiVersion === "autoscaling/v2" ? { metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] } : { targetCPUUtilizationPercentage: 80 }) },
    });
    for (const apiVersion of ["autoscaling/v2", "autoscaling/v1"]) {
      const lowered = await kubectlApply(hpa(apiVersion, 3));
      expect(lowered.status, apiVersion).not.toBe(0);
      expect(lowered.stderr).toContain(`golive denied HorizontalPodAutoscaler ${ns.name}/shop (Release shop)`);
      expect(lowered.stderr).toContain("HPA shop caps Deployment shop at maxReplicas 3, and with it Release shop's workloads reach 3 pods (replicas: Deployment shop 3 (HPA shop maxReplicas)) but the Release needs 4 at peak (spec.peak.pods, 6.2.1): 1 short; raise HPA shop's maxReplicas to 4 or more");
      console.log(`${apiVersion} HPA shop lowered to 3, denied: ${lowered.stderr.trim().slice(0, 400)}`);
    }
    const stored = await kubectlAsync(["get", "hpa", "-n", ns.name, "shop", "-o", "jsonpath={.spec.maxReplicas}"]);
    expect(stored.stdout.trim()).toBe("4");
    // At the approved bound (architecture.scaling.maxReplicas 4) it reaches the peak again.
    const kept = await kubectlApply({ ...hpa("autoscaling/v2", 4), metadata: { name: "shop", labels: { team: "shop" } } });
    expect(kept.status, kept.stderr).toBe(0);
  }, 120_000);
});
