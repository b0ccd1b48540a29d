// The `golive webhook` process: informer-backed view, seal cache (filled in the background),
// self-managed or cert-manager TLS, the HTTPS server, probes and metrics, graceful shutdown.
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Config } from "../settings/config.js";
import { readPrivateKey } from "../settings/keyfile.js";
import { loadDockerConfig } from "../images/credentials.js";
import { RegistryClient } from "../images/registry-client.js";
import { SealCache } from "../images/seal-cache.js";
import { verifyImageSeal } from "../images/verify.js";
import { AUDIT_CHECKPOINT_INTERVAL_MS, Checkpointer } from "../audit/checkpoint.js";
import { configMapCheckpointStore } from "../audit/configmap-store.js";
import { RETENTION_INTERVAL_MS, RetentionSchedule, retentionDays } from "../audit/retention.js";
import { AuditWriter, writerFile } from "../audit/writer.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { CertDirSource } from "./cert-dir.js";
import { CONFIGURATION_NAME, policyScopes, SERVICE_NAME, webhookConfiguration } from "./configuration.js";
import { CoverageMonitor } from "./coverage.js";
import { startProbeServers } from "./health.js";
import { metricsTlsOptions } from "./probe-server.js";
import { applyConfiguration, removeConfiguration, breakGlassEvents, caBundlePublisher, informerView, secretTlsStore } from "./kube.js";
import { WebhookMetrics } from "./metrics.js";
import { SealWarmer } from "./seal-warmer.js";
import { startWebhookServer, type ServingCertificate, type WebhookServer } from "./server.js";
import { defaultTlsPolicy, serviceDnsNames, TlsManager } from "./tls.js";

export interface WebhookRunOptions {
  config: Config;
  log: Logger;
  kubeConfig?: KubeConfig;
  /** The operator's ServiceAccount username; default system:serviceaccount:<namespace>:golive-operator. */
  operatorIdentity?: string;
  /** cert-manager mode: a directory with tls.crt and tls.key (its cainjector keeps the caBundle). */
  certDir?: string;
  service?: string;
  extraDnsNames?: string[];
  ips?: string[];
  configurationName?: string;
  /** Create or update the ValidatingWebhookConfiguration from webhook/configuration.ts at start. */
  installConfiguration?: boolean;
  /** With installConfiguration: register by URL instead of by Service. */
  url?: string;
  host?: string;
  tlsCheckIntervalMs?: number;
  /** With installConfiguration: delete the configuration on a clean stop (development only: governed namespaces are then unguarded). */
  removeConfigurationOnStop?: boolean;
  /** With installConfiguration: how often the scopes are compared with the policies; default 2 s. */
  scopeSyncIntervalMs?: number;
  /** How often to check that every governed namespace is sent to the webhook; default 1 minute. */
  coverageCheckIntervalMs?: number;
}

export interface WebhookHandle {
  server: WebhookServer;
  ready(): boolean;
  stop(): Promise<void>;
}

