// `golive run`: the operator and the webhook in one process, for small clusters and the quick
// start. The webhook's probe server serves /healthz, /readyz and /metrics for both.
import type { Command } from "commander";
import { KubeConfig } from "@kubernetes/client-node";
import { startOperator } from "../../operator/manager.js";
import { KubeClient } from "../../operator/runtime/kube-client.js";
import { startWebhook } from "../../webhook/run.js";
import { loadDockerConfig } from "../../images/credentials.js";
import { RegistryClient } from "../../images/registry-client.js";
import { SealCache } from "../../images/seal-cache.js";
import { verifyImageSeal } from "../../images/verify.js";
import { createLogger } from "../log.js";
import { addConfigFlags, configFrom, untilSignal } from "../process-config.js";

/** Who this process is to the API server (SelfSubjectReview): the identity that writes Release status. */
async function whoAmI(kc: KubeConfig): Promise<string> {
  const review = await new KubeClient(kc).create<{ status?: { userInfo?: { username?: string } } }>("/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
  const name = review.status?.userInfo?.username;
  if (!name) throw new Error("the API server did not say who this process is (SelfSubjectReview)");
  return name;
}

export function registerRun(program: Command): void {
  addConfigFlags(
    program
      .command("run")
      .description("Run the operator and the webhook in one process (small clusters, the quick start)")
      .option("--install-configuration", "create or update the ValidatingWebhookConfiguration at start")
      .option("--webhook-url <url>", "with --install-configuration: register the webhook by this URL (e.g. https://127.0.0.1:9443/validate)")
      .option("--remove-configuration-on-exit", "with --install-configuration: delete the configuration on a clean stop (development only: governed namespaces are then unguarded)")
      .option("--tls-ip <ip>", "an IP address for the serving certificate, repeatable", (v: string, p: string[] = []) => [...p, v]),
  ).action(async (opts: Record<string, string | undefined> & { installConfiguration?: boolean; removeConfigurationOnExit?: boolean; webhookUrl?: string; tlsIp?: string[] }) => {
    const config = configFrom(opts);
    const log = createLogger(config.logLevel);
    const kc = new KubeConfig();
    if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
    else kc.loadFromDefault();
    const operatorIdentity = await whoAmI(kc);
    const registry = new RegistryClient({ credentials: loadDockerConfig() });
    const seals = new SealCache({ verify: (image, keys) => verifyImageSeal(registry, image, keys) });
    const operator = await startOperator({ config, log: log.child({ component: "operator" }), seals, kubeConfig: kc, healthServer: false });
    const webhook = await startWebhook({
      config,
      log: log.child({ component: "webhook" }),
      kubeConfig: kc,
      operatorIdentity,
      installConfiguration: opts.installConfiguration === true,
      removeConfigurationOnStop: opts.removeConfigurationOnExit === true,
      ...(opts.webhookUrl ? { url: opts.webhookUrl } : {}),
      ips: opts.tlsIp ?? [],
    });
    log.info({ operatorIdentity }, "golive running: operator and webhook");
    const signal = await untilSignal();
    log.info({ signal }, "shutting down");
    await webhook.stop();
    await operator.stop();
  });
}
