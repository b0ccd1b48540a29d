// The HTTPS shell against hostile input, over a real TLS socket on loopback: every request it can
// parse gets an AdmissionReview echoing its uid, everything else a 400 (413 when too large); no
// input crashes it or makes it answer late.
import { connect } from "node:tls";
import { request as httpsRequest, Agent } from "node:https";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateInfo, createCa, issueServingCertificate, type PemPair } from "./certificates.js";
import { fixtureView, request as admissionRequest, workload, NS, podSpec } from "./testdata/fixtures.js";
import { reviewResponse, type BreakGlassAudit } from "./admission.js";
import { startWebhookServer, type WebhookServer } from "./server.js";
import type { MemoryView } from "./memory-view.js";

const NOW = new Date("2026-12-01T12:00:00Z");
let ca: PemPair;
let server: WebhookServer;
let view: MemoryView;
let synced = true;
const audits: BreakGlassAudit[] = [];

interface Reply {
  status: number;
  body: string;
  json: any;
  connection: string | undefined;
}

function post(body: string | Buffer, opts: { path?: string; method?: string; contentType?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port: server.port, path: opts.path ?? "/validate", method: opts.method ?? "POST", ca: ca.cert, agent: opts.agent ?? false, headers: { "content-type": opts.contentType ?? "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: text, json, connection: res.headers.connection });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const review = (request: unknown) => JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });

beforeAll(async () => {
  ca = await createCa("test-ca", 86_400_000);
  const leaf = await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 86_400_000 });
  view = fixtureView(NOW);
  server = await startWebhookServer({
    view,
    log: pino({ level: "silent" }),
    port: 0,
    host: "127.0.0.1",
    budgetMs: 1_500,
    bodyLimitBytes: 4 << 20,
    certificate: leaf,
    cachesSynced: () => synced,
    onAudit: (a) => void audits.push(a),
  });
});

afterAll(async () => {
  await server.close();
});

describe("webhook server", () => {
  it("answers a well-formed review with an AdmissionReview echoing the uid", async () => {
    const r = await post(review(admissionRequest(workload("Deployment"), { uid: "abc-123" })));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "abc-123", allowed: true } });
  });

  it("denies with status 403 and the message", async () => {
    const r = await post(review(admissionRequest(workload("Deployment", { release: null }), { uid: "u-2" })));
    expect(r.json.response).toMatchObject({ uid: "u-2", allowed: false, status: { code: 403, reason: "Forbidden", message: expect.stringMatching(/has no golive.dev\/release label/) } });
  });

  it("records break glass after answering, marked dry-run", async () => {
    const d = workload("Deployment", { release: null, annotations: { "golive.dev/break-glass": "INC-1" } });
    const r = await post(review(admissionRequest(d, { uid: "bg-1", user: "carol", dryRun: true })));
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.warnings[0]).toMatch(/BREAK GLASS by carol/);
    await new Promise((res) => setTimeout(res, 20));
    expect(audits.at(-1)).toMatchObject({ type: "break-glass", dryRun: true, details: { uid: "bg-1" } });
  });

  it.each([
    ["malformed JSON", "{ not json", "application/json"],
    ["a JSON string", '"AdmissionReview"', "application/json"],
    ["JSON null", "null", "application/json"],
    ["an array", "[]", "application/json"],
    ["another content type", review({ uid: "x" }), "text/plain"],
    ["the v1beta1 envelope", JSON.stringify({ apiVersion: "admission.k8s.io/v1beta1", kind: "AdmissionReview", request: { uid: "x" } }), "application/json"],
    ["another kind", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "ConversionReview", request: { uid: "x" } }), "application/json"],
    ["no request", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }), "application/json"],
    ["no uid", review({ kind: { group: "", version: "v1", kind: "Pod" } }), "application/json"],
    ["a numeric uid", review({ uid: 7 }), "application/json"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), "application/json"],
  ])("answers %s with HTTP 400", async (_what, body, contentType) => {
    const r = await post(body, { contentType });
    expect(r.status).toBe(400);
  });

  it("answers a review with missing fields with a denial echoing the uid", async () => {
    for (const request of [{ uid: "m-1" }, { uid: "m-2", kind: { group: "apps", version: "v1", kind: "Deployment" } }, { ...admissionRequest(workload("Pod")), uid: "m-3", operation: "PATCH" }]) {
      const r = await post(review(request));
      expect(r.status).toBe(200);
      expect(r.json.response).toMatchObject({ uid: request.uid, allowed: false, status: { code: 400, reason: "BadRequest", message: expect.stringMatching(/malformed AdmissionRequest/) } });
    }
  });

  it("judges big identities normally: 5,000 groups, a 5,000-character username", async () => {
    const groups = Array.from({ length: 5_000 }, (_, i) => `team-${i}`);
    const user = `u${"x".repeat(4_999)}`;
    const free = await post(review(admissionRequest(workload("Deployment", { namespace: "free", release: null }), { uid: "big-1", user, groups })));
    expect(free.json.response).toEqual({ uid: "big-1", allowed: true });
    const governed = await post(review(admissionRequest(workload("Deployment", { release: null }), { uid: "big-2", user, groups })));
    expect(governed.json.response).toMatchObject({ uid: "big-2", allowed: false, status: { code: 403, message: expect.stringMatching(/has no golive.dev\/release label/) } });
    const admitted = await post(review(admissionRequest(workload("Deployment"), { uid: "big-3", user, groups })));
    expect(admitted.json.response).toEqual({ uid: "big-3", allowed: true });
    // The groups are read, not dropped: the 5,000th makes the user a BreakGlass role holder.
    const glass = workload("Deployment", { release: null, annotations: { "golive.dev/break-glass": "INC-2" } });
    const held = await post(review(admissionRequest(glass, { uid: "big-4", user: "someone", groups: [...groups.slice(1), "shop:ops"], dryRun: true })));
    expect(held.json.response.allowed).toBe(true);
    expect(held.json.response.warnings[0]).toMatch(/BREAK GLASS by someone/);
  });

  it.each([
    ["userInfo not an object", "root"],
    ["groups not a list", { username: "bob", groups: "admins" }],
    ["a group not a string", { username: "bob", groups: ["a", 7] }],
    ["a numeric username", { username: 42 }],
    ["no userInfo", undefined],
  ])("judges a request whose userInfo it cannot read (%s) as nobody: admitted where ungoverned, judged where governed", async (_what, userInfo) => {
    const free = await post(review({ ...admissionRequest(workload("Deployment", { namespace: "free", release: null })), uid: "ui-1", userInfo }));
    expect(free.json.response).toEqual({ uid: "ui-1", allowed: true });
    const governed = await post(review({ ...admissionRequest(workload("Deployment", { release: null })), uid: "ui-2", userInfo }));
    expect(governed.json.response).toMatchObject({ uid: "ui-2", allowed: false, status: { code: 403, message: expect.stringMatching(/has no golive.dev\/release label/) } });
    // Nobody holds no role: break glass is refused.
    const glass = workload("Deployment", { release: null, annotations: { "golive.dev/break-glass": "INC-3" } });
    const refused = await post(review({ ...admissionRequest(glass, { dryRun: true }), uid: "ui-3", userInfo }));
    expect(refused.json.response.allowed).toBe(false);
  });

  it("escapes control and bidi characters in denials and warnings", async () => {
    const name = "web\u202Egnp.exe\u001b[2J";
    const denied = await post(review(admissionRequest(workload("Deployment", { name, release: null }), { uid: "esc-1" })));
    expect(denied.json.response.allowed).toBe(false);
    expect(denied.json.response.status.message).toContain(`golive denied Deployment ${NS}/web\\u202egnp.exe\\u001b[2J`);
    expect(denied.body.includes("\u202E") || denied.body.includes("\u001b")).toBe(false);
    // Warnings leave through the same answer (the change window's name is the policy author's text).
    expect(reviewResponse("esc-2", { allowed: true, warnings: ['golive: the change window "\u202Eevil" closes in 5 min'] })).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "esc-2", allowed: true, warnings: ['golive: the change window "\\u202eevil" closes in 5 min'] },
    });
  });

  it("judges wrong kinds and versions correctly", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: NS } };
    expect((await post(review(admissionRequest(cm, { uid: "k-1" })))).json.response).toEqual({ uid: "k-1", allowed: true });
    const old = admissionRequest(workload("Deployment"), { uid: "k-2" });
    old.kind.version = old.resource.version = "v1beta2";
    expect((await post(review(old))).json.response).toMatchObject({ uid: "k-2", allowed: false, status: { code: 400 } });
    const mismatched = admissionRequest(workload("Pod"), { uid: "k-3" });
    mismatched.object = { kind: "Deployment", metadata: "nope", spec: [1, 2, 3] };
    expect((await post(review(mismatched))).json.response).toMatchObject({ uid: "k-3", allowed: false });
  });

  it("refuses an oversized body with 413 and keeps serving", async () => {
    const big = review({ uid: "big", padding: "x".repeat(5 << 20) });
    expect((await post(big)).status).toBe(413);
    expect((await post(review(admissionRequest(workload("Pod"), { uid: "after" })))).json.response.uid).toBe("after");
  });

  it("answers thousands of containers quickly, with a capped message", async () => {
    const spec = podSpec();
    spec.containers = Array.from({ length: 20_000 }, (_, i) => ({ name: `c${i}`, image: `registry.example.com/team/app-${i}:v${i}`, securityContext: { privileged: true } }));
    const started = Date.now();
    const r = await post(review(admissionRequest(workload("Pod", { spec }), { uid: "many" })));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(r.json.response.allowed).toBe(false);
    expect(r.json.response.status.message.length).toBeLessThanOrEqual(4_000);
  });

  it("survives deeply nested JSON", async () => {
    const depth = 200_000;
    const body = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"deep","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"${NS}","operation":"CREATE","userInfo":{"username":"a"},"object":{"metadata":{"name":"p"},"spec":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    const r = await post(body);
    expect([200, 400]).toContain(r.status);
    if (r.status === 200) expect(r.json.response).toMatchObject({ uid: "deep", allowed: false });
    expect((await post(review(admissionRequest(workload("Pod"), { uid: "alive" })))).json.response.uid).toBe("alive");
  });

  it("serves 404 elsewhere", async () => {
    expect((await post("", { method: "GET" })).status).toBe(404);
    expect((await post(review({ uid: "x" }), { path: "/mutate" })).status).toBe(404);
  });

  it("drops a request whose body does not arrive within the budget", async () => {
    const started = Date.now();
    const closed = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: server.port, ca: ca.cert, servername: "localhost" }, () => {
        socket.write("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      });
      let data = "";
      socket.on("data", (c: Buffer) => (data += c.toString()));
      socket.on("close", () => resolve(data));
      socket.on("error", () => undefined);
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(closed === "" || /^HTTP\/1.1 408/.test(closed)).toBe(true);
  });

  it("fails closed while caches are not synced, except in excluded namespaces", async () => {
    synced = false;
    try {
      expect((await post(review(admissionRequest(workload("Pod"), { uid: "s-1" })))).json.response).toMatchObject({ allowed: false, status: { code: 503, message: expect.stringMatching(/caches have not synced yet/) } });
      expect((await post(review(admissionRequest(workload("Pod", { namespace: "kube-system" }), { uid: "s-2" })))).json.response).toEqual({ uid: "s-2", allowed: true });
    } finally {
      synced = true;
    }
  });

  it("fails closed on an internal error", async () => {
    const get = view.namespaces.get.bind(view.namespaces);
    view.namespaces.get = () => {
      throw new Error("boom");
    };
    try {
      expect((await post(review(admissionRequest(workload("Pod"), { uid: "e-1" })))).json.response).toMatchObject({ uid: "e-1", allowed: false, status: { code: 500, reason: "InternalError" } });
    } finally {
      view.namespaces.get = get;
    }
  });

  it("exposes controller-runtime's metrics", async () => {
    const text = await server.metrics.registry.metrics();
    expect(text).toMatch(/controller_runtime_webhook_requests_total\{code="200",webhook="\/validate"\} \d+/);
    expect(text).toMatch(/controller_runtime_webhook_requests_total\{code="400",webhook="\/validate"\} \d+/);
    expect(text).toMatch(/controller_runtime_webhook_requests_total\{code="413",webhook="\/validate"\} 1/);
    expect(text).toMatch(/controller_runtime_webhook_latency_seconds_bucket\{le="0.001",webhook="\/validate"\} \d+/);
    expect(text).toMatch(/controller_runtime_webhook_requests_in_flight\{webhook="\/validate"\} 0/);
    // Only the request dropped for missing its budget counts as aborted.
    expect(text).toMatch(/controller_runtime_webhook_requests_total\{code="aborted",webhook="\/validate"\} 1\n/);
  });

  it("swaps the certificate for new connections without dropping a kept-alive one", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.cert });
    const peerSerial = () =>
      new Promise<string>((resolve, reject) => {
        const s = connect({ host: "127.0.0.1", port: server.port, ca: ca.cert, servername: "localhost" }, () => {
          resolve(s.getPeerX509Certificate()!.serialNumber);
          s.end();
        });
        s.on("error", reject);
      });
    const before = await peerSerial();
    expect((await post(review(admissionRequest(workload("Pod"), { uid: "ka-1" })), { agent })).status).toBe(200);
    const next = await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 86_400_000 });
    server.setCertificate(next);
    expect(await peerSerial()).toBe(certificateInfo(next.cert).serial);
    expect(await peerSerial()).not.toBe(before);
    // The connection made before the swap answers, then closes: the client moves to the new certificate.
    const onOld = await post(review(admissionRequest(workload("Pod"), { uid: "ka-2" })), { agent });
    expect(onOld.json.response.uid).toBe("ka-2");
    expect(onOld.connection).toBe("close");
    const onNew = await post(review(admissionRequest(workload("Pod"), { uid: "ka-3" })), { agent });
    expect(onNew.json.response.uid).toBe("ka-3");
    expect(onNew.connection).toBe("keep-alive");
    agent.destroy();
  });
});
