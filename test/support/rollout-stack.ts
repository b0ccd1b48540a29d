// What the rollout integration tests start beside the shared cluster: golive's operator and
// webhook in this process (the webhook registered for real, so the API server calls it), a real
// Prometheus scraping a stand-in whose error rate the test sets, and, once all of it runs, proof
// that the webhook judges the test's namespace (a probe object it must deny).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../settings/config.js";
import { startOperator, type OperatorHandle } from "../../operator/manager.js";
import { KubeClient } from "../../operator/runtime/kube-client.js";
import { startWebhook, type WebhookHandle } from "../../webhook/run.js";
import { freePort } from "../cluster/processes.js";
import { startPrometheus, type Prometheus } from "../services/prometheus.js";
import { kubeConfig, kubectlAsync } from "./cluster.js";

export interface RolloutStack {
  client: KubeClient;
  prometheus: Prometheus;
  /** The operator running now (replaced by restartOperator). */
  operator: OperatorHandle;
  webhook: WebhookHandle;
  /** The audit trail the operator writes. */
  auditFile: string;
  /** What the stand-in for the new version reports as golive_test_error_rate; the analysis reads it. */
  setErrorRate(rate: number): void;
  /** Stops the operator and starts a new one with the same settings (a restart, caches cold). */
  restartOperator(): Promise<void>;
  stop(): Promise<void>;
}

export interface RolloutStackOptions {
  /** The test's namespace: its policy (`<namespace>-policy`) is deleted by stop(). */
  namespace: string;
  /** golive's own namespace for this file. */
  ownNamespace: string;
  /** The ValidatingWebhookConfiguration's name: unique per file. */
  configurationName: string;
  /** An object the webhook must deny in the namespace (kubectl apply --dry-run=server): proves it judges it. */
  probe: object;
}

export async function startRolloutStack(o: RolloutStackOptions): Promise<RolloutStack> {
  const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
  const work = mkdtempSync(join(tmpdir(), `golive-${o.configurationName}-`));
  const client = new KubeClient(kubeConfig());
  let errorRate = 0;
  const metrics = createServer((_req, res) => res.end(`# TYPE golive_test_error_rate gauge\ngolive_test_error_rate ${errorRate}\n`)).listen(0, "127.0.0.1");
  await new Promise((r) => metrics.once("listening", r));
  const prometheus = await startPrometheus({ targets: [{ job: "candidate", urls: [`http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`] }] });
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const auditFile = join(work, "audit.jsonl");
  const config = loadConfig({ leaderElect: "false", auditFile, namespace: o.ownNamespace, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  const operator = () => startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false });
  const stack: RolloutStack = {
    client,
    prometheus,
    operator: await operator(),
    webhook: await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: o.configurationName, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 }),
    auditFile,
    setErrorRate: (rate) => (errorRate = rate),
    restartOperator: async () => {
      await stack.operator.stop();
      stack.operator = await operator();
    },
    stop: async () => {
      await stack.webhook.stop();
      await stack.operator.stop();
      await prometheus.stop();
      metrics.close();
      await kubectlAsync(["delete", "validatingwebhookconfiguration", o.configurationName, "--ignore-not-found"]);
      await kubectlAsync(["delete", "releasepolicy", `${o.namespace}-policy`, "--wait=false"]);
      rmSync(work, { recursive: true, force: true });
    },
  };
  const started = Date.now();
  for (;;) {
    const r = await kubectlAsync(["apply", "--dry-run=server", "-n", o.namespace, "-f", "-"], JSON.stringify(o.probe));
    if (/denied the request/.test(r.stderr)) return stack;
    if (Date.now() - started > 60_000) {
      await stack.stop();
      throw new Error(`the webhook did not judge namespace ${o.namespace} within 60 s; last: ${r.stderr.trim() || r.stdout.trim()}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}
