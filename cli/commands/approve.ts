import type { Command } from "commander";
import { ApprovalStage } from "../../api/index.js";
import { createEvidence } from "../../gates/sign.js";
import { artifactDigest, planDigest } from "../../gates/statement.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { formatObjects } from "../output.js";
import { findRelease, loadLocal } from "../release-source.js";
import { applyObjects } from "../apply.js";

export function registerApprove(program: Command): void {
  program
    .command("approve")
    .description("Sign an approval of a release stage in a role (4.2 b, 4.7 f) and print (or --apply) it as ReleaseEvidence")
    .requiredOption("--release <name>", "the Release to approve")
    .requiredOption("--role <role>", "the role you approve in (spec.roles of the policy)")
    .requiredOption("--key <path>", "PEM private key bound to that role")
    .option("--stage <stage>", `stage: ${ApprovalStage.options.join(", ")}`, "Release")
    .option("--comment <text>", "a comment recorded with the approval")
    .option("-f, --filename <paths...>", "manifests holding the Release", ["."])
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--apply", "create it in the cluster instead of printing it")
    .action(async (opts: { release: string; role: string; key: string; stage: string; comment?: string; filename: string[]; output: "yaml" | "json"; apply?: boolean }) => {
      const stage = ApprovalStage.safeParse(opts.stage);
      if (!stage.success) throw new CliError(`unknown stage "${opts.stage}"; use one of ${ApprovalStage.options.join(", ")}`);
      const release = findRelease(loadLocal(opts.filename), opts.release, opts.filename);
      // Say what is signed: the approval holds for this plan only; any spec change needs a new one.
      process.stderr.write(`approving plan sha256:${planDigest(release.spec)} (artifact sha256:${artifactDigest(release.spec)}) of ${release.spec.application} ${release.spec.version} as ${opts.role}\n`);
      const object = createEvidence({
        release,
        type: "Approval",
        key: readPrivateKey(opts.key),
        predicate: { issuedAt: new Date().toISOString(), approval: { stage: stage.data, role: opts.role, ...(opts.comment ? { comment: opts.comment } : {}) } },
      });
      if (opts.apply) await applyObjects([object]);
      else process.stdout.write(formatObjects([object], opts.output));
    });
}
