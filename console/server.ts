// The console's HTTPS server: pages rendered per request from the Releases a watch keeps in
// memory, filtered to what the viewer may read, and server-sent event streams that push the
// re-rendered fragment whenever a watched Release changes. The console's own identity writes
// nothing: the one write, a signed approval a viewer pastes, is created with that viewer's token.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { KubeError } from "../operator/runtime/kube-client.js";
import type { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import type { ReleaseAudit } from "./audit.js";
import { reportHtml, reportLink, REPORTED_PHASES } from "./report.js";
import { mayRead, type Credential, type Viewer, type ViewerAccess } from "./access.js";
import { checkApprovalFile } from "./approval.js";
import { releaseEvidence } from "./evidence.js";
import { peerOf, proxiedUser, type RequestHeaderOptions } from "./proxy-identity.js";
import { CONSOLE_CSS, CONSOLE_JS } from "./assets.js";
import { deliveryFigures } from "../operator/delivery/figures.js";
import { deliveryPage, errorPage, listPage, loginPage, releaseBody, releasePage, renderRows, type EvidenceView, type ReleaseExtras, type SubmitOutcome } from "./html.js";
import { listRows, parseFilter, type ListFilter } from "./model.js";

/** Where Releases come from: an informer's store in production. */
export interface ReleaseSource {
  list(): Release[];
  get(namespace: string, name: string): Release | undefined;
  /** Called after any Release is added, changed or deleted. */
  onChange(fn: () => void): void;
}

export interface ConsoleServerOptions {
  port: number;
  host?: string;
  tls: { cert: string; key: string };
  releases: ReleaseSource;
  /** ReleaseEvidence, for the delivery page's lead time (first evidence → Released). */
  evidence?: { list(): ReleaseEvidence[] };
  access: ViewerAccess;
  log: Logger;
  now?: () => Date;
  /** Comment lines on idle event streams, so proxies keep them open. */
  heartbeatMs?: number;
  /**
   * Creates a ReleaseEvidence as the viewer: with their own bearer token, never the console's
   * identity. Throws the API server's refusal (a KubeError). Without it the page takes no file.
   */
  createEvidenceAs?: (token: string, evidence: ReleaseEvidence) => Promise<void>;
  /** Trust X-Remote-User/X-Remote-Group from a proxy with a client certificate of this CA (off when unset). */
  requestHeader?: RequestHeaderOptions;
  /** The release's audit records from the operator's /audit, asked with the viewer's token (not shown when unset). */
  audit?: ReleaseAudit;
  /** The ReleasePolicy governing a namespace, for the conformance report (no report when unset). */
  policies?: { governing(namespace: string): { policy?: ReleasePolicy | undefined; problem?: string | undefined } };
}

export const COOKIE = "golive_console";
const COOKIE_MAX_AGE_S = 8 * 3600;
const MAX_FORM_BYTES = 16 * 1024;
/** A pasted approval: an RSA-4096 envelope is a few kB, 64 kB leaves room for comments. */
const MAX_APPROVAL_BYTES = 64 * 1024;

/** The conformance report is a self-contained document with its own inline style and no script. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "strict-transport-security": "max-age=31536000",
  "cache-control": "no-store",
};

export function tokenOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith("Bearer ")) return h.slice(7).trim() || undefined;
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE && v.length) return decodeURIComponent(v.join("=")) || undefined;
  }
  return undefined;
}

function send(res: ServerResponse, code: number, body: string, type = "text/html; charset=utf-8", extra: Record<string, string | string[]> = {}): void {
  res.writeHead(code, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body), ...extra }).end(body);
}

function readForm(req: IncomingMessage, max = MAX_FORM_BYTES): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
      if (body.length > max) {
        reject(new Error(`the form is larger than ${max} bytes`));
        req.destroy();
      }
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const now = o.now ?? (() => new Date());
  const streams = new Set<() => void>();
  let pending: NodeJS.Timeout | undefined;
  // Coalesce bursts of watch events (an operator pass patches status several times) into one push.
  o.releases.onChange(() => {
    pending ??= setTimeout(() => {
      pending = undefined;
      for (const push of streams) push();
    }, 100);
  });
  const namespaces = () => new Set(o.releases.list().map((r) => r.metadata.namespace ?? ""));

  /** The proxied identity when the connection proves the proxy, else the bearer token, else nothing. */
  function credentialOf(req: IncomingMessage): Credential | undefined {
    const proxied = proxiedUser(peerOf(req), req.headersDistinct, o.requestHeader);
    if (proxied) return { proxied };
    const token = tokenOf(req);
    return token ? { token } : undefined;
  }

  async function viewerOf(req: IncomingMessage, res: ServerResponse): Promise<{ viewer: Viewer; credential: Credential } | undefined> {
    const credential = credentialOf(req);
    const wantsHtml = (req.headers.accept ?? "").includes("text/html");
    const refuse = (why: string) => (wantsHtml ? send(res, 401, loginPage(why), undefined, { "www-authenticate": 'Bearer realm="golive-console"' }) : send(res, 401, `${why}\n`, "text/plain; charset=utf-8", { "www-authenticate": 'Bearer realm="golive-console"' }));
    if (!credential) {
      refuse("Sign in: send Authorization: Bearer <token>, or paste a token in the form.");
      return undefined;
    }
    try {
      const viewer = await o.access.viewer(credential, namespaces());
      if (!viewer) {
        refuse("The token is not valid for this cluster (TokenReview): sign in with a current token.");
        return undefined;
      }
      return { viewer, credential };
    } catch (e) {
      o.log.error({ err: e }, "console: could not review the viewer's token");
      send(res, 503, errorPage("Try again", "The console could not ask the API server who you are (TokenReview/SubjectAccessReview failed): try again in a moment."));
      return undefined;
    }
  }

  function visibleRelease(viewer: Viewer, ns: string, name: string): Release | undefined {
    const r = o.releases.get(ns, name);
    // Unreadable and absent look the same, so the console does not reveal what exists.
    return r && mayRead(viewer, ns) ? r : undefined;
  }

  function listFragment(viewer: Viewer, f: ListFilter): string {
    return renderRows(
      listRows(o.releases.list(), (ns) => mayRead(viewer, ns), f),
      now(),
    );
  }

  /** The release's evidence as this viewer may see it (a SubjectAccessReview on list releaseevidences). */
  async function evidenceView(credential: Credential, r: Release): Promise<EvidenceView | undefined> {
    if (!o.evidence) return undefined;
    if (!(await o.access.mayReadEvidence(credential, r.metadata.namespace ?? ""))) return "forbidden";
    return releaseEvidence(r, o.evidence.list());
  }

  /** Whether the viewer may read what the report shows (the policy and the evidence), and the policy. */
  async function reportAccess(credential: Credential, r: Release) {
    const ns = r.metadata.namespace ?? "";
    const policy = o.policies!.governing(ns);
    const [mayReadEvidence, mayReadPolicy] = await Promise.all([o.access.mayReadEvidence(credential, ns), policy.policy ? o.access.mayReadPolicy(credential, policy.policy.metadata.name) : Promise.resolve(false)]);
    return { policy, mayReadEvidence, mayReadPolicy };
  }

  /** The audit records and the report link, as far as the console is set up for them. */
  async function extrasOf(credential: Credential, r: Release): Promise<ReleaseExtras> {
    // Before approval the link's reason is the phase: no reviews needed to say so.
    const link = async () => (REPORTED_PHASES.has(r.status?.phase ?? "") ? reportLink(r, await reportAccess(credential, r)) : reportLink(r, { policy: {}, mayReadEvidence: false, mayReadPolicy: false }));
    const [audit, report] = await Promise.all([o.audit?.view(credential, r), o.policies ? link() : undefined]);
    return { audit, report };
  }

  function stream(req: IncomingMessage, res: ServerResponse, credential: Credential, render: (viewer: Viewer) => Promise<string | undefined> | string | undefined): void {
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no", connection: "keep-alive" });
    res.write("retry: 2000\n\n");
    let last = "";
    let busy = false;
    const push = (): void => {
      if (busy) return;
      busy = true;
      void (async () => {
        try {
          // Access is re-checked (through the short-lived cache) on every push: a revoked right
          // or an expired token ends the stream.
          const viewer = await o.access.viewer(credential, namespaces());
          const html = viewer ? await render(viewer) : undefined;
          if (html === undefined) {
            res.write(`event: gone\ndata: ${viewer ? "this release is gone or no longer readable" : "signed out: the token is no longer valid"}\n\n`);
            res.end();
            return;
          }
          if (html !== last) {
            last = html;
            res.write(`event: html\n${html.split("\n").map((l) => `data: ${l}`).join("\n")}\n\n`);
          }
        } catch (e) {
          o.log.warn({ err: e }, "console: event stream update failed");
        } finally {
          busy = false;
        }
      })();
    };
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), o.heartbeatMs ?? 25_000);
    streams.add(push);
    req.on("close", () => {
      clearInterval(heartbeat);
      streams.delete(push);
    });
    push();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://console");
    const path = url.pathname;
    if (req.method === "GET" && path === "/console.css") return send(res, 200, CONSOLE_CSS, "text/css; charset=utf-8");
    if (req.method === "GET" && path === "/console.js") return send(res, 200, CONSOLE_JS, "text/javascript; charset=utf-8");
    if (req.method === "GET" && path === "/healthz") return send(res, 200, "ok\n", "text/plain");
    if (path === "/login") {
      if (req.method === "GET") return send(res, 200, loginPage());
      if (req.method !== "POST") return send(res, 405, errorPage("Not allowed", "Use GET or POST on /login."));
      let token: string;
      try {
        token = ((await readForm(req)).get("token") ?? "").trim();
      } catch (e) {
        return send(res, 413, loginPage((e as Error).message));
      }
      if (!token) return send(res, 400, loginPage("Paste a token: the field was empty."));
      let viewer: Viewer | undefined;
      try {
        viewer = await o.access.viewer(token, []);
      } catch (e) {
        o.log.error({ err: e }, "console: could not review a sign-in token");
        return send(res, 503, loginPage("The console could not ask the API server who you are: try again in a moment."));
      }
      if (!viewer) return send(res, 401, loginPage("The token is not valid for this cluster (TokenReview): use a current token."));
      o.log.info({ user: viewer.user }, "console: signed in");
      // The token stays in an HttpOnly, Secure, same-site cookie: scripts cannot read it and it is
      // sent only to the console over TLS.
      res.writeHead(303, { ...SECURITY_HEADERS, location: "/", "set-cookie": `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}` }).end();
      return;
    }
    if (path === "/logout" && req.method === "POST") {
      res.writeHead(303, { ...SECURITY_HEADERS, location: "/login", "set-cookie": `${COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0` }).end();
      return;
    }
    const submit = /^\/releases\/([^/]+)\/([^/]+)\/approvals$/.exec(path);
    if (submit && req.method === "POST") return submitApproval(req, res, decodeURIComponent(submit[1]!), decodeURIComponent(submit[2]!));
    if (req.method !== "GET") return send(res, 405, errorPage("Not allowed", "Use GET. Actions are signed approvals made with the golive CLI, applied with kubectl or pasted on a release page."));

    const release = /^\/releases\/([^/]+)\/([^/]+)$/.exec(path);
    const report = /^\/releases\/([^/]+)\/([^/]+)\/report$/.exec(path);
    const releaseEvents = /^\/events\/release\/([^/]+)\/([^/]+)$/.exec(path);
    if (path !== "/" && path !== "/delivery" && path !== "/events/list" && !release && !releaseEvents && !report) return send(res, 404, errorPage("Not found", `There is no page ${path}.`));

    const who = await viewerOf(req, res);
    if (!who) return;
    const { viewer, credential } = who;
    if (path === "/") {
      const f = parseFilter(url.searchParams);
      const readableNamespaces = [...namespaces()].filter((ns) => mayRead(viewer, ns)).sort();
      return send(res, 200, listPage(listRows(o.releases.list(), (ns) => mayRead(viewer, ns), f), f, readableNamespaces, now(), viewer.user));
    }
    if (path === "/delivery") {
      const raw = url.searchParams.get("days") ?? "30";
      const days = Number(raw);
      if (!Number.isInteger(days) || days < 1 || days > 365) return send(res, 400, errorPage("Bad request", `days=${raw}: use a whole number of days from 1 to 365`, viewer.user));
      const readable = o.releases.list().filter((r) => mayRead(viewer, r.metadata.namespace ?? ""));
      const evidence = (o.evidence?.list() ?? []).filter((e) => mayRead(viewer, e.metadata.namespace ?? ""));
      return send(res, 200, deliveryPage(deliveryFigures(readable, now(), days, evidence), days, viewer.user));
    }
    if (path === "/events/list") {
      const f = parseFilter(url.searchParams);
      return stream(req, res, credential, (v) => listFragment(v, f));
    }
    const [, ns, name] = (release ?? releaseEvents ?? report)!.map((p) => decodeURIComponent(p));
    if (release) {
      const r = visibleRelease(viewer, ns!, name!);
      if (!r) return send(res, 404, errorPage("Not found", `No release ${ns}/${name} that you may read.`, viewer.user), undefined);
      return send(res, 200, releasePage(r, now(), viewer.user, await evidenceView(credential, r), undefined, await extrasOf(credential, r)));
    }
    if (report) {
      const r = visibleRelease(viewer, ns!, name!);
      if (!r) return send(res, 404, errorPage("Not found", `No release ${ns}/${name} that you may read.`, viewer.user));
      if (!o.policies) return send(res, 404, errorPage("Not found", "This console does not make conformance reports.", viewer.user));
      const a = await reportAccess(credential, r);
      const link = reportLink(r, a);
      if (!("href" in link)) return send(res, link.unavailable.includes("you may not") ? 403 : 404, errorPage("No report", `No conformance report for ${ns}/${name}: ${link.unavailable}.`, viewer.user));
      o.log.info({ user: viewer.user, release: `${ns}/${name}` }, "console: conformance report served");
      const audit = await o.audit?.reportSection(credential, r);
      return send(res, 200, reportHtml(r, a.policy.policy!, o.evidence?.list() ?? [], now(), audit), undefined, { "content-security-policy": REPORT_CSP });
    }
    if (!visibleRelease(viewer, ns!, name!)) return send(res, 404, `No release ${ns}/${name} that you may read.\n`, "text/plain; charset=utf-8");
    return stream(req, res, credential, async (v) => {
      const r = visibleRelease(v, ns!, name!);
      return r ? releaseBody(r, now(), await evidenceView(credential, r), await extrasOf(credential, r)) : undefined;
    });
  }

  /**
   * A signed approval pasted on a release page: checked to be an Approval for this release, then
   * created with the viewer's own token, so the API server's RBAC (and golive's webhook) decide.
   * The console neither signs nor verifies: the operator verifies the signature with the policy.
   */
  async function submitApproval(req: IncomingMessage, res: ServerResponse, ns: string, name: string): Promise<void> {
    // The session cookie is SameSite=Strict already; a cross-site Origin is refused as well.
    const origin = req.headers.origin;
    if (origin && origin !== "null" && new URL(origin).host !== req.headers.host) return send(res, 403, errorPage("Refused", "The form was sent from another site."));
    const who = await viewerOf(req, res);
    if (!who) return;
    const { viewer, credential } = who;
    const r = visibleRelease(viewer, ns, name);
    if (!r) return send(res, 404, errorPage("Not found", `No release ${ns}/${name} that you may read.`, viewer.user));
    const page = async (code: number, outcome: SubmitOutcome) => send(res, code, releasePage(r, now(), viewer.user, await evidenceView(credential, r), outcome, await extrasOf(credential, r)));
    let text: string;
    try {
      text = (await readForm(req, MAX_APPROVAL_BYTES)).get("approval") ?? "";
    } catch (e) {
      return page(413, { ok: false, message: `Refused: ${(e as Error).message}` });
    }
    const checked = checkApprovalFile(text, r);
    if (!checked.ok) return page(400, { ok: false, message: checked.reason, text });
    if (!("token" in credential) || !o.createEvidenceAs)
      return page(403, { ok: false, message: "Refused: the console holds no token of yours to create it with (you came through the authenticating proxy): apply the file with kubectl apply -f.", text });
    try {
      await o.createEvidenceAs(credential.token, checked.evidence);
    } catch (e) {
      const code = e instanceof KubeError ? e.code : 0;
      if (code === 0) o.log.error({ err: e }, "console: could not create an approval");
      o.log.info({ user: viewer.user, release: `${ns}/${name}`, code }, "console: approval refused");
      const why = code === 403 ? `the API server refused you (403): ${e instanceof Error ? e.message : String(e)}` : code === 409 ? `ReleaseEvidence ${checked.evidence.metadata.name} exists already (evidence is immutable)` : code ? `the API server refused it (${code}): ${(e as Error).message}` : "the console could not reach the API server: try again";
      return page(code >= 400 && code < 500 ? code : 503, { ok: false, message: `Refused: ${why}`, text });
    }
    o.log.info({ user: viewer.user, release: `${ns}/${name}`, evidence: checked.evidence.metadata.name }, "console: approval created as the viewer");
    return page(201, { ok: true, message: `Created ReleaseEvidence ${checked.evidence.metadata.name} (${checked.stage} approval as ${checked.role}) as ${viewer.user}. The operator verifies its signature against the policy; the gates above show the result.` });
  }

  // With a front-proxy CA the server asks for a client certificate but does not insist: a browser
  // without one still signs in with a token, and its identity headers are ignored (proxiedUser).
  const clientAuth = o.requestHeader ? { requestCert: true, rejectUnauthorized: false, ca: o.requestHeader.clientCa } : {};
  const server = createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: "TLSv1.2", ...clientAuth }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      o.log.error({ err: e }, "console: request failed");
      if (!res.headersSent) send(res, 500, errorPage("Error", "The console failed to answer: see its log."));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "0.0.0.0", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  o.log.info({ port }, "console listening (HTTPS)");
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        clearTimeout(pending);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
