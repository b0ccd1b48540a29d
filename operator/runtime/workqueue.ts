// A work queue in client-go's spirit: a key is queued at most once (de-duplicated), never
// processed by two workers at once (a key re-added while in flight runs again after), failures
// retry with per-key exponential backoff, an overall token bucket limits the rate, and
// concurrency is bounded. Urgent keys (releases whose rollout is in flight: a canary's next step,
// a rollback) go ahead of routine ones, skip the token bucket and have a worker slot of their
// own, so that they never wait behind thousands of resyncs.
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
  queueLatency(seconds: number): void;
  workDuration(seconds: number): void;
}

export interface WorkQueueOptions {
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Token bucket: sustained rate and burst of processed items. */
  qps?: number;
  burst?: number;
  metrics?: WorkQueueMetrics;
  now?: () => number;
  /** Decided when a key is queued: urgent keys are taken first, unthrottled, with a reserved slot. */
  isUrgent?: (key: string) => boolean;
}

export type Worker = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly urgent: string[] = [];
  private readonly queued = new Map<string, number>(); // key -> time it was queued
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private tokens: number;
  private lastRefill: number;
  private running = 0;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly o: Required<Omit<WorkQueueOptions, "metrics" | "isUrgent">> & Pick<WorkQueueOptions, "metrics" | "isUrgent">;

  constructor(
    private readonly worker: Worker,
    opts: WorkQueueOptions = {},
  ) {
    this.o = { concurrency: 4, baseDelayMs: 500, maxDelayMs: 300_000, qps: 50, burst: 200, now: () => Date.now(), ...opts };
    this.tokens = this.o.burst;
    this.lastRefill = this.o.now();
  }

  get depth(): number {
    return this.queue.length + this.urgent.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    const urgent = this.o.isUrgent?.(key) ?? false;
    if (this.queued.has(key)) {
      // Queued as routine and urgent now (its rollout started): move it ahead.
      const at = urgent ? this.queue.indexOf(key) : -1;
      if (at >= 0) {
        this.queue.splice(at, 1);
        this.urgent.push(key);
        this.pump();
      }
      return;
    }
    this.queued.set(key, this.o.now());
    (urgent ? this.urgent : this.queue).push(key);
    this.o.metrics?.added();
    this.o.metrics?.depth(this.depth);
    this.pump();
  }

  /** Queue the key after a delay (an earlier pending delay for the same key wins). */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    t.unref();
    this.timers.set(key, t);
  }

  /** Backoff for a key: base × 2^(failures-1), capped. */
  backoffMs(key: string): number {
    const n = this.failures.get(key) ?? 0;
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.max(0, n - 1));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Stop taking work; resolves when in-flight work is done. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    clearTimeout(this.pumpTimer);
    this.queue.length = 0;
    this.urgent.length = 0;
    this.queued.clear();
    await this.idle();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.depth === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private takeToken(): number {
    const now = this.o.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.o.qps);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.o.qps) * 1000);
  }

  private pump(): void {
    // Urgent keys first, one slot beyond the routine concurrency reserved for them.
    while (this.urgent.length > 0 && this.running < this.o.concurrency + 1 && !this.shuttingDown) this.start(this.urgent.shift()!);
    while (this.running < this.o.concurrency && this.queue.length > 0 && !this.shuttingDown) {
      const wait = this.takeToken();
      if (wait > 0) {
        clearTimeout(this.pumpTimer);
        this.pumpTimer = setTimeout(() => this.pump(), wait);
        this.pumpTimer.unref();
        return;
      }
      this.start(this.queue.shift()!);
    }
    if (this.running === 0 && this.depth === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private start(key: string): void {
    const queuedAt = this.queued.get(key) ?? this.o.now();
    this.queued.delete(key);
    this.o.metrics?.depth(this.depth);
    this.o.metrics?.queueLatency((this.o.now() - queuedAt) / 1000);
    this.processing.add(key);
    this.running++;
    void this.process(key);
  }

  private async process(key: string): Promise<void> {
    const started = this.o.now();
    try {
      const result = await this.worker(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch {
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      this.o.metrics?.retried();
      this.addAfter(key, this.backoffMs(key));
    } finally {
      this.o.metrics?.workDuration((this.o.now() - started) / 1000);
      this.processing.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
