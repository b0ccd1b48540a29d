// `golive dr status [RELEASE]`: the disaster-recovery view of one release, or of every release in
// the namespace that has DR targets: each target in sync or not (what differs), whether Released
// waits for it, and the last DR drill. Reads what the operator recorded (it alone holds the DR
// clusters' credentials) and the release's DRDrillReport evidence; formatting is dr-format.ts.
import type { Command } from "commander";
import type { Release, ReleaseEvidence } from "../../api/index.js";
import { KubeError } from "../../operator/runtime/kube-client.js";
import { CliError } from "../errors.js";
import { formatDrStatus, lastDrill } from "./dr-format.js";
import { cluster, getRelease, governingPolicy } from "./status.js";

interface DrOptions {
  namespace?: string;
  kubeconfig?: string;
  output: string;
}

export function registerDr(program: Command): void {
  const dr = program.command("dr").description("Disaster recovery (4.3 g, 9.2 c,d): DR targets and drills");
  dr.command("status")
    .description("Every DR target of a release (or of every release in the namespace with DR targets), in sync or not and what differs, and the last DR drill")
    .argument("[release]", "the Release's name (default: every Release in the namespace with DR targets)")
    .option("-n, --namespace <namespace>", "the namespace (default: the kubeconfig context's)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (name: string | undefined, opts: DrOptions) => {
      if (opts.output !== "text" && opts.output !== "json") throw new CliError(`--output ${opts.output}: use text or json`);
      const { client, namespace } = cluster(opts);
      try {
        const policy = (await governingPolicy(client, namespace))?.spec;
        let releases: Release[];
        if (name) releases = [await getRelease(client, namespace, name)];
        else {
          const all = (await client.get<{ items: Release[] }>(`/apis/golive.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/releases`)).items;
          releases = all.filter((r) => r.status?.disasterRecovery?.length || r.status?.disasterRecoveryHold);
          if (releases.length === 0) {
            process.stdout.write(`no Release in namespace ${namespace} has DR targets checked (${policy ? (policy.disasterRecovery ? "none is live" : "the governing policy names no spec.disasterRecovery targets") : "the governing ReleasePolicy could not be read"})\n`);
            return;
          }
        }
        const evidence = await client.get<{ items: ReleaseEvidence[] }>(`/apis/golive.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/releaseevidences`).then(
          (l) => l.items,
          (e: unknown) => {
            if (!(e instanceof KubeError && e.code === 403)) throw e;
            process.stderr.write(`golive dr status: you may not list ReleaseEvidence in ${namespace}: the last drill is not shown\n`);
            return [];
          },
        );
        const now = new Date();
        const views = releases.map((release) => ({ release: { ...release, metadata: { ...release.metadata, namespace } }, policy, drill: lastDrill(evidence, { ...release, metadata: { ...release.metadata, namespace } }, policy, now) }));
        if (opts.output === "json") {
          process.stdout.write(JSON.stringify(views.map((v) => ({ release: v.release.metadata.name, phase: v.release.status?.phase ?? null, targets: v.release.status?.disasterRecovery ?? [], hold: v.release.status?.disasterRecoveryHold ?? null, lastDrill: v.drill ?? null })), null, 2) + "\n");
          return;
        }
        process.stdout.write(views.map((v) => formatDrStatus(v, now)).join("\n"));
      } catch (e) {
        if (e instanceof KubeError && e.code === 403) throw new CliError(`you may not read Releases in namespace ${namespace}: ${e.message}`);
        throw e;
      } finally {
        client.close();
      }
    });
}
