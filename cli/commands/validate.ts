import type { Command } from "commander";
import { CliError } from "../errors.js";
import { ManifestError, readManifests, validateManifest } from "../manifests.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("Check golive.dev manifests (Release, ReleasePolicy, ReleaseEvidence) against the API schemas")
    .requiredOption("-f, --filename <paths...>", "files or folders of YAML/JSON manifests")
    .action((opts: { filename: string[] }) => {
      let manifests;
      try {
        manifests = readManifests(opts.filename);
      } catch (e) {
        if (e instanceof ManifestError) throw new CliError(e.message);
        throw e;
      }
      const problems = manifests.flatMap(validateManifest);
      const golive = manifests.filter((m) => m.value.apiVersion?.startsWith("golive.dev/"));
      if (problems.length > 0) throw new CliError(`${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
      process.stdout.write(`${golive.length} golive.dev object(s) valid (${manifests.length} documents read)\n`);
    });
}
