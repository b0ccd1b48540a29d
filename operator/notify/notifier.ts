// Outbound webhooks on every phase change of a release (4.3 h, 4.10 b): a generic JSON event, or a
// chat-friendly text line ({"text": "..."}, which Slack, Mattermost and Rocket.Chat incoming
// webhooks accept). Delivery is asynchronous so a slow receiver never delays a rollback; failures
// (network errors, HTTP 5xx and 429) are retried with exponential backoff, other 4xx are final.
import type { Logger } from "pino";

export interface PhaseChange {
  namespace: string;
  release: string;
  application: string;
  version: string;
  from: string | undefined;
  to: string;
  reason: string;
  time: string;
  step?: string | undefined;
  weight?: number | undefined;
  /** Extra facts about the change (rollback trigger, timings). */
  details?: Record<string, unknown>;
}

export interface NotificationTarget {
  url: string;
  format: "json" | "text";
}

export interface NotifierOptions {
  log?: Logger;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Deliveries in flight per target URL at once; the rest wait in its backlog. Default 4. */
  concurrency?: number;
  /** Deliveries waiting per target; beyond it the oldest waiting one is dropped (and logged). Default 1000. */
  backlog?: number;
  fetch?: typeof fetch;
}

interface Delivery {
  target: NotificationTarget;
  change: PhaseChange;
}

export function textLine(c: PhaseChange): string {
  const where = c.weight !== undefined && (c.to === "Progressing" || c.to === "RollingBack") ? ` (weight ${c.weight}%${c.step ? `, step ${c.step}` : ""})` : "";
  return `golive: ${c.application} ${c.version} (${c.namespace}/${c.release}) ${c.from ?? "new"} → ${c.to}${where}: ${c.reason}`;
}

export function body(c: PhaseChange, format: "json" | "text"): string {
  if (format === "text") return JSON.stringify({ text: textLine(c) });
  return JSON.stringify({ kind: "ReleasePhaseChanged", apiVersion: "golive.dev/v1alpha1", ...c });
}

/**
 * Deliveries are queued per target URL and sent a few at a time: a thousand releases changing
 * phase at once (a policy edit, an operator restart) must not open a thousand connections to one
 * chat server, nor queue thousands of DNS lookups in front of everything else the process does.
 */
export class Notifier {
  private readonly o: Required<Omit<NotifierOptions, "log" | "fetch">> & Pick<NotifierOptions, "log" | "fetch">;
  private readonly targets = new Map<string, { active: number; waiting: Delivery[] }>();
  private readonly aborts = new Set<AbortController>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(opts: NotifierOptions = {}) {
    this.o = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 5_000, concurrency: 4, backlog: 1_000, ...opts };
  }

  /** Queue a delivery to every target; returns at once. */
  notify(targets: readonly NotificationTarget[], change: PhaseChange): void {
    if (this.stopped) return;
    for (const target of targets) {
      let q = this.targets.get(target.url);
      if (!q) this.targets.set(target.url, (q = { active: 0, waiting: [] }));
      q.waiting.push({ target, change });
      if (q.waiting.length > this.o.backlog) {
        const dropped = q.waiting.shift()!;
        this.o.log?.warn({ target: redact(target.url), release: `${dropped.change.namespace}/${dropped.change.release}`, to: dropped.change.to, backlog: this.o.backlog }, "notification dropped: the target's backlog is full");
      }
      this.pump(target.url);
    }
  }

  /** Resolves when every delivery queued so far has succeeded, given up or been dropped. */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Shutdown: drop what is waiting and abort what is in flight. */
  stop(): void {
    this.stopped = true;
    for (const q of this.targets.values()) q.waiting.length = 0;
    for (const a of this.aborts) a.abort(new Error("the operator is stopping"));
    this.settle();
  }

  private idle(): boolean {
    return [...this.targets.values()].every((q) => q.active === 0 && q.waiting.length === 0);
  }

  private settle(): void {
    if (!this.idle()) return;
    this.targets.clear();
    for (const r of this.idleWaiters.splice(0)) r();
  }

  private pump(url: string): void {
    const q = this.targets.get(url);
    while (q && q.active < this.o.concurrency && q.waiting.length) {
      const next = q.waiting.shift()!;
      q.active++;
      void this.deliver(next.target, next.change).finally(() => {
        q.active--;
        this.pump(url);
        this.settle();
      });
    }
  }

  private async deliver(t: NotificationTarget, change: PhaseChange): Promise<void> {
    const payload = body(change, t.format);
    const target = redact(t.url);
    for (let attempt = 1; attempt <= this.o.attempts && !this.stopped; attempt++) {
      let retry: boolean;
      let problem: string;
      const abort = new AbortController();
      this.aborts.add(abort);
      try {
        const res = await (this.o.fetch ?? fetch)(t.url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "golive-operator" }, body: payload, signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.o.timeoutMs)]) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.o.log?.debug({ target, release: `${change.namespace}/${change.release}`, to: change.to, attempt }, "notification delivered");
          return;
        }
        retry = res.status >= 500 || res.status === 429;
        problem = `HTTP ${res.status}`;
      } catch (e) {
        retry = true;
        problem = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      } finally {
        this.aborts.delete(abort);
      }
      if (this.stopped) return;
      if (!retry || attempt === this.o.attempts) {
        this.o.log?.warn({ target, release: `${change.namespace}/${change.release}`, to: change.to, attempt, problem }, "notification not delivered; giving up");
        return;
      }
      const delay = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
      this.o.log?.info({ target, attempt, problem, retryInMs: delay }, "notification failed; retrying");
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }
}

/** Webhook URLs often carry a secret token in the path or query: log only the origin. */
function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}
