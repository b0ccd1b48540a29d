// Monitoring enrollment of a Release (JR/T 0179 4.7 b, 6.3.1, 6.3.2, 9.1), planned purely: the
// objects that make Prometheus scrape the release's pods, alert on its declared capacity bounds
// and on the standard signals, and show it on a Grafana dashboard. All are owned by the Release
// (deleted with it by the garbage collector) and labelled so a later plan can prune them.
//
// golive never mutates what users apply (the webhook only validates), so the scrape target is
// described beside the workload: a PodMonitor (or ServiceMonitor + headless Service) where the
// Prometheus Operator's CRDs are installed, else a headless `<release>-metrics` Service carrying
// the prometheus.io/* annotations.
import { stringify } from "yaml";
import { API_VERSION, RELEASE_LABEL, type CapacityMetric, type Phase, type Release, type ReleasePolicySpec, type WorkloadKind } from "../../api/index.js";
import { DRIFT_GAUGE } from "../drift/metrics.js";
import { DR_GAUGE } from "../dr/metrics.js";
import { dashboardJson } from "./dashboard.js";
import {
  childName,
  COMPONENT_LABEL,
  GRAFANA_DASHBOARD_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MONITORING_COMPONENT,
  promDuration,
  promNumber,
  PROMETHEUS_RULES_LABEL,
  promString,
  TARGET_RELEASE_LABEL,
  templateText,
  toMs,
} from "./names.js";

export const MONITORING_API = "monitoring.coreos.com/v1";

export interface DesiredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences: OwnerReference[];
  };
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

export interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** Standard-signal metric names; the defaults are client_golang's and cAdvisor's/kube-state-metrics'. */
export interface SignalMetrics {
  /** A counter of requests with a status code label. */
  requestsTotal: string;
  /** Label matcher selecting failed requests among them. */
  errorMatcher: string;
  /** The request duration histogram's _bucket series, in seconds. */
  durationBucket: string;
}

export interface EnrollmentOptions {
  /** The Prometheus Operator's CRDs are installed (see detectPrometheusOperator in apply.ts). */
  prometheusOperator: boolean;
  /** With the CRDs: scrape through a PodMonitor (default) or a ServiceMonitor and a headless Service. */
  monitorKind?: "PodMonitor" | "ServiceMonitor";
  /** How long a condition must hold before an alert fires; default 5m. */
  alertFor?: string | number;
  /** Window of rate() in the standard signals; default 5m (at least four scrape intervals). */
  rateWindow?: string | number;
  /** Scrape interval for the PodMonitor/ServiceMonitor; default: Prometheus' own. */
  scrapeInterval?: string | number;
  /** Error-rate alert threshold, 0–1; default 0.01 (the performance gate's maxErrorRate fits). */
  maxErrorRate?: number;
  /** p95 latency alert threshold in milliseconds; default 1000 (the performance gate's maxP95LatencyMs fits). */
  maxP95LatencyMs?: number;
  /** CPU (of limit, else request) and memory (of limit) use that counts as saturated; default 0.9. */
  saturation?: number;
  signals?: Partial<SignalMetrics>;
  /** Alert on the operator's capacity forecast gauge (metrics.ts); default true. */
  forecastAlert?: boolean;
  /** Labels added to every object, e.g. what a Prometheus' ruleSelector or a Grafana sidecar asks for. */
  extraLabels?: Record<string, string>;
  /** Grafana folder for the dashboard (the sidecar's folderAnnotation, grafana_folder). */
  dashboardFolder?: string;
}

export type EnrollmentMode = "PodMonitor" | "ServiceMonitor" | "Annotations" | "Disabled";

export interface EnrollmentPlan {
  mode: EnrollmentMode;
  /** Every object the release's enrollment consists of; anything else labelled as enrollment is pruned. */
  objects: DesiredObject[];
  /** Why nothing can be enrolled, when that is the case. */
  problem?: string;
}

export const ALERTS = {
  aboveUpperBound: "GoliveCapacityAboveUpperBound",
  belowLowerBound: "GoliveCapacityBelowLowerBound",
  metricAbsent: "GoliveCapacityMetricAbsent",
  targetDown: "GoliveTargetDown",
  errorRate: "GoliveHighErrorRate",
  latency: "GoliveHighLatencyP95",
  cpu: "GoliveCpuSaturation",
  memory: "GoliveMemorySaturation",
  forecast: "GoliveCapacityLimitForecast",
  drift: "GoliveReleaseDrifted",
  dr: "GoliveDisasterRecoveryInconsistent",
} as const;

