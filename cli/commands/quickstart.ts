import { join } from "node:path";
import type { Command } from "commander";
import { readManifests, validateManifest } from "../manifests.js";
import { CliError } from "../errors.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");

/**
 * The quick start's main job. Today it validates the sample release and prints what it
 * governs; the control-plane issue makes it bring up a local cluster and run golive there.
 */
export function registerQuickstart(program: Command): void {
  program
    .command("quickstart")
    .description("Run golive's sample: validate the examples and show the release they describe")
    .option("-f, --filename <path>", "folder of manifests", EXAMPLES)
    .action((opts: { filename: string }) => {
      const manifests = readManifests([opts.filename]);
      const problems = manifests.flatMap(validateManifest);
      if (problems.length) throw new CliError(problems.join("\n"));
      for (const m of manifests) {
        const ns = m.value.metadata?.namespace ? `${m.value.metadata.namespace}/` : "";
        process.stdout.write(`${m.value.kind}\t${ns}${m.value.metadata?.name ?? ""}\n`);
      }
      process.stdout.write(`all ${manifests.length} manifests valid\n`);
    });
}
