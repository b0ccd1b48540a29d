// planEnrollment on the sample release: which objects in which convention, owned and labelled so
// they are pruned and garbage-collected with the Release; the alert rules from the declared bounds.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { Release, ReleasePolicy, type ReleaseInput } from "../../api/index.js";
import { withHash } from "./apply.js";
import { ALERTS, enrollmentNames, enrollmentOptionsFromPolicy, planEnrollment, podNameRegex, ruleGroups, targetSelector, upperBoundOf, type DesiredObject } from "./enrollment.js";
import { childName, ENROLLMENT_HASH_ANNOTATION, promDuration } from "./names.js";

const sample = parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "release.yaml"), "utf8")) as ReleaseInput;

function release(edit: (r: any) => void = () => {}): Release {
  const r = structuredClone(sample);
  r.metadata.uid = "0b5c1d4e-0000-4000-8000-000000000001";
  edit(r);
  return Release.parse(r);
}

const kinds = (objects: DesiredObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe("planEnrollment", () => {
  it("with the Prometheus Operator: a PodMonitor on the release label, a PrometheusRule and a dashboard, all owned by the Release", () => {
    const plan = planEnrollment(release(), { prometheusOperator: true });
    expect(plan.mode).toBe("PodMonitor");
    expect(kinds(plan.objects)).toEqual(["PodMonitor/underwriting-api-2-4-1", "PrometheusRule/underwriting-api-2-4-1", "ConfigMap/underwriting-api-2-4-1-dashboard"]);
    for (const o of plan.objects) {
      expect(o.metadata.namespace).toBe("underwriting");
      expect(o.metadata.ownerReferences).toEqual([{ apiVersion: "golive.dev/v1alpha1", kind: "Release", name: "underwriting-api-2-4-1", uid: "0b5c1d4e-0000-4000-8000-000000000001", controller: true, blockOwnerDeletion: true }]);
      expect(o.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "golive", "golive.dev/release": "underwriting-api-2-4-1", "golive.dev/component": "monitoring" });
    }
    const monitor = plan.objects[0]!;
    expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(monitor.spec).toMatchObject({
      selector: { matchLabels: { "golive.dev/release": "underwriting-api-2-4-1" } },
      podMetricsEndpoints: [{ port: "metrics", path: "/metrics", relabelings: expect.arrayContaining([{ action: "replace", targetLabel: "golive_dev_release", replacement: "underwriting-api-2-4-1" }]) }],
    });
    expect((plan.objects[1]!.spec as { groups: unknown[] }).groups).toEqual(ruleGroups(release()));
    const dashboard = plan.objects[2]!;
    expect(dashboard.metadata.labels.grafana_dashboard).toBe("1");
    const json = JSON.parse((dashboard.data as Record<string, string>)["underwriting-api-2-4-1.json"]!);
    expect(json.title).toBe("underwriting-api 2.4.1 (underwriting)");
    expect(json.uid).toMatch(/^golive-[0-9a-f]{24}$/);
    const capacityPanel = json.panels.find((p: { title: string }) => p.title.startsWith("policies-issued-per-second"));
    expect(capacityPanel.targets[0].expr).toBe(release().spec.capacity!.metrics[0]!.query);
    expect(capacityPanel.fieldConfig.defaults.thresholds.steps).toEqual([{ color: "red", value: null }, { color: "green", value: 1 }, { color: "yellow", value: 200 }, { color: "red", value: 480 }]);
  });

  it("with a ServiceMonitor: a headless Service selecting the pods, and a ServiceMonitor selecting only that Service", () => {
    const plan = planEnrollment(release(), { prometheusOperator: true, monitorKind: "ServiceMonitor", scrapeInterval: "30s" });
    expect(kinds(plan.objects)).toEqual(["Service/underwriting-api-2-4-1-metrics", "ServiceMonitor/underwriting-api-2-4-1", "PrometheusRule/underwriting-api-2-4-1", "ConfigMap/underwriting-api-2-4-1-dashboard"]);
    const [service, monitor] = plan.objects;
    expect(service!.metadata.annotations).toBeUndefined();
    expect(service!.spec).toEqual({ clusterIP: "None", selector: { "golive.dev/release": "underwriting-api-2-4-1" }, ports: [{ name: "metrics", protocol: "TCP", port: 9090, targetPort: "metrics" }] });
    expect(monitor!.spec).toMatchObject({ selector: { matchLabels: { "golive.dev/release": "underwriting-api-2-4-1", "golive.dev/component": "monitoring" } }, endpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }] });
  });

  it("without the Prometheus Operator: an annotated headless Service and the rule file in a ConfigMap", () => {
    const plan = planEnrollment(release((r) => (r.spec.monitoring = { port: "9102", path: "/stats" })), { prometheusOperator: false });
    expect(plan.mode).toBe("Annotations");
    expect(kinds(plan.objects)).toEqual(["Service/underwriting-api-2-4-1-metrics", "ConfigMap/underwriting-api-2-4-1-prometheus-rules", "ConfigMap/underwriting-api-2-4-1-dashboard"]);
    const [service, rules] = plan.objects;
    expect(service!.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/path": "/stats", "prometheus.io/port": "9102" });
    expect((service!.spec as { ports: unknown[] }).ports).toEqual([{ name: "metrics", protocol: "TCP", port: 9102, targetPort: 9102 }]);
    expect(rules!.metadata.labels["golive.dev/prometheus-rules"]).toBe("true");
    expect((rules!.data as Record<string, string>)["underwriting-api-2-4-1.rules.yaml"]).toMatch(/^groups:\n {2}- name: golive\.capacity\.underwriting\.underwriting-api-2-4-1\n/);
  });

  it("a numeric port on a PodMonitor is a targetPort; extra labels and the folder reach every object", () => {
    const plan = planEnrollment(release((r) => (r.spec.monitoring = { port: "8081" })), { prometheusOperator: true, extraLabels: { release: "kube-prometheus-stack" }, dashboardFolder: "Insurance" });
    expect((plan.objects[0]!.spec as { podMetricsEndpoints: { targetPort?: number; port?: string }[] }).podMetricsEndpoints[0]).toMatchObject({ targetPort: 8081 });
    expect(plan.objects.every((o) => o.metadata.labels.release === "kube-prometheus-stack")).toBe(true);
    expect(plan.objects[2]!.metadata.annotations).toEqual({ grafana_folder: "Insurance" });
  });

  it("plans nothing when monitoring is disabled, and says why it cannot plan without a uid or with a name too long for a label", () => {
    expect(planEnrollment(release((r) => (r.spec.monitoring = { enabled: false })), { prometheusOperator: true })).toEqual({ mode: "Disabled", objects: [] });
    expect(planEnrollment(release((r) => delete r.metadata.uid), { prometheusOperator: true }).problem).toMatch(/no namespace or uid/);
    expect(planEnrollment(release((r) => (r.metadata.name = "a".repeat(64))), { prometheusOperator: true }).problem).toMatch(/64 characters long; the golive.dev\/release label .* at most 63/);
  });

  it("the digest annotation changes exactly when the object does", () => {
    const a = planEnrollment(release(), { prometheusOperator: true }).objects[1]!;
    const b = planEnrollment(release((r) => (r.spec.capacity!.metrics[0]!.upperBound = 500)), { prometheusOperator: true }).objects[1]!;
    const hash = (o: DesiredObject) => withHash(o).metadata.annotations![ENROLLMENT_HASH_ANNOTATION];
    expect(hash(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(hash(a)).toBe(hash(planEnrollment(release(), { prometheusOperator: true }).objects[1]!));
    expect(hash(a)).not.toBe(hash(b));
  });
});

describe("ruleGroups", () => {
  it("alerts above the upper bound and below the lower bound of each key capacity metric, and when it has no data", () => {
    const [capacity] = ruleGroups(release(), { alertFor: "90s" });
    const q = release().spec.capacity!.metrics[0]!.query;
    expect(capacity!.rules.map((r) => [r.alert, r.expr, r.for])).toEqual([
      [ALERTS.aboveUpperBound, `(\n${q}\n) > 480`, "1m30s"],
      [ALERTS.belowLowerBound, `(\n${q}\n) < 1`, "1m30s"],
      [ALERTS.metricAbsent, `absent((\n${q}\n))`, "1m30s"],
    ]);
    expect(capacity!.rules[0]!.labels).toEqual({ golive_release: "underwriting-api-2-4-1", golive_namespace: "underwriting", capacity_metric: "policies-issued-per-second", severity: "warning", jrt0179: "6.3.2" });
    expect(capacity!.rules[0]!.annotations.description).toBe("policies-issued-per-second is {{ $value | humanize }} policies/s, above the declared upper bound 480 policies/s (peak requirement 200 policies/s).");
  });

  it("takes the tested limit as the upper bound when none is declared, and has no upper alert without either", () => {
    const tested = release((r) => {
      delete r.spec.capacity!.metrics[0]!.upperBound;
      r.spec.capacity!.metrics[0]!.testedLimit = 350;
    });
    expect(upperBoundOf(tested.spec.capacity!.metrics[0]!)).toEqual({ value: 350, source: "testedLimit" });
    expect(ruleGroups(tested)[0]!.rules[0]!.expr).toMatch(/\) > 350$/);
    const none = release((r) => delete r.spec.capacity!.metrics[0]!.upperBound);
    expect(ruleGroups(none)[0]!.rules.map((r) => r.alert)).toEqual([ALERTS.belowLowerBound, ALERTS.metricAbsent]);
  });

  it("has the standard signals on the release's targets and pods, with thresholds from the policy", () => {
    const groups = ruleGroups(release(), { maxErrorRate: 0.02, maxP95LatencyMs: 300, saturation: 0.8 });
    expect(groups.map((g) => g.name)).toEqual(["golive.capacity.underwriting.underwriting-api-2-4-1", "golive.signals.underwriting.underwriting-api-2-4-1", "golive.forecast.underwriting.underwriting-api-2-4-1"]);
    const signals = Object.fromEntries(groups[1]!.rules.map((r) => [r.alert, r.expr]));
    const sel = 'namespace="underwriting",golive_dev_release="underwriting-api-2-4-1"';
    expect(targetSelector(release())).toBe(sel);
    expect(signals[ALERTS.targetDown]).toBe(`up{${sel}} == 0`);
    expect(signals[ALERTS.errorRate]).toBe(`sum(rate(http_requests_total{${sel},code=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m])) > 0.02`);
    expect(signals[ALERTS.latency]).toBe(`histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[5m]))) > 0.3`);
    expect(signals[ALERTS.cpu]).toMatch(/^sum by \(namespace, pod, container\) \(rate\(container_cpu_usage_seconds_total\{namespace="underwriting",pod=~"underwriting-api\(\?:-stable\)\?-\[a-z0-9\]\+-\[a-z0-9\]\{5\}",container!="",container!="POD"\}\[5m\]\)\) \/ \(.* or .*\) > 0\.8$/);
    expect(signals[ALERTS.memory]).toMatch(/container_memory_working_set_bytes.*kube_pod_container_resource_limits\{.*resource="memory"\}\) > 0\.8$/);
    expect(signals[ALERTS.drift]).toBe('max by (kind) (golive_release_drift{release_namespace="underwriting",release="underwriting-api-2-4-1"}) > 0');
    const drift = groups[1]!.rules.find((r) => r.alert === ALERTS.drift)!;
    expect(drift.for).toBeUndefined();
    expect(drift.labels).toMatchObject({ severity: "critical", jrt0179: "4.7 a, 8.4", golive_release: "underwriting-api-2-4-1" });
    // 4.3 g: a DR target Drifted or Unreachable (operator/dr/metrics.ts gauge at 0), for the policy's alertFor.
    expect(signals[ALERTS.dr]).toBe('min by (target, state) (golive_release_dr_consistent{release_namespace="underwriting",release="underwriting-api-2-4-1"}) == 0');
    expect(groups[1]!.rules.find((r) => r.alert === ALERTS.dr)).toMatchObject({ for: "5m", labels: { severity: "critical", jrt0179: "4.3 g, 9.2" } });
    expect(groups[2]!.rules[0]!.expr).toBe('golive_capacity_limit_crossing_timestamp_seconds{release_namespace="underwriting",release="underwriting-api-2-4-1"} > 0');
    expect(ruleGroups(release(), { forecastAlert: false }).map((g) => g.name)).toHaveLength(2);
  });

  it("takes the error-rate and latency thresholds from the policy's performance gate, the rest from spec.monitoring", () => {
    const policy = ReleasePolicy.parse(parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "policy.yaml"), "utf8")));
    expect(enrollmentOptionsFromPolicy(policy.spec)).toEqual({ maxErrorRate: 0.01, maxP95LatencyMs: 300, monitorKind: "PodMonitor", alertFor: "5m" });
    policy.spec.monitoring = { ...policy.spec.monitoring, monitorKind: "ServiceMonitor", alertFor: "2m", ruleLabels: { release: "kube-prometheus-stack" } };
    expect(enrollmentOptionsFromPolicy(policy.spec)).toMatchObject({ monitorKind: "ServiceMonitor", alertFor: "2m", extraLabels: { release: "kube-prometheus-stack" } });
    expect(enrollmentOptionsFromPolicy(undefined)).toEqual({});
  });

  it("keeps a trailing PromQL comment from swallowing the comparison, and Go template braces out of annotations", () => {
    const r = release((x) => {
      x.spec.capacity!.metrics[0]!.query = "sum(rate(x[5m])) # policies issued";
      x.spec.capacity!.metrics[0]!.unit = "{{ evil }}";
    });
    const rule = ruleGroups(r)[0]!.rules[0]!;
    expect(rule.expr).toBe("(\nsum(rate(x[5m])) # policies issued\n) > 480");
    expect(rule.annotations.description).not.toMatch(/\{\{ evil/);
  });
});

