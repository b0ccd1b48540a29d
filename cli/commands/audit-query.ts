import type { Command } from "commander";
import { QUERY_COLUMNS, queryTrail, summarize, toCsv, toTable, type AuditFilter } from "../../audit/query.js";
import { chainFiles, readTrail } from "../../audit/trail.js";
import { CliError } from "../errors.js";

interface QueryOptions {
  since?: string;
  until?: string;
  type?: string;
  user?: string;
  namespace?: string;
  release?: string;
  result?: string;
  output: string;
  summary?: boolean;
}

function date(flag: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new CliError(`${flag} ${v}: not a time (use ISO 8601, e.g. 2026-06-01T00:00:00Z)`);
  return new Date(t);
}

export function registerAuditQuery(audit: Command): void {
  audit
    .command("query")
    .description("Records of the trail (every chain, merged by time) matching all filters; --summary counts them by type and result")
    .argument("<paths...>", "audit JSONL files or the trail's directory")
    .option("--since <time>", "records at or after this time (ISO 8601)")
    .option("--until <time>", "records before this time (ISO 8601)")
    .option("--type <type>", "admission, break-glass, transition, retention, ...")
    .option("--user <user>", "the user the record names")
    .option("--namespace <ns>", "the object's namespace")
    .option("--release <name>", "the Release the record concerns")
    .option("--result <result>", "allowed, denied, a phase, ...")
    .option("-o, --output <format>", "table, json or csv", "table")
    .option("--summary", "counts by type and result instead of the records")
    .action((paths: string[], o: QueryOptions) => {
      if (!["table", "json", "csv"].includes(o.output)) throw new CliError(`--output ${o.output}: use table, json or csv`);
      const filter: AuditFilter = {};
      const since = date("--since", o.since);
      const until = date("--until", o.until);
      if (since) filter.since = since;
      if (until) filter.until = until;
      for (const k of ["type", "user", "namespace", "release", "result"] as const) if (o[k] !== undefined) filter[k] = o[k];
      let records;
      try {
        records = readTrail(chainFiles(paths));
      } catch (e) {
        throw new CliError(`cannot read the trail: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const found = queryTrail(records, filter);
      const out = process.stdout;
      if (o.summary) {
        const rows = summarize(found);
        if (o.output === "json") out.write(JSON.stringify({ total: found.length, byTypeAndResult: rows }, null, 2) + "\n");
        else if (o.output === "csv") out.write(toCsv(rows as unknown as Record<string, unknown>[], ["type", "result", "count"]));
        else out.write(toTable(rows as unknown as Record<string, unknown>[], ["type", "result", "count"]) + `${found.length} record(s)\n`);
        return;
      }
      if (o.output === "json") out.write(JSON.stringify(found) + "\n");
      else if (o.output === "csv") out.write(toCsv(found as unknown as Record<string, unknown>[], QUERY_COLUMNS));
      else out.write(toTable(found as unknown as Record<string, unknown>[], QUERY_COLUMNS));
    });
}