/**
 * Phases in which the release is enrolled: from Approved (its workloads may run) on. Before that
 * (and once RolledBack) the enrollment is pruned, so that "no data" alerts do not fire for a
 * version that is not running. Failed keeps it: a person is looking.
 */
export const ENROLLED_PHASES: readonly Phase[] = ["Approved", "Verifying", "CleaningUp", "Progressing", "Released", "RollingBack", "Failed"];

/**
 * Enrollment options a policy states: its spec.monitoring (monitor kind, alert duration, labels)
 * and the alert thresholds of its performance gate (error rate, p95 latency).
 */
export function enrollmentOptionsFromPolicy(policy: ReleasePolicySpec | undefined): Omit<EnrollmentOptions, "prometheusOperator"> {
  if (!policy) return {};
  const performance = policy.gates.find((g) => g.performance)?.performance;
  const rules = policy.monitoring;
  return {
    ...(performance ? { maxErrorRate: performance.maxErrorRate, ...(performance.maxP95LatencyMs !== undefined ? { maxP95LatencyMs: performance.maxP95LatencyMs } : {}) } : {}),
    ...(rules ? { monitorKind: rules.monitorKind, alertFor: rules.alertFor, ...(rules.ruleLabels ? { extraLabels: rules.ruleLabels } : {}) } : {}),
  };
}

/** The gauge the operator exports for each forecast crossing within the horizon (metrics.ts). */
export const FORECAST_GAUGE = "golive_capacity_limit_crossing_timestamp_seconds";

const DEFAULT_SIGNALS: SignalMetrics = { requestsTotal: "http_requests_total", errorMatcher: 'code=~"5.."', durationBucket: "http_request_duration_seconds_bucket" };

/** Names of the objects of one release's enrollment. */
export function enrollmentNames(release: Release) {
  const name = release.metadata.name;
  return {
    monitor: name,
    service: childName(name, "metrics", 63, true),
    rule: name,
    rulesConfigMap: childName(name, "prometheus-rules"),
    dashboard: childName(name, "dashboard"),
  };
}

