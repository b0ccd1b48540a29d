// An informer: list, then watch from the list's resourceVersion, keeping an in-memory store.
// Unlike watches that silently stall, it restarts a watch that has gone quiet (watchdog),
// relists on 410 Gone, backs off on errors, and periodically resyncs every object to handlers.
import { KubeError, type KubeClient, type WatchEvent } from "./kube-client.js";

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export type InformerEvent = "add" | "update" | "delete" | "resync";
export type InformerHandler<T> = (event: InformerEvent, object: T, old?: T) => void;

export interface InformerOptions {
  /** Server-side watch timeout; the server ends the watch and we resume from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** A watch with no event (bookmarks included) for this long is presumed dead and restarted. */
  stallMs?: number;
  resyncMs?: number;
  labelSelector?: string;
  onError?: (error: unknown, what: string) => void;
  onRelist?: () => void;
}

export const objectKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private resourceVersion = "";
  private stopped = false;
  private abort = new AbortController();
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private loop: Promise<void> | undefined;
  readonly opts: Required<Omit<InformerOptions, "labelSelector" | "onError" | "onRelist">> & InformerOptions;

  constructor(
    private readonly client: KubeClient,
    /** Collection path, e.g. /apis/golive.dev/v1alpha1/releases (all namespaces). */
    readonly path: string,
    opts: InformerOptions = {},
  ) {
    this.opts = { watchTimeoutSeconds: 300, stallMs: 0, resyncMs: 300_000, ...opts };
    if (!this.opts.stallMs) this.opts.stallMs = (this.opts.watchTimeoutSeconds + 60) * 1000;
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(`${namespace ?? ""}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  /** Resolves after the first list; watching continues in the background until stop(). */
  async start(): Promise<void> {
    // The first list retries like later ones: an API server that just installed a CRD answers
    // "storage is (re)initializing" for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.relist();
        break;
      } catch (e) {
        if (this.stopped) return;
        this.opts.onError?.(e, `initial list ${this.path} (attempt ${attempt})`);
        await sleep(Math.min(10_000, 200 * 2 ** attempt), this.abort.signal);
      }
    }
    this.synced = true;
    this.loop = this.watchLoop();
    if (this.opts.resyncMs > 0) {
      this.resyncTimer = setInterval(() => {
        for (const o of this.store.values()) this.emit("resync", o);
      }, this.opts.resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.abort.abort();
    await this.loop;
  }

  private emit(event: InformerEvent, object: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        h(event, object, old);
      } catch (e) {
        this.opts.onError?.(e, `handler for ${event} ${objectKey(object)}`);
      }
    }
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.opts.labelSelector) params.set("labelSelector", this.opts.labelSelector);
    return `${this.path}?${params.toString()}`;
  }

  /** List everything and reconcile the store with it, emitting the differences. */
  private async relist(): Promise<void> {
    const list = await this.client.get<{ items: T[]; metadata: { resourceVersion: string } }>(this.query({}));
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, item);
      if (!old) this.emit("add", item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.emit("update", item, old);
    }
    for (const [key, old] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.emit("delete", old);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.opts.onRelist?.();
  }

  private apply(event: WatchEvent<T>): "ok" | "gone" {
    if (event.type === "ERROR") {
      const status = event.object as unknown as { code?: number };
      return status.code === 410 ? "gone" : "ok";
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === "BOOKMARK") return "ok";
    const key = objectKey(event.object);
    const old = this.store.get(key);
    if (event.type === "DELETED") {
      this.store.delete(key);
      this.emit("delete", event.object);
    } else {
      this.store.set(key, event.object);
      this.emit(old ? "update" : "add", event.object, old);
    }
    return "ok";
  }

  private async watchLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const watchAbort = new AbortController();
      const onStop = () => watchAbort.abort();
      this.abort.signal.addEventListener("abort", onStop, { once: true });
      let gone = false;
      let watchdog = setTimeout(() => watchAbort.abort(), this.opts.stallMs);
      try {
        await this.client.watch<T>(
          this.query({ watch: "1", resourceVersion: this.resourceVersion, allowWatchBookmarks: "true", timeoutSeconds: String(this.opts.watchTimeoutSeconds) }),
          (event) => {
            clearTimeout(watchdog);
            watchdog = setTimeout(() => watchAbort.abort(), this.opts.stallMs);
            if (this.apply(event) === "gone") {
              gone = true;
              watchAbort.abort();
            }
          },
          watchAbort.signal,
        );
        failures = 0;
      } catch (e) {
        if (e instanceof KubeError && e.code === 410) gone = true;
        else {
          failures++;
          this.opts.onError?.(e, `watch ${this.path}`);
        }
      } finally {
        clearTimeout(watchdog);
        this.abort.signal.removeEventListener("abort", onStop);
      }
      if (this.stopped) break;
      if (gone || failures >= 3) {
        // Our resourceVersion is too old (410) or the watch keeps failing: start over from a list.
        try {
          await this.relist();
          failures = 0;
        } catch (e) {
          failures++;
          this.opts.onError?.(e, `relist ${this.path}`);
        }
      }
      if (failures > 0) await sleep(Math.min(30_000, 500 * 2 ** failures), this.abort.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
