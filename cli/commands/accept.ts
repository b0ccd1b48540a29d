import type { Command } from "commander";
import { createEvidence } from "../../gates/sign.js";
import { ACCEPTANCE_ROLE } from "../../gates/evaluators/acceptance.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { formatObjects } from "../output.js";
import { findRelease, loadLocal } from "../release-source.js";
import { applyObjects } from "../apply.js";

const list = (value: string | undefined): string[] => (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");

export function registerAccept(program: Command): void {
  program
    .command("accept")
    .description(`Sign the ${ACCEPTANCE_ROLE}'s acceptance of deferred defects and known test failures (4.3 b, 7.1.2 a, 7.3) and print (or --apply) it as Acceptance evidence`)
    .requiredOption("--release <name>", "the Release the acceptance is for")
    .option("--defects <ids>", "comma-separated defect ids accepted for go-live, e.g. UW-9,UW-11")
    .option("--tests <cases>", "comma-separated known test failures accepted, as Suite.case (the case's classname or suite, a dot, its name)")
    .requiredOption("--reason <text>", "why the business owner accepts them")
    .requiredOption("--key <path>", `PEM private key bound to the ${ACCEPTANCE_ROLE} role (spec.roles) and trusted for Acceptance evidence`)
    .option("--expires <time>", "RFC 3339 time the acceptance ends")
    .option("-f, --filename <paths...>", "manifests holding the Release", ["."])
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--apply", "create it in the cluster instead of printing it")
    .action(async (opts: { release: string; defects?: string; tests?: string; reason: string; key: string; expires?: string; filename: string[]; output: "yaml" | "json"; apply?: boolean }) => {
      const defects = list(opts.defects);
      const tests = list(opts.tests);
      if (defects.length + tests.length === 0) throw new CliError("nothing to accept: pass --defects ID,... and/or --tests Suite.case,...");
      if (opts.reason.trim() === "") throw new CliError("--reason is empty: say why the business owner accepts these");
      if (opts.expires !== undefined && Number.isNaN(Date.parse(opts.expires))) throw new CliError(`--expires "${opts.expires}" is not an RFC 3339 time, e.g. 2026-12-31T23:59:59Z`);
      const release = findRelease(loadLocal(opts.filename), opts.release, opts.filename);
      const object = createEvidence({
        release,
        type: "Acceptance",
        key: readPrivateKey(opts.key),
        predicate: {
          issuedAt: new Date().toISOString(),
          acceptance: { role: ACCEPTANCE_ROLE, defects, tests, reason: opts.reason, ...(opts.expires ? { expires: new Date(opts.expires).toISOString() } : {}) },
        },
      });
      if (opts.apply) await applyObjects([object]);
      else process.stdout.write(formatObjects([object], opts.output));
    });
}
