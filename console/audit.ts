// The audit records about a release (8.3), on its page. The console has no right to the trail:
// it asks the operator's GET /audit (operator/audit/endpoint.ts) with the viewer's own bearer
// token, for that release's namespace only, so the operator's TokenReview and SubjectAccessReview
// (get releases/audit in the namespace, or cluster-wide) decide, exactly as for `curl` with that
// token. The token goes only to the configured https URL, whose certificate must verify (against
// --audit-ca-file, else the system's CAs): never to an endpoint that could not be checked. A
// viewer who came through the authenticating proxy has no token to send, and is told so. Only the
// records' time, source, type, object, user, result and reason are shown, never their details.
// Answers are kept per token and release until the release's audit head (status.audit) changes
// or 15 s pass, so a live page does not query the trail on every status patch.
import { createHash } from "node:crypto";
import type { Release } from "../api/index.js";
import type { AuditFetch } from "../audit/remote.js";
import { auditAnswer, verifiedAuditQuery } from "../report/audit-answer.js";
import type { AuditSection } from "../report/model.js";
import type { Credential } from "./access.js";

/** What the page shows of one audit record. */
export interface AuditRow {
  time: string;
  source: string;
  type: string;
  object: string;
  user: string;
  result: string;
  reason: string;
}

export type AuditView =
  | { kind: "records"; rows: AuditRow[]; total: number }
  /** The operator said no (401/403): its reason, which names the right to bind. */
  | { kind: "refused"; reason: string }
  /** The operator could not be asked, or answered something else. */
  | { kind: "unavailable"; reason: string }
  /** A proxied viewer: the console holds no token of theirs to send. */
  | { kind: "needsToken" };

/** How many of the newest records the page shows. */
export const AUDIT_ROWS = 200;

/** The endpoint's answer as what the page shows (pure). */
export function auditViewOf(status: number, body: string): AuditView {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: "unavailable", reason: `the operator's /audit answered ${status} with something that is not JSON` };
  }
  const o = (json ?? {}) as { error?: unknown; total?: unknown; records?: unknown };
  if (status === 401 || status === 403) return { kind: "refused", reason: typeof o.error === "string" ? o.error : `refused (${status})` };
  if (status !== 200 || !Array.isArray(o.records)) return { kind: "unavailable", reason: `the operator's /audit answered ${status}${typeof o.error === "string" ? `: ${o.error}` : ""}` };
  const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));
  const rows = (o.records as Record<string, unknown>[]).slice(0, AUDIT_ROWS).map((r) => ({ time: str(r.time), source: str(r.source), type: str(r.type), object: str(r.object), user: str(r.user), result: str(r.result), reason: str(r.reason) }));
  return { kind: "records", rows, total: typeof o.total === "number" ? o.total : rows.length };
}

/** The query for one release's records, newest first, confined to its namespace. */
export function auditQuery(namespace: string, release: string): string {
  return new URLSearchParams({ namespace, release, order: "newest", limit: String(AUDIT_ROWS) }).toString();
}

export { httpsAuditFetch, type AuditEndpoint, type AuditFetch } from "../audit/remote.js";

export class ReleaseAudit {
  private readonly cache = new Map<string, { at: number; view: Promise<AuditView> }>();
  constructor(
    private readonly fetch: AuditFetch,
    readonly ttlMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The conformance report's audit section (8.3): every record about the release with the
   * operator's verification of each chain (verify=true), asked with the viewer's token like the
   * page's records, never cached (a report is asked for once). Or why it cannot be included.
   */
  async reportSection(credential: Credential, r: Release): Promise<{ section: AuditSection } | { note: string }> {
    if (!("token" in credential)) return { note: "you came through the authenticating proxy, and the console holds no token of yours to ask the operator's /audit with; run golive report --audit-url with your own token" };
    try {
      const { status, body } = await this.fetch(verifiedAuditQuery({ name: r.metadata.name, namespace: r.metadata.namespace }), credential.token);
      const answer = auditAnswer(status, body);
      return "section" in answer ? answer : { note: `the operator's /audit ${answer.problem}` };
    } catch (e) {
      return { note: `could not ask the operator's /audit: ${(e as Error).message}` };
    }
  }

  /** The records about the release as this viewer may read them. */
  view(credential: Credential, r: Release): Promise<AuditView> {
    if (!("token" in credential)) return Promise.resolve({ kind: "needsToken" });
    const ns = r.metadata.namespace ?? "";
    const head = r.status?.audit?.head ?? "";
    const key = createHash("sha256").update(`${credential.token}\n${ns}\n${r.metadata.name}\n${head}`).digest("hex");
    const t = this.now();
    for (const [k, v] of this.cache) if (t - v.at > this.ttlMs) this.cache.delete(k);
    const hit = this.cache.get(key);
    if (hit) return hit.view;
    const view = this.fetch(auditQuery(ns, r.metadata.name), credential.token).then(
      ({ status, body }) => auditViewOf(status, body),
      (e: unknown): AuditView => ({ kind: "unavailable", reason: `could not ask the operator's /audit: ${(e as Error).message}` }),
    );
    this.cache.set(key, { at: t, view });
    // A failure is not kept: the next page or push asks again.
    void view.then((v) => v.kind === "unavailable" && this.cache.get(key)?.view === view && this.cache.delete(key));
    return view;
  }
}
