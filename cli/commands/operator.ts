import { setFlagsFromString } from "node:v8";
import type { Command } from "commander";
import { loadDockerConfig } from "../../images/credentials.js";
import { RegistryClient } from "../../images/registry-client.js";
import { SealCache } from "../../images/seal-cache.js";
import { registerSealMetrics } from "../../images/seal-metrics.js";
import { verifyImageSeal } from "../../images/verify.js";
import { startOperator } from "../../operator/manager.js";
import { startAuditEndpoint } from "../../operator/audit/serve.js";
import { createLogger } from "../log.js";
import { addConfigFlags, configFrom, untilSignal } from "../process-config.js";

export function registerOperator(program: Command): void {
  addConfigFlags(
    program
      .command("operator")
      .description("Run the operator: evaluate gates and seals into Release status, drive releases, keep the audit trail")
      .option("--audit-port <port>", "serve GET /audit (HTTPS; callers need get on releases/audit of golive.dev, checked by TokenReview + SubjectAccessReview) on this port")
      .option("--audit-tls-cert <file>", "PEM certificate for /audit (default: one made at start)")
      .option("--audit-tls-key <file>", "PEM key for /audit"),
  ).action(async (opts: Record<string, string | undefined>) => {
    const config = configFrom(opts);
    const log = createLogger(config.logLevel);
    // Without a bound V8 lets a busy process's heap grow to four times what is live before a full
    // collection: 10,000 releases took the operator's RSS past 512 MiB with 250 MiB live (issue 20).
    if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
    // Image signatures are verified here, off the admission path; the webhook reads the verdicts.
    const registry = new RegistryClient({ credentials: loadDockerConfig() });
    const seals = new SealCache({ verify: (image, keys) => verifyImageSeal(registry, image, keys) });
    const operator = await startOperator({ config, log, seals });
    // A verified seal past the cache's lifetime, kept while re-verification fails for registry trouble.
    registerSealMetrics(operator.metrics.registry, seals);
    const auditEndpoint = opts.auditPort ? await startAuditEndpoint({ auditFile: config.auditFile, kubeconfig: config.kubeconfig, port: Number(opts.auditPort), certFile: opts.auditTlsCert, keyFile: opts.auditTlsKey, log: log.child({ component: "audit-endpoint" }) }) : undefined;
    const signal = await untilSignal();
    log.info({ signal }, "shutting down");
    await auditEndpoint?.close();
    await operator.stop();
  });
}
