// GET /audit on the operator (8.3 c, for the report and a console): the same query, classification
// and aggregation as `golive audit query`, over HTTPS, read-only. Who may read the trail is
// Kubernetes' decision, as for kube-rbac-proxy: the bearer token is checked with a TokenReview
// and the user must be allowed `get` on `releases/audit` of golive.dev (a SubjectAccessReview;
// the subresource is not served, it names the right): cluster-wide, or, for a query confined to
// one namespace (namespace=NS), in that namespace, so a RoleBinding there to the chart's
// ClusterRole <fullname>-audit-reader lets a team (or the web console as that viewer) read the
// records of its own namespace and no other.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { basename } from "node:path";
import { chainFiles, readTrail, summarizeChains, verifyChains, type ChainSummary } from "../../audit/trail.js";
import { QUERY_COLUMNS, queryTrail, summarize, toCsv, type AuditFilter } from "../../audit/query.js";
import type { KubeClient } from "../runtime/kube-client.js";

export type AuditQuery = { filter: AuditFilter; format: "json" | "csv"; summary: boolean; limit: number; order: "oldest" | "newest"; verify: boolean };

const FILTERS = ["type", "user", "namespace", "release", "result"] as const;
const KNOWN = new Set<string>([...FILTERS, "since", "until", "format", "summary", "limit", "order", "verify"]);
export const MAX_LIMIT = 100_000;

/** The query string as a filter, or what is wrong with it (pure). */
export function parseAuditQuery(q: URLSearchParams): AuditQuery | { error: string } {
  for (const k of q.keys()) if (!KNOWN.has(k)) return { error: `unknown parameter ${k}: use ${[...KNOWN].join(", ")}` };
  const filter: AuditFilter = {};
  for (const k of FILTERS) {
    const v = q.get(k);
    if (v !== null) filter[k] = v;
  }
  for (const k of ["since", "until"] as const) {
    const v = q.get(k);
    if (v === null) continue;
    const t = Date.parse(v);
    if (Number.isNaN(t)) return { error: `${k}=${v} is not a time: use RFC 3339, such as 2026-06-01T00:00:00Z` };
    filter[k] = new Date(t);
  }
  const format = q.get("format") ?? "json";
  if (format !== "json" && format !== "csv") return { error: `format=${format}: use json or csv` };
  const summary = q.get("summary");
  if (summary !== null && summary !== "true" && summary !== "false") return { error: `summary=${summary}: use true or false` };
  const limit = Number(q.get("limit") ?? MAX_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return { error: `limit=${q.get("limit")}: use a whole number from 1 to ${MAX_LIMIT}` };
  const order = q.get("order") ?? "oldest";
  if (order !== "oldest" && order !== "newest") return { error: `order=${order}: use oldest or newest (which records the limit keeps first)` };
  const verify = q.get("verify");
  if (verify !== null && verify !== "true" && verify !== "false") return { error: `verify=${verify}: use true or false` };
  if (verify === "true" && (format === "csv" || summary === "true")) return { error: "verify=true answers in JSON with the records: leave out format=csv and summary=true" };
  return { filter, format, summary: summary === "true", limit, order, verify: verify === "true" };
}

export type Authorization = { ok: true; user: string } | { ok: false; code: 401 | 403; reason: string };
/** `namespace`: the query reads one namespace's records only; undefined: every namespace's. */
export type Authorizer = (token: string | undefined, namespace?: string) => Promise<Authorization>;

/** TokenReview, then SubjectAccessReview for get on releases/audit (golive.dev): in the namespace the query is confined to, else cluster-wide. */
export function kubeAuthorizer(client: KubeClient): Authorizer {
  return async (token, namespace) => {
    if (!token) return { ok: false, code: 401, reason: "no bearer token: send Authorization: Bearer <service account or user token>" };
    const review = await client.create<{ status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }; error?: string } }>("/apis/authentication.k8s.io/v1/tokenreviews", { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } });
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) return { ok: false, code: 401, reason: "the token is not valid for this cluster" };
    const access = await client.create<{ status?: { allowed?: boolean; reason?: string } }>("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: { user: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups ?? [], ...(user.extra ? { extra: user.extra } : {}), resourceAttributes: { group: "golive.dev", resource: "releases", subresource: "audit", verb: "get", ...(namespace ? { namespace } : {}) } },
    });
    if (!access.status?.allowed)
      return namespace
        ? { ok: false, code: 403, reason: `${user.username} may not read the audit trail of namespace ${namespace} (get releases/audit in API group golive.dev there): bind the ClusterRole <release>-golive-audit-reader with a RoleBinding in ${namespace}` }
        : { ok: false, code: 403, reason: `${user.username} may not read the audit trail (get releases/audit in API group golive.dev, cluster-wide): bind the ClusterRole <release>-golive-audit-reader` };
    return { ok: true, user: user.username };
  };
}

