// Monitoring enrollment and capacity management (JR/T 0179 4.7 b, 6.3, 9.1) against real things:
// the control plane (with structural PodMonitor/ServiceMonitor/PrometheusRule CRDs from
// test/fixtures/prometheus-operator-crds/ and its garbage collector), a real Prometheus loading the
// generated rules (checked by promtool) and scraping a loopback server whose values the test sets,
// and `golive capacity` reading both.
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { Release, type ReleaseInput } from "../api/index.js";
import { main } from "../cli/main.js";
import { detectPrometheusOperator, MonitoringEnrollment } from "../operator/monitoring/apply.js";
import { buildCapacityReport, CapacityReporter } from "../operator/monitoring/capacity.js";
import { ALERTS, planEnrollment, ruleFileYaml, type DesiredObject, type RuleGroup } from "../operator/monitoring/enrollment.js";
import { CapacityForecastMetrics } from "../operator/monitoring/metrics.js";
import { checkMonitoringReady } from "../operator/monitoring/readiness.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { crdsExist, installFixtureCrds, OPERATOR_CRDS, removeFixtureCrds, VELERO_CRD } from "./support/monitoring-crds.js";
import { exampleSigners, namespacePolicy, TEST_POLICY_LABEL } from "./support/policy.js";
import { until } from "./support/wait.js";
import { checkRules, startPrometheus, type Prometheus } from "./services/prometheus.js";

