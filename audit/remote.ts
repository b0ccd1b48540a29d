// A client of the operator's GET /audit (operator/audit/endpoint.ts), for the console's release
// page and `golive report --audit-url`. The caller's bearer token goes only to an https URL whose
// certificate verifies (against the given CA, else the system's CAs); plain http is refused
// before anything is sent.
import { request } from "node:https";

/** GET the endpoint with a token: the status and body, or a thrown error when it could not be reached or verified. */
export type AuditFetch = (query: string, token: string) => Promise<{ status: number; body: string }>;

export interface AuditEndpoint {
  /** https URL of the operator's /audit. */
  url: string;
  /** PEM of the CA that signed its certificate; unset: the system's CAs. */
  ca?: string | undefined;
  timeoutMs?: number;
  /** The largest answer taken (default 4 MiB: a page's newest records). */
  maxBytes?: number;
}

export function httpsAuditFetch(e: AuditEndpoint): AuditFetch {
  const url = new URL(e.url);
  if (url.protocol !== "https:") throw new Error(`--audit-url ${e.url}: use https (the viewer's token is sent to it)`);
  return (query, token) =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port || 443, path: `${url.pathname}?${query}`, method: "GET", ...(e.ca ? { ca: e.ca } : {}), rejectUnauthorized: true, agent: false, timeout: e.timeoutMs ?? 5000, headers: { authorization: `Bearer ${token}`, accept: "application/json" } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            body += c;
            if (body.length > (e.maxBytes ?? 4 * 1024 * 1024)) req.destroy(new Error(`the answer is larger than ${Math.round((e.maxBytes ?? 4 * 1024 * 1024) / 1024 / 1024)} MiB`));
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${e.timeoutMs ?? 5000} ms`)));
      req.on("error", reject);
      req.end();
    });
}

