// Before Released (JR/T 0179 4.7 b: "all monitoring and backups enabled"): Prometheus scrapes the
// new version's targets and they are up, every key capacity metric has samples, and, where the
// policy asks, a Velero Schedule backs up the namespace. Gathering is I/O; the verdict is pure.
import type { Release, ReleasePolicySpec } from "../../api/index.js";
import { KubeError, type KubeClient } from "../runtime/kube-client.js";
import { targetSelector } from "./enrollment.js";
import { instantQuery, prometheusFor, prometheusRefusal, type InstantSample, type PrometheusApiOptions } from "./prometheus-api.js";

export interface Readiness {
  ready: boolean;
  /** Why not, one line per missing piece; empty when ready. */
  reasons: string[];
}

export interface VeleroSchedule {
  metadata: { name: string; namespace?: string };
  spec?: { paused?: boolean; schedule?: string; template?: { includedNamespaces?: string[]; excludedNamespaces?: string[] } };
  status?: { phase?: string };
}

/**
 * Does an active Velero Schedule back up `namespace`? Velero includes every namespace when
 * includedNamespaces is empty or holds "*"; excludedNamespaces wins; a paused schedule, or one
 * Velero rejected (phase FailedValidation), backs up nothing.
 */
export function backupCoverage(schedules: readonly VeleroSchedule[], namespace: string): { covered: boolean; schedule?: string; reason: string } {
  const skipped: string[] = [];
  for (const s of schedules) {
    const name = `${s.metadata.namespace ?? ""}/${s.metadata.name}`;
    if (s.spec?.paused) {
      skipped.push(`${name} is paused`);
      continue;
    }
    if (s.status?.phase === "FailedValidation") {
      skipped.push(`${name} failed Velero's validation`);
      continue;
    }
    const included = s.spec?.template?.includedNamespaces ?? [];
    const excluded = s.spec?.template?.excludedNamespaces ?? [];
    if (excluded.includes(namespace)) {
      skipped.push(`${name} excludes it`);
      continue;
    }
    if (included.length === 0 || included.includes("*") || included.includes(namespace)) return { covered: true, schedule: name, reason: `Velero Schedule ${name} backs up namespace ${namespace}` };
  }
  const detail = schedules.length === 0 ? "there is no Velero Schedule" : `${schedules.length} Schedule(s) checked${skipped.length ? `: ${skipped.join("; ")}` : ", none includes it"}`;
  return { covered: false, reason: `no Velero Schedule backs up namespace ${namespace} (${detail}); create one with spec.template.includedNamespaces containing ${namespace}` };
}

/** Every Velero Schedule in the cluster; undefined when Velero's API is not installed. */
export async function fetchVeleroSchedules(client: Pick<KubeClient, "get">): Promise<VeleroSchedule[] | undefined> {
  try {
    return (await client.get<{ items?: VeleroSchedule[] }>("/apis/velero.io/v1/schedules")).items ?? [];
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return undefined;
    throw e;
  }
}

/** What the readiness check observed; each entry is either data or why it could not be had. */
export interface ReadinessObservations {
  prometheusUrl: string;
  selector: string;
  targets: InstantSample[] | { error: string };
  metrics: { name: string; query: string; samples: number | { error: string } }[];
  /** Undefined: not asked. `installed: false`: no velero.io API. */
  velero?: { installed: false } | { installed: true; schedules: VeleroSchedule[] } | { error: string };
}

const errorOf = (x: unknown): string | undefined => (typeof x === "object" && x !== null && "error" in x && typeof x.error === "string" ? x.error : undefined);

