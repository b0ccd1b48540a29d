// A Release's monitoring as the operator runs it (JR/T 0179 4.7 b, 6.3.3, 9.1), on the real
// control plane (Prometheus Operator and Velero CRD definitions, its garbage collector, kwok
// nodes) with a real Prometheus scraping a loopback server that stands in for the release's pods
// (kwok pods serve nothing; the target carries the labels Kubernetes discovery and the PodMonitor's
// relabeling would give it):
//
//   Approved → PodMonitor, PrometheusRule (accepted by promtool) and dashboard, owned by the Release;
//   Progressing, held before Released while the target is down, the key metric unsampled and no
//   Velero Schedule covers the namespace, each said in status and an Event; Released once all are
//   in place; the capacity report in status with CapacityAtRisk and the forecast gauge; a policy
//   change updates the rules; deleting the Release removes the enrollment and the gauge.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { checkRules, startPrometheus, type Prometheus } from "./services/prometheus.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { TEST_POLICY_LABEL, releaseManagerPolicy } from "./support/policy.js";
import { installFixtureCrds, OPERATOR_CRDS, removeFixtureCrds, VELERO_CRD } from "./support/monitoring-crds.js";
import { statusWhere, until } from "./support/wait.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const ns = useNamespace("monitored");
const NAME = "orders-1";
const IMAGE = "registry.example.com/team/orders";
const DIGEST = `sha256:${createHash("sha256").update("orders 1").digest("hex")}`;
const auditDir = mkdtempSync(join(tmpdir(), "golive-monitoring-operator-"));
const installed: string[] = [];
let client: KubeClient;
let operator: OperatorHandle | undefined;
let prometheus: Prometheus;
let app: Server;

/** The stand-in for the release's pods: failing scrapes until `healthy`, then a metric rising 2/s. */
let healthy = false;
const started = Date.now();