describe("names", () => {
  it("matches each workload kind's pod names tightly", () => {
    const r = release((x) => {
      x.spec.workloads = [{ kind: "Deployment", name: "api" }, { kind: "StatefulSet", name: "db.primary" }, { kind: "Pod", name: "solo" }];
    });
    const re = new RegExp(`^(?:${podNameRegex(r)})$`);
    for (const yes of ["api-7d9f8b6c4-x2k9p", "api-stable-5c8d7f9b6-q8w2e", "db.primary-0", "solo"]) expect(yes).toMatch(re);
    for (const no of ["api-admin-7d9f8b6c4-x2k9p", "api-stable-admin-7d9f8b6c4-x2k9p", "dbxprimary-0", "solo-1"]) expect(no).not.toMatch(re);
  });

  it("keeps child names within their limits, unique, and Service names DNS-1035", () => {
    expect(childName("a".repeat(60), "metrics", 63, true)).toHaveLength(63);
    expect(childName("a".repeat(60), "metrics", 63, true)).toMatch(/^a+-[0-9a-f]{8}-metrics$/);
    expect(childName("a".repeat(60), "metrics", 63, true)).not.toBe(childName(`${"a".repeat(59)}b`, "metrics", 63, true));
    expect(childName("2fast.api", "metrics", 63, true)).toBe("r-2fast-api-metrics");
    expect(enrollmentNames(release()).service).toBe("underwriting-api-2-4-1-metrics");
  });

  it("writes Prometheus durations in whole units", () => {
    expect(promDuration(300_000)).toBe("5m");
    expect(promDuration(5_400_000)).toBe("1h30m");
    expect(promDuration(1500)).toBe("1s500ms");
    expect(promDuration(0)).toBe("0s");
    expect(promDuration(30 * 86_400_000)).toBe("30d");
  });
});