export async function startWebhook(o: WebhookRunOptions): Promise<WebhookHandle> {
  const { config, log } = o;
  const kc = o.kubeConfig ?? loadKube(config.kubeconfig);
  const operatorIdentity = o.operatorIdentity ?? `system:serviceaccount:${config.namespace}:golive-operator`;
  const registry = new RegistryClient({ credentials: loadDockerConfig() });
  const seals = new SealCache({ verify: (image, keys) => verifyImageSeal(registry, image, keys) });
  const view = informerView(kc, { seals, operatorIdentity, ownNamespace: config.namespace, log });
  const metrics = new WebhookMetrics({ defaults: true });
  const live: { server?: WebhookServer } = {};
  let tlsLoaded = false;
  const host = o.host ?? "0.0.0.0";
  let stopping = false;
  const ready = () => !stopping && view.synced() && tlsLoaded && live.server !== undefined;
  const probes = await startProbeServers({ host, healthPort: config.healthPort, metricsPort: config.metricsPort, probes: { live: () => true, ready }, registry: metrics.registry, tls: metricsTlsOptions(config, log, serviceDnsNames(o.service ?? SERVICE_NAME, config.namespace)) });

  await view.start();
  log.info({ policies: view.policies.list().length, releases: view.releases.list().length }, "caches synced");

  let pending: ServingCertificate | undefined;
  const onCertificate = (c: ServingCertificate) => {
    tlsLoaded = true;
    if (live.server) live.server.setCertificate(c);
    else pending = c;
  };
  const configurationName = o.configurationName ?? CONFIGURATION_NAME;
  const service = o.service ?? SERVICE_NAME;
  // --install-configuration: one scope per ReleasePolicy, kept in step with the policies, so an
  // outage of golive fails closed in governed namespaces only and never blocks the others.
  const installed = {
    caBundle: "",
    applied: "",
    async sync(force = false): Promise<void> {
      if (!o.installConfiguration || !installed.caBundle) return;
      const desired = webhookConfiguration({
        name: configurationName,
        ownNamespace: config.namespace,
        client: o.url ? { url: o.url } : { service: { name: service, namespace: config.namespace } },
        caBundle: installed.caBundle,
        timeoutSeconds: Math.min(30, Math.max(1, Math.ceil(config.webhookTimeout / 1000) + 2)),
        scopes: policyScopes(view.policies.list()),
        noScopeMeansNone: true,
      });
      const key = JSON.stringify(desired);
      if (!force && key === installed.applied) return;
      await applyConfiguration(kc, desired);
      installed.applied = key;
      log.info({ configuration: configurationName, scopes: (desired.webhooks ?? []).length / 4 }, "webhook configuration installed for the governed namespaces");
    },
  };
  let scopeTimer: NodeJS.Timeout | undefined;
  let stopTls: () => void;
  let afterStart: () => Promise<void> = () => Promise.resolve();
  if (o.certDir) {
    const source = new CertDirSource(o.certDir, log, onCertificate);
    await source.load();
    source.start(o.tlsCheckIntervalMs ?? 30_000);
    stopTls = () => source.stop();
  } else {
    const policy = defaultTlsPolicy([...serviceDnsNames(service, config.namespace), ...(o.extraDnsNames ?? [])], o.ips ?? []);
    const publish = caBundlePublisher(kc, configurationName);
    const tls = new TlsManager({
      store: secretTlsStore(kc, config.namespace),
      policy,
      log,
      onCertificate,
      publishCaBundle: async (caBundle) => {
        // The configuration is installed only once this replica serves, so the API server is
        // never pointed at a webhook that is not listening yet.
        if (o.installConfiguration && !live.server) return "absent";
        if (o.installConfiguration) {
          installed.caBundle = caBundle;
          await installed.sync(true);
          return "patched";
        }
        return publish(caBundle);
      },
    });
    await tls.sync();
    tls.start(o.tlsCheckIntervalMs ?? 10 * 60_000);
    stopTls = () => tls.stop();
    afterStart = () => tls.republish();
  }
  if (!pending) throw new Error("no serving certificate");
  const pod = process.env.POD_NAME ?? hostname();
  const events = breakGlassEvents(kc, pod);
  // This replica's own chain beside the trail's base file: replicas never fork one chain.
  const trail = new AuditWriter({ file: writerFile(config.auditFile, `webhook-${pod}`), source: `webhook/${pod}`, log: log.child({ component: "audit" }) });
  // Its signed head in the ConfigMap golive-audit-checkpoints, when an evidence key is configured.
  const checkpointer = config.evidenceKey
    ? new Checkpointer({ file: trail.file, source: `webhook/${pod}`, head: () => trail.chainHead, key: readPrivateKey(config.evidenceKey), store: configMapCheckpointStore(new KubeClient(kc), config.namespace), onError: (e) => log.error({ err: e }, "audit: could not publish the signed checkpoint of the trail") })
    : undefined;
  checkpointer?.start(AUDIT_CHECKPOINT_INTERVAL_MS);
  // Retention: this replica moves out of its own chain what is older than the policies keep it.
  const retention = new RetentionSchedule((days) => trail.prune(days), () => retentionDays(view.policies.list()), (e) => log.error({ err: e }, "audit: retention failed; nothing was dropped"));
  retention.start(RETENTION_INTERVAL_MS);
  const server = await startWebhookServer({ view, log, port: config.webhookPort, host, budgetMs: config.webhookTimeout, certificate: pending, metrics, cachesSynced: () => view.synced(), onAudit: events, onDecision: (entry) => trail.append(entry), auditRefusal: () => trail.refusal() });
  live.server = server;
  await afterStart();
  if (o.installConfiguration)
    scopeTimer = setInterval(() => void installed.sync().catch((e: unknown) => log.warn({ err: e }, "could not update the webhook configuration's scopes")), o.scopeSyncIntervalMs ?? 2_000);
  scopeTimer?.unref();
  const warmer = new SealWarmer(view, seals, log);
  warmer.start(5_000);
  const coverage = new CoverageMonitor({ kubeConfig: kc, view, configurationName, registry: metrics.registry, log });
  coverage.start(o.coverageCheckIntervalMs ?? 60_000);
  log.info({ port: server.port, operatorIdentity }, "webhook ready");
  return {
    server,
    ready,
    async stop() {
      stopping = true;
      if (scopeTimer) clearInterval(scopeTimer);
      if (o.installConfiguration) {
        if (o.removeConfigurationOnStop) {
          await removeConfiguration(kc, configurationName).catch((e: unknown) => log.warn({ err: e }, "could not remove the webhook configuration"));
          log.warn({ configuration: configurationName }, "webhook configuration removed: governed namespaces are not guarded until golive runs again");
        } else {
          const governed = view.policies.list().map((p) => p.metadata.name);
          log.warn({ configuration: configurationName, policies: governed }, `golive stops; ValidatingWebhookConfiguration ${configurationName} stays, so the namespaces of ReleasePolicies ${governed.join(", ") || "(none)"} fail closed until golive runs again (other namespaces are not affected); to lift it in an emergency: kubectl delete validatingwebhookconfiguration ${configurationName}`);
        }
      }
      warmer.stop();
      coverage.stop();
      stopTls();
      await server.close(2_000); // answers in flight finish; an API server connection idling unannounced is cut
      await Promise.all(
        probes.map(
          (p) =>
            new Promise((r) => {
              p.close(r);
              p.closeAllConnections(); // probes and scrapes: nothing to finish
            }),
        ),
      );
      await view.stop();
      retention.stop();
      await trail.close();
      await checkpointer?.stop();
    },
  };
}

function loadKube(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}
