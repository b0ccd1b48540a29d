// Retention (8.3: at least six months): records older than the longest audit.retentionDays of
// any ReleasePolicy (never below 180) are moved out of a chain file into an archive file beside
// it, `archive/<chain>.<firstSeq>-<lastSeq>.jsonl`, ending with the retention record that anchors
// the kept part; the kept records are not touched, and a retention record appended to the chain
// names the seq and hash they continue from, so the chain still verifies. Only the writer of a
// chain prunes it (it is the only one appending), on a schedule.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { AuditEntry, AuditRecord } from "./chain.js";

export const MIN_RETENTION_DAYS = 180;
export const DAY_MS = 86_400_000;
/** How often retention runs in the webhook and the operator. */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** The days the trail keeps: the longest of the policies' audit.retentionDays, at least 180. */
export function retentionDays(policies: readonly { spec: { audit?: { retentionDays?: number } } }[]): number {
  return Math.max(MIN_RETENTION_DAYS, ...policies.map((p) => p.spec.audit?.retentionDays ?? MIN_RETENTION_DAYS));
}

export const archiveDir = (file: string): string => join(dirname(file), "archive");

export interface PruneOutcome {
  moved: number;
  archive?: string;
  /** The retention record to append to the chain (the caller chains it). */
  entry?: AuditEntry;
}

/**
 * Move the records of `file` older than `cutoff` to the archive. Synchronous: the caller makes
 * sure nothing is appended to the file meanwhile. Records at or after the cutoff are never moved,
 * nor is anything after them (the kept part stays one unbroken run).
 */
export function moveOutOldRecords(file: string, cutoff: Date, days: number): PruneOutcome {
  if (!existsSync(file)) return { moved: 0 };
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const records = lines.map((l) => JSON.parse(l) as AuditRecord);
  const firstKept = records.findIndex((r) => Date.parse(r.time) >= cutoff.getTime());
  const moved = firstKept === -1 ? records.length : firstKept;
  if (moved === 0) return { moved: 0 };
  const first = records[0]!;
  const last = records[moved - 1]!;
  const dir = archiveDir(file);
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${basename(file).replace(/\.jsonl$/, "")}.${first.seq}-${last.seq}.jsonl`);
  writeFileSync(archive, lines.slice(0, moved).map((l) => l + "\n").join(""));
  const tmp = `${file}.retention.tmp`;
  writeFileSync(tmp, lines.slice(moved).map((l) => l + "\n").join(""));
  renameSync(tmp, file);
  return {
    moved,
    archive,
    entry: {
      type: "retention",
      object: basename(file),
      user: "golive",
      result: "archived",
      reason: `records ${first.seq}–${last.seq} older than ${days} days moved to ${basename(archive)}`,
      details: { prunedThroughSeq: last.seq, prunedThroughHash: last.hash, archive: basename(archive), cutoff: cutoff.toISOString() },
    },
  };
}

/** Append the anchoring retention record to the archive as well, so the archive names where the chain went on. */
export function closeArchive(archive: string, record: AuditRecord): void {
  appendFileSync(archive, JSON.stringify(record) + "\n");
}

/** Runs a prune every intervalMs with the policies' current retention. */
export class RetentionSchedule {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly prune: (days: number) => Promise<number> | number,
    private readonly days: () => number,
    private readonly onError: (e: unknown) => void,
  ) {}
  run(): Promise<number> {
    return Promise.resolve().then(() => this.prune(this.days()));
  }
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run().catch(this.onError), intervalMs);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