async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const release = () => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${NAME}`);
const releaseWhere = (what: string, ok: (r: Release) => boolean, timeoutMs = 60_000) => statusWhere(release, what, ok, timeoutMs);
const condition = (r: Release, type: string) => r.status?.conditions?.find((c) => c.type === type);
const exists = async (kind: string, name: string) => (await kubectlAsync(["get", kind, name, "-n", ns.name])).status === 0;
const objectJson = async (kind: string, name: string): Promise<Doc> => JSON.parse((await kubectlAsync(["get", kind, name, "-n", ns.name, "-o", "json"])).stdout) as Doc;
const eventsWithReason = async (reason: string): Promise<string[]> => {
  const r = await kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", `reason=${reason},involvedObject.name=${NAME}`, "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]);
  return r.stdout.split("\n").filter(Boolean);
};

function policy(alertFor = "1m"): Doc {
  return releaseManagerPolicy(ns.name, { protectionLevel: 3, monitoring: { requireReady: true, requireBackup: true, prometheus: prometheus.url, alertFor, capacityHorizon: "30d" } });
}

const releaseDoc: Doc = {
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: NAME },
  spec: {
    application: "orders",
    version: "1.0.0",
    workloads: [{ kind: "Deployment", name: "orders" }],
    images: [{ name: IMAGE, digest: DIGEST }],
    architecture: { replicas: 2 },
    // Rising 2/s from 100: the forecast reaches 100,000 in about 14 hours, inside the 30-day horizon.
    capacity: { metrics: [{ name: "orders-per-second", query: 'sum(golive_test_orders_per_second{app="orders"})', unit: "orders/s", launch: 50, peak: 200, upperBound: 100_000 }] },
    strategy: { trafficRouting: { service: "orders" }, steps: [{ name: "all", setWeight: 100 }], progressDeadline: "5m" },
  },
};
const deploymentDoc = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "orders", labels: { app: "orders", "golive.dev/release": NAME } },
  spec: {
    selector: { matchLabels: { app: "orders" } },
    template: { metadata: { labels: { app: "orders", "golive.dev/release": NAME } }, spec: { containers: [{ name: "orders", image: `${IMAGE}@${DIGEST}`, ports: [{ name: "metrics", containerPort: 9090 }] }] } },
  },
};

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  if (await installFixtureCrds("prometheus-operator")) installed.push(...OPERATOR_CRDS);
  app = createServer((_req, res) => {
    if (!healthy) return void res.writeHead(500).end("not yet");
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`golive_test_orders_per_second{app="orders"} ${100 + (2 * (Date.now() - started)) / 1000}\n`);
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/metrics`;
  prometheus = await startPrometheus({ targets: [{ job: "orders", urls: [url], labels: { namespace: ns.name, golive_dev_release: NAME } }] });
  await prometheus.waitForValue(`up{golive_dev_release="${NAME}"}`);

  await kubectlAsync(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`]);
  await apply(policy());
  await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "orders" }, spec: { selector: { app: "orders" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: "golive-system", capacityReportInterval: "3s", capacityHistory: "5m" }, {});
  operator = await startOperator({ config, log: createLogger(process.env.GOLIVE_TEST_LOG ?? "warn"), kubeConfig: kubeConfig(), healthServer: false });
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await prometheus?.stop();
  await new Promise((r) => app?.close(r));
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  await removeFixtureCrds(installed);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("monitoring through the operator", () => {
  it("enrolls the release once Approved: PodMonitor, PrometheusRule and dashboard owned by the Release", async () => {
    await apply(releaseDoc);
    const parsed = Release.parse({ ...releaseDoc, metadata: { ...releaseDoc.metadata, namespace: ns.name } });
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    // Blocked (waiting for the approval): nothing enrolled, nothing in status.
    const blocked = await releaseWhere("Blocked", (r) => r.status?.phase === "Blocked");
    expect(blocked.status?.monitoring).toBeUndefined();
    expect(await exists("podmonitor", NAME)).toBe(false);

    await apply(createEvidence({ release: parsed, type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
    const approved = await releaseWhere("Approved and enrolled", (r) => r.status?.phase === "Approved" && r.status.monitoring?.mode === "PodMonitor");
    expect(approved.status?.monitoring?.objects).toEqual([`PodMonitor/${NAME}`, `PrometheusRule/${NAME}`, `ConfigMap/${NAME}-dashboard`]);
    expect(approved.status?.monitoring?.syncedAt).toBeDefined();
    for (const [kind, name] of [["podmonitor", NAME], ["prometheusrule", NAME], ["configmap", `${NAME}-dashboard`]] as const) {
      const o = await objectJson(kind, name);
      expect(o.metadata.ownerReferences).toEqual([{ apiVersion: "golive.dev/v1alpha1", kind: "Release", name: NAME, uid: approved.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const rule = await objectJson("prometheusrule", NAME);
    expect(rule.spec.groups[0].rules[0]).toMatchObject({ alert: "GoliveCapacityAboveUpperBound", for: "1m" });
    const check = checkRules(stringify({ groups: rule.spec.groups }));
    expect(check.output).toMatch(/SUCCESS/);
    expect(check.ok).toBe(true);
  });

  it("holds the release before Released, saying what is missing, until targets, metrics and backups are in place", async () => {
    await apply(deploymentDoc);
    const held = await releaseWhere("held in Progressing with three reasons", (r) => r.status?.phase === "Progressing" && (r.status.monitoring?.reasons?.length ?? 0) === 3);
    const reasons = held.status!.monitoring!.reasons!;
    expect(reasons[0]).toMatch(new RegExp(`^1 of 1 scrape target\\(s\\) of Release ${ns.name}/${NAME} down: 127\\.0\\.0\\.1:\\d+$`));
    expect(reasons[1]).toBe('key capacity metric orders-per-second has no samples: sum(golive_test_orders_per_second{app="orders"}) returns nothing (capacity data must be collected from go-live, 6.3.1)');
    expect(reasons[2]).toBe("the policy requires a backup schedule, but Velero is not installed (no velero.io/v1 Schedule kind)");
    expect(held.status?.message).toBe(`waiting for monitoring before Released (4.7 b): ${reasons.join("; ")}`);
    expect(condition(held, "MonitoringReady")).toMatchObject({ status: "False", reason: "MonitoringMissing" });
    expect(condition(held, "Ready")?.status).toBe("True"); // still rolling out, not stalled
    await until("a MonitoringNotReady Event", async () => ((await eventsWithReason("MonitoringNotReady")).length ? true : undefined));

    healthy = true;
    const backupsOnly = await releaseWhere("only the backup missing", (r) => JSON.stringify(r.status?.monitoring?.reasons) === JSON.stringify([reasons[2]]), 60_000);
    expect(backupsOnly.status?.phase).toBe("Progressing");

    if (await installFixtureCrds("velero")) installed.push(VELERO_CRD);
    const schedule = (name: string, includedNamespaces: string[]) => ({ apiVersion: "velero.io/v1", kind: "Schedule", metadata: { name }, spec: { schedule: "0 1 * * *", template: { includedNamespaces, ttl: "720h" } } });
    await apply(schedule("other-namespaces", ["claims"]));
    await releaseWhere("the uncovered namespace named", (r) => (r.status?.monitoring?.reasons ?? []).some((s) => s.startsWith(`no Velero Schedule backs up namespace ${ns.name} (`)));
    const covered = Date.now();
    await apply(schedule("this-namespace", [ns.name]));
    const released = await releaseWhere("Released", (r) => r.status?.phase === "Released", 60_000);
    console.log(`[monitoring-operator] Released ${((Date.now() - covered) / 1000).toFixed(1)} s after the Schedule covering the namespace was created`);
    expect(released.status?.monitoring).toMatchObject({ mode: "PodMonitor", ready: true, reasons: [] });
    expect(condition(released, "MonitoringReady")).toMatchObject({ status: "True", reason: "MonitoringInPlace" });
  });

  it("writes the capacity report into status, raises CapacityAtRisk, an Event and the forecast gauge", async () => {
    const r = await releaseWhere("a capacity report with the metric at risk", (x) => x.status?.capacity?.atRisk === 1, 60_000);
    const report = r.status!.capacity!;
    expect(report).toMatchObject({ horizon: "30d", history: "5m", observedGeneration: r.metadata.generation });
    const m = report.metrics[0]!;
    expect(m).toMatchObject({ name: "orders-per-second", unit: "orders/s", limit: 100_000, limitSource: "upperBound", withinHorizon: true });
    // 2/s is 172,800 a day; the crossing is where the ramp reaches the limit.
    expect(m.slopePerDay).toBeGreaterThan(150_000);
    expect(m.slopePerDay).toBeLessThan(200_000);
    const expected = started + ((100_000 - 100) / 2) * 1000;
    expect(Math.abs(Date.parse(m.crossesAt!) - expected)).toBeLessThan(120_000);
    expect(condition(r, "CapacityAtRisk")).toMatchObject({ status: "True", reason: "LimitWithinHorizon" });
    await until("a CapacityLimitForecast Event", async () => ((await eventsWithReason("CapacityLimitForecast")).length ? true : undefined));
    const metrics = await operator!.metrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`golive_capacity_limit_crossing_timestamp_seconds\\{release_namespace="${ns.name}",release="${NAME}",capacity_metric="orders-per-second",limit_source="upperBound"\\} \\d+`));
  });

  it("updates the enrollment when the policy changes, and removes it (and the gauge) with the Release", async () => {
    await apply(policy("2m"));
    await until("the PrometheusRule with for: 2m", async () => ((await objectJson("prometheusrule", NAME)).spec.groups[0].rules[0].for === "2m" ? true : undefined));

    await kubectlAsync(["delete", "release", NAME, "-n", ns.name, "--wait=false"]);
    const deleted = Date.now();
    // The garbage collector learns about newly installed CRDs on its discovery resync (30 s).
    await until("the enrollment garbage-collected", async () => ((await exists("podmonitor", NAME)) || (await exists("prometheusrule", NAME)) || (await exists("configmap", `${NAME}-dashboard`)) ? undefined : true), 120_000, 500);
    console.log(`[monitoring-operator] enrollment garbage-collected ${((Date.now() - deleted) / 1000).toFixed(1)} s after the Release was deleted`);
    await until("the forecast gauge gone", async () => ((await operator!.metrics.registry.metrics()).includes(`release="${NAME}"`) ? undefined : true));
  });
});
