// The append-only audit file: one JSON record per line, hash-chained, also written to stdout
// through the logger. On start it resumes the chain from the file's last record, so a
// restarted process continues the same chain. Retention prunes whole records older than the
// policy's days behind a retention anchor.
//
// When the disk refuses a record (full, read-only) the record is held in memory, in order, the
// failure logged at error level and retried every second; nothing is dropped. Past the bound
// (audit/bound.ts) prepare() throws AuditTrailFull: the operator takes no decision it cannot record.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { chainRecord, GENESIS, type AuditEntry, type AuditRecord } from "./chain.js";
import { AuditTrailFull, cutBack, DEFAULT_MAX_PENDING_BYTES } from "./bound.js";
import { closeArchive, DAY_MS, moveOutOldRecords } from "./retention.js";

export interface AuditLogBounds {
  /** Bytes of records held in memory while the disk fails before prepare() refuses (default 64 MiB). */
  maxPendingBytes?: number;
  retryMs?: number;
}

export class AuditLog {
  private head: { seq: number; hash: string } | undefined;
  /** The newest record on disk: what a signed checkpoint may name. */
  private durable: { seq: number; hash: string } | undefined;
  private queue: { line: string; record: AuditRecord }[] = [];
  private queuedBytes = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Why the last write failed; undefined while the disk takes the records. */
  failing: string | undefined;

  constructor(
    readonly file: string,
    private readonly log?: Logger,
    private readonly now: () => Date = () => new Date(),
    private readonly bounds: AuditLogBounds = {},
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
    this.durable = this.head;
  }

  /** Append a record; synchronous so records keep their order and survive a crash right after. */
  append(entry: AuditEntry): AuditRecord {
    return this.commit(this.prepare(entry));
  }

  /** The record `entry` would become if committed next (lets a caller put its hash in a status first). */
  prepare(entry: AuditEntry): AuditRecord {
    if (this.full) throw new AuditTrailFull(this.file, this.failing ?? "?", this.queue.length);
    return chainRecord(entry, this.head, this.now());
  }

  /** Persist a prepared record; it must still follow the current head. */
  commit(record: AuditRecord): AuditRecord {
    if (record.prev !== (this.head?.hash ?? GENESIS)) throw new Error(`audit record ${record.seq} no longer follows the chain head; prepare it again`);
    this.head = { seq: record.seq, hash: record.hash };
    this.log?.info({ audit: record }, `audit ${record.type} ${record.object}: ${record.result}`);
    const line = JSON.stringify(record) + "\n";
    this.queue.push({ line, record });
    this.queuedBytes += Buffer.byteLength(line);
    if (!this.retry) this.write();
    return record;
  }

  /** The newest record on disk (records held in memory while the disk fails are not included). */
  get chainHead(): { seq: number; hash: string } | undefined {
    return this.durable;
  }

  /** Records chained but not yet on disk. */
  get pending(): number {
    return this.queue.length;
  }

  /** At the bound: prepare() refuses until the disk takes the held records. */
  get full(): boolean {
    return this.queue.length > 0 && this.queuedBytes >= (this.bounds.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES);
  }

  /** Write every held record; on failure keep them, cut off a partial write, and retry later. */
  private write(): void {
    if (this.queue.length === 0) return;
    const data = Buffer.from(this.queue.map((q) => q.line).join(""));
    let fd: number | undefined;
    let size = 0;
    try {
      fd = openSync(this.file, "a");
      size = fstatSync(fd).size;
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    } catch (e) {
      if (fd !== undefined) cutBack(fd, size);
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      this.failing = code;
      this.log?.error({ file: this.file, err: e, pending: this.queue.length }, `AUDIT TRAIL NOT WRITTEN (${code}): ${this.queue.length} record(s) held in memory and retried${this.full ? "; AT THE BOUND: the operator takes no decision until the trail is written" : ""}`);
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.write();
      }, this.bounds.retryMs ?? 1_000);
      this.retry.unref();
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const last = this.queue.at(-1)!.record;
    this.durable = { seq: last.seq, hash: last.hash };
    this.queue = [];
    this.queuedBytes = 0;
    if (this.failing) this.log?.warn({ file: this.file }, "audit: the trail is written again");
    this.failing = undefined;
  }

  /** Stop retrying (the held records stay in memory, unwritten). */
  close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
  }

  /**
   * Move records older than `days` to the archive beside the file (audit/retention.ts); a
   * retention record appended to the chain names the seq and hash the kept part continues from,
   * so verification still sees an unbroken, tamper-evident chain.
   */
  prune(days: number): number {
    if (this.queue.length) return 0; // the disk is failing: keep everything, try next time
    const out = moveOutOldRecords(this.file, new Date(this.now().getTime() - days * DAY_MS), days);
    if (!out.entry || !out.archive) return 0;
    closeArchive(out.archive, this.append(out.entry));
    return out.moved;
  }
}
