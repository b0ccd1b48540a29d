import { createServer } from "node:https";
import { describe, expect, it } from "vitest";
import { createCa, issueServingCertificate } from "../webhook/certificates.js";
import { AUDIT_ROWS, auditQuery, auditViewOf, httpsAuditFetch, ReleaseAudit, type AuditFetch } from "./audit.js";
import { release } from "./testdata/releases.js";

const record = { time: "2026-06-01T00:00:01Z", source: "operator", seq: 7, type: "transition", object: "team-a/Release/web", user: "system:golive-operator", result: "Progressing", reason: "gates passed", details: { token: "never shown" }, prev: "x", hash: "y" };

describe("the release's audit records", () => {
  it("asks for one release's records in its namespace only, newest first", () => {
    expect(Object.fromEntries(new URLSearchParams(auditQuery("team-a", "web")))).toEqual({ namespace: "team-a", release: "web", order: "newest", limit: String(AUDIT_ROWS) });
  });

  it("keeps only the columns the page shows, and tells a refusal from trouble", () => {
    const ok = auditViewOf(200, JSON.stringify({ total: 12, returned: 1, records: [record] }));
    expect(ok).toEqual({ kind: "records", total: 12, rows: [{ time: record.time, source: "operator", type: "transition", object: "team-a/Release/web", user: "system:golive-operator", result: "Progressing", reason: "gates passed" }] });
    expect(JSON.stringify(ok)).not.toContain("never shown");
    expect(auditViewOf(403, JSON.stringify({ error: "alice may not read the audit trail of namespace team-a" }))).toEqual({ kind: "refused", reason: "alice may not read the audit trail of namespace team-a" });
    expect(auditViewOf(401, "{}")).toEqual({ kind: "refused", reason: "refused (401)" });
    expect(auditViewOf(500, JSON.stringify({ error: "could not read the trail: EIO" }))).toEqual({ kind: "unavailable", reason: "the operator's /audit answered 500: could not read the trail: EIO" });
    expect(auditViewOf(200, "<html>")).toMatchObject({ kind: "unavailable" });
  });

  it("asks once per token, release and audit head; again when the head moves or the time is up; never for a proxied viewer; a failure is not kept", async () => {
    const calls: string[] = [];
    let fail = false;
    const fetch: AuditFetch = async (query, token) => {
      calls.push(`${token} ${query}`);
      if (fail) throw new Error("connect ECONNREFUSED");
      return { status: 200, body: JSON.stringify({ total: 0, records: [] }) };
    };
    expect(new ReleaseAudit(fetch).ttlMs).toBe(15_000);
    let t = 0;
    const audit = new ReleaseAudit(fetch, 1000, () => t);
    const r = release("team-a", "web", { phase: "Progressing", audit: { head: `sha256:${"a".repeat(64)}`, sequence: 3 } });
    await audit.view({ token: "t1" }, r);
    await audit.view({ token: "t1" }, r);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBe(`t1 ${auditQuery("team-a", "web")}`);
    await audit.view({ token: "t2" }, r);
    expect(calls).toHaveLength(2);
    await audit.view({ token: "t1" }, { ...r, status: { ...r.status, audit: { head: `sha256:${"b".repeat(64)}`, sequence: 4 } } });
    expect(calls).toHaveLength(3);
    t = 1500;
    await audit.view({ token: "t1" }, r);
    expect(calls).toHaveLength(4);
    expect(await audit.view({ proxied: { username: "carol" } }, r)).toEqual({ kind: "needsToken" });
    expect(calls).toHaveLength(4);
    fail = true;
    const other = release("team-a", "api", { phase: "Progressing" });
    expect(await audit.view({ token: "t1" }, other)).toEqual({ kind: "unavailable", reason: "could not ask the operator's /audit: connect ECONNREFUSED" });
    await new Promise((r) => setTimeout(r, 0));
    await audit.view({ token: "t1" }, other);
    expect(calls).toHaveLength(6);
  });

  it("gives the report every record about the release with the operator's chain verdicts, asked with the viewer's token; says why when it cannot", async () => {
    const calls: string[] = [];
    let answer = { status: 200, body: JSON.stringify({ total: 1, records: [record], chains: [{ file: "audit.jsonl", ok: true, records: 9, head: "sha256:aa" }] }) };
    const audit = new ReleaseAudit(async (query, token) => (calls.push(`${token} ${query}`), answer));
    const r = release("team-a", "web", { phase: "Released" });
    const got = await audit.reportSection({ token: "t1" }, r);
    expect(got).toEqual({ section: { chains: [{ file: "audit.jsonl", ok: true, records: 9, head: "sha256:aa" }], records: [{ time: record.time, source: "operator", seq: 7, type: "transition", object: "team-a/Release/web", user: "system:golive-operator", result: "Progressing", reason: "gates passed" }] } });
    expect(JSON.stringify(got)).not.toContain("never shown");
    expect(calls).toEqual([`t1 ${new URLSearchParams({ release: "web", namespace: "team-a", verify: "true" }).toString()}`]);
    answer = { status: 403, body: JSON.stringify({ error: "alice may not get releases/audit in team-a" }) };
    expect(await audit.reportSection({ token: "t1" }, r)).toEqual({ note: "the operator's /audit refused (403): alice may not get releases/audit in team-a" });
    answer = { status: 200, body: JSON.stringify({ total: 0, records: [] }) };
    expect(await audit.reportSection({ token: "t1" }, r)).toEqual({ note: "the operator's /audit answered without verified chains: the operator is older than this golive (it needs GET /audit?verify=true)" });
    expect(await audit.reportSection({ proxied: { username: "carol" } }, r)).toMatchObject({ note: expect.stringContaining("came through the authenticating proxy") });
    expect(calls).toHaveLength(3);
  });

  it("sends the token only over https to a certificate the given CA signed", async () => {
    expect(() => httpsAuditFetch({ url: "http://golive-operator-audit:8444/audit" })).toThrow("use https (the viewer's token is sent to it)");
    const ca = await createCa("audit-ca", 3600_000);
    const stranger = await createCa("someone-else", 3600_000);
    const seen: string[] = [];
    const server = createServer(await issueServingCertificate(stranger, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 3600_000 }), (req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ total: 0, records: [] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(httpsAuditFetch({ url: `https://127.0.0.1:${port}/audit`, ca: ca.cert })("x=1", "secret-token")).rejects.toThrow();
      expect(seen).toEqual([]);
      server.setSecureContext(await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 3600_000 }));
      const answer = await httpsAuditFetch({ url: `https://127.0.0.1:${port}/audit`, ca: ca.cert })("namespace=team-a", "secret-token");
      expect(answer.status).toBe(200);
      expect(seen).toEqual(["Bearer secret-token"]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
