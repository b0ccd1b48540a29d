import type { Command } from "commander";
import { GatePhase } from "../../api/index.js";
import { evaluateChangeWindow } from "../../gates/change-window.js";
import { evaluateGates, gatesFor } from "../../gates/evaluate.js";
import { CliError } from "../errors.js";
import { table } from "../output.js";
import { findPolicy, findRelease, loadLocal } from "../release-source.js";

export function registerGates(program: Command): void {
  program
    .command("gates")
    .description("Evaluate a release's gates locally from manifests; exits 1 unless every gate Passed")
    .requiredOption("--release <name>", "the Release to evaluate")
    .option("-f, --filename <paths...>", "manifests: the Release, its ReleasePolicy and its ReleaseEvidence", ["."])
    .option("--policy <name>", "the ReleasePolicy (when several are present)")
    .option("--phase <phase>", `gates of which lifecycle point: ${GatePhase.options.join(", ")}`, "GoLive")
    .option("--at <time>", "evaluate as of this RFC 3339 time instead of now")
    .option("-o, --output <format>", "table or json", "table")
    .action((opts: { release: string; filename: string[]; policy?: string; phase: string; at?: string; output: string }) => {
      const phase = GatePhase.safeParse(opts.phase);
      if (!phase.success) throw new CliError(`unknown phase "${opts.phase}"; use one of ${GatePhase.options.join(", ")}`);
      const now = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(now.getTime())) throw new CliError(`--at "${opts.at}" is not a time; use RFC 3339 such as 2026-11-24T20:30:00+08:00`);
      const set = loadLocal(opts.filename);
      const release = findRelease(set, opts.release, opts.filename);
      const policy = findPolicy(set, opts.policy, opts.filename);
      const result = evaluateGates(release, policy.spec, set.evidence, now, gatesFor(policy.spec, phase.data));
      const window = evaluateChangeWindow(policy.spec.changeWindows, now);
      if (opts.output === "json") {
        process.stdout.write(JSON.stringify({ gates: result.results, rejected: result.rejected, changeWindow: window }, null, 2) + "\n");
      } else {
        process.stdout.write(`Release ${release.metadata.name} (${release.spec.application} ${release.spec.version}) under ${policy.metadata.name}, ${phase.data} gates:\n`);
        process.stdout.write(table(["GATE", "CLAUSE", "STATUS", "REASON"], result.results.map((r) => [r.name, r.clause ?? "", r.status, r.reason])));
        for (const r of result.rejected) process.stdout.write(`rejected: ${r.reason}\n`);
        process.stdout.write(`change window (enforced at admission): ${window.open ? "open" : "closed"}: ${window.reason}\n`);
      }
      if (!result.allPassed) throw new CliError(`${result.results.filter((r) => r.status !== "Passed").length} gate(s) not Passed`, 1);
    });
}
