import type { Command } from "commander";
import { Gauge } from "prom-client";
import { loadDockerConfig } from "../../images/credentials.js";
import { RegistryClient } from "../../images/registry-client.js";
import { SealCache } from "../../images/seal-cache.js";
import { verifyImageSeal } from "../../images/verify.js";
import { startOperator } from "../../operator/manager.js";
import { createLogger } from "../log.js";
import { addConfigFlags, configFrom, untilSignal } from "../process-config.js";

export function registerOperator(program: Command): void {
  addConfigFlags(
    program
      .command("operator")
      .description("Run the operator: evaluate gates and seals into Release status, drive releases, keep the audit trail"),
  ).action(async (opts: Record<string, string | undefined>) => {
    const config = configFrom(opts);
    const log = createLogger(config.logLevel);
    // Image signatures are verified here, off the admission path; the webhook reads the verdicts.
    const registry = new RegistryClient({ credentials: loadDockerConfig() });
    const seals = new SealCache({ verify: (image, keys) => verifyImageSeal(registry, image, keys) });
    const operator = await startOperator({ config, log, seals });
    // A verified seal past the cache's lifetime, kept while re-verification fails for registry trouble.
    new Gauge({
      name: "golive_image_seals_stale",
      help: "Image seals past the seal cache's lifetime (12 h) still held while their re-verification fails for registry trouble; in force within the policy's spec.images.sealGracePeriod",
      registers: [operator.metrics.registry],
      collect() {
        this.set(seals.staleCount);
      },
    });
    const signal = await untilSignal();
    log.info({ signal }, "shutting down");
    await operator.stop();
  });
}
