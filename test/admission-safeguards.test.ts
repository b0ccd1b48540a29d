// 8.5 and 8.7 d,e at admission, on the real API server with the real webhook (informer view,
// installed configuration) and operator, under the level-3 switches (spec.safeguards):
// - a governed Deployment is denied until a NetworkPolicy isolating Ingress selects its pods; a
//   policy edited to select other pods, or deleted, after admission reaches the decision again;
// - after admission the operator reports a NetworkPolicy deleted under a running Deployment or
//   a Job's pods (NetworkIsolated);
// - a Release with a plain-http analysis Prometheus or notification URL, or without log
//   shipping, is refused when applied; a policy whose own Prometheus is http is refused by the
//   API server itself (CEL), with what to change.
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
import { releaseManagerPolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("safeguards");
const own = useNamespace("golive-safeguards");
const work = mkdtempSync(join(tmpdir(), "golive-safeguards-"));
const IMAGE = "registry.example.com/team/api";
const DIGEST = `sha256:${createHash("sha256").update("api").digest("hex")}`;
const CONFIGURATION = `golive-safeguards-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
let operator: OperatorHandle | undefined;
let webhook: WebhookHandle | undefined;

const { apply, until, release, approve } = releaseKit(() => ns.name);
// The level-3 bundle's safeguards (policies/jrt0179-level3.yaml).
const safeguards = { requireHttps: true, requireNetworkPolicy: true, requireLogShipping: true };
const policy = (extra: Doc = {}) => releaseManagerPolicy(ns.name, { architecture: { minReplicas: 1, requirePodDisruptionBudget: false }, monitoring: { requireReady: false }, safeguards, ...extra });
const logShipping = { destination: "https://logs.example.com/ingest", agent: "fluent-bit" };
const releaseDoc = (name: string, version: string, spec: Doc = {}) => ({
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name },
  // Versions are unique per application across the cluster (4.2 c), and other test files of the
  // suite share this API server: an application name of this file's own.
  spec: { application: "safeguards-api", version, workloads: [{ kind: "Deployment", name: "api" }], images: [{ name: IMAGE, digest: DIGEST }], architecture: { replicas: 1, highAvailability: false }, logShipping, ...spec },
});
const labels = { app: "api", "golive.dev/release": "api" };
const deployment = (): Doc => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "api" } },
    template: { metadata: { labels }, spec: { securityContext: { runAsNonRoot: true, runAsUser: 10001 }, containers: [{ name: "api", image: `${IMAGE}@${DIGEST}`, resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } } }] } },
  },
});
const networkPolicy = (podSelector: Doc, ingress?: Doc[]) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "api-ingress" }, spec: { podSelector, policyTypes: ["Ingress"], ...(ingress ? { ingress } : {}) } });
/** Server-side dry run: the webhook judges it, nothing is stored. */
const tryApply = (doc: Doc) => kubectlAsync(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify(doc));

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(policy());
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: own.name, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  operator = await startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false });
  webhook = await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  // Until the webhook serves the namespace, a Release would be admitted unjudged: wait for a refusal.
  await until("the webhook to judge Releases", () => tryApply(releaseDoc("probe", "0.0.1", { logShipping: undefined })), (r) => r.status !== 0 && r.stderr.includes("declares no log shipping"), 60_000);
  await apply(releaseDoc("api", "1.0.0"));
  await approve("api");
  await until("Release api Approved", () => release("api"), (r) => r.status?.phase === "Approved");
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await operator?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("network isolation at admission (8.7 e)", () => {
  it("denies the Deployment until a NetworkPolicy selects its pods; an edit or a deletion after admission reaches the decision", async () => {
    const denied = await tryApply(deployment());
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain(`no NetworkPolicy in namespace ${ns.name} selects the pods of Deployment api and isolates their Ingress (8.7 e, required by ReleasePolicy ${ns.name}-policy spec.safeguards.requireNetworkPolicy): add a NetworkPolicy with policyTypes [Ingress] whose podSelector matches the pod template's labels (app: api, golive.dev/release: api)`);

    await apply(networkPolicy({ matchLabels: { app: "api" } }, [{ from: [{ podSelector: { matchLabels: { app: "frontend" } } }] }]));
    const admitted = await until("the NetworkPolicy to reach the webhook's informer", () => tryApply(deployment()), (r) => r.status === 0, 30_000);
    expect(admitted.stderr).toBe("");

    // Opened to everyone: an ingress rule with neither from nor ports.
    await apply(networkPolicy({ matchLabels: { app: "api" } }, [{}]));
    const open = await until("the edit to reach the webhook", () => tryApply(deployment()), (r) => r.status !== 0, 30_000);
    expect(open.stderr).toContain("NetworkPolicy api-ingress in namespace");
    expect(open.stderr).toContain("has an ingress rule with neither from nor ports, which admits every source on every port (8.7 e)");

    // Edited to select other pods, then deleted: denied again each time.
    await apply(networkPolicy({ matchLabels: { app: "db" } }));
    await until("the selector change to reach the webhook", () => tryApply(deployment()), (r) => r.status !== 0 && r.stderr.includes("no NetworkPolicy in namespace"), 30_000);
    await apply(networkPolicy({}));
    await until("an empty podSelector (default deny) to admit it", () => tryApply(deployment()), (r) => r.status === 0, 30_000);
    expect((await kubectlAsync(["delete", "networkpolicy", "api-ingress", "-n", ns.name])).status).toBe(0);
    await until("the deletion to reach the webhook", () => tryApply(deployment()), (r) => r.status !== 0 && r.stderr.includes("no NetworkPolicy in namespace"), 30_000);
  }, 120_000);

  it("after admission, the operator reports a NetworkPolicy deleted under the running Deployment (NetworkIsolated False, a Warning Event) and its return", async () => {
    const isolated = (r: Doc) => (r.status?.conditions as Doc[] | undefined)?.find((c) => c.type === "NetworkIsolated");
    await apply(networkPolicy({ matchLabels: { app: "api" } }, [{ from: [{ podSelector: { matchLabels: { app: "frontend" } } }] }]));
    await until("the Deployment admitted", () => kubectlAsync(["apply", "-n", ns.name, "-f", "-"], JSON.stringify(deployment())), (r) => r.status === 0, 30_000);
    const on = await until("NetworkIsolated True", () => release("api"), (r) => isolated(r)?.status === "True", 60_000);
    expect(isolated(on)).toMatchObject({ reason: "Isolated", message: "every one of 1 workload(s) is selected by a NetworkPolicy that isolates its Ingress" });

    expect((await kubectlAsync(["delete", "networkpolicy", "api-ingress", "-n", ns.name])).status).toBe(0);
    const off = await until("NetworkIsolated False", () => release("api"), (r) => isolated(r)?.status === "False", 30_000);
    expect(isolated(off)).toMatchObject({ reason: "IsolationLost", message: `8.7 e: no NetworkPolicy in namespace ${ns.name} selects the pods of Deployment api and isolates their Ingress any more: add one back whose podSelector matches its pod labels` });
    const events = await until("the Warning Event", async () => JSON.parse((await kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", "reason=NetworkIsolationLost", "-o", "json"])).stdout).items as Doc[], (items) => items.length > 0, 30_000);
    expect(events[0]!.type).toBe("Warning");
    expect(events[0]!.message).toContain("no NetworkPolicy in namespace");

    await apply(networkPolicy({ matchLabels: { app: "api" } }, [{ from: [{ podSelector: { matchLabels: { app: "frontend" } } }] }]));
    await until("NetworkIsolated True again", () => release("api"), (r) => isolated(r)?.status === "True", 30_000);
  }, 120_000);

  it("after admission, the operator reports it for a Job's running pods too (kinds without a watched template are judged by their pods)", async () => {
    const isolated = (r: Doc) => (r.status?.conditions as Doc[] | undefined)?.find((c) => c.type === "NetworkIsolated");
    await apply(releaseDoc("batch", "1.0.0", { application: "safeguards-batch", workloads: [{ kind: "Job", name: "nightly" }] }));
    await approve("batch");
    // No strategy and no Deployment: it goes on from Approved to Released by itself.
    await until("Release batch admitting its workloads", () => release("batch"), (r) => r.status?.phase === "Approved" || r.status?.phase === "Released");
    const policyDoc = { ...networkPolicy({ matchLabels: { app: "nightly" } }, [{ from: [{ podSelector: { matchLabels: { app: "frontend" } } }] }]), metadata: { name: "nightly-ingress" } };
    await apply(policyDoc);
    const jobLabels = { app: "nightly", "golive.dev/release": "batch" };
    const pod = deployment().spec.template.spec;
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "nightly", labels: jobLabels }, spec: { template: { metadata: { labels: jobLabels }, spec: { ...pod, restartPolicy: "Never" } } } };
    await until("the Job admitted", () => kubectlAsync(["apply", "-n", ns.name, "-f", "-"], JSON.stringify(job)), (r) => r.status === 0, 30_000);
    const on = await until("NetworkIsolated True for the Job's pod", () => release("batch"), (r) => isolated(r)?.status === "True", 60_000);
    expect(isolated(on)?.message).toBe("every one of 1 workload(s) is selected by a NetworkPolicy that isolates its Ingress");

    expect((await kubectlAsync(["delete", "networkpolicy", "nightly-ingress", "-n", ns.name])).status).toBe(0);
    const off = await until("NetworkIsolated False", () => release("batch"), (r) => isolated(r)?.status === "False", 30_000);
    expect(isolated(off)?.message).toBe(`8.7 e: no NetworkPolicy in namespace ${ns.name} selects the pods of Job nightly and isolates their Ingress any more: add one back whose podSelector matches its pod labels`);
  }, 120_000);
});

