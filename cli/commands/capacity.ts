// `golive capacity R`: the capacity report of a release (JR/T 0179 6.3.3), read live: the Release
// from the cluster, each key capacity metric's history from Prometheus, a trend with daily
// seasonality and when it reaches the limit.
import { KubeConfig } from "@kubernetes/client-node";
import type { Command } from "commander";
import { parseDuration, Release, ReleasePolicy, type ReleasePolicySpec } from "../../api/index.js";
import { runCapacityReport, type CapacityMetricForecast, type CapacityReport } from "../../operator/monitoring/capacity.js";
import { prometheusFor } from "../../operator/monitoring/prometheus-api.js";
import { governingPolicy } from "../../operator/release/gather.js";
import { KubeClient, KubeError } from "../../operator/runtime/kube-client.js";
import { CliError } from "../errors.js";
import { table } from "../output.js";

interface CapacityOptions {
  namespace?: string;
  prometheus?: string;
  kubeconfig?: string;
  history: string;
  horizon?: string;
  step?: string;
  output: string;
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new CliError(`${flag} "${text}" is not a duration; use one such as 30s, 6h, 14d`);
  return ms;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (e) {
    throw new CliError(`cannot load the kubeconfig ${path ?? "(KUBECONFIG or ~/.kube/config)"}: ${(e as Error).message}`);
  }
  return kc;
}

/**
 * The policy governing the namespace, to use its Prometheus and horizon as the operator does;
 * undefined when it cannot be read (a user without list on ReleasePolicies still gets a report).
 */
async function governingPolicySpec(kc: KubeConfig, namespace: string): Promise<ReleasePolicySpec | undefined> {
  try {
    const client = new KubeClient(kc);
    const [policies, ns] = await Promise.all([client.get<{ items?: unknown[] }>("/apis/golive.dev/v1alpha1/releasepolicies"), client.get<{ metadata?: { labels?: Record<string, string> } }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}`)]);
    const parsed = (policies.items ?? []).flatMap((p) => {
      const r = ReleasePolicy.safeParse(p);
      return r.success ? [r.data] : [];
    });
    const stores = { policies: { get: () => undefined, list: () => parsed }, namespaces: { get: () => ns as never, list: () => [] } };
    return governingPolicy(stores, namespace, process.env.GOLIVE_NAMESPACE ?? "golive-system").policy?.spec;
  } catch {
    return undefined;
  }
}

async function readRelease(kc: KubeConfig, namespace: string, name: string): Promise<Release> {
  let client: KubeClient;
  try {
    client = new KubeClient(kc);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let raw: unknown;
  try {
    raw = await client.get(`/apis/golive.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/releases/${encodeURIComponent(name)}`);
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) throw new CliError(`no Release ${name} in namespace ${namespace}`);
    throw new CliError(`reading Release ${namespace}/${name}: ${(e as Error).message}`);
  }
  const parsed = Release.safeParse(raw);
  if (!parsed.success) throw new CliError(`Release ${namespace}/${name} does not match the golive.dev/v1alpha1 schema: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

const num = (x: number | undefined, unit?: string) => (x === undefined ? "-" : `${x}${unit ? ` ${unit}` : ""}`);

function forecastCell(m: CapacityMetricForecast, report: CapacityReport, now: number): string {
  if (m.crossesAt) {
    if (Date.parse(m.crossesAt) <= now) return "limit reached now";
    const inDays = (Date.parse(m.crossesAt) - now) / 86_400_000;
    return `${m.crossesAt.replace(/:\d\d(\.\d+)?Z$/, "Z")} (in ${inDays >= 1 ? `${inDays.toFixed(1)} days` : `${(inDays * 24).toFixed(1)} hours`})`;
  }
  if (m.slopePerDay === undefined) return m.message;
  return `not within horizon (${report.horizon})`;
}

export function formatCapacityReport(release: Release, report: CapacityReport, prometheusUrl: string): string {
  const now = Date.parse(report.generatedAt);
  const head = `Release ${release.metadata.namespace ?? ""}/${release.metadata.name} (${release.spec.application} ${release.spec.version}): capacity over the last ${report.history}, forecast horizon ${report.horizon}, from ${prometheusUrl}\n`;
  if (!report.metrics.length) return `${head}no key capacity metrics declared (spec.capacity.metrics)\n`;
  const rows = report.metrics.map((m) => [
    m.name,
    num(m.current, m.unit),
    num(m.peak),
    num(m.testedLimit),
    `${m.limit} (${m.limitSource})`,
    m.slopePerDay === undefined ? "-" : `${m.slopePerDay >= 0 ? "+" : ""}${m.slopePerDay}${m.seasonal ? " (daily cycle)" : ""}`,
    forecastCell(m, report, now),
  ]);
  const notes = report.metrics.filter((m) => m.slopePerDay === undefined || m.withinHorizon).map((m) => `${m.name}: ${m.message}\n`);
  return head + table(["METRIC", "CURRENT", "PEAK", "TESTED LIMIT", "LIMIT", "TREND/DAY", "FORECAST CROSSING"], rows) + notes.join("");
}

export function registerCapacity(program: Command): void {
  program
    .command("capacity")
    .description("Capacity report of a release (JR/T 0179 6.3.3): current value, requirements, trend and when each key capacity metric reaches its limit")
    .argument("<release>", "the Release's name")
    .option("-n, --namespace <namespace>", "the Release's namespace (default: the kubeconfig context's, else default)")
    .option("--prometheus <url>", "Prometheus base URL (default: the governing policy's spec.monitoring.prometheus, else $GOLIVE_PROMETHEUS_URL, else the Release's spec.strategy.analysis.prometheus.address — as the operator chooses)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .option("--history <duration>", "how much history to fit", "14d")
    .option("--horizon <duration>", "how far ahead a crossing counts (default: the governing policy's spec.monitoring.capacityHorizon, else 30d)")
    .option("--step <duration>", "resolution of the history (default: about 5,000 points)")
    .option("-o, --output <format>", "table or json", "table")
    .action(async (name: string, opts: CapacityOptions) => {
      if (opts.output !== "table" && opts.output !== "json") throw new CliError(`--output "${opts.output}": use table or json`);
      const historyMs = duration("--history", opts.history);
      const stepMs = opts.step !== undefined ? duration("--step", opts.step) : undefined;
      const kc = loadKubeConfig(opts.kubeconfig);
      const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
      const release = await readRelease(kc, namespace, name);
      const policy = await governingPolicySpec(kc, namespace);
      const horizonMs = duration("--horizon", opts.horizon ?? policy?.monitoring.capacityHorizon ?? "30d");
      const prometheusUrl = opts.prometheus ?? prometheusFor(release, policy, process.env.GOLIVE_PROMETHEUS_URL);
      if (!prometheusUrl) throw new CliError("no Prometheus to read: pass --prometheus URL or set GOLIVE_PROMETHEUS_URL (neither the governing ReleasePolicy's spec.monitoring.prometheus nor the Release's spec.strategy.analysis.prometheus names one)");
      const report = await runCapacityReport(prometheusUrl, release, { now: new Date(), historyMs, horizonMs, ...(stepMs !== undefined ? { stepMs } : {}) });
      if (opts.output === "json") process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else process.stdout.write(formatCapacityReport(release, report, prometheusUrl));
      const unread = report.metrics.filter((m) => m.message.startsWith("no forecast: cannot read"));
      if (unread.length) throw new CliError(`could not read the history of ${unread.length} of ${report.metrics.length} key capacity metric(s)`);
    });
}
