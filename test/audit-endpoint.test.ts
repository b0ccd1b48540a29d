// GET /audit of the operator through the real kube-apiserver: the caller's token is reviewed
// (TokenReview) and its access to the non-resource URL /audit checked (SubjectAccessReview), over
// TLS; the answers hold exactly the matching records, in JSON, CSV and as a summary; with
// verify=true every chain's verdict too, which `golive report --audit-url` puts in the report.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AT, FIXTURE, RELEASED, RELEASED_NAME } from "../report/testkit.js";
import { writerFile, AuditWriter } from "../audit/writer.js";
import { kubeAuthorizer, startAuditServer } from "../operator/audit/endpoint.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { createCa, issueServingCertificate } from "../webhook/certificates.js";
import { kubeConfig, kubectl, kubectlResult, useNamespace } from "./support/cluster.js";
import { runGolive } from "./support/golive-cli.js";

const ns = useNamespace("audit-endpoint");
const dir = mkdtempSync(join(tmpdir(), "golive-audit-endpoint-"));
const role = `golive-audit-reader-${randomBytes(3).toString("hex")}`;
let ca: { cert: string; key: string };
let server: Awaited<ReturnType<typeof startAuditServer>>;
let client: KubeClient;
let reader = "";
let stranger = "";
let teamReader = "";

function get(path: string, token?: string, method = "GET"): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method, ca: ca.cert, servername: "localhost", headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"]) }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  let t = Date.parse("2026-06-01T00:00:00Z");
  const now = () => new Date((t += 1000));
  const a = new AuditWriter({ file: writerFile(join(dir, "audit.jsonl"), "webhook-a"), source: "webhook/a", now, stdout: false });
  const o = new AuditWriter({ file: join(dir, "audit.jsonl"), source: "operator", now, stdout: false });
  for (let i = 0; i < 40; i++) a.append({ type: "admission", object: `team-${i % 2 ? "a" : "b"}/Deployment/d${i}`, user: i % 4 ? "alice" : "bob", result: i % 3 ? "allowed" : "denied", reason: `r${i}` });
  for (let i = 0; i < 10; i++) o.append({ type: i % 2 ? "traffic" : "transition", object: `team-a/Release/web-${i}`, user: "system:golive-operator:x", result: `${i * 10}%`, reason: `decision ${i}` });
  await Promise.all([a.close(), o.close()]);

  ca = await createCa("audit-test", 3600_000);
  const pair = await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 3600_000 });
  client = new KubeClient(kubeConfig());
  server = await startAuditServer({ dir, port: 0, host: "127.0.0.1", tls: pair, authorize: kubeAuthorizer(client), log: pino({ level: "silent" }) });

  kubectl(["-n", ns.name, "create", "serviceaccount", "reader"]);
  kubectl(["-n", ns.name, "create", "serviceaccount", "stranger"]);
  kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: role }, rules: [{ apiGroups: ["golive.dev"], resources: ["releases/audit"], verbs: ["get"] }] }));
  kubectl(["create", "clusterrolebinding", role, `--clusterrole=${role}`, `--serviceaccount=${ns.name}:reader`]);
  reader = kubectl(["-n", ns.name, "create", "token", "reader"]).trim();
  // A RoleBinding in team-a only: the least-privilege path (the console reads as such a viewer).
  kubectlResult(["create", "namespace", "team-a"]);
  kubectl(["-n", ns.name, "create", "serviceaccount", "team-reader"]);
  kubectl(["-n", "team-a", "create", "rolebinding", role, `--clusterrole=${role}`, `--serviceaccount=${ns.name}:team-reader`]);
  teamReader = kubectl(["-n", ns.name, "create", "token", "team-reader"]).trim();
  stranger = kubectl(["-n", ns.name, "create", "token", "stranger"]).trim();
}, 120_000);

