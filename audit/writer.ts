// One writer's chain, appended without blocking the caller on disk I/O: a record is chained in
// memory at once (so its seq, time and hash are fixed in call order) and its line queued; the
// queue is written with one asynchronous append at a time. Each writer (a webhook replica, the
// operator) owns one file, `<trail>.<writer>.jsonl` beside the trail's base file, so several
// writers never fork a chain; readers merge the chains by time (audit/trail.ts).
//
// When the disk fails (full, read-only, gone) the queued records stay in memory, the failure is
// logged at error level on every retry (1 s apart) and `failing` says why; nothing is dropped
// and the caller's answers do not change, up to a bound (audit/bound.ts, 64 MiB by default).
// At the bound `full` is set: the webhook refuses admissions in governed namespaces (their
// refusals are not chained, so no record would be missing from the chain, but each is logged as
// JSON on stdout with `"auditUnchained": true`), until the disk takes the held records again.
import { existsSync, mkdirSync, readFileSync, truncateSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Logger } from "pino";
import { chainRecord, type AuditEntry, type AuditRecord } from "./chain.js";
import { AuditTrailFull, DEFAULT_MAX_PENDING_BYTES } from "./bound.js";
import { closeArchive, DAY_MS, moveOutOldRecords } from "./retention.js";

/** The file of one writer's chain: /var/lib/golive/audit.jsonl + webhook-a → /var/lib/golive/audit.webhook-a.jsonl. */
export function writerFile(trailFile: string, writer: string): string {
  const safe = writer.replace(/[^A-Za-z0-9_.-]/g, "_");
  const base = basename(trailFile).replace(/\.jsonl$/, "");
  return join(dirname(trailFile), `${base}.${safe}.jsonl`);
}

/** Read the last committed record of a chain file, cutting off a torn last line left by a crash. */
export function resumeHead(file: string, log?: Logger): { seq: number; hash: string } | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const end = text.endsWith("\n") ? text.length : text.lastIndexOf("\n") + 1;
  if (end < text.length) {
    truncateSync(file, end);
    log?.warn({ file, bytes: text.length - end }, "audit: removed a torn record left by a crash");
  }
  const last = text.slice(0, end).trimEnd().split("\n").filter(Boolean).at(-1);
  if (!last) return undefined;
  const r = JSON.parse(last) as AuditRecord;
  return { seq: r.seq, hash: r.hash };
}

export interface AuditWriterOptions {
  file: string;
  /** The writer's id, stamped as `source` on every record. */
  source: string;
  log?: Logger;
  now?: () => Date;
  /** Log every record as JSON on stdout too (8.7 d); default true. */
  stdout?: boolean;
  retryMs?: number;
  /** Bytes of records held in memory while the disk fails before `full` (default 64 MiB). */
  maxPendingBytes?: number;
}

/** Append a batch, cutting the file back if only part of it was written (ENOSPC mid-write). */
async function appendBatch(file: string, data: string): Promise<void> {
  const fh = await open(file, "a");
  try {
    const { size } = await fh.stat();
    try {
      await fh.appendFile(data);
    } catch (e) {
      await fh.truncate(size).catch(() => undefined);
      throw e;
    }
  } finally {
    await fh.close();
  }
}

export class AuditWriter {
  readonly file: string;
  private head: { seq: number; hash: string } | undefined;
  /** The newest record on disk: what a signed checkpoint may name. */
  private durable: { seq: number; hash: string } | undefined;
  private queue: string[] = [];
  private queuedBytes = 0;
  /** Seq and hash of the last line of each queued batch, to move `durable` on. */
  private queueHeads: { seq: number; hash: string }[] = [];
  /** Records refused at the bound (not chained, logged on stdout). */
  unchained = 0;
  private writing: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** Why the last write failed; undefined while the disk takes the records. */
  failing: string | undefined;

  constructor(private readonly o: AuditWriterOptions) {
    this.file = o.file;
    try {
      mkdirSync(dirname(o.file), { recursive: true });
    } catch (e) {
      // Not fatal: the appends fail and say so loudly, the admissions go on.
      o.log?.error({ file: o.file, err: e }, "AUDIT TRAIL NOT WRITABLE: cannot create its directory");
    }
    this.head = resumeHead(o.file, o.log);
    this.durable = this.head;
  }

