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
  fetch?: typeof fetch;
}

export function textLine(c: PhaseChange): string {
  const where = c.weight !== undefined && (c.to === "Progressing" || c.to === "RollingBack") ? ` (weight ${c.weight}%${c.step ? `, step ${c.step}` : ""})` : "";
  return `golive: ${c.application} ${c.version} (${c.namespace}/${c.release}) ${c.from ?? "new"} → ${c.to}${where}: ${c.reason}`;
}

export function body(c: PhaseChange, format: "json" | "text"): string {
  if (format === "text") return JSON.stringify({ text: textLine(c) });
  return JSON.stringify({ kind: "ReleasePhaseChanged", apiVersion: "golive.dev/v1alpha1", ...c });
}

export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly o: Required<Omit<NotifierOptions, "log" | "fetch">> & Pick<NotifierOptions, "log" | "fetch">;
  private stopped = false;

  constructor(opts: NotifierOptions = {}) {
    this.o = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 5_000, ...opts };
  }

  /** Send to every target in the background; returns at once. */
  notify(targets: readonly NotificationTarget[], change: PhaseChange): void {
    for (const t of targets) {
      const p = this.deliver(t, change).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Resolves when every delivery started so far has succeeded or given up. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Give up pending retries (shutdown). */
  stop(): void {
    this.stopped = true;
  }

  private async deliver(t: NotificationTarget, change: PhaseChange): Promise<void> {
    const payload = body(change, t.format);
    const target = redact(t.url);
    for (let attempt = 1; attempt <= this.o.attempts && !this.stopped; attempt++) {
      let retry: boolean;
      let problem: string;
      try {
        const res = await (this.o.fetch ?? fetch)(t.url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "golive-operator" }, body: payload, signal: AbortSignal.timeout(this.o.timeoutMs) });
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
      }
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
