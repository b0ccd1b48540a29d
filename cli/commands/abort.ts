// `golive abort RELEASE --role ROLE --key KEY`: sign an abort in a role with the Abort permission
// (4.10 a) and create it in the cluster; the operator rolls the release back at once. The abort
// is an Approval statement with no stage (so no stage's approval gate can count it) and
// summary {decision: "Abort", role, reason}.
import type { Command } from "commander";
import { createEvidence } from "../../gates/sign.js";
import { ACTIVE_PHASES } from "../../operator/rollout/types.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { checkRole, cluster, createInCluster, getRelease, governingPolicy } from "./status.js";

export function registerAbort(program: Command): void {
  program
    .command("abort")
    .description("Sign an abort (4.10 a) and create it: the rollout goes back to stable at once")
    .argument("<release>", "the Release's name")
    .requiredOption("--role <role>", "a role with the Abort permission")
    .requiredOption("--key <path>", "PEM private key bound to that role")
    .option("--reason <text>", "why, recorded in the rollback and the audit trail")
    .option("-n, --namespace <namespace>", "the Release's namespace (default: the kubeconfig context's)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .action(async (name: string, opts: { role: string; key: string; reason?: string; namespace?: string; kubeconfig?: string }) => {
      const key = readPrivateKey(opts.key);
      const { client, namespace } = cluster(opts);
      const release = await getRelease(client, namespace, name);
      const phase = release.status?.phase;
      if (!phase || !(ACTIVE_PHASES.includes(phase) || phase === "Failed") || phase === "RollingBack") throw new CliError(`release ${name} is ${phase ?? "not evaluated yet"}: only a release that is Verifying, CleaningUp, Progressing or Failed can be aborted`);
      checkRole(await governingPolicy(client, namespace), opts.role, "Abort", key);
      const evidence = createEvidence({
        release,
        type: "Approval",
        key,
        predicate: { issuedAt: new Date().toISOString(), summary: { decision: "Abort", role: opts.role, ...(opts.reason ? { reason: opts.reason } : {}) } },
      });
      await createInCluster(client, namespace, evidence);
      process.stdout.write(`ReleaseEvidence/${evidence.metadata.name} created: abort signed in role ${opts.role}; the operator rolls ${name} back\n`);
    });
}