const examples = join(import.meta.dirname, "..", "examples");
const ns = useNamespace("monitoring");
const NAME = "underwriting-api-2-4-1";
const client = new KubeClient(kubeConfig());

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The sample Release, in this test's namespace, edited. */
function releaseDoc(edit: (r: any) => void = () => {}): ReleaseInput {
  const r = parse(readFileSync(join(examples, "release.yaml"), "utf8")) as ReleaseInput;
  r.metadata = { name: NAME, namespace: ns.name };
  edit(r);
  return r;
}
async function applyRelease(doc: ReleaseInput): Promise<Release> {
  await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-f", "-"], JSON.stringify(doc));
  return readRelease(doc.metadata.name);
}
async function readRelease(name: string): Promise<Release> {
  return Release.parse(await client.get(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${name}`));
}
const objectJson = async (kind: string, name: string, flags: string[] = []): Promise<any> => JSON.parse(await kubectl(["get", kind, name, "-n", ns.name, "-o", "json", ...flags]));
const exists = async (kind: string, name: string) => (await kubectlAsync(["get", kind, name, "-n", ns.name])).status === 0;

// Installed by this file only when the cluster has none (GOLIVE_TEST_KUBECONFIG may point at a
// cluster with the real Prometheus Operator or Velero: never replace theirs), removed afterwards.
let operatorCrdsPreinstalled = false;
let veleroPreinstalled = false;
const installedCrds: string[] = [];
beforeAll(async () => {
  operatorCrdsPreinstalled = await crdsExist(OPERATOR_CRDS);
  veleroPreinstalled = await crdsExist([VELERO_CRD]);
});
afterAll(async () => {
  await removeFixtureCrds(installedCrds);
});

describe("enrollment on a real API server", () => {
  let release: Release;
  beforeAll(async () => {
    release = await applyRelease(releaseDoc());
  });

  it("without the Prometheus Operator's CRDs: an annotated headless Service, and the rules and dashboard in ConfigMaps", async (ctx) => {
    if (operatorCrdsPreinstalled) ctx.skip();
    expect(await detectPrometheusOperator(client)).toBe(false);
    const enrollment = new MonitoringEnrollment(client, {}, 0);
    const first = await enrollment.sync(release, "Progressing");
    expect(first).toMatchObject({ mode: "Annotations", applied: [`Service/${NAME}-metrics`, `ConfigMap/${NAME}-prometheus-rules`, `ConfigMap/${NAME}-dashboard`], pruned: [], conflicts: [] });
    const service = await objectJson("service", `${NAME}-metrics`);
    expect(service.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/path": "/metrics" });
    expect(service.spec.clusterIP).toBe("None");
    expect(service.spec.selector).toEqual({ "golive.dev/release": NAME });
    expect(service.metadata.ownerReferences).toEqual([{ apiVersion: "golive.dev/v1alpha1", kind: "Release", name: NAME, uid: release.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect((await objectJson("service", `${NAME}-metrics`, ["--show-managed-fields"])).metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain("golive-operator");
    const dashboard = await objectJson("configmap", `${NAME}-dashboard`);
    expect(dashboard.metadata.labels.grafana_dashboard).toBe("1");
    expect(JSON.parse(dashboard.data[`${NAME}.json`]).panels.length).toBeGreaterThan(5);
    // Unchanged on the next pass: nothing is sent again.
    expect(await enrollment.sync(release, "Progressing")).toMatchObject({ applied: [], unchanged: first.applied });
  });

  it("with the CRDs: a PodMonitor, a PrometheusRule and the dashboard; what the annotation convention made is pruned", async () => {
    if (await installFixtureCrds("prometheus-operator")) installedCrds.push(...OPERATOR_CRDS);
    await until("the monitoring.coreos.com/v1 kinds in discovery", async () => ((await detectPrometheusOperator(client)) ? true : undefined));
    const result = await new MonitoringEnrollment(client, {}, 0).sync(release, "Progressing");
    expect(result.mode).toBe("PodMonitor");
    expect(result.objects).toEqual([`PodMonitor/${NAME}`, `PrometheusRule/${NAME}`, `ConfigMap/${NAME}-dashboard`]);
    if (!operatorCrdsPreinstalled) expect(result.pruned.sort()).toEqual([`ConfigMap/${NAME}-prometheus-rules`, `Service/${NAME}-metrics`]);
    expect(await exists("service", `${NAME}-metrics`)).toBe(false);
    const monitor = await objectJson("podmonitor", NAME);
    expect(monitor.spec.selector).toEqual({ matchLabels: { "golive.dev/release": NAME } });
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: "metrics", path: "/metrics" });
    expect(monitor.metadata.ownerReferences[0].uid).toBe(release.metadata.uid);
    const rule = await objectJson("prometheusrule", NAME);
    expect(rule.spec.groups.map((g: RuleGroup) => g.name)).toEqual([`golive.capacity.${ns.name}.${NAME}`, `golive.signals.${ns.name}.${NAME}`, `golive.forecast.${ns.name}.${NAME}`]);
    expect(rule.spec.groups[0].rules[0].expr).toMatch(/\) > 480$/);
  });

  it("never takes over an object of the same name it does not own", async () => {
    await kubectl(["create", "service", "clusterip", `${NAME}-metrics`, "--tcp=80:8080", "-n", ns.name]);
    try {
      const result = await new MonitoringEnrollment(client, { monitorKind: "ServiceMonitor" }, 0).sync(release, "Progressing");
      expect(result.conflicts).toEqual([`Service/${NAME}-metrics exists and is not owned by Release ${NAME}; rename or delete it`]);
      expect(result.objects).toContain(`ServiceMonitor/${NAME}`);
      expect(result.pruned).toEqual([`PodMonitor/${NAME}`]);
      const service = await objectJson("service", `${NAME}-metrics`);
      expect(service.spec.clusterIP).not.toBe("None");
      expect(service.metadata.ownerReferences).toBeUndefined();
    } finally {
      await kubectl(["delete", "service", `${NAME}-metrics`, "-n", ns.name]);
    }
    const back = await new MonitoringEnrollment(client, {}, 0).sync(release, "Progressing");
    expect(back.pruned).toEqual([`ServiceMonitor/${NAME}`]);
    expect(back.applied).toEqual([`PodMonitor/${NAME}`]);
  });

  it("is updated when the Release changes, removed when monitoring is disabled, and back when enabled", async () => {
    release = await applyRelease(releaseDoc((r) => (r.spec.capacity!.metrics[0]!.upperBound = 600)));
    const enrollment = new MonitoringEnrollment(client, {}, 0);
    const updated = await enrollment.sync(release, "Progressing");
    expect(updated.applied).toEqual([`PrometheusRule/${NAME}`, `ConfigMap/${NAME}-dashboard`]);
    expect((await objectJson("prometheusrule", NAME)).spec.groups[0].rules[0].expr).toMatch(/\) > 600$/);

    // Someone edits the rule to silence the alert: the next pass puts it back.
    await kubectl(["patch", "prometheusrule", NAME, "-n", ns.name, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/groups/0/rules/0/expr", value: "vector(0) > 1" }])]);
    expect((await enrollment.sync(release, "Progressing")).applied).toEqual([`PrometheusRule/${NAME}`]);
    expect((await objectJson("prometheusrule", NAME)).spec.groups[0].rules[0].expr).toMatch(/\) > 600$/);

    release = await applyRelease(releaseDoc((r) => (r.spec.monitoring = { enabled: false })));
    const disabled = await enrollment.sync(release, "Progressing");
    expect(disabled.mode).toBe("Disabled");
    expect(disabled.pruned.sort()).toEqual([`ConfigMap/${NAME}-dashboard`, `PodMonitor/${NAME}`, `PrometheusRule/${NAME}`]);
    expect(await exists("podmonitor", NAME)).toBe(false);

    release = await applyRelease(releaseDoc());
    expect((await enrollment.sync(release, "Progressing")).applied).toHaveLength(3);
    // Not running (yet, or any more): no enrollment, so no "no data" alerts.
    expect((await enrollment.sync(release, "Blocked")).pruned).toHaveLength(3);
    expect((await enrollment.sync(release, "Released")).applied).toHaveLength(3);
    expect((await enrollment.sync(release, "RolledBack")).pruned).toHaveLength(3);
    expect((await enrollment.sync(release, "Progressing")).applied).toHaveLength(3);
  });

  it("is removed with the Release by the garbage collector", async () => {
    await kubectl(["delete", "release", NAME, "-n", ns.name, "--wait=false"]);
    const started = Date.now();
    // The garbage collector learns about newly installed CRDs on its discovery resync (30 s).
    await until("the owned objects to be garbage-collected", async () => ((await exists("podmonitor", NAME)) || (await exists("prometheusrule", NAME)) || (await exists("configmap", `${NAME}-dashboard`)) ? undefined : true), 120_000);
    console.log(`[monitoring] enrollment garbage-collected ${((Date.now() - started) / 1000).toFixed(1)} s after the Release was deleted`);
  });
});

/** The sample release as the rules see it, with test queries; no API server needed. */
function rulesRelease(): Release {
  const doc = releaseDoc((r) => {
    r.metadata.uid = "00000000-0000-4000-8000-000000000001";
    r.spec.capacity!.metrics = [{ name: "policies-issued-per-second", query: "sum(golive_test_policies_issued) # a comment must not swallow the bound", unit: "policies/s", launch: 50, peak: 200, lowerBound: 1, upperBound: 480 }];
  });
  return Release.parse(doc);
}

describe("the generated rules in a real Prometheus", () => {
  const release = rulesRelease();
  const registry = new Registry();
  const forecastMetrics = new CapacityForecastMetrics(registry);
  let capacityValue = 100;
  const started = Date.now();
  let app: Server;
  let prometheus: Prometheus;
  let groups: RuleGroup[];

  /** What the release's pods would expose, and cAdvisor and kube-state-metrics, in one endpoint. */
  async function exposition(): Promise<string> {
    const s = (Date.now() - started) / 1000;
    const target = `namespace="${ns.name}",golive_dev_release="${NAME}"`;
    const busy = `namespace="${ns.name}",pod="underwriting-api-7d9f8b6c4-x2k9p",container="api"`;
    const idle = `namespace="${ns.name}",pod="underwriting-api-7d9f8b6c4-q8w2e",container="api"`;
    const other = `namespace="${ns.name}",pod="underwriting-api-admin-7d9f8b6c4-x2k9p",container="api"`; // another workload's pod, saturated
    const lines = [
      `golive_test_policies_issued{app="underwriting-api"} ${capacityValue}`,
      `golive_test_ramp{app="underwriting-api"} ${100 + 2 * s}`,
      // 5% of requests fail; 50% under 0.1 s, 90% under 0.25 s, all under 1 s (p95 ≈ 0.62 s).
      `http_requests_total{${target},code="200"} ${95 * s}`,
      `http_requests_total{${target},code="500"} ${5 * s}`,
      ...[["0.1", 50], ["0.25", 90], ["1", 100], ["+Inf", 100]].map(([le, n]) => `http_request_duration_seconds_bucket{${target},le="${le}"} ${Number(n) * s}`),
      // CPU: the busy pod uses 0.475 of its 0.5-core request, the idle one 0.25.
      `container_cpu_usage_seconds_total{${busy}} ${0.475 * s}`,
      `container_cpu_usage_seconds_total{${idle}} ${0.25 * s}`,
      `container_cpu_usage_seconds_total{${other}} ${0.5 * s}`,
      ...[busy, idle, other].map((p) => `kube_pod_container_resource_requests{${p},resource="cpu",unit="core"} 0.5`),
      // Memory: the busy pod's working set is 95% of its limit.
      `container_memory_working_set_bytes{${busy}} ${0.95 * 512 * 2 ** 20}`,
      `container_memory_working_set_bytes{${idle}} ${0.5 * 512 * 2 ** 20}`,
      ...[busy, idle].map((p) => `kube_pod_container_resource_limits{${p},resource="memory",unit="byte"} ${512 * 2 ** 20}`),
    ];
    return `${lines.join("\n")}\n${await registry.metrics()}`;
  }

  const firing = async (alertname: string, matchers = ""): Promise<{ labels: Record<string, string> }[]> => prometheus.queryAll(`ALERTS{alertname="${alertname}",alertstate="firing"${matchers}}`);
  const waitFiring = (alertname: string, matchers = "") => until(`${alertname}${matchers} firing`, async () => ((await firing(alertname, matchers)).length ? true : undefined), 30_000);
  const waitResolved = (alertname: string) => until(`${alertname} resolved`, async () => ((await firing(alertname)).length ? undefined : true), 30_000);

  beforeAll(async () => {
    app = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.statusCode = 404;
        res.end();
        return;
      }
      exposition().then(
        (text) => {
          res.setHeader("content-type", "text/plain; version=0.0.4");
          res.end(text);
        },
        (e: unknown) => {
          res.statusCode = 500;
          res.end(String(e));
        },
      );
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(app.address() as { port: number }).port}/metrics`;
    const rule = planEnrollment(release, { prometheusOperator: true, alertFor: "2s", rateWindow: "5s", maxP95LatencyMs: 300 }).objects.find((o) => o.kind === "PrometheusRule")!;
    groups = (rule.spec as { groups: RuleGroup[] }).groups;
    prometheus = await startPrometheus({ targets: [{ job: "underwriting-api", urls: [url] }], rules: ruleFileYaml(groups) });
    await prometheus.waitForValue("sum(golive_test_policies_issued)");
  });
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((r) => app?.close(r));
  });

  it("promtool accepts every generated rule file", () => {
    const files: [string, string][] = [["test release", ruleFileYaml(groups)]];
    for (const prometheusOperator of [true, false]) {
      const plan = planEnrollment(Release.parse({ ...releaseDoc(), metadata: { name: NAME, namespace: ns.name, uid: "u" } }), { prometheusOperator });
      const rules = plan.objects.find((o: DesiredObject) => o.kind === "PrometheusRule" || o.metadata.name.endsWith("-prometheus-rules"))!;
      files.push([`sample, ${plan.mode}`, rules.kind === "PrometheusRule" ? stringify({ groups: (rules.spec as { groups: unknown }).groups }) : Object.values(rules.data as Record<string, string>)[0]!]);
    }
    for (const [what, yaml] of files) {
      const check = checkRules(yaml);
      expect(check.ok, `${what}:\n${check.output}`).toBe(true);
      expect(check.output).toMatch(/SUCCESS: \d+ rules found/);
    }
  });

  it("fires the capacity alerts at the declared bounds: above the upper, below the lower, neither in between", async () => {
    // In bounds (100, bounds 1..480): after several evaluations with the data present, nothing fires.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await firing(ALERTS.aboveUpperBound)).toEqual([]);
    expect(await firing(ALERTS.belowLowerBound)).toEqual([]);
    expect(await firing(ALERTS.metricAbsent)).toEqual([]);

    capacityValue = 481;
    await waitFiring(ALERTS.aboveUpperBound, ',capacity_metric="policies-issued-per-second"');
    const [upper] = await firing(ALERTS.aboveUpperBound);
    expect(upper!.labels).toMatchObject({ golive_release: NAME, golive_namespace: ns.name, severity: "warning", jrt0179: "6.3.2" });
    expect(await firing(ALERTS.belowLowerBound)).toEqual([]);

    capacityValue = 0.5;
    await waitFiring(ALERTS.belowLowerBound, ',capacity_metric="policies-issued-per-second"');
    await waitResolved(ALERTS.aboveUpperBound);

    capacityValue = 100;
    await waitResolved(ALERTS.belowLowerBound);
  });

  it("fires the standard signals: error rate, p95 latency, CPU and memory saturation of the release's pods only", async () => {
    await waitFiring(ALERTS.errorRate, `,golive_release="${NAME}"`);
    await waitFiring(ALERTS.latency, `,golive_release="${NAME}"`);
    await waitFiring(ALERTS.cpu);
    await waitFiring(ALERTS.memory);
    expect((await firing(ALERTS.cpu)).map((a) => a.labels.pod)).toEqual(["underwriting-api-7d9f8b6c4-x2k9p"]);
    expect((await firing(ALERTS.memory)).map((a) => a.labels.pod)).toEqual(["underwriting-api-7d9f8b6c4-x2k9p"]);
  });

  it("fires the forecast alert from the operator's gauge when a crossing falls inside the horizon", async () => {
    expect(await firing(ALERTS.forecast)).toEqual([]);
    const now = new Date();
    const samples = Array.from({ length: 10 }, (_, i) => [now.getTime() - (10 - i) * 3_600_000, 300 + 10 * i] as const);
    const report = buildCapacityReport(release, new Map([["policies-issued-per-second", { samples }]]), { now, horizonMs: 30 * 86_400_000, historyMs: 10 * 3_600_000 });
    expect(report.atRisk).toBe(1);
    forecastMetrics.record(release, report);
    await waitFiring(ALERTS.forecast, ',capacity_metric="policies-issued-per-second",limit_source="upperBound"');
    forecastMetrics.record(release, undefined);
    await waitResolved(ALERTS.forecast);
  });

  it("confirms monitoring before Released: targets up and key metrics sampled; names what is missing", async () => {
    // The test Prometheus scrapes a static target without Kubernetes labels: select it by job.
    const selector = 'job="underwriting-api"';
    expect(await checkMonitoringReady(prometheus.url, release, { targetSelector: selector })).toEqual({ ready: true, reasons: [] });

    const missing = Release.parse({ ...release, spec: { ...release.spec, capacity: { metrics: [...release.spec.capacity!.metrics, { name: "claims-per-second", query: "sum(golive_test_claims)", launch: 1, peak: 2 }] } } });
    expect((await checkMonitoringReady(prometheus.url, missing, { targetSelector: selector })).reasons).toEqual(["key capacity metric claims-per-second has no samples: sum(golive_test_claims) returns nothing (capacity data must be collected from go-live, 6.3.1)"]);
    const unscraped = await checkMonitoringReady(prometheus.url, release);
    expect(unscraped.reasons[0]).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:\d+ scrapes no target of Release .* \(up\{namespace=".*",golive_dev_release="underwriting-api-2-4-1"\} has no series\)/);
    const unreachable = await checkMonitoringReady("http://127.0.0.1:1", release, { targetSelector: selector });
    expect(unreachable.ready).toBe(false);
    expect(unreachable.reasons[0]).toMatch(/^cannot check the scrape targets: cannot reach Prometheus at http:\/\/127\.0\.0\.1:1/);
  });

  it("requires a Velero Schedule covering the namespace where the policy asks", async () => {
    const opts = { targetSelector: 'job="underwriting-api"', velero: true, kube: client };
    if (!veleroPreinstalled) {
      expect((await checkMonitoringReady(prometheus.url, release, opts)).reasons).toEqual(["the policy requires a backup schedule, but Velero is not installed (no velero.io/v1 Schedule kind)"]);
      if (await installFixtureCrds("velero")) installedCrds.push(VELERO_CRD);
    }
    const schedule = (name: string, template: object) => ({ apiVersion: "velero.io/v1", kind: "Schedule", metadata: { name, namespace: ns.name }, spec: { schedule: "0 1 * * *", template } });
    await kubectl(["apply", "-f", "-"], JSON.stringify(schedule("other-namespaces", { includedNamespaces: ["claims"] })));
    const uncovered = await checkMonitoringReady(prometheus.url, release, opts);
    expect(uncovered.ready).toBe(false);
    expect(uncovered.reasons).toEqual([expect.stringMatching(new RegExp(`^no Velero Schedule backs up namespace ${ns.name} \\(`))]);
    await kubectl(["apply", "-f", "-"], JSON.stringify(schedule("this-namespace", { includedNamespaces: [ns.name], ttl: "720h" })));
    expect(await checkMonitoringReady(prometheus.url, release, opts)).toEqual({ ready: true, reasons: [] });
  });
});