export interface AuditServerOptions {
  /** The trail's directory (every writer's chain). */
  dir: string;
  port: number;
  host?: string;
  tls: { cert: string; key: string };
  authorize: Authorizer;
  log: Logger;
}

export async function startAuditServer(o: AuditServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: "TLSv1.2" }, (req, res) => void handle(o, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "0.0.0.0", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  o.log.info({ port }, "audit query endpoint listening on /audit (HTTPS)");
  return { server, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function send(res: ServerResponse, code: number, body: unknown, type = "application/json"): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "content-type": type, "content-length": Buffer.byteLength(text), "cache-control": "no-store" }).end(text);
}

async function handle(o: AuditServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://golive");
  if (url.pathname !== "/audit") return send(res, 404, { error: "not found: the only path is /audit" });
  if (req.method !== "GET") return send(res, 405, { error: "/audit is read-only: use GET" });
  const header = req.headers.authorization;
  const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
  let auth: Authorization;
  // A query with namespace=NS returns only records of NS (audit/query.ts), so a right in NS suffices.
  const namespace = url.searchParams.get("namespace") || undefined;
  try {
    auth = await o.authorize(token, namespace);
  } catch (e) {
    o.log.error({ err: e }, "audit endpoint: could not review the caller's token");
    return send(res, 503, { error: "golive could not ask the API server who the caller is: retry" });
  }
  if (!auth.ok) return send(res, auth.code, { error: auth.reason });
  const q = parseAuditQuery(url.searchParams);
  if ("error" in q) return send(res, 400, { error: q.error });
  let found;
  let chains: ChainSummary[] | undefined;
  try {
    const files = chainFiles([o.dir]);
    found = queryTrail(readTrail(files), q.filter);
    // verify=true: each chain of the trail verified on its own (file names only, never the path),
    // as `golive audit verify` would on a copy, so a report made from here can state it.
    if (q.verify) chains = summarizeChains(verifyChains(files), (f) => basename(f));
  } catch (e) {
    o.log.error({ err: e, dir: o.dir }, "audit endpoint: could not read the trail");
    return send(res, 500, { error: `could not read the trail: ${(e as Error).message}` });
  }
  o.log.info({ user: auth.user, query: url.search, records: found.length }, "audit trail queried");
  if (q.summary) {
    const rows = summarize(found);
    return q.format === "csv" ? send(res, 200, toCsv(rows as unknown as Record<string, unknown>[], ["type", "result", "count"]), "text/csv") : send(res, 200, { total: found.length, summary: rows });
  }
  const page = q.order === "newest" ? found.slice(-q.limit).reverse() : found.slice(0, q.limit);
  if (q.format === "csv") return send(res, 200, toCsv(page as unknown as Record<string, unknown>[], QUERY_COLUMNS), "text/csv");
  return send(res, 200, { total: found.length, returned: page.length, records: page, ...(chains ? { chains } : {}) });
}