/** The verdict, pure. */
export function evaluateReadiness(release: Release, o: ReadinessObservations): Readiness {
  const reasons: string[] = [];
  const who = `Release ${release.metadata.namespace ?? ""}/${release.metadata.name}`;
  const targetsError = errorOf(o.targets);
  if (targetsError) reasons.push(`cannot check the scrape targets: ${targetsError}`);
  else {
    const targets = o.targets as InstantSample[];
    if (targets.length === 0) {
      reasons.push(`Prometheus at ${o.prometheusUrl} scrapes no target of ${who} (up{${o.selector}} has no series): check that the pods expose the metrics port "${release.spec.monitoring.port}" at ${release.spec.monitoring.path} and that Prometheus selects the enrollment`);
    } else {
      const down = targets.filter((t) => t.value !== 1);
      if (down.length) reasons.push(`${down.length} of ${targets.length} scrape target(s) of ${who} down: ${down.map((t) => t.labels.instance ?? t.labels.pod ?? JSON.stringify(t.labels)).slice(0, 5).join(", ")}${down.length > 5 ? ", ..." : ""}`);
    }
  }
  for (const m of o.metrics) {
    const e = errorOf(m.samples);
    if (e) reasons.push(`key capacity metric ${m.name}: ${e}`);
    else if (m.samples === 0) reasons.push(`key capacity metric ${m.name} has no samples: ${m.query} returns nothing (capacity data must be collected from go-live, 6.3.1)`);
  }
  if (o.velero) {
    const e = errorOf(o.velero);
    if (e) reasons.push(`cannot check backups: ${e}`);
    else if (!("installed" in o.velero) || !o.velero.installed) reasons.push("the policy requires a backup schedule, but Velero is not installed (no velero.io/v1 Schedule kind)");
    else {
      const coverage = backupCoverage(o.velero.schedules, release.metadata.namespace ?? "");
      if (!coverage.covered) reasons.push(coverage.reason);
    }
  }
  return { ready: reasons.length === 0, reasons };
}

export interface ReadinessOptions extends PrometheusApiOptions {
  /** Require a Velero Schedule covering the namespace (needs `kube`). */
  velero?: boolean;
  kube?: Pick<KubeClient, "get">;
  /** Label matchers of the release's targets; default namespace + golive_dev_release (enrollment.ts). */
  targetSelector?: string;
}

const message = (e: unknown) => (e as Error).message;

/**
 * Is the release's monitoring in place? Asks Prometheus for up{targets} and each key capacity
 * metric, and the API server for Velero Schedules when `velero` is set. Never throws for an
 * unreachable Prometheus: that is a reason like any other.
 */
export async function checkMonitoringReady(prometheusUrl: string, release: Release, opts: ReadinessOptions = {}): Promise<Readiness> {
  if (!release.spec.monitoring.enabled) return { ready: false, reasons: ["spec.monitoring.enabled is false: a release goes live only with monitoring enabled (4.7 b)"] };
  const selector = opts.targetSelector ?? targetSelector(release);
  const [targets, metrics, velero] = await Promise.all([
    instantQuery(prometheusUrl, `up{${selector}}`, opts).catch((e: unknown) => ({ error: message(e) })),
    Promise.all(
      (release.spec.capacity?.metrics ?? []).map(async (m) => ({
        name: m.name,
        query: m.query,
        samples: await instantQuery(prometheusUrl, m.query, opts).then(
          (s) => s.length,
          (e: unknown) => ({ error: message(e) }),
        ),
      })),
    ),
    opts.velero
      ? opts.kube
        ? fetchVeleroSchedules(opts.kube).then(
            (schedules) => (schedules ? { installed: true as const, schedules } : { installed: false as const }),
            (e: unknown) => ({ error: message(e) }),
          )
        : Promise.resolve({ error: "no Kubernetes client given to look for Velero Schedules" })
      : Promise.resolve(undefined),
  ]);
  return evaluateReadiness(release, { prometheusUrl, selector, targets, metrics, ...(velero ? { velero } : {}) });
}

/** The check the rollout runs before Released, for a release under a policy. */
export type MonitoringCheck = (release: Release, policy: ReleasePolicySpec | undefined) => Promise<Readiness>;

/**
 * checkMonitoringReady with the Prometheus the policy (or the operator's --prometheus-url, or the
 * release's analysis) names, and Velero Schedules where the policy requires backups.
 */
export function monitoringCheck(kube: Pick<KubeClient, "get">, defaultPrometheus: string | undefined, api: PrometheusApiOptions = {}): MonitoringCheck {
  return async (release, policy) => {
    const url = prometheusFor(release, policy, defaultPrometheus);
    if (!url) return { ready: false, reasons: ["no Prometheus to confirm the monitoring with: set spec.monitoring.prometheus in the ReleasePolicy or start the operator with --prometheus-url"] };
    const refused = prometheusRefusal(release, policy, defaultPrometheus);
    if (refused) return { ready: false, reasons: [refused] };
    return checkMonitoringReady(url, release, { ...api, velero: policy?.monitoring.requireBackup === true, kube });
  };
}