afterAll(async () => {
  await server?.close();
  client?.close();
  kubectlResult(["delete", "clusterrolebinding", role]);
  kubectlResult(["delete", "clusterrole", role]);
  kubectlResult(["delete", "namespace", "team-a", "--wait=false"]);
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /audit on the operator", () => {
  it("refuses a caller without a token (401), with a token that is not the cluster's (401), and one without get on releases/audit (403)", async () => {
    expect(await get("/audit")).toMatchObject({ status: 401, body: expect.stringContaining("no bearer token") });
    expect(await get("/audit", "not-a-token")).toMatchObject({ status: 401, body: expect.stringContaining("not valid") });
    const denied = await get("/audit", stranger);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain(`system:serviceaccount:${ns.name}:stranger may not read the audit trail (get releases/audit in API group golive.dev, cluster-wide): bind the ClusterRole <release>-golive-audit-reader`);
  });

  it("lets a reader bound in one namespace read that namespace's records only", async () => {
    const own = await get("/audit?namespace=team-a&type=transition", teamReader);
    expect(own.status).toBe(200);
    expect((JSON.parse(own.body) as { total: number }).total).toBe(5);
    const other = await get("/audit?namespace=team-b", teamReader);
    expect(other.status).toBe(403);
    expect(other.body).toContain(`system:serviceaccount:${ns.name}:team-reader may not read the audit trail of namespace team-b (get releases/audit in API group golive.dev there)`);
    expect((await get("/audit", teamReader)).status).toBe(403);
    expect((await get("/audit?namespace=", teamReader)).status).toBe(403);
  });

  it("returns exactly the matching records of every chain, merged by time", async () => {
    const r = await get("/audit?namespace=team-a&user=alice&result=denied", reader);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { total: number; records: { object: string; user: string; result: string }[] };
    const want = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 4 !== 0 && i % 3 === 0);
    expect(body.records.map((x) => x.object)).toEqual(want.map((i) => `team-a/Deployment/d${i}`));
    expect(body.total).toBe(want.length);
    const traffic = JSON.parse((await get("/audit?type=traffic&since=2026-06-01T00:00:00Z", reader)).body) as { total: number };
    expect(traffic.total).toBe(5);
  });

  it("answers in CSV and as a summary by type and result", async () => {
    const csv = await get("/audit?type=transition&format=csv", reader);
    expect(csv.type).toContain("text/csv");
    expect(csv.body.trimEnd().split("\n")).toHaveLength(1 + 5);
    expect(csv.body.split("\n")[0]).toBe("time,source,seq,type,object,user,result,reason");
    const summary = JSON.parse((await get("/audit?summary=true&type=admission", reader)).body) as { total: number; summary: { type: string; result: string; count: number }[] };
    expect(summary.total).toBe(40);
    expect(summary.summary).toEqual([
      { type: "admission", result: "allowed", count: 26 },
      { type: "admission", result: "denied", count: 14 },
    ]);
  });

  it("says what is wrong with a bad query, and is read-only", async () => {
    expect(await get("/audit?since=yesterday", reader)).toMatchObject({ status: 400, body: expect.stringContaining("since=yesterday is not a time: use RFC 3339") });
    expect(await get("/audit?colour=red", reader)).toMatchObject({ status: 400, body: expect.stringContaining("unknown parameter colour") });
    expect(await get("/elsewhere", reader)).toMatchObject({ status: 404 });
    expect(await get("/audit", reader, "DELETE")).toMatchObject({ status: 405, body: expect.stringContaining("read-only: use GET") });
    expect(await get("/audit?limit=0", reader)).toMatchObject({ status: 400, body: expect.stringContaining("use a whole number from 1 to 100000") });
    const limited = JSON.parse((await get("/audit?limit=3", reader)).body) as { total: number; returned: number };
    expect(limited).toMatchObject({ total: 50, returned: 3 });
    const newest = JSON.parse((await get("/audit?namespace=team-a&type=traffic&limit=2&order=newest", reader)).body) as { records: { object: string }[] };
    expect(newest.records.map((x) => x.object)).toEqual(["team-a/Release/web-9", "team-a/Release/web-7"]);
    expect(await get("/audit?order=up", reader)).toMatchObject({ status: 400, body: expect.stringContaining("order=up: use oldest or newest") });
  });

  it("golive report --audit-url puts the release's records and the operator's verification of every chain in the report, read with the caller's token", async () => {
    // This release's records in a chain of their own (a second operator writer), beside the others.
    let t = Date.parse("2026-12-02T20:00:00Z");
    const w = new AuditWriter({ file: writerFile(join(dir, "audit.jsonl"), "operator-b"), source: "operator/b", now: () => new Date((t += 60_000)), stdout: false });
    w.append({ type: "transition", object: `underwriting/Release/${RELEASED_NAME}`, user: "system:golive-operator:x", result: "Approved", reason: "all gates passed" });
    w.append({ type: "transition", object: "underwriting/Release/other-1", user: "system:golive-operator:x", result: "Blocked", reason: "missing evidence" });
    w.append({ type: "transition", object: `underwriting/Release/${RELEASED_NAME}`, user: "system:golive-operator:x", result: "Released", reason: "promoted" });
    await w.close();
    const verified = JSON.parse((await get(`/audit?namespace=underwriting&release=${RELEASED_NAME}&verify=true`, reader)).body) as { chains: { file: string; ok: boolean; records: number }[] };
    expect(verified.chains.map((c) => [c.file, c.ok, c.records])).toEqual([["audit.jsonl", true, 10], ["audit.operator-b.jsonl", true, 3], ["audit.webhook-a.jsonl", true, 40]]);
    expect(await get("/audit?verify=true&format=csv", reader)).toMatchObject({ status: 400, body: expect.stringContaining("verify=true answers in JSON") });

    const work = mkdtempSync(join(tmpdir(), "golive-report-audit-"));
    const caFile = join(work, "ca.pem");
    writeFileSync(caFile, ca.cert);
    const tokenFile = (token: string) => {
      const f = join(work, `token-${randomBytes(2).toString("hex")}`);
      writeFileSync(f, token);
      return f;
    };
    const report = (token: string, extra: string[] = []) =>
      cli(["report", RELEASED_NAME, "-f", RELEASED, join(FIXTURE, "policy.yaml"), join(FIXTURE, "evidence.yaml"), "--at", AT.toISOString(), "--audit-url", `https://127.0.0.1:${server.port}/audit`, "--audit-ca", caFile, "--audit-token-file", tokenFile(token), "-o", join(work, "r.html"), ...extra]);
    const r = await report(reader);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("audit: 2 record(s), trail intact");
    const html = readFileSync(join(work, "r.html"), "utf8");
    expect(html).toContain("The audit trail verifies: 3 hash chain(s) intact.");
    expect(html).toContain("all gates passed");
    expect(html).not.toContain("underwriting/Release/other-1");
    // A reader bound in team-a only is refused for namespace underwriting, with the operator's reason.
    const refused = await report(teamReader);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--audit-url https:\/\/127\.0\.0\.1:\d+\/audit refused \(403\): /);
    // Without the CA the certificate does not verify: nothing is sent, and the error says what to give.
    const untrusted = await cli(["report", RELEASED_NAME, "-f", RELEASED, join(FIXTURE, "policy.yaml"), join(FIXTURE, "evidence.yaml"), "--audit-url", `https://127.0.0.1:${server.port}/audit`, "--audit-token-file", tokenFile(reader), "-o", join(work, "r.html")]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toContain("give its CA with --audit-ca");
    const both = await report(reader, ["--audit", dir]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("--audit and --audit-url both name the trail: give one");
    rmSync(work, { recursive: true, force: true });
  });
});

const cli = runGolive;