  /**
   * Chain the record now and queue it for the disk; returns at once. At the bound the record is
   * not chained (undefined): it is logged on stdout at error level instead.
   */
  append(entry: AuditEntry): AuditRecord | undefined {
    if (this.full) {
      this.unchained++;
      this.o.log?.error({ audit: { ...entry, source: this.o.source }, auditUnchained: true, pending: this.queue.length }, new AuditTrailFull(this.file, this.failing ?? "?", this.queue.length).message);
      return undefined;
    }
    const record = chainRecord({ ...entry, source: this.o.source }, this.head, (this.o.now ?? (() => new Date()))());
    this.head = { seq: record.seq, hash: record.hash };
    const line = JSON.stringify(record) + "\n";
    this.queue.push(line);
    this.queueHeads.push(this.head);
    this.queuedBytes += Buffer.byteLength(line);
    if (this.o.stdout !== false) this.o.log?.info({ audit: record }, `audit ${record.type} ${record.object}: ${record.result}`);
    this.kick();
    return record;
  }

  /** The newest record on disk (records held in memory while the disk fails are not included). */
  get chainHead(): { seq: number; hash: string } | undefined {
    return this.durable;
  }

  /** At the bound: the disk fails and the records held in memory reached maxPendingBytes. */
  get full(): boolean {
    return this.failing !== undefined && this.queuedBytes >= (this.o.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES);
  }

  /** Why admissions are refused, while the trail is at its bound. */
  refusal(): string | undefined {
    return this.full ? new AuditTrailFull(this.file, this.failing ?? "?", this.queue.length).message : undefined;
  }

  /** Records chained but not yet on disk. */
  get pending(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.writing || this.retry || this.queue.length === 0) return;
    const batch = this.queue;
    const heads = this.queueHeads;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queueHeads = [];
    this.queuedBytes = 0;
    this.writing = appendBatch(this.file, batch.join(""))
      .then(
        () => {
          this.durable = heads.at(-1) ?? this.durable;
          if (this.failing) this.o.log?.warn({ file: this.file }, "audit: the trail is written again");
          this.failing = undefined;
        },
        (e: unknown) => {
          // Put the batch back in front: order and every record are kept.
          this.queue = batch.concat(this.queue);
          this.queueHeads = heads.concat(this.queueHeads);
          this.queuedBytes += bytes;
          const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
          this.failing = code;
          this.o.log?.error({ file: this.file, err: e, pending: this.queue.length }, `AUDIT TRAIL NOT WRITTEN (${code}): ${this.queue.length} record(s) held in memory and retried; ${this.full ? "AT THE BOUND: admissions in governed namespaces are refused until the trail is written" : "admissions go on until the bound"}`);
          if (!this.closed) {
            this.retry = setTimeout(() => {
              this.retry = undefined;
              this.kick();
            }, this.o.retryMs ?? 1_000);
            this.retry.unref();
          }
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (!this.failing) this.kick();
      });
  }

  /**
   * Move records older than `days` (by the injected clock) to the archive and chain the
   * retention record that anchors the kept part (audit/retention.ts). Waits for the write in
   * flight; nothing is appended to the file while it runs.
   */
  async prune(days: number): Promise<number> {
    if (this.retry || this.failing) return 0; // the disk is failing: keep everything, try next time
    await this.writing;
    if (this.failing) return 0;
    const cutoff = new Date((this.o.now ?? (() => new Date()))().getTime() - days * DAY_MS);
    const out = moveOutOldRecords(this.file, cutoff, days);
    if (!out.entry || !out.archive) return 0;
    // Not at the bound (the disk took the last write), so the retention record is chained.
    const record = this.append(out.entry)!;
    closeArchive(out.archive, record);
    await this.flush();
    return out.moved;
  }

  /** Wait until everything appended so far is on disk (or the disk failed once more). */
  async flush(): Promise<void> {
    while (this.writing || (this.queue.length && !this.retry)) {
      this.kick();
      await this.writing;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
  }
}
