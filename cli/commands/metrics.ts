// `golive metrics`: the delivery figures (9.3) in the terminal, from the Releases and
// ReleaseEvidence the caller's kubeconfig may list (operator/delivery/figures.ts has the
// definitions; the operator exports the same figures on /metrics).
import type { Command } from "commander";
import type { Release, ReleaseEvidence } from "../../api/index.js";
import { deliveryFigures, duration } from "../../operator/delivery/figures.js";
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
      const path = (resource: string) => (opts.namespace ? `/apis/golive.dev/v1alpha1/namespaces/${encodeURIComponent(opts.namespace)}/${resource}` : `/apis/golive.dev/v1alpha1/${resource}`);
      let items: Release[];
      let evidence: ReleaseEvidence[];
      try {
        items = (await client.get<{ items: Release[] }>(path("releases"))).items;
        evidence = await client.get<{ items: ReleaseEvidence[] }>(path("releaseevidences")).then(
          (list) => list.items,
          (e: unknown) => {
            // Lead time then counts from each Release's creation; the other figures need only Releases.
            if (!(e instanceof KubeError && e.code === 403)) throw e;
            process.stderr.write("golive metrics: you may not list ReleaseEvidence, so lead time counts from each Release's creation instead of its first evidence\n");
            return [];
          },
        );
      } catch (e) {
        if (e instanceof KubeError && e.code === 403) throw new CliError(`you may not list Releases ${opts.namespace ? `in namespace ${opts.namespace}` : "in every namespace"}: ${e.message} (try -n NAMESPACE)`);
        throw e;
      } finally {
        client.close();
      }
      const figures = deliveryFigures(items, new Date(), days, evidence);
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
