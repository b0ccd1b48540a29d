// `golive metrics`: the console's delivery figures (9.3) in the terminal, from the Releases the
// caller's kubeconfig may list (console/delivery.ts has the definitions).
import type { Command } from "commander";
import type { Release } from "../../api/index.js";
import { deliveryFigures, duration } from "../../console/delivery.js";
import { KubeError } from "../../operator/runtime/kube-client.js";
import { CliError } from "../errors.js";
import { table } from "../output.js";
import { cluster } from "./status.js";

export function registerMetrics(program: Command): void {
  program
    .command("metrics")
    .description("Delivery metrics (9.3) per namespace and application: deployments, lead time, change failure rate, time to restore")
    .option("--days <n>", "the window, in days (1-365)", "30")
    .option("-n, --namespace <namespace>", "one namespace (default: every namespace)")
    .option("-o, --output <format>", "table or json", "table")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .action(async (opts: { days: string; namespace?: string; output: string; kubeconfig?: string }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 365) throw new CliError(`--days ${opts.days}: use a whole number of days from 1 to 365`);
      if (opts.output !== "table" && opts.output !== "json") throw new CliError(`--output ${opts.output}: use table or json`);
      const { client } = cluster(opts);
      const path = opts.namespace ? `/apis/golive.dev/v1alpha1/namespaces/${encodeURIComponent(opts.namespace)}/releases` : "/apis/golive.dev/v1alpha1/releases";
      let items: Release[];
      try {
        items = (await client.get<{ items: Release[] }>(path)).items;
      } catch (e) {
        if (e instanceof KubeError && e.code === 403) throw new CliError(`you may not list Releases ${opts.namespace ? `in namespace ${opts.namespace}` : "in every namespace"}: ${e.message} (try -n NAMESPACE)`);
        throw e;
      } finally {
        client.close();
      }
      const figures = deliveryFigures(items, new Date(), days);
      if (opts.output === "json") {
        process.stdout.write(`${JSON.stringify({ days, applications: figures }, null, 2)}\n`);
        return;
      }
      const pct = (v: number | undefined) => (v === undefined ? "-" : `${Math.round(v * 1000) / 10}%`);
      process.stdout.write(
        table(
          ["NAMESPACE", "APPLICATION", "DEPLOYMENTS", "PER DAY", "LEAD TIME", "CHANGE FAILURE RATE", "TIME TO RESTORE"],
          figures.map((f) => [f.namespace, f.application, String(f.deployments), f.perDay.toFixed(2), duration(f.leadTimeMedianS), `${pct(f.changeFailureRate)} (${f.failed}/${f.finished})`, duration(f.restoreMedianS)]),
        ),
      );
    });
}
