// `golive webhook`: run the admission webhook (HTTPS on --webhook-port, probes on --health-port,
// metrics on --metrics-port) until SIGINT/SIGTERM. Its own settings are flags or environment
// variables (for the Helm chart): GOLIVE_OPERATOR_IDENTITY, GOLIVE_WEBHOOK_SERVICE,
// GOLIVE_WEBHOOK_CONFIGURATION, GOLIVE_CERT_DIR, GOLIVE_TLS_DNS_NAMES and GOLIVE_TLS_IPS
// (comma-separated).
import type { Command } from "commander";
import { startWebhook } from "../../webhook/run.js";
import { createLogger } from "../log.js";
import { addConfigFlags, configFrom, untilSignal } from "../process-config.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];
const list = (text: string | undefined) => (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);

interface WebhookFlags {
  operatorIdentity?: string;
  certDir?: string;
  serviceName?: string;
  tlsDnsName?: string[];
  tlsIp?: string[];
  installConfiguration?: boolean;
  webhookUrl?: string;
  configurationName?: string;
}

export function registerWebhook(program: Command): void {
  addConfigFlags(
    program
      .command("webhook")
      .description("Run the admission webhook: only gated, sealed releases reach a governed namespace")
      .option("--operator-identity <user>", "the operator's ServiceAccount username, the only one allowed to write Release status (env GOLIVE_OPERATOR_IDENTITY; default system:serviceaccount:<namespace>:golive-operator)")
      .option("--cert-dir <dir>", "serve tls.crt and tls.key from this directory (cert-manager) instead of managing the certificate in Secret golive-webhook-tls (env GOLIVE_CERT_DIR)")
      .option("--service-name <name>", "the webhook's Service, for the certificate's DNS names (env GOLIVE_WEBHOOK_SERVICE; default golive-webhook)")
      .option("--tls-dns-name <name>", "another DNS name for the serving certificate, repeatable (env GOLIVE_TLS_DNS_NAMES)", collect)
      .option("--tls-ip <ip>", "an IP address for the serving certificate, repeatable (env GOLIVE_TLS_IPS)", collect)
      .option("--configuration-name <name>", "the ValidatingWebhookConfiguration whose caBundle this webhook keeps (env GOLIVE_WEBHOOK_CONFIGURATION; default golive-webhook)")
      .option("--install-configuration", "create or update the ValidatingWebhookConfiguration at start instead of only patching its caBundle")
      .option("--webhook-url <url>", "with --install-configuration: register the webhook by this URL instead of by Service"),
  ).action(async (opts: Record<string, string | undefined> & WebhookFlags) => {
    const config = configFrom(opts);
    const env = process.env;
    const log = createLogger(config.logLevel).child({ component: "webhook" });
    const operatorIdentity = opts.operatorIdentity ?? env.GOLIVE_OPERATOR_IDENTITY;
    const certDir = opts.certDir ?? env.GOLIVE_CERT_DIR;
    const service = opts.serviceName ?? env.GOLIVE_WEBHOOK_SERVICE;
    const configurationName = opts.configurationName ?? env.GOLIVE_WEBHOOK_CONFIGURATION;
    const webhook = await startWebhook({
      config,
      log,
      ...(operatorIdentity ? { operatorIdentity } : {}),
      ...(certDir ? { certDir } : {}),
      ...(service ? { service } : {}),
      ...(configurationName ? { configurationName } : {}),
      extraDnsNames: opts.tlsDnsName ?? list(env.GOLIVE_TLS_DNS_NAMES),
      ips: opts.tlsIp ?? list(env.GOLIVE_TLS_IPS),
      installConfiguration: opts.installConfiguration === true,
      ...(opts.webhookUrl ? { url: opts.webhookUrl } : {}),
    });
    const signal = await untilSignal();
    log.info({ signal }, "shutting down");
    await webhook.stop();
    // Idle keep-alive sockets of the Kubernetes client would hold the process for seconds more.
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
  });
}
