// A work queue in client-go's spirit: a key is queued at most once (de-duplicated), never
// processed by two workers at once (a key re-added while in flight runs again after), failures
// retry with per-key exponential backoff, an overall token bucket limits the rate, and
// concurrency is bounded. Urgent keys (releases whose rollout is in flight: a canary's next step,
// a rollback) go ahead of routine ones, skip the token bucket and have a worker slot of their
// own, so that they never wait behind thousands of resyncs; routine keys have a slot of their own
// too, so that a crowd of rollouts never starves a release waiting to start its own (a fair
// share: with routine keys waiting, urgent ones take at most `concurrency` of the
// `concurrency + 1` slots). A timed requeue keeps the soonest time asked for (client-go's
// delaying queue), and the echo of the operator's own write (addUnlessScheduled) does not queue a
// key whose pass already said when to look again.
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
  /** Timed requeues kept outside the queue (the rollout's own timers), for addUnlessScheduled. */
  isScheduled?: (key: string) => boolean;
}

export type Worker = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly urgent: string[] = [];
  private readonly queued = new Map<string, number>(); // key -> time it was queued
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  /** Keys whose own-write echo arrived while they ran: queued after only if nothing is scheduled. */
  private readonly echoes = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** Keys running that were taken from the urgent queue. */
  private readonly runningUrgent = new Set<string>();
  private tokens: number;
  private lastRefill: number;
  private running = 0;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly o: Required<Omit<WorkQueueOptions, "metrics" | "isUrgent" | "isScheduled">> & Pick<WorkQueueOptions, "metrics" | "isUrgent" | "isScheduled">;

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

  /**
   * Queue the key after a delay. A key already waiting keeps the sooner of the two times (as
   * client-go's AddAfter): a pass asking to look again in 2 s is not held back by an earlier
   * pass's 5-minute resync.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.o.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    // setTimeout fires at once beyond 2^31-1 ms; nothing golive waits for is that far.
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, Math.min(delayMs, 2 ** 31 - 1));
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /**
   * The watch event of the operator's own write (a status update whose resourceVersion is the one
   * our write returned): the pass that wrote it already said when to look again (a timed requeue,
   * here or in isScheduled), so queue the key only when nothing is scheduled. Arriving while the
   * key runs, it is decided when the pass ends, after its requeue is set.
   */
  addUnlessScheduled(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.echoes.add(key);
      return;
    }
    if (this.queued.has(key) || this.isScheduled(key)) return;
    this.add(key);
  }

  /** A timed requeue of the key is pending (the queue's own or the isScheduled option's). */
  isScheduled(key: string): boolean {
    return this.timers.has(key) || (this.o.isScheduled?.(key) ?? false);
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
    for (const t of this.timers.values()) clearTimeout(t.timer);
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
    // concurrency + 1 slots. Urgent keys first; routine keys use at most `concurrency` of them
    // (one is always there for a rollout), and while routine keys wait urgent ones use at most
    // `concurrency` too (one is always there for the releases not rolling out: a fair share).
    const slots = this.o.concurrency + 1;
    while (!this.shuttingDown && this.running < slots) {
      const routineWaiting = this.queue.length > 0;
      if (this.urgent.length > 0 && (this.runningUrgent.size < this.o.concurrency || !routineWaiting)) {
        this.start(this.urgent.shift()!, true);
        continue;
      }
      if (!routineWaiting || this.running - this.runningUrgent.size >= this.o.concurrency) break;
      const wait = this.takeToken();
      if (wait > 0) {
        clearTimeout(this.pumpTimer);
        this.pumpTimer = setTimeout(() => this.pump(), wait);
        this.pumpTimer.unref();
        return;
      }
      this.start(this.queue.shift()!, false);
    }
    if (this.running === 0 && this.depth === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private start(key: string, urgent: boolean): void {
    if (urgent) this.runningUrgent.add(key);
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
      this.runningUrgent.delete(key);
      this.running--;
      const echo = this.echoes.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      else if (echo && !this.isScheduled(key)) this.add(key);
      this.pump();
    }
  }
}
