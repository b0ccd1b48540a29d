// The audit trail (8.3) as a hash chain: each record carries the hash of the one before it and
// its own hash over its canonical JSON, so editing, removing or reordering any record breaks the
// chain at that point. Pure functions; the file writer is in audit-log.ts.
import { canonicalJson, sha256Hex } from "../gates/canonical-json.js";

export const GENESIS = "sha256:" + "0".repeat(64);

export interface AuditEntry {
  type: string; // admission, transition, break-glass, retention, ...
  object: string; // e.g. underwriting/Release/underwriting-api-2-4-1
  user: string;
  result: string;
  reason: string;
  dryRun?: boolean;
  /** Which writer made the record (the webhook pod, the operator): each writer keeps its own chain. */
  source?: string;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

export function hashRecord(record: Omit<AuditRecord, "hash">): string {
  return "sha256:" + sha256Hex(canonicalJson(record));
}

export function chainRecord(entry: AuditEntry, prev: { seq: number; hash: string } | undefined, now: Date): AuditRecord {
  const body = { ...entry, seq: (prev?.seq ?? 0) + 1, time: now.toISOString(), prev: prev?.hash ?? GENESIS };
  return { ...body, hash: hashRecord(body) };
}

export type ChainVerdict = { ok: true; records: number; head: string; seq: number } | { ok: false; line: number; reason: string };

/**
 * Verify a JSONL audit file's text. The first record must start the chain (prev = genesis) or
 * continue from a point that a later retention record in the same chain names as pruned.
 */
export function verifyChain(text: string): ChainVerdict {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const records: AuditRecord[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      records.push(JSON.parse(line) as AuditRecord);
    } catch {
      return { ok: false, line: i + 1, reason: "not valid JSON: the file was edited or truncated" };
    }
  }
  let prev: AuditRecord | undefined;
  for (const [i, r] of records.entries()) {
    const n = i + 1;
    const { hash, ...body } = r;
    if (hashRecord(body) !== hash) return { ok: false, line: n, reason: `record ${r.seq} was edited: its content does not match its hash` };
    if (prev) {
      if (r.seq <= prev.seq) return { ok: false, line: n, reason: `records are out of order: ${r.seq} follows ${prev.seq}` };
      if (r.seq !== prev.seq + 1) {
        const later = records.findIndex((x, j) => j > i && x.seq === prev!.seq + 1);
        if (later !== -1) return { ok: false, line: n, reason: `records are out of order: record ${r.seq} comes before record ${prev.seq + 1} (line ${later + 1})` };
        return { ok: false, line: n, reason: `records ${prev.seq + 1}–${r.seq - 1} were removed` };
      }
      if (r.prev !== prev.hash) return { ok: false, line: n, reason: `record ${r.seq} does not follow record ${prev.seq}: the chain was altered` };
    }
    prev = r;
  }
  const first = records[0];
  if (first && first.prev !== GENESIS) {
    const anchored = records.some((r) => r.type === "retention" && r.details?.prunedThroughHash === first.prev && r.details.prunedThroughSeq === first.seq - 1);
    if (!anchored) return { ok: false, line: 1, reason: `the chain starts at record ${first.seq}: earlier records were removed without a retention record` };
  }
  return { ok: true, records: records.length, head: prev?.hash ?? GENESIS, seq: prev?.seq ?? 0 };
}
