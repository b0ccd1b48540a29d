// The Grafana dashboard of golive's own release and delivery series (9.1 g visual monitoring,
// 9.3 delivery over time), shipped in the chart (charts/golive/dashboards/golive-releases.json,
// written by `npm run dashboards`; a ConfigMap for the Grafana sidecar when
// grafanaDashboard.enabled). Every query names only series the operator exports (samples.ts),
// and takes the max over operator replicas, which all export the same figures.
import { RELEASE_CANARY_STEP, RELEASE_CANARY_WEIGHT, RELEASE_INFO, DELIVERY_CHANGE_FAILURE, DELIVERY_DEPLOYMENTS, DELIVERY_LEAD_TIME, DELIVERY_RESTORE } from "./samples.js";

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const RELEASES = `release_namespace=~"$namespace",application=~"$application"`;
const DELIVERY = `${RELEASES},window="$window"`;
/** Canary series carry no application: it comes from the release's info series. */
const withApplication = (metric: string) => `max by (release_namespace, release) (${metric}{release_namespace=~"$namespace"}) * on (release_namespace, release) group_left (application) max by (release_namespace, release, application) (${RELEASE_INFO}{${RELEASES}})`;

interface Target {
  expr: string;
  legendFormat?: string;
  format?: "table" | "time_series";
  instant?: boolean;
}

function panel(id: number, type: string, title: string, gridPos: { x: number; y: number; w: number; h: number }, targets: Target[], unit: string, description: string) {
  return {
    id,
    type,
    title,
    description,
    datasource: DATASOURCE,
    gridPos,
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, ...t })),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: type === "timeseries" ? { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } } : {},
  };
}

const variable = (name: string, label: string, query: string) => ({ name, label, type: "query", datasource: DATASOURCE, query: { query, refId: name }, definition: query, refresh: 2, includeAll: true, multi: true, allValue: ".*", current: {}, hide: 0, sort: 1 });

export function deliveryDashboardJson(): Record<string, unknown> {
  let id = 1;
  const row = (title: string, y: number) => ({ id: id++, type: "row", title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
  const panels = [
    row("Releases (JR/T 0179 9.1 g)", 0),
    panel(id++, "table", "Releases", { x: 0, y: 1, w: 14, h: 9 }, [{ expr: `max by (release_namespace, release, application, version, phase) (${RELEASE_INFO}{${RELEASES}})`, format: "table", instant: true }], "short", "Every Release the operator sees, with its application, version and phase."),
    panel(id++, "piechart", "Releases by phase", { x: 14, y: 1, w: 10, h: 9 }, [{ expr: `count by (phase) (max by (release_namespace, release, phase) (${RELEASE_INFO}{${RELEASES}}))`, legendFormat: "{{phase}}", instant: true }], "short", "How many Releases are in each phase."),
    panel(id++, "timeseries", "Canary weight", { x: 0, y: 10, w: 12, h: 8 }, [{ expr: withApplication(RELEASE_CANARY_WEIGHT), legendFormat: "{{release_namespace}}/{{release}}" }], "percent", "Percent of ordinary traffic on the new version, while a rollout is under way."),
    panel(id++, "timeseries", "Canary step", { x: 12, y: 10, w: 12, h: 8 }, [{ expr: withApplication(RELEASE_CANARY_STEP), legendFormat: "{{release_namespace}}/{{release}}" }], "short", "Index of the current canary step, while a rollout is under way."),
    row("Delivery over the window (JR/T 0179 9.3)", 18),
    panel(id++, "timeseries", "Deployments (Released within the window)", { x: 0, y: 19, w: 12, h: 8 }, [{ expr: `max by (release_namespace, application) (${DELIVERY_DEPLOYMENTS}{${DELIVERY}})`, legendFormat: "{{release_namespace}}/{{application}}" }], "short", "Deployment frequency: Releases that reached Released within the window."),
    panel(id++, "timeseries", "Lead time (median)", { x: 12, y: 19, w: 12, h: 8 }, [{ expr: `max by (release_namespace, application) (${DELIVERY_LEAD_TIME}{${DELIVERY}})`, legendFormat: "{{release_namespace}}/{{application}}" }], "s", "First ReleaseEvidence (or the Release's creation, without evidence) to Released, median over the window."),
    panel(id++, "timeseries", "Change failure rate", { x: 0, y: 27, w: 12, h: 8 }, [{ expr: `max by (release_namespace, application) (${DELIVERY_CHANGE_FAILURE}{${DELIVERY}})`, legendFormat: "{{release_namespace}}/{{application}}" }], "percentunit", "RolledBack and Failed over every finished release created within the window."),
    panel(id++, "timeseries", "Time to restore (median)", { x: 12, y: 27, w: 12, h: 8 }, [{ expr: `max by (release_namespace, application) (${DELIVERY_RESTORE}{${DELIVERY}})`, legendFormat: "{{release_namespace}}/{{application}}" }], "s", "Rollback decision to traffic back on the stable version, median over the window."),
  ];
  return {
    uid: "golive-releases",
    title: "golive releases and delivery",
    description: "golive's operator series: every Release's phase and canary position, and delivery figures (deployments, lead time, change failure rate, time to restore) per namespace and application.",
    tags: ["golive"],
    timezone: "browser",
    schemaVersion: 39,
    editable: false,
    time: { from: "now-7d", to: "now" },
    refresh: "1m",
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0 },
        variable("namespace", "Namespace", `label_values(${RELEASE_INFO}, release_namespace)`),
        variable("application", "Application", `label_values(${RELEASE_INFO}{release_namespace=~"$namespace"}, application)`),
        { name: "window", label: "Window", type: "custom", query: "1d,7d,30d", current: { text: "30d", value: "30d" }, options: ["1d", "7d", "30d"].map((v) => ({ text: v, value: v, selected: v === "30d" })), hide: 0 },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** The file the chart ships: stable formatting, so `git diff` shows a real change only. */
export function deliveryDashboardFile(): string {
  return `${JSON.stringify(deliveryDashboardJson(), null, 2)}\n`;
}
