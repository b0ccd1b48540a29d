// Admission protects only what the API server sends. With webhook scopes (the chart's
// webhook.scopes: one namespaceSelector per policy, so an outage of golive never blocks an
// ungoverned namespace), a ReleasePolicy added or widened later can govern namespaces no scope
// selects, and their workloads would be admitted unchecked. `uncoveredNamespaces` finds them
// (pure); `CoverageMonitor` reads the ValidatingWebhookConfiguration every minute, logs what is
// uncovered with the fix, and exports it as a gauge to alert on.
import { AdmissionregistrationV1Api, type KubeConfig, type V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { matchesSelector, type LabelSelector } from "../api/index.js";
import { isExempt } from "./governance.js";
import { codeOf } from "./kube.js";
import type { AdmissionView } from "./view.js";

export interface Uncovered {
  namespace: string;
  policy: string;
}

/** The workload webhooks' namespace selectors (the ones that guard pod-producing kinds). */
export function workloadSelectors(configuration: V1ValidatingWebhookConfiguration): LabelSelector[] {
  return (configuration.webhooks ?? []).filter((w) => w.name.startsWith("workloads.")).map((w) => (w.namespaceSelector ?? {}) as LabelSelector);
}

/** Namespaces some policy governs that no workload webhook selects, sorted. */
export function uncoveredNamespaces(view: Pick<AdmissionView, "namespaces" | "policies" | "ownNamespace">, selectors: readonly LabelSelector[]): Uncovered[] {
  const out: Uncovered[] = [];
  const policies = view.policies.list();
  for (const ns of view.namespaces.list()) {
    const name = ns.metadata?.name ?? "";
    if (isExempt(name, view.ownNamespace)) continue;
    const labels = { ...ns.metadata?.labels, "kubernetes.io/metadata.name": name };
    const policy = policies.find((p) => matchesSelector(p.spec?.namespaceSelector, labels));
    if (policy && !selectors.some((s) => matchesSelector(s, labels))) out.push({ namespace: name, policy: policy.metadata.name });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace));
}

export function coverageMessage(uncovered: readonly Uncovered[], configurationName: string, configurationExists = true): string {
  const list = uncovered.slice(0, 10).map((u) => `${u.namespace} (ReleasePolicy ${u.policy})`).join(", ");
  const more = uncovered.length > 10 ? ` and ${uncovered.length - 10} more` : "";
  const why = configurationExists
    ? `No webhook of ValidatingWebhookConfiguration ${configurationName} selects them: add a scope with the policy's namespaceSelector (Helm value webhook.scopes) or remove the scopes to cover every namespace`
    : `ValidatingWebhookConfiguration ${configurationName} does not exist: reinstall it (helm upgrade, or golive webhook --install-configuration)`;
  return `workloads in ${uncovered.length} governed namespace(s) are not sent to golive for admission: ${list}${more}. ${why}`;
}

export interface CoverageMonitorOptions {
  kubeConfig: KubeConfig;
  view: Pick<AdmissionView, "namespaces" | "policies" | "ownNamespace">;
  configurationName: string;
  registry: Registry;
  log: Logger;
}

export class CoverageMonitor {
  private readonly gauge: Gauge<"namespace" | "policy">;
  private timer: NodeJS.Timeout | undefined;
  private last = "";

  constructor(private readonly o: CoverageMonitorOptions) {
    this.gauge = new Gauge({ name: "golive_webhook_uncovered_namespaces", help: "1 for each namespace a ReleasePolicy governs that no workload webhook of golive's ValidatingWebhookConfiguration selects (its workloads are admitted unchecked)", labelNames: ["namespace", "policy"], registers: [o.registry] });
  }

  /** One check. A configuration that does not exist covers nothing: every governed namespace is reported. */
  async check(): Promise<Uncovered[]> {
    const api = this.o.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    let configuration: V1ValidatingWebhookConfiguration | undefined;
    try {
      configuration = await api.readValidatingWebhookConfiguration({ name: this.o.configurationName });
    } catch (e) {
      if (codeOf(e) !== 404) throw e;
    }
    const uncovered = uncoveredNamespaces(this.o.view, configuration ? workloadSelectors(configuration) : []);
    this.gauge.reset();
    for (const u of uncovered) this.gauge.set({ namespace: u.namespace, policy: u.policy }, 1);
    const key = JSON.stringify(uncovered);
    if (key !== this.last) {
      if (uncovered.length) this.o.log.error({ uncovered }, coverageMessage(uncovered, this.o.configurationName, configuration !== undefined));
      else if (this.last) this.o.log.info("every governed namespace is sent to golive for admission again");
      this.last = key;
    }
    return uncovered;
  }

  start(intervalMs: number): void {
    const run = () => void this.check().catch((e: unknown) => this.o.log.warn({ err: e }, "cannot check which namespaces the webhook configuration covers"));
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