/** The label matchers selecting the series scraped from the release's pods. */
export function targetSelector(release: Release): string {
  return `namespace=${promString(release.metadata.namespace ?? "")},${TARGET_RELEASE_LABEL}=${promString(release.metadata.name)}`;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Pod names each workload kind produces, anchored tightly so that `api` does not match
 * `api-admin`'s pods. A Deployment's include those of the stable copy the rollout keeps beside it
 * (`<name>-stable`, operator/rollout): together they serve the workload's traffic.
 */
const POD_NAME_PATTERNS: Record<WorkloadKind, (name: string) => string> = {
  Deployment: (n) => `${n}(?:-stable)?-[a-z0-9]+-[a-z0-9]{5}`,
  ReplicaSet: (n) => `${n}-[a-z0-9]{5}`,
  ReplicationController: (n) => `${n}-[a-z0-9]{5}`,
  StatefulSet: (n) => `${n}-[0-9]+`,
  DaemonSet: (n) => `${n}-[a-z0-9]{5}`,
  Job: (n) => `${n}-[a-z0-9]{5}`,
  CronJob: (n) => `${n}-[0-9]+-[a-z0-9]{5}`,
  Pod: (n) => n,
};

/** A PromQL regex matching the pod names of the release's workloads (container metrics carry no pod labels). */
export function podNameRegex(release: Release): string {
  return release.spec.workloads.map((w) => POD_NAME_PATTERNS[w.kind](escapeRegex(w.name))).join("|");
}

/** The limit above which the metric alerts: upperBound, else the tested limit (6.3.2). */
export function upperBoundOf(m: CapacityMetric): { value: number; source: "upperBound" | "testedLimit" } | undefined {
  if (m.upperBound !== undefined) return { value: m.upperBound, source: "upperBound" };
  if (m.testedLimit !== undefined) return { value: m.testedLimit, source: "testedLimit" };
  return undefined;
}

/** The alert rule groups of a release, exactly as a Prometheus rule file or a PrometheusRule spec holds them. */
export function ruleGroups(release: Release, opts: Omit<EnrollmentOptions, "prometheusOperator"> = {}): RuleGroup[] {
  const name = release.metadata.name;
  const ns = release.metadata.namespace ?? "";
  const forDuration = promDuration(toMs(opts.alertFor ?? "5m"));
  const base = { golive_release: name, golive_namespace: ns };
  const who = `${release.spec.application} ${release.spec.version} (Release ${ns}/${name})`;
  const groups: RuleGroup[] = [];

  const capacity: Rule[] = [];
  for (const m of release.spec.capacity?.metrics ?? []) {
    const unit = m.unit ? ` ${templateText(m.unit)}` : "";
    // The user's PromQL on lines of its own, so a trailing # comment cannot swallow the comparison.
    const q = `(\n${m.query}\n)`;
    const labels = { ...base, capacity_metric: m.name, severity: "warning", jrt0179: "6.3.2" };
    const upper = upperBoundOf(m);
    if (upper) {
      capacity.push({
        alert: ALERTS.aboveUpperBound,
        expr: `${q} > ${promNumber(upper.value)}`,
        for: forDuration,
        labels,
        annotations: {
          summary: `${m.name} above its upper bound for ${who}`,
          description: `${m.name} is {{ $value | humanize }}${unit}, above the ${upper.source === "upperBound" ? "declared upper bound" : "tested limit"} ${upper.value}${unit} (peak requirement ${m.peak}${unit}).`,
        },
      });
    }
    if (m.lowerBound !== undefined) {
      capacity.push({
        alert: ALERTS.belowLowerBound,
        expr: `${q} < ${promNumber(m.lowerBound)}`,
        for: forDuration,
        labels,
        annotations: {
          summary: `${m.name} below its lower bound for ${who}`,
          description: `${m.name} is {{ $value | humanize }}${unit}, below the declared lower bound ${m.lowerBound}${unit}.`,
        },
      });
    }
    capacity.push({
      alert: ALERTS.metricAbsent,
      expr: `absent(${q})`,
      for: forDuration,
      labels,
      annotations: {
        summary: `${m.name} has no data for ${who}`,
        description: `The key capacity metric ${m.name} returns no samples: capacity data is not being collected (6.3.1).`,
      },
    });
  }
  if (capacity.length) groups.push({ name: `golive.capacity.${ns}.${name}`, rules: capacity });

  const sig = { ...DEFAULT_SIGNALS, ...opts.signals };
  const sel = targetSelector(release);
  const pods = `namespace=${promString(ns)},pod=~${promString(podNameRegex(release))}`;
  const containers = `${pods},container!="",container!="POD"`;
  const byContainer = "sum by (namespace, pod, container)";
  const maxErrorRate = opts.maxErrorRate ?? 0.01;
  const latencyS = (opts.maxP95LatencyMs ?? 1000) / 1000;
  const saturation = opts.saturation ?? 0.9;
  const w = `[${promDuration(toMs(opts.rateWindow ?? "5m"))}]`;
  const signal = (alert: string, expr: string, summary: string, description: string, clause = "9.1"): Rule => ({ alert, expr, for: forDuration, labels: { ...base, severity: "warning", jrt0179: clause }, annotations: { summary: `${summary} for ${who}`, description } });
  groups.push({
    name: `golive.signals.${ns}.${name}`,
    rules: [
      signal(ALERTS.targetDown, `up{${sel}} == 0`, "A scrape target is down", "Prometheus cannot scrape {{ $labels.instance }}: monitoring of this release is incomplete (4.7 b).", "4.7 b"),
      signal(
        ALERTS.errorRate,
        `sum(rate(${sig.requestsTotal}{${sel},${sig.errorMatcher}}${w})) / sum(rate(${sig.requestsTotal}{${sel}}${w})) > ${promNumber(maxErrorRate)}`,
        "High error rate",
        `{{ $value | humanizePercentage }} of requests fail, above ${maxErrorRate * 100}%.`,
      ),
      signal(
        ALERTS.latency,
        `histogram_quantile(0.95, sum by (le) (rate(${sig.durationBucket}{${sel}}${w}))) > ${promNumber(latencyS)}`,
        "High p95 latency",
        `p95 latency is {{ $value | humanizeDuration }}, above ${latencyS}s.`,
      ),
      signal(
        ALERTS.cpu,
        `${byContainer} (rate(container_cpu_usage_seconds_total{${containers}}${w})) / (${byContainer} (kube_pod_container_resource_limits{${pods},resource="cpu"}) or ${byContainer} (kube_pod_container_resource_requests{${pods},resource="cpu"})) > ${promNumber(saturation)}`,
        "CPU saturation",
        `Container {{ $labels.container }} of pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit (or request) (6.2.1).`,
        "6.2.1",
      ),
      signal(
        ALERTS.memory,
        `${byContainer} (container_memory_working_set_bytes{${containers}}) / ${byContainer} (kube_pod_container_resource_limits{${pods},resource="memory"}) > ${promNumber(saturation)}`,
        "Memory saturation",
        `Container {{ $labels.container }} of pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit (6.2.1).`,
        "6.2.1",
      ),
      // Drift after admission, from the operator's own gauge (operator/drift/metrics.ts): at once,
      // without a `for`, since the gauge holds until the drift is gone.
      {
        alert: ALERTS.drift,
        expr: `max by (kind) (${DRIFT_GAUGE}{release_namespace=${promString(ns)},release=${promString(name)}}) > 0`,
        labels: { ...base, severity: "critical", jrt0179: "4.7 a, 8.4" },
        annotations: {
          summary: `What runs differs from what was sealed for ${who}`,
          description: "{{ $value }} difference(s) of kind {{ $labels.kind }} between the running pods or sealed configuration and the Release's seal: see the Release's Drifted condition (4.7 a, 8.4).",
        },
      },
      // A DR target (the policy's spec.disasterRecovery) not running the sealed version, from the
      // operator's gauge (operator/dr/metrics.ts): Drifted or Unreachable, for the alert's `for`.
      {
        alert: ALERTS.dr,
        expr: `min by (target, state) (${DR_GAUGE}{release_namespace=${promString(ns)},release=${promString(name)}}) == 0`,
        for: forDuration,
        labels: { ...base, severity: "critical", jrt0179: "4.3 g, 9.2" },
        annotations: {
          summary: `A disaster-recovery site does not run the sealed version of ${who}`,
          description: "DR target {{ $labels.target }} is {{ $labels.state }}: see the Release's DisasterRecoveryConsistent condition and golive dr status (4.3 g).",
        },
      },
    ],
  });

  if ((opts.forecastAlert ?? true) && release.spec.capacity?.metrics.length) {
    groups.push({
      name: `golive.forecast.${ns}.${name}`,
      rules: [
        {
          alert: ALERTS.forecast,
          expr: `${FORECAST_GAUGE}{release_namespace=${promString(ns)},release=${promString(name)}} > 0`,
          labels: { ...base, severity: "warning", jrt0179: "6.3.3" },
          annotations: {
            summary: `Capacity limit forecast within the horizon for ${who}`,
            description: "{{ $labels.capacity_metric }} is forecast to reach its {{ $labels.limit_source }} at {{ $value | humanizeTimestamp }}: plan capacity now (6.3.3).",
          },
        },
      ],
    });
  }
  return groups;
}

/** A rule file (`groups: [...]`) as Prometheus and promtool read it. */
export function ruleFileYaml(groups: RuleGroup[]): string {
  return stringify({ groups }, { lineWidth: 0 });
}

function relabelings(release: Release) {
  return [
    { action: "replace", targetLabel: TARGET_RELEASE_LABEL, replacement: release.metadata.name },
    { action: "replace", targetLabel: "golive_application", replacement: release.spec.application },
    { action: "replace", targetLabel: "golive_version", replacement: release.spec.version },
  ];
}

/** The monitoring spec's port: a number, or a container port name. */
function metricsPort(release: Release): { number: number } | { name: string } {
  const port = release.spec.monitoring.port;
  return /^\d+$/.test(port) ? { number: Number(port) } : { name: port };
}

/**
 * Everything the release's enrollment consists of. Pure: the caller says whether the Prometheus
 * Operator's CRDs exist. With spec.monitoring.enabled false the plan is empty (and applying it
 * prunes what was there).
 */
export function planEnrollment(release: Release, opts: EnrollmentOptions): EnrollmentPlan {
  const { name, namespace, uid } = release.metadata;
  if (!release.spec.monitoring.enabled) return { mode: "Disabled", objects: [] };
  if (!namespace || !uid) return { mode: "Disabled", objects: [], problem: "the Release has no namespace or uid yet: it must be read from the API server" };
  if (name.length > 63) return { mode: "Disabled", objects: [], problem: `the Release name is ${name.length} characters long; the ${RELEASE_LABEL} label that selects its pods holds at most 63` };

  const names = enrollmentNames(release);
  const labels: Record<string, string> = { ...opts.extraLabels, [MANAGED_BY_LABEL]: MANAGED_BY, [RELEASE_LABEL]: name, [COMPONENT_LABEL]: MONITORING_COMPONENT, "app.kubernetes.io/name": release.spec.application };
  const ownerReferences: OwnerReference[] = [{ apiVersion: API_VERSION, kind: "Release", name, uid, controller: true, blockOwnerDeletion: true }];
  const meta = (objectName: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}) => ({
    name: objectName,
    namespace,
    labels: { ...labels, ...extra.labels },
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
    ownerReferences,
  });
  const port = metricsPort(release);
  const path = release.spec.monitoring.path;
  const interval = opts.scrapeInterval !== undefined ? { interval: promDuration(toMs(opts.scrapeInterval)) } : {};
  const mode: EnrollmentMode = opts.prometheusOperator ? (opts.monitorKind ?? "PodMonitor") : "Annotations";
  const objects: DesiredObject[] = [];

  if (mode === "PodMonitor") {
    objects.push({
      apiVersion: MONITORING_API,
      kind: "PodMonitor",
      metadata: meta(names.monitor),
      spec: {
        selector: { matchLabels: { [RELEASE_LABEL]: name } },
        podMetricsEndpoints: [{ ...("name" in port ? { port: port.name } : { targetPort: port.number }), path, ...interval, relabelings: relabelings(release) }],
      },
    });
  } else {
    // A headless Service selecting the release's pods: scraped through a ServiceMonitor, or by
    // the prometheus.io/* annotations (without a port annotation, the endpoint's own port).
    const annotations = mode === "Annotations" ? { "prometheus.io/scrape": "true", "prometheus.io/path": path, ...("number" in port ? { "prometheus.io/port": String(port.number) } : {}) } : undefined;
    objects.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(names.service, annotations ? { annotations } : {}),
      spec: {
        clusterIP: "None",
        selector: { [RELEASE_LABEL]: name },
        // For a named container port the Service port number is only a placeholder: endpoints carry the resolved port.
        ports: [{ name: "metrics", protocol: "TCP", port: "number" in port ? port.number : 9090, targetPort: "number" in port ? port.number : port.name }],
      },
    });
    if (mode === "ServiceMonitor") {
      objects.push({
        apiVersion: MONITORING_API,
        kind: "ServiceMonitor",
        metadata: meta(names.monitor),
        spec: {
          selector: { matchLabels: { [RELEASE_LABEL]: name, [COMPONENT_LABEL]: MONITORING_COMPONENT } },
          endpoints: [{ port: "metrics", path, ...interval, relabelings: relabelings(release) }],
        },
      });
    }
  }

  const groups = ruleGroups(release, opts);
  if (opts.prometheusOperator) {
    objects.push({ apiVersion: MONITORING_API, kind: "PrometheusRule", metadata: meta(names.rule), spec: { groups } });
  } else {
    // No PrometheusRule kind: the rule file in a ConfigMap, for a Prometheus that loads rule files
    // from labelled ConfigMaps (a config-reloader sidecar) or mounts it.
    objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(names.rulesConfigMap, { labels: { [PROMETHEUS_RULES_LABEL]: "true" } }), data: { [`${name}.rules.yaml`]: ruleFileYaml(groups) } });
  }

  objects.push({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(names.dashboard, { labels: { [GRAFANA_DASHBOARD_LABEL]: "1" }, ...(opts.dashboardFolder ? { annotations: { grafana_folder: opts.dashboardFolder } } : {}) }),
    data: { [`${name}.json`]: JSON.stringify(dashboardJson(release, { podRegex: podNameRegex(release), selector: targetSelector(release), signals: sig(opts) })) },
  });
  return { mode, objects };
}

const sig = (opts: EnrollmentOptions): SignalMetrics => ({ ...DEFAULT_SIGNALS, ...opts.signals });
