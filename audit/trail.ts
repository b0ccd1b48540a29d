// The trail as a reader sees it: every writer's chain file (the operator's base file and one per
// webhook replica, audit/writer.ts) in a directory, each verified on its own, merged by time.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { verifyChain, type AuditRecord, type ChainVerdict } from "./chain.js";

/** Chain files named by paths: a file as given, a directory's *.jsonl files (sorted). */
export function chainFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory())
      out.push(
        ...readdirSync(p)
          .filter((f) => f.endsWith(".jsonl"))
          .sort()
          .map((f) => join(p, f)),
      );
    else out.push(p);
  }
  return out;
}

export interface ChainReport {
  file: string;
  verdict: ChainVerdict;
}

export function verifyChains(files: readonly string[]): ChainReport[] {
  return files.map((file) => ({ file, verdict: verifyChain(readFileSync(file, "utf8")) }));
}

/** One chain's verdict as a report states it: intact with its records and head, or where it breaks. */
export interface ChainSummary {
  file: string;
  ok: boolean;
  records?: number;
  head?: string;
  problem?: string;
}

export function summarizeChains(chains: readonly ChainReport[], name: (file: string) => string = (f) => f): ChainSummary[] {
  return chains.map(({ file, verdict: v }) => (v.ok ? { file: name(file), ok: true, records: v.records, head: v.head } : { file: name(file), ok: false, problem: `line ${v.line}: ${v.reason}` }));
}

export function parseChain(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split("\n")) if (line.trim() !== "") out.push(JSON.parse(line) as AuditRecord);
  return out;
}

/** All records of all chains, oldest first (ties by source, then seq). */
export function readTrail(files: readonly string[]): AuditRecord[] {
  const all = files.flatMap((f) => parseChain(readFileSync(f, "utf8")));
  return all.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : (a.source ?? "") < (b.source ?? "") ? -1 : (a.source ?? "") > (b.source ?? "") ? 1 : a.seq - b.seq));
}
