// A small JSON REST client for the Kubernetes API over node:https, authenticated by a
// KubeConfig (client certs, tokens, exec plugins via client-node). The informers, leader
// election and status writes need only get/list/watch/create/replace/patch, and owning the
// watch stream lets the informer detect stalls and 410 Gone precisely.
import { Agent as HttpsAgent, request, type AgentOptions, type RequestOptions } from "node:https";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";

export class KubeError extends Error {
  override name = "KubeError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export type PatchType = "merge" | "json" | "apply";
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** TLS material and settings that make two requests' connections interchangeable. */
const AGENT_FIELDS = ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const;

const materialText = (v: unknown): string => (v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("base64") : typeof v === "string" || typeof v === "boolean" ? String(v) : JSON.stringify(v));

/**
 * How long to wait before sending a refused request again, or undefined when it must not be.
 * The API server answers 429 when priority and fairness sheds load and while a resource's watch
 * cache is still (re)initializing (right after a CRD is created), and 503 with Retry-After
 * when it is starting or shutting down: in each case it did not act on the request, so sending it
 * again is safe for every verb (client-go does the same). Other failures are the caller's.
 */
export function retryDelayMs(status: number, retryAfter: string | undefined, maxDelayMs: number): number | undefined {
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
  if (status === 429) return Math.min((seconds ?? 1) * 1000, maxDelayMs);
  if (status === 503 && seconds !== undefined) return Math.min(seconds * 1000, maxDelayMs);
  return undefined;
}

export class KubeClient {
  private readonly server: URL;
  private shared: { key: string; agent: HttpsAgent | HttpAgent } | undefined;
  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = 30_000,
    private readonly retry: { attempts: number; maxDelayMs: number } = { attempts: 5, maxDelayMs: 10_000 },
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
  }

  private async options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions & { url: URL }> {
    const url = new URL(path, this.server);
    const opts: RequestOptions = { method, headers: { accept: "application/json", ...headers } };
    await this.kc.applyToHTTPSOptions(opts);
    opts.agent = this.keepAliveAgent(opts);
    return { ...opts, url };
  }

  /**
   * client-node hands every request a new Agent, which means a TLS handshake (and a parsed CA,
   * certificate and key) per call and no connection reuse. Keep one keep-alive Agent per set of
   * TLS material instead (a rotated client certificate gets a new one; tokens are headers and
   * are applied per call). Proxy agents are left as they are.
   */
  private keepAliveAgent(opts: RequestOptions): RequestOptions["agent"] {
    const given = opts.agent;
    if (!given || (given.constructor !== HttpsAgent && given.constructor !== HttpAgent)) return given;
    const material = opts as Record<string, unknown>;
    const key = `${given.constructor.name}\n${AGENT_FIELDS.map((f) => materialText(material[f])).join("\n")}`;
    if (this.shared?.key !== key) {
      this.shared?.agent.destroy();
      const options: AgentOptions = { keepAlive: true, scheduling: "lifo" };
      for (const f of AGENT_FIELDS) if (material[f] !== undefined) (options as Record<string, unknown>)[f] = material[f];
      this.shared = { key, agent: given.constructor === HttpsAgent ? new HttpsAgent(options) : new HttpAgent(options) };
    }
    return this.shared.agent;
  }

  /** Close the kept-alive connections (idle ones never hold the process open, but a clean stop closes them). */
  close(): void {
    this.shared?.agent.destroy();
    this.shared = undefined;
  }

  private send(opts: RequestOptions & { url: URL }, body: string | undefined, timeoutMs: number): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
    const send = opts.url.protocol === "http:" ? httpRequest : request;
    return new Promise((resolve, reject) => {
      const req = send(opts.url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        const retryAfter: string | undefined = res.headers["retry-after"];
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), retryAfter }));
        res.on("error", reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new KubeError(0, "Timeout", `${opts.method} ${opts.url.pathname} timed out after ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  async call<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    let res = await this.send(await this.options(method, path, payload === undefined ? {} : { "content-type": contentType }), payload, this.timeoutMs);
    for (let retry = 1; retry <= this.retry.attempts; retry++) {
      const wait = retryDelayMs(res.status, res.retryAfter, this.retry.maxDelayMs);
      if (wait === undefined) break;
      await new Promise((r) => setTimeout(r, wait));
      res = await this.send(await this.options(method, path, payload === undefined ? {} : { "content-type": contentType }), payload, this.timeoutMs);
    }
    if (res.status >= 200 && res.status < 300) return (res.text ? JSON.parse(res.text) : {}) as T;
    let status: { reason?: string; message?: string } = {};
    try {
      status = JSON.parse(res.text) as typeof status;
    } catch {
      // Not a Status object.
    }
    throw new KubeError(res.status, status.reason ?? "Unknown", status.message ?? `${method} ${path}: HTTP ${res.status}`);
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }
  create<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, body);
  }
  replace<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown, type: PatchType = "merge"): Promise<T> {
    return this.call<T>("PATCH", path, body, PATCH_CONTENT_TYPES[type]);
  }
  delete<T>(path: string): Promise<T> {
    return this.call<T>("DELETE", path);
  }

  /**
   * Stream a watch. Resolves when the stream ends (server timeout, error, abort); events are
   * delivered in order. The caller decides what to do next (resume or relist).
   */
  async watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const opts = await this.options("GET", path, {});
    const send = opts.url.protocol === "http:" ? httpRequest : request;
    await new Promise<void>((resolve, reject) => {
      const req = send(opts.url, { ...opts, signal }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => reject(new KubeError(res.statusCode ?? 0, "WatchFailed", text.slice(0, 500))));
          return;
        }
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
          }
        });
        res.on("end", () => resolve());
        res.on("error", (e) => (signal.aborted ? resolve() : reject(e)));
      });
      req.on("error", (e) => (signal.aborted ? resolve() : reject(e)));
      req.end();
    });
  }
}
