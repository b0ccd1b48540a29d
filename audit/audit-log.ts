// The append-only audit file: one JSON record per line, hash-chained, also written to stdout
// through the logger. On start it resumes the chain from the file's last record, so a
// restarted process continues the same chain. Retention prunes whole records older than the
// policy's days behind a retention anchor.
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { chainRecord, GENESIS, type AuditEntry, type AuditRecord } from "./chain.js";
import { closeArchive, DAY_MS, moveOutOldRecords } from "./retention.js";

export class AuditLog {
  private head: { seq: number; hash: string } | undefined;

  constructor(
    readonly file: string,
    private readonly log?: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8");
      // A crash in the middle of an append leaves a torn last line: it was never committed, so
      // cut it off (and say so) rather than refuse to start or chain onto garbage.
      const end = text.endsWith("\n") ? text.length : text.lastIndexOf("\n") + 1;
      if (end < text.length) {
        truncateSync(file, end);
        this.log?.warn({ file, bytes: text.length - end }, "audit: removed a torn record left by a crash");
      }
      const last = text.slice(0, end).trimEnd().split("\n").filter(Boolean).at(-1);
      if (last) {
        const r = JSON.parse(last) as AuditRecord;
        this.head = { seq: r.seq, hash: r.hash };
      }
    }
  }

  /** Append a record; synchronous so records keep their order and survive a crash right after. */
  append(entry: AuditEntry): AuditRecord {
    return this.commit(this.prepare(entry));
  }

  /** The record `entry` would become if committed next (lets a caller put its hash in a status first). */
  prepare(entry: AuditEntry): AuditRecord {
    return chainRecord(entry, this.head, this.now());
  }

  /** Persist a prepared record; it must still follow the current head. */
  commit(record: AuditRecord): AuditRecord {
    if (record.prev !== (this.head?.hash ?? GENESIS)) throw new Error(`audit record ${record.seq} no longer follows the chain head; prepare it again`);
    appendFileSync(this.file, JSON.stringify(record) + "\n");
    this.head = { seq: record.seq, hash: record.hash };
    this.log?.info({ audit: record }, `audit ${record.type} ${record.object}: ${record.result}`);
    return record;
  }

  get chainHead(): { seq: number; hash: string } | undefined {
    return this.head;
  }

  /**
   * Move records older than `days` to the archive beside the file (audit/retention.ts); a
   * retention record appended to the chain names the seq and hash the kept part continues from,
   * so verification still sees an unbroken, tamper-evident chain.
   */
  prune(days: number): number {
    const out = moveOutOldRecords(this.file, new Date(this.now().getTime() - days * DAY_MS), days);
    if (!out.entry || !out.archive) return 0;
    closeArchive(out.archive, this.append(out.entry));
    return out.moved;
  }
}
