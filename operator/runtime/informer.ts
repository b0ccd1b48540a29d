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

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Server-side watch timeout; the server ends the watch and we resume from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** A watch with no event (bookmarks included) for this long is presumed dead and restarted. */
  stallMs?: number;
  resyncMs?: number;
  labelSelector?: string;
  onError?: (error: unknown, what: string) => void;
  onRelist?: () => void;
  /**
   * Reduce each object on arrival to what golive reads (client-go's SetTransform): the store
   * then holds the reduced form only. It must keep metadata.name, namespace and resourceVersion.
   */
  transform?: (object: T) => T;
  /** Extra lookup keys for an object (e.g. the release an evidence object belongs to), for byIndex. */
  indexBy?: (object: T) => string | undefined;
  /**
   * Objects per page of a list (limit/continue, as client-go's reflector pages by 500): a list of
   * 50,000 evidence objects in one response would hold its whole text and every unreduced object
   * in memory at once, several times what the reduced store itself takes.
   */
  pageSize?: number;
}

/**
 * What every store drops on arrival: managedFields (who wrote which field, often larger than the
 * object's spec) are never read by golive, and a PUT without them keeps the server's copy.
 */
export function withoutManagedFields<T extends KubeObject>(o: T): T {
  const md: (KubeObject["metadata"] & { managedFields?: unknown }) | undefined = o.metadata;
  if (!md?.managedFields) return o;
  const { managedFields: _dropped, ...metadata } = md;
  return { ...o, metadata };
}

export const objectKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  /** namespace -> key -> object, so that a namespace's objects are found without a scan of all. */
  private readonly byNamespace = new Map<string, Map<string, T>>();
  /** indexBy value -> key -> object. */
  private readonly index = new Map<string, Map<string, T>>();
  private readonly handlers: InformerHandler<T>[] = [];
  private resourceVersion = "";
  private stopped = false;
  private abort = new AbortController();
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private loop: Promise<void> | undefined;
  readonly opts: Required<Pick<InformerOptions<T>, "watchTimeoutSeconds" | "stallMs" | "resyncMs" | "pageSize">> & InformerOptions<T>;

  constructor(
    private readonly client: KubeClient,
    /** Collection path, e.g. /apis/golive.dev/v1alpha1/releases (all namespaces). */
    readonly path: string,
    opts: InformerOptions<T> = {},
  ) {
    this.opts = { watchTimeoutSeconds: 300, stallMs: 0, resyncMs: 300_000, pageSize: 500, ...opts };
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
    if (namespace === undefined) return [...this.store.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** The objects whose indexBy value is the given one (empty without indexBy). */
  byIndex(value: string): T[] {
    return [...(this.index.get(value)?.values() ?? [])];
  }

  get size(): number {
    return this.store.size;
  }

  private put(key: string, object: T, old: T | undefined): void {
    if (old) this.remove(key, old);
    this.store.set(key, object);
    addTo(this.byNamespace, object.metadata?.namespace ?? "", key, object);
    const i = this.opts.indexBy?.(object);
    if (i !== undefined) addTo(this.index, i, key, object);
  }

  private remove(key: string, old: T): void {
    this.store.delete(key);
    removeFrom(this.byNamespace, old.metadata?.namespace ?? "", key);
    const i = this.opts.indexBy?.(old);
    if (i !== undefined) removeFrom(this.index, i, key);
  }

  private reduce(o: T): T {
    const lean = withoutManagedFields(o);
    return this.opts.transform ? this.opts.transform(lean) : lean;
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

  /**
   * List everything, page by page, and reconcile the store with it, emitting the differences.
   * Each page is reduced before the next is asked for. The pages are one consistent snapshot (the
   * continue token carries the first page's resourceVersion); when that snapshot has been
   * compacted away mid-list (410 Expired) the list starts over.
   */
  private async relist(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.relistPages();
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 410) || attempt >= 3) throw e;
      }
    }
  }

  private async relistPages(): Promise<void> {
    const seen = new Set<string>();
    let resourceVersion: string;
    let next: string | undefined;
    do {
      const page = await this.client.get<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>(this.query({ limit: String(this.opts.pageSize), ...(next ? { continue: next } : {}) }));
      for (const listed of page.items) {
        const item = this.reduce(listed);
        const key = objectKey(item);
        seen.add(key);
        const old = this.store.get(key);
        this.put(key, item, old);
        if (!old) this.emit("add", item);
        else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.emit("update", item, old);
      }
      resourceVersion = page.metadata.resourceVersion;
      next = page.metadata.continue || undefined;
    } while (next);
    for (const [key, old] of this.store) {
      if (!seen.has(key)) {
        this.remove(key, old);
        this.emit("delete", old);
      }
    }
    this.resourceVersion = resourceVersion;
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
    const object = this.reduce(event.object);
    const key = objectKey(object);
    const old = this.store.get(key);
    if (event.type === "DELETED") {
      if (old) this.remove(key, old);
      this.emit("delete", object);
    } else {
      this.put(key, object, old);
      this.emit(old ? "update" : "add", object, old);
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

function addTo<T>(m: Map<string, Map<string, T>>, bucket: string, key: string, object: T): void {
  let b = m.get(bucket);
  if (!b) m.set(bucket, (b = new Map<string, T>()));
  b.set(key, object);
}

function removeFrom<T>(m: Map<string, Map<string, T>>, bucket: string, key: string): void {
  const b = m.get(bucket);
  if (!b) return;
  b.delete(key);
  if (b.size === 0) m.delete(bucket);
}