describe("capacity report from a real Prometheus", () => {
  const RAMP = "ramp-1-0-0";
  let app: Server;
  let prometheus: Prometheus;
  const started = Date.now();

  beforeAll(async () => {
    app = createServer((_req, res) => res.end(`golive_test_ramp{app="ramp"} ${100 + 2 * ((Date.now() - started) / 1000)}\n`));
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    prometheus = await startPrometheus({ targets: [{ job: "ramp", urls: [`http://127.0.0.1:${(app.address() as { port: number }).port}/metrics`] }] });
    await applyRelease({
      ...releaseDoc((r) => {
        r.spec.capacity = {
          metrics: [
            { name: "quotes-per-second", query: "golive_test_ramp", unit: "quotes/s", launch: 50, peak: 200, upperBound: 480 },
            { name: "claims-per-second", query: "sum(golive_test_claims)", launch: 1, peak: 2, testedLimit: 10 },
          ],
        };
      }),
      metadata: { name: RAMP, namespace: ns.name },
    });
    await prometheus.waitForValue("count_over_time(golive_test_ramp[1m])", { until: (n) => n >= 8 });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((r) => app?.close(r));
  });

  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const o = vi.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((c) => ((err += String(c)), true));
    try {
      return { code: await main(args), out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it("`golive capacity` prints current value, requirements, trend and the forecast crossing", async () => {
    const truth = started + 190_000; // 100 + 2/s reaches 480 after 190 s
    const { code, out, err } = await run(["capacity", RAMP, "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--prometheus", prometheus.url, "--history", "5m", "--step", "1s", "--horizon", "1h"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Release ${ns.name}/${RAMP} \\(underwriting-api 2\\.4\\.1\\): capacity over the last 5m, forecast horizon 1h, from http://127\\.0\\.0\\.1:\\d+\\n`));
    const header = out.split("\n")[1]!;
    expect(header).toMatch(/^METRIC\s+CURRENT\s+PEAK\s+TESTED LIMIT\s+LIMIT\s+TREND\/DAY\s+FORECAST CROSSING$/);
    const row = out.split("\n").find((l) => l.startsWith("quotes-per-second "))!;
    const cells = row.split(/\s{2,}/);
    expect(cells[2]).toBe("200");
    expect(cells[3]).toBe("-");
    expect(cells[4]).toBe("480 (upperBound)");
    expect(Number(cells[5])).toBeGreaterThan(2 * 86_400 * 0.98);
    expect(Number(cells[5])).toBeLessThan(2 * 86_400 * 1.02);
    const crossing = Date.parse(cells[6]!.replace(/ \(in .*\)$/, "").replace(/Z$/, ":00Z"));
    expect(Math.abs(crossing - truth)).toBeLessThan(90_000); // minute resolution in the table
    expect(out).toMatch(/^claims-per-second\s+-\s+2\s+10\s+10 \(testedLimit\)\s+-\s+no forecast: 0 usable sample\(s\)/m);

    const json = await run(["capacity", RAMP, "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--prometheus", prometheus.url, "--history", "5m", "--step", "1s", "--horizon", "1h", "-o", "json"]);
    const report = JSON.parse(json.out);
    const quotes = report.metrics[0];
    console.log(`[monitoring] forecast from ${quotes.samples} samples: crossing ${quotes.crossesAt}, truth ${new Date(truth).toISOString()}, error ${(Math.abs(Date.parse(quotes.crossesAt) - truth) / 1000).toFixed(1)} s`);
    expect(Math.abs(Date.parse(quotes.crossesAt) - truth)).toBeLessThan(5_000);
    expect(quotes.withinHorizon).toBe(true);
  });

  it("`golive capacity` says what is wrong: no such release, no Prometheus", async () => {
    const missing = await run(["capacity", "nope", "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--prometheus", prometheus.url]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`golive: no Release nope in namespace ${ns.name}\n`);
    const down = await run(["capacity", RAMP, "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--prometheus", "http://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/no forecast: cannot read the history: cannot reach Prometheus at http:\/\/127\.0\.0\.1:1/);
    expect(down.err).toBe("golive: could not read the history of 2 of 2 key capacity metric(s)\n");
  });

  it("`golive capacity` uses the governing policy's Prometheus and horizon, as the operator does", async () => {
    const policy = namespacePolicy(ns.name, { protectionLevel: 2, gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }], signers: exampleSigners((n) => n === "release-manager"), roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }], approvals: [{ stage: "Release", roles: ["release-manager"] }], monitoring: { prometheus: prometheus.url, capacityHorizon: "1h" } });
    await kubectl(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`, "--overwrite"]);
    await kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(policy));
    try {
      const r = await run(["capacity", RAMP, "-n", ns.name, "--kubeconfig", inject("kubeconfig")]);
      expect(r.err).toBe("");
      expect(r.out.split("\n")[0]).toMatch(new RegExp(`forecast horizon 1h, from ${prometheus.url.replaceAll(".", "\\.")}$`));
    } finally {
      await kubectl(["delete", "releasepolicy", policy.metadata.name]);
    }
  });

  it("the reporter runs reports off the reconcile path, on schedule, resuming from status", async () => {
    const release = await readRelease(RAMP);
    const enqueued: string[] = [];
    const reporter = new CapacityReporter({ intervalMs: 3_600_000, historyMs: 300_000, horizonMs: 3_600_000, prometheusUrl: () => prometheus.url, enqueue: (k) => enqueued.push(k), maxConcurrent: 1 });
    expect(reporter.next(release, undefined)).toEqual({});
    // One report at a time here: another release's waits and is asked to look again shortly.
    const other = { ...release, metadata: { ...release.metadata, name: `${RAMP}-other`, uid: "other" } };
    expect(reporter.next(other, undefined)).toEqual({ requeueAfterMs: 5_000 });
    await until("the report to finish", async () => (enqueued.length ? true : undefined));
    expect(enqueued).toEqual([`${ns.name}/${RAMP}`]);
    const { report } = reporter.next(release, undefined);
    expect(report?.metrics[0]).toMatchObject({ name: "quotes-per-second", withinHorizon: true });
    // Once status holds it, the next one is due an interval later; nothing runs meanwhile.
    const later = reporter.next(release, report);
    expect(later.report).toBe(report);
    expect(later.requeueAfterMs).toBeGreaterThan(3_500_000);
    expect(enqueued).toHaveLength(1);
  });
});
