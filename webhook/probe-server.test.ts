// /metrics over TLS (8.5) on the webhook's and the operator's probe servers: the configured
// certificate is served, a client trusting its CA gets the metrics, plain HTTP gets nothing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Registry, Counter } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../settings/config.js";
import { startHealthServer } from "../operator/runtime/health.js";
import { createCa, issueServingCertificate } from "./certificates.js";
import { startProbeServers } from "./health.js";
import { metricsTlsOptions } from "./probe-server.js";
import { fingerprint } from "./serving-tls.js";

const log = pino({ level: "silent" });
const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

const portOf = (s: Server) => (s.address() as AddressInfo).port;

function registry(): Registry {
  const r = new Registry();
  new Counter({ name: "golive_probe_test_total", help: "a series the scrape must carry", registers: [r] }).inc(3);
  return r;
}

/** A CA and a serving certificate for 127.0.0.1 written as the mounted Secret's two files. */
async function pairOnDisk() {
  const ca = await createCa("metrics-test-ca", 3600_000);
  const pair = await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 3600_000 });
  const dir = mkdtempSync(join(tmpdir(), "golive-metrics-tls-"));
  writeFileSync(join(dir, "tls.crt"), pair.cert);
  writeFileSync(join(dir, "tls.key"), pair.key);
  return { ca: ca.cert, cert: pair.cert, certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key") };
}

function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path, ca, servername: "localhost" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      const peer = (res.socket as unknown as { getPeerX509Certificate(): { toString(): string } | undefined }).getPeerX509Certificate();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, fingerprint: peer ? fingerprint(peer.toString()) : "" }));
    });
    req.on("error", reject);
    req.end();
  });
}

function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

describe("/metrics over TLS (--metrics-tls)", () => {
  it("reads --metrics-tls, --metrics-tls-cert and --metrics-tls-key (GOLIVE_METRICS_TLS*) and is off by default", () => {
    expect(loadConfig({}, {}).metricsTls).toBe(false);
    const c = loadConfig({}, { GOLIVE_METRICS_TLS: "true", GOLIVE_METRICS_TLS_CERT: "/etc/golive/metrics-tls/tls.crt", GOLIVE_METRICS_TLS_KEY: "/etc/golive/metrics-tls/tls.key" });
    expect(c).toMatchObject({ metricsTls: true, metricsTlsCert: "/etc/golive/metrics-tls/tls.crt", metricsTlsKey: "/etc/golive/metrics-tls/tls.key" });
    expect(metricsTlsOptions(loadConfig({}, {}), log)).toBeUndefined();
    expect(metricsTlsOptions(c, log)?.flags).toEqual({ cert: "--metrics-tls-cert", key: "--metrics-tls-key" });
  });

  it("refuses a certificate without its key at start, naming the flags", async () => {
    const config = loadConfig({ metricsTls: "true", metricsTlsCert: "/tmp/only.crt" }, {});
    await expect(startHealthServer(0, "127.0.0.1", { live: () => true, ready: () => true }, registry(), metricsTlsOptions(config, log))).rejects.toThrow("--metrics-tls-cert and --metrics-tls-key go together");
  });

  it("the webhook serves /metrics over HTTPS with the configured certificate, refuses plain HTTP there, and keeps plain probes on their own port", async () => {
    const disk = await pairOnDisk();
    const config = loadConfig({ metricsTls: "true", metricsTlsCert: disk.certFile, metricsTlsKey: disk.keyFile }, {});
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const servers = await startProbeServers({ host: "127.0.0.1", healthPort, metricsPort, probes: { live: () => true, ready: () => true }, registry: registry(), tls: metricsTlsOptions(config, log) });
    open.push(...servers);
    const scrape = await httpsGet(metricsPort, "/metrics", disk.ca);
    expect(scrape.status).toBe(200);
    expect(scrape.body).toMatch(/golive_probe_test_total 3/);
    expect(scrape.fingerprint).toBe(fingerprint(disk.cert));
    await expect(httpGet(metricsPort, "/metrics")).rejects.toThrow();
    expect(await httpGet(healthPort, "/readyz")).toBe(200);
  });

  it("the operator serves /healthz, /readyz and /metrics on one HTTPS port when on, plain HTTP when off", async () => {
    const disk = await pairOnDisk();
    const config = loadConfig({ metricsTls: "true", metricsTlsCert: disk.certFile, metricsTlsKey: disk.keyFile }, {});
    const tls = await startHealthServer(0, "127.0.0.1", { live: () => true, ready: () => false }, registry(), metricsTlsOptions(config, log));
    open.push(tls);
    const scrape = await httpsGet(portOf(tls), "/metrics", disk.ca);
    expect(scrape).toMatchObject({ status: 200, fingerprint: fingerprint(disk.cert) });
    expect(scrape.body).toMatch(/golive_probe_test_total 3/);
    expect((await httpsGet(portOf(tls), "/healthz", disk.ca)).status).toBe(200);
    expect((await httpsGet(portOf(tls), "/readyz", disk.ca)).status).toBe(503);
    await expect(httpGet(portOf(tls), "/metrics")).rejects.toThrow();
    const plain = await startHealthServer(0, "127.0.0.1", { live: () => true, ready: () => true }, registry(), metricsTlsOptions(loadConfig({}, {}), log));
    open.push(plain);
    expect(await httpGet(portOf(plain), "/metrics")).toBe(200);
  });

  it("without certificate files serves one made at start (clients pin its logged fingerprint)", async () => {
    const server = await startHealthServer(0, "127.0.0.1", { live: () => true, ready: () => true }, registry(), metricsTlsOptions(loadConfig({ metricsTls: "true" }, {}), log));
    open.push(server);
    await expect(httpGet(portOf(server), "/healthz")).rejects.toThrow();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: "127.0.0.1", port: portOf(server), path: "/healthz", rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
