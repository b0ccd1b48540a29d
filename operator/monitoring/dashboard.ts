// The Grafana dashboard of a release (9.1 visualization): its key capacity metrics against the
// declared requirements and bounds, and the standard signals. Plain dashboard JSON (schema 39)
// with a Prometheus data source variable, loaded by the Grafana sidecar from a labelled ConfigMap.
import { createHash } from "node:crypto";
import type { Release } from "../../api/index.js";
import type { SignalMetrics } from "./enrollment.js";
import { promString } from "./names.js";

interface DashboardContext {
  podRegex: string;
  selector: string;
  signals: SignalMetrics;
}

interface Threshold {
  color: string;
  value: number | null;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

function panel(id: number, title: string, gridPos: { x: number; y: number; w: number; h: number }, targets: { expr: string; legendFormat: string }[], defaults: Record<string, unknown> = {}, type = "timeseries") {
  return {
    id,
    type,
    title,
    datasource: DATASOURCE,
    gridPos,
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, ...t })),
    fieldConfig: { defaults, overrides: [] },
    options: type === "timeseries" ? { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } } : {},
  };
}

export function dashboardJson(release: Release, ctx: DashboardContext): Record<string, unknown> {
  const { name, namespace = "" } = release.metadata;
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  const row = (title: string) => {
    panels.push({ id: id++, type: "row", title, collapsed: false, gridPos: { x: 0, y: y++, w: 24, h: 1 }, panels: [] });
  };

  const metrics = release.spec.capacity?.metrics ?? [];
  if (metrics.length) {
    row("Key capacity metrics (JR/T 0179 6)");
    metrics.forEach((m, i) => {
      const steps: Threshold[] = [{ color: m.lowerBound !== undefined ? "red" : "green", value: null }];
      if (m.lowerBound !== undefined) steps.push({ color: "green", value: m.lowerBound });
      steps.push({ color: "yellow", value: m.peak });
      const upper = m.upperBound ?? m.testedLimit;
      if (upper !== undefined && upper > m.peak) steps.push({ color: "red", value: upper });
      const requirements = [`launch ${m.launch}`, `peak ${m.peak}`, m.campaign !== undefined ? `campaign ${m.campaign}` : "", m.testedLimit !== undefined ? `tested limit ${m.testedLimit}` : ""].filter(Boolean).join(", ");
      panels.push({
        ...panel(id++, `${m.name}${m.unit ? ` (${m.unit})` : ""}`, { x: (i % 2) * 12, y, w: 12, h: 8 }, [{ expr: m.query, legendFormat: m.name }], {
          unit: m.unit ? `suffix: ${m.unit}` : "short",
          thresholds: { mode: "absolute", steps },
          custom: { thresholdsStyle: { mode: "line" } },
        }),
        description: `Requirements: ${requirements}. Lines: lower bound (red→green), peak requirement (yellow), upper bound (red).`,
      });
      if (i % 2 === 1 || i === metrics.length - 1) y += 8;
    });
  }

  const s = ctx.signals;
  const pods = `namespace=${promString(namespace)},pod=~${promString(ctx.podRegex)}`;
  row("Standard signals (JR/T 0179 9.1)");
  panels.push(panel(id++, "Targets up", { x: 0, y, w: 6, h: 8 }, [{ expr: `sum(up{${ctx.selector}})`, legendFormat: "up" }, { expr: `count(up{${ctx.selector}})`, legendFormat: "targets" }], { unit: "short" }, "stat"));
  panels.push(panel(id++, "Requests per second", { x: 6, y, w: 9, h: 8 }, [{ expr: `sum by (code) (rate(${s.requestsTotal}{${ctx.selector}}[$__rate_interval]))`, legendFormat: "{{code}}" }], { unit: "reqps" }));
  panels.push(panel(id++, "Error rate", { x: 15, y, w: 9, h: 8 }, [{ expr: `sum(rate(${s.requestsTotal}{${ctx.selector},${s.errorMatcher}}[$__rate_interval])) / sum(rate(${s.requestsTotal}{${ctx.selector}}[$__rate_interval]))`, legendFormat: "errors" }], { unit: "percentunit" }));
  y += 8;
  panels.push(panel(id++, "Latency", { x: 0, y, w: 8, h: 8 }, [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(${s.durationBucket}{${ctx.selector}}[$__rate_interval])))`, legendFormat: `p${q * 100}` })), { unit: "s" }));
  panels.push(panel(id++, "CPU (cores) per pod", { x: 8, y, w: 8, h: 8 }, [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods},container!="",container!="POD"}[$__rate_interval]))`, legendFormat: "{{pod}}" }], { unit: "short" }));
  panels.push(panel(id++, "Memory working set per pod", { x: 16, y, w: 8, h: 8 }, [{ expr: `sum by (pod) (container_memory_working_set_bytes{${pods},container!="",container!="POD"})`, legendFormat: "{{pod}}" }], { unit: "bytes" }));

  return {
    uid: `golive-${createHash("sha256").update(`${namespace}/${name}`).digest("hex").slice(0, 24)}`,
    title: `${release.spec.application} ${release.spec.version} (${namespace})`,
    description: `golive Release ${namespace}/${name}: capacity and standard signals.`,
    tags: ["golive", release.spec.application],
    timezone: "browser",
    schemaVersion: 39,
    editable: false,
    time: { from: "now-24h", to: "now" },
    refresh: "1m",
    templating: { list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0 }] },
    annotations: { list: [] },
    panels,
  };
}
