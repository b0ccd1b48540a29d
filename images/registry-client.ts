// An OCI distribution client (the parts sealing needs): manifests, blobs, the referrers API,
// uploads. Built on Node's fetch.
//
// - Digests are always computed from the bytes received; a Docker-Content-Digest header is never
//   trusted. Content fetched by digest must hash to that digest.
// - Every body is read with a size cap (manifests 4 MiB, the distribution spec's limit).
// - Anonymous, Basic and Bearer-token auth (the Docker token flow, with credentials from Docker
//   config / image pull secrets); tokens are cached per registry and scope until they expire.
//   Credentials never leave the registry's origin except to the token realm it names, never over
//   plain HTTP to a non-loopback host, and Authorization is dropped on cross-origin redirects.
// - Each request has a timeout (default 3 s, well under the 10 s an admission webhook gets);
//   429 and 5xx answers and connection errors are retried with exponential backoff and full
//   jitter (honouring Retry-After while it fits the budget); a timeout is never retried.
// - Failures are RegistryErrors with a kind (Auth, Throttled, RegistryDown, Timeout, NotFound,
//   Invalid, DigestMismatch, TooLarge) so callers classify without parsing messages.
import type { CredentialStore } from "./credentials.js";
import { networkCause, readCapped, RegistryError, type Repository } from "./http.js";
import { digestOf, ImageIndex, MANIFEST_ACCEPT, MediaType, type Descriptor } from "./oci.js";
import { DEFAULT_REGISTRY } from "./reference.js";
import { RegistryAuth } from "./registry-auth.js";

export { RegistryError, type RegistryErrorKind, type Repository } from "./http.js";
export { parseChallenge } from "./registry-auth.js";

export interface RegistryClientOptions {
  credentials?: CredentialStore;
  /** Per request (each attempt, body included). Default 3000 ms. */
  requestTimeoutMs?: number;
  /** Attempts for retryable failures (429, 5xx, connection errors). Default 3. */
  maxAttempts?: number;
  /** First backoff step; doubles per attempt, with full jitter. Default 200 ms. */
  backoffMs?: number;
  /** Longest Retry-After honoured before giving up as Throttled. Default 2000 ms. */
  maxRetryAfterMs?: number;
  /** Registries reached over plain HTTP. Default: loopback hosts (localhost, 127.0.0.0/8, [::1]). */
  plainHttp?: (registry: string) => boolean;
  maxManifestBytes?: number;
  userAgent?: string;
  /** For tests: the sleep between attempts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For tests: the random source of the jitter. */
  random?: () => number;
}

export interface FetchedManifest {
  /** sha256 of the bytes received. */
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

const DEFAULT_MAX_MANIFEST = 4 * 1024 * 1024;
const MAX_ERROR_BODY = 64 * 1024;
const MAX_REDIRECTS = 5;

export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "");
  return host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}

/** Where a registry's API is: Docker Hub's API host is registry-1.docker.io. */
function apiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? "registry-1.docker.io" : registry;
}