describe("https and log shipping (8.5, 8.7 d)", () => {
  const analysis = (address: string) => ({ strategy: { trafficRouting: { service: "api" }, steps: [], analysis: { prometheus: { address }, metrics: [{ name: "errors", query: "up", successCondition: "result > 0" }] } } });

  it("refuses a Release whose analysis Prometheus or notification URL is plain http, saying what to change; admits it with https", async () => {
    const http = await tryApply(releaseDoc("api-2", "2.0.0", { ...analysis("http://prometheus.monitoring:9090"), notifications: [{ url: "http://chat.example.com/hook" }] }));
    expect(http.status).not.toBe(0);
    expect(http.stderr).toContain("Release api-2 spec.strategy.analysis.prometheus.address is http://prometheus.monitoring:9090, a plain http URL: ReleasePolicy");
    expect(http.stderr).toContain("requires https for every URL golive uses (8.5, spec.safeguards.requireHttps): serve it over TLS and change it to https://");
    expect(http.stderr).toContain("Release api-2 spec.notifications[0].url is http://chat.example.com/hook");
    const https = await tryApply(releaseDoc("api-2", "2.0.0", { ...analysis("https://prometheus.monitoring:9091"), notifications: [{ url: "https://chat.example.com/hook" }] }));
    expect(https.stderr).toBe("");
    expect(https.status).toBe(0);
  });

  it("refuses a Release without log shipping, naming the field to add", async () => {
    const r = await tryApply(releaseDoc("api-3", "3.0.0", { logShipping: undefined }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Release api-3 declares no log shipping: ReleasePolicy");
    expect(r.stderr).toContain("(8.7 d, spec.safeguards.requireLogShipping): add spec.logShipping with the destination");
  });

  it("the API server refuses a policy requiring https whose own Prometheus is http", async () => {
    const r = await tryApply(policy({ monitoring: { requireReady: false, prometheus: "http://prometheus.monitoring:9090" } }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("spec.safeguards.requireHttps is on, so spec.monitoring.prometheus must be an https:// URL (8.5)");
    expect((await tryApply(policy({ monitoring: { requireReady: false, prometheus: "https://prometheus.monitoring:9091" } }))).status).toBe(0);
  });
});
