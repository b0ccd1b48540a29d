import { KubeConfig } from "@kubernetes/client-node";
import type { Command } from "commander";
import { ApprovalStage } from "../../api/index.js";
import { createEvidence } from "../../gates/sign.js";
import { artifactDigest, planDigest } from "../../gates/statement.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { formatObjects } from "../output.js";
import { findRelease, loadLocal } from "../release-source.js";
import { applyObjects } from "../apply.js";

/** The kubeconfig named by --kubeconfig, else an empty one that applyObjects loads from the default places. */
function kubeConfigFrom(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (!path) return kc;
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new CliError(`cannot load the kubeconfig ${path}: ${(e as Error).message}`);
  }
  return kc;
}

export function registerApprove(program: Command): void {
  program
    .command("approve")
    .description("Sign an approval of a release stage in a role (4.2 b, 4.7 f; --stage Closing: the sign-off at the end of the go-live, 4.3 l) and print (or --apply) it as ReleaseEvidence")
    .requiredOption("--release <name>", "the Release to approve")
    .requiredOption("--role <role>", "the role you approve in (spec.roles of the policy)")
    .requiredOption("--key <path>", "PEM private key bound to that role")
    .option("--stage <stage>", `stage: ${ApprovalStage.options.join(", ")}`, "Release")
    .option("--comment <text>", "a comment recorded with the approval")
    .option("-f, --filename <paths...>", "manifests holding the Release", ["."])
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--apply", "create it in the cluster instead of printing it")
    .option("--kubeconfig <path>", "with --apply: kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .action(async (opts: { release: string; role: string; key: string; stage: string; comment?: string; filename: string[]; output: "yaml" | "json"; apply?: boolean; kubeconfig?: string }) => {
      const stage = ApprovalStage.safeParse(opts.stage);
      if (!stage.success) throw new CliError(`unknown stage "${opts.stage}"; use one of ${ApprovalStage.options.join(", ")}`);
      const release = findRelease(loadLocal(opts.filename), opts.release, opts.filename);
      // Say what is signed: the approval holds for this plan only; any spec change needs a new one.
      process.stderr.write(`approving plan sha256:${planDigest(release.spec)} (artifact sha256:${artifactDigest(release.spec)}) of ${release.spec.application} ${release.spec.version} as ${opts.role}\n`);
      // 4.3 l: the operator counts a closing sign-off only when it is signed after Released.
      if (stage.data === "Closing") process.stderr.write(`signing off the end of the go-live (4.3 l): it counts only once ${release.metadata.name} is Released (golive status ${release.metadata.name}); one signed earlier is refused\n`);
      const object = createEvidence({
        release,
        type: "Approval",
        key: readPrivateKey(opts.key),
        predicate: { issuedAt: new Date().toISOString(), approval: { stage: stage.data, role: opts.role, ...(opts.comment ? { comment: opts.comment } : {}) } },
      });
      if (opts.apply) await applyObjects([object], kubeConfigFrom(opts.kubeconfig));
      else process.stdout.write(formatObjects([object], opts.output));
    });
}
