// `golive promote RELEASE --role ROLE --key KEY`: sign a Promotion approval (4.9) in a role with
// the Promote permission and create it in the cluster. It ends a pause step (or an inconclusive
// analysis) that waits for a person; the approval names the pause it answers, so it counts for
// that pause whatever the clocks say, and never for a later one. It also counts for the
// policy's Promotion approvals.
import type { Command } from "commander";
import { createEvidence } from "../../gates/sign.js";
import { pauseId } from "../../operator/rollout/signed-decisions.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { checkRole, cluster, createInCluster, getRelease, governingPolicy } from "./status.js";

export function registerPromote(program: Command): void {
  program
    .command("promote")
    .description("Sign a Promotion approval (4.9) and create it: a paused rollout continues")
    .argument("<release>", "the Release's name")
    .requiredOption("--role <role>", "a role with the Promote permission")
    .requiredOption("--key <path>", "PEM private key bound to that role")
    .option("--comment <text>", "a comment recorded with the approval")
    .option("-n, --namespace <namespace>", "the Release's namespace (default: the kubeconfig context's)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .action(async (name: string, opts: { role: string; key: string; comment?: string; namespace?: string; kubeconfig?: string }) => {
      const key = readPrivateKey(opts.key);
      const { client, namespace } = cluster(opts);
      const release = await getRelease(client, namespace, name);
      const phase = release.status?.phase;
      if (phase !== "Progressing") throw new CliError(`release ${name} is ${phase ?? "not evaluated yet"}: only a Progressing release can be promoted past a pause`);
      checkRole(await governingPolicy(client, namespace), opts.role, "Promote", key);
      const pause = release.status?.canary?.pause;
      const step = release.status?.canary?.stepName;
      const evidence = createEvidence({
        release,
        type: "Approval",
        key,
        predicate: {
          issuedAt: new Date().toISOString(),
          approval: { stage: "Promotion", role: opts.role, ...(opts.comment ? { comment: opts.comment } : {}) },
          ...(pause && step ? { summary: { pause: pauseId(step, pause.since) } } : {}),
        },
      });
      await createInCluster(client, namespace, evidence);
      process.stdout.write(`ReleaseEvidence/${evidence.metadata.name} created: Promotion approved in role ${opts.role}${pause && step ? ` for the pause at step ${step}` : " (no pause is waiting now)"}\n`);
    });
}