/** Retry-After in ms (seconds or an HTTP date), undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface Response {
  status: number;
  headers: Headers;
  bytes: Buffer;
  url: string;
}

interface CallOptions {
  method?: "GET" | "HEAD" | "POST" | "PUT";
  accept?: readonly string[];
  contentType?: string;
  body?: Buffer;
  /** pull, or pull,push for uploads. */
  push?: boolean;
  maxBytes: number;
  signal?: AbortSignal | undefined;
  /** An absolute URL (upload locations); otherwise /v2/<repository>/<path>. */
  url?: string;
  path?: string;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class RegistryClient {
  private readonly auth: RegistryAuth;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxManifestBytes: number;
  private readonly plainHttp: (registry: string) => boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.timeoutMs = opts.requestTimeoutMs ?? 3000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
    this.backoffMs = opts.backoffMs ?? 200;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 2000;
    this.maxManifestBytes = opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST;
    this.plainHttp = opts.plainHttp ?? isLoopbackRegistry;
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.auth = new RegistryAuth({ credentials: opts.credentials, timeoutMs: this.timeoutMs, plainHttp: this.plainHttp });
  }

  baseUrl(registry: string): string {
    return `${this.plainHttp(registry) ? "http" : "https"}://${apiHost(registry)}`;
  }

  /** A manifest by tag or digest; undefined when the registry has no such manifest (404). */
  async getManifest(repo: Repository, reference: string, opts: RequestOptions & { accept?: readonly string[] } = {}): Promise<FetchedManifest | undefined> {
    const res = await this.call(repo, { path: `manifests/${reference}`, accept: opts.accept ?? MANIFEST_ACCEPT, maxBytes: this.maxManifestBytes, signal: opts.signal });
    if (res.status === 404) return undefined;
    this.expectOk(repo, res, `manifest ${reference}`);
    const digest = digestOf(res.bytes);
    if (reference.includes(":") && reference !== digest) {
      throw new RegistryError("DigestMismatch", `${repo.registry}/${repo.repository}: the manifest served for ${reference} hashes to ${digest}, not to its digest: the registry is broken or the content was tampered with`);
    }
    const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim() || mediaTypeOf(res.bytes);
    return { digest, mediaType, bytes: res.bytes };
  }

  /** A blob's bytes, checked against its digest; undefined on 404. */
  async getBlob(repo: Repository, digest: string, opts: RequestOptions & { maxBytes: number }): Promise<Buffer | undefined> {
    const res = await this.call(repo, { path: `blobs/${digest}`, maxBytes: opts.maxBytes, signal: opts.signal });
    if (res.status === 404) return undefined;
    this.expectOk(repo, res, `blob ${digest}`);
    const actual = digestOf(res.bytes);
    if (actual !== digest) throw new RegistryError("DigestMismatch", `${repo.registry}/${repo.repository}: blob ${digest} was served with content hashing to ${actual}, not to its digest: the registry is broken or the content was tampered with`);
    return res.bytes;
  }

  /**
   * Referrers of a manifest through the OCI 1.1 referrers API (filtered by artifactType here as
   * well, since registries may ignore the filter); undefined when the registry does not offer the
   * API, so the caller falls back to the referrers tag schema.
   */
  async getReferrers(repo: Repository, digest: string, opts: RequestOptions & { artifactType?: string } = {}): Promise<Descriptor[] | undefined> {
    const query = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : "";
    const res = await this.call(repo, { path: `referrers/${digest}${query}`, accept: [MediaType.ociIndex], maxBytes: this.maxManifestBytes, signal: opts.signal });
    if ([400, 404, 405, 501].includes(res.status)) return undefined;
    this.expectOk(repo, res, `referrers of ${digest}`);
    return this.indexEntries(repo, res.bytes, `the referrers of ${digest}`, opts.artifactType);
  }

  /** Referrers through the tag schema fallback: an index tagged sha256-<hex>; [] when there is none. */
  async getFallbackReferrers(repo: Repository, digest: string, opts: RequestOptions & { artifactType?: string } = {}): Promise<Descriptor[]> {
    const index = await this.getManifest(repo, digest.replace(":", "-"), { accept: [MediaType.ociIndex], ...(opts.signal ? { signal: opts.signal } : {}) });
    if (!index) return [];
    return this.indexEntries(repo, index.bytes, `the referrers index tagged ${digest.replace(":", "-")}`, opts.artifactType);
  }

  private indexEntries(repo: Repository, bytes: Buffer, what: string, artifactType?: string): Descriptor[] {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new RegistryError("Invalid", `${repo.registry}/${repo.repository}: ${what} is not JSON`);
    }
    const index = ImageIndex.safeParse(json);
    if (!index.success) throw new RegistryError("Invalid", `${repo.registry}/${repo.repository}: ${what} is not an OCI index: ${index.error.issues[0]?.message ?? ""}`);
    const entries = index.data.manifests ?? [];
    return artifactType ? entries.filter((d) => d.artifactType === artifactType) : entries;
  }

  /** Upload a blob unless the registry has it already; returns its digest. */
  async putBlob(repo: Repository, bytes: Buffer, opts: RequestOptions = {}): Promise<string> {
    const digest = digestOf(bytes);
    const head = await this.call(repo, { method: "HEAD", path: `blobs/${digest}`, push: true, maxBytes: 0, signal: opts.signal });
    if (head.status === 200) return digest;
    const start = await this.call(repo, { method: "POST", path: "blobs/uploads/", push: true, maxBytes: MAX_ERROR_BODY, signal: opts.signal });
    this.expectOk(repo, start, "a blob upload", [202]);
    const location = start.headers.get("location");
    if (!location) throw new RegistryError("Invalid", `${repo.registry}/${repo.repository}: the upload was accepted without a Location`);
    const url = new URL(location, start.url);
    url.searchParams.set("digest", digest);
    const put = await this.call(repo, { method: "PUT", url: url.toString(), body: bytes, contentType: "application/octet-stream", push: true, maxBytes: MAX_ERROR_BODY, signal: opts.signal });
    this.expectOk(repo, put, `the upload of blob ${digest}`, [201, 204]);
    return digest;
  }

  /** PUT a manifest under a tag or its digest; returns the digest of the bytes sent. */
  async putManifest(repo: Repository, reference: string, bytes: Buffer, mediaType: string, opts: RequestOptions = {}): Promise<string> {
    const res = await this.call(repo, { method: "PUT", path: `manifests/${reference}`, body: bytes, contentType: mediaType, push: true, maxBytes: MAX_ERROR_BODY, signal: opts.signal });
    this.expectOk(repo, res, `the manifest ${reference}`, [201, 204]);
    return digestOf(bytes);
  }

  private expectOk(repo: Repository, res: Response, what: string, ok: readonly number[] = [200]): void {
    if (ok.includes(res.status)) return;
    const detail = res.bytes.subarray(0, 512).toString("utf8").trim();
    const where = `${repo.registry}/${repo.repository}`;
    if (res.status === 404) throw new RegistryError("NotFound", `${where}: ${what} not found (HTTP 404${detail ? `: ${detail}` : ""})`, 404);
    throw new RegistryError("Invalid", `${where}: unexpected HTTP ${res.status} for ${what}${detail ? `: ${detail}` : ""}`, res.status);
  }

  /** One logical request: auth, redirects, retries with backoff, timeout, capped body. */
  private async call(repo: Repository, o: CallOptions): Promise<Response> {
    const where = `${repo.registry}/${repo.repository}`;
    const url = o.url ?? `${this.baseUrl(repo.registry)}/v2/${repo.repository}/${o.path ?? ""}`;
    const scope = `repository:${repo.repository}:${o.push ? "pull,push" : "pull"}`;
    let authorization = this.auth.cached(repo.registry, scope);
    let authTried = false;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.send(repo.registry, url, o, authorization);
      } catch (e) {
        if (e instanceof RegistryError) throw e;
        const cause = networkCause(e);
        if (attempt < this.maxAttempts) {
          await this.backoff(attempt, undefined, o.signal, where);
          continue;
        }
        throw new RegistryError("RegistryDown", `cannot reach ${repo.registry} (${cause}) after ${attempt} attempt${attempt > 1 ? "s" : ""}`);
      }
      if (res.status === 401 && !authTried) {
        authTried = true;
        authorization = await this.auth.authorize(repo, scope, res.headers.get("www-authenticate") ?? "", res.url, o.signal);
        continue;
      }
      if (res.status === 401) throw new RegistryError("Auth", `${where}: the registry refused the credentials (HTTP 401)${this.auth.credentialFor(repo) ? "" : "; no credentials are configured for it (docker config or image pull secrets)"}`, 401);
      if (res.status === 403) throw new RegistryError("Auth", `${where}: access denied (HTTP 403)${this.auth.credentialFor(repo) ? " for the configured credentials" : "; no credentials are configured for it"}`, 403);
      if (res.status === 429 || res.status >= 500) {
        const kind = res.status === 429 ? "Throttled" : "RegistryDown";
        const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
        if (attempt < this.maxAttempts && (retryAfter === undefined || retryAfter <= this.maxRetryAfterMs)) {
          await this.backoff(attempt, retryAfter, o.signal, where);
          continue;
        }
        const detail = retryAfter !== undefined && retryAfter > this.maxRetryAfterMs ? `, Retry-After ${Math.ceil(retryAfter / 1000)} s is beyond the budget` : "";
        throw new RegistryError(kind, `${where}: HTTP ${res.status} after ${attempt} attempt${attempt > 1 ? "s" : ""}${detail}`, res.status);
      }
      return res;
    }
  }

  private async backoff(attempt: number, retryAfterMs: number | undefined, signal: AbortSignal | undefined, where: string): Promise<void> {
    const delay = retryAfterMs ?? Math.round(this.random() * this.backoffMs * 2 ** (attempt - 1));
    try {
      await this.sleep(delay, signal);
    } catch {
      throw new RegistryError("Timeout", `${where}: the deadline passed while waiting to retry`);
    }
  }

  /** One HTTP exchange, following redirects by hand so Authorization never crosses origins. */
  private async send(registry: string, url: string, o: CallOptions, authorization: string | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    const origin = new URL(url).origin;
    let current = url;
    let method = o.method ?? "GET";
    let body = o.body;
    try {
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { "user-agent": this.opts.userAgent ?? "golive" };
        if (o.accept) headers.accept = o.accept.join(", ");
        if (body && o.contentType) headers["content-type"] = o.contentType;
        if (authorization && new URL(current).origin === origin) headers.authorization = authorization;
        const res = await fetch(current, { method, headers, ...(body ? { body } : {}), redirect: "manual", signal });
        if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.get("location")) {
          await res.body?.cancel();
          if (hop >= MAX_REDIRECTS) throw new RegistryError("Invalid", `${registry}: more than ${MAX_REDIRECTS} redirects (a redirect loop) for ${new URL(url).pathname}`);
          const next = new URL(res.headers.get("location")!, current);
          if (next.protocol !== "https:" && !(next.protocol === "http:" && this.plainHttp(next.host))) throw new RegistryError("Invalid", `${registry}: refusing a redirect to ${next.protocol}//${next.host} (not HTTPS, and not a plain-HTTP registry) for ${new URL(url).pathname}`);
          current = next.toString();
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
            method = "GET";
            body = undefined;
          }
          continue;
        }
        const ok = res.status >= 200 && res.status < 300;
        const bytes = method === "HEAD" ? Buffer.alloc(0) : await readCapped(res, ok ? o.maxBytes : MAX_ERROR_BODY, registry, current);
        return { status: res.status, headers: res.headers, bytes, url: current };
      }
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      if (timeout.aborted) throw new RegistryError("Timeout", `${registry}: no answer within ${this.timeoutMs} ms (${method} ${new URL(current).pathname})`);
      if (o.signal?.aborted) throw new RegistryError("Timeout", `${registry}: the deadline passed (${method} ${new URL(current).pathname})`);
      throw e;
    }
  }

}

/** The mediaType field of a manifest when the Content-Type header is missing. */
function mediaTypeOf(bytes: Buffer): string {
  try {
    const value = JSON.parse(bytes.toString("utf8")) as { mediaType?: unknown };
    return typeof value.mediaType === "string" ? value.mediaType : "";
  } catch {
    return "";
  }
}
