// Child process of bench/webhook.ts: the servers under load run here, apart from the load
// generator, so client and server do not share one event loop. It serves a bare HTTPS echo
// server and the golive webhook (same certificate, same TLS settings) and answers over IPC.
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { createCa, issueServingCertificate } from "../webhook/certificates.js";
import { DIGEST, fixtureView, IMAGE } from "../webhook/testdata/fixtures.js";
import { MemoryView, type MemoryViewInit } from "../webhook/memory-view.js";
import { startWebhookServer, type WebhookServer } from "../webhook/server.js";

export type ToChild = { type: "start"; view?: Omit<MemoryViewInit, "now"> & { seals: { name: string; digest: string }[] } } | { type: "count" } | { type: "cpu" } | { type: "stop" };
export type FromChild = { type: "ready"; echoPort: number; webhookPort: number; allowAllPort: number; ca: string } | { type: "count"; requests: number } | { type: "cpu"; micros: number };

let webhook: WebhookServer | undefined;
const echo = { close: () => undefined as unknown };

function send(msg: FromChild): void {
  process.send?.(msg);
}

async function start(msg: Extract<ToChild, { type: "start" }>): Promise<void> {
  const ca = await createCa("bench-ca", 86_400_000);
  const leaf = await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 86_400_000 });
  let view: MemoryView;
  if (msg.view) {
    view = new MemoryView(msg.view);
    for (const s of msg.view.seals) view.seals.sealed(s.name, s.digest);
  } else {
    view = fixtureView(new Date("2026-12-01T12:00:00Z"));
    view.seals.sealed(IMAGE, DIGEST);
  }
  const server = createServer({ cert: leaf.cert, key: leaf.key, minVersion: "TLSv1.2" }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  // The cheapest possible webhook: allow everything, echoing the uid (a baseline for what any
  // webhook call costs the API server).
  const allowAll = createServer({ cert: leaf.cert, key: leaf.key, minVersion: "TLSv1.2" }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const uid = (JSON.parse(Buffer.concat(chunks).toString()) as { request: { uid: string } }).request.uid;
      const out = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: true } });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
      res.end(out);
    });
  });
  allowAll.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => allowAll.listen(0, "127.0.0.1", r));
  echo.close = () => {
    server.close();
    allowAll.close();
  };
  webhook = await startWebhookServer({ view, log: pino({ level: "silent" }), port: 0, host: "127.0.0.1", budgetMs: 8_000, certificate: leaf });
  send({ type: "ready", echoPort: (server.address() as AddressInfo).port, webhookPort: webhook.port, allowAllPort: (allowAll.address() as AddressInfo).port, ca: ca.cert });
}

process.on("message", (msg: ToChild) => {
  if (msg.type === "start") void start(msg);
  else if (msg.type === "cpu") {
    const u = process.cpuUsage();
    send({ type: "cpu", micros: u.user + u.system });
  } else if (msg.type === "count") {
    void webhook?.metrics.registry.getSingleMetric("golive_webhook_decisions_total")?.get().then((m) => send({ type: "count", requests: m.values.reduce((n, v) => n + v.value, 0) }));
  } else {
    echo.close();
    void webhook?.close().then(() => process.exit(0));
  }
});
