import { X509Certificate } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { servedFingerprint } from "./testdata/tls.js";
import { describe, expect, it } from "vitest";
import { auditTlsOptions } from "../operator/audit/serve.js";
import { consoleTlsOptions } from "../console/serve.js";
import { fingerprint, keepServingTls, RENEW_BEFORE_MS, servingTls, tlsUpdate } from "./serving-tls.js";

const log = pino({ level: "silent" });

describe("serving TLS of the console and the /audit endpoint", () => {
  it("refuses a certificate without its key, naming each endpoint's own flags", async () => {
    await expect(servingTls(consoleTlsOptions({ certFile: "/tmp/c.pem", log }))).rejects.toThrow("--tls-cert and --tls-key go together: give both, or neither for a certificate made at start");
    await expect(servingTls(auditTlsOptions({ keyFile: "/tmp/k.pem", log }))).rejects.toThrow("--audit-tls-cert and --audit-tls-key go together");
  });

  it("makes a certificate at start for localhost, 127.0.0.1 and the given names, valid for a day", async () => {
    const tls = await servingTls(consoleTlsOptions({ dnsNames: ["console.golive.svc"], log }));
    const x = new X509Certificate(tls.cert);
    expect(x.subjectAltName).toContain("DNS:localhost");
    expect(x.subjectAltName).toContain("DNS:console.golive.svc");
    expect(x.subjectAltName).toContain("IP Address:127.0.0.1");
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(0.99);
    expect(days).toBeLessThan(1.01);
  });

  it("serves a changed pair of files, keeps an unchanged or unreadable one, and renews its own certificate before it expires", async () => {
    const made = await servingTls(consoleTlsOptions({ log }));
    const other = { cert: "-----BEGIN CERTIFICATE-----\nother", key: "k" };
    expect(tlsUpdate(made, { fromFiles: true, read: { ...made }, now: new Date() })).toBe("keep");
    expect(tlsUpdate(made, { fromFiles: true, read: undefined, now: new Date() })).toBe("keep");
    expect(tlsUpdate(made, { fromFiles: true, read: other, now: new Date() })).toEqual(other);
    const expires = Date.parse(new X509Certificate(made.cert).validTo);
    expect(tlsUpdate(made, { fromFiles: false, now: new Date(expires - RENEW_BEFORE_MS - 60_000) })).toBe("keep");
    expect(tlsUpdate(made, { fromFiles: false, now: new Date(expires - RENEW_BEFORE_MS + 60_000) })).toBe("renew");
  });

  it("a running HTTPS server serves the renewed pair once the files change, and keeps the old one while they are half-written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "golive-tls-"));
    const first = await servingTls(auditTlsOptions({ log }));
    const second = await servingTls(auditTlsOptions({ log }));
    const certFile = join(dir, "tls.crt");
    const keyFile = join(dir, "tls.key");
    writeFileSync(certFile, first.cert);
    writeFileSync(keyFile, first.key);
    const options = auditTlsOptions({ certFile, keyFile, log });
    const served = await servingTls(options);
    const server = createServer({ ...served, minVersion: "TLSv1.2" }, (_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const stop = keepServingTls(server, served, options, 30);
    try {
      expect(await servedFingerprint(port)).toBe(fingerprint(first.cert));
      // Half-written: a new certificate beside the old key; the old pair stays.
      writeFileSync(certFile, second.cert);
      await new Promise((r) => setTimeout(r, 120));
      expect(await servedFingerprint(port)).toBe(fingerprint(first.cert));
      writeFileSync(keyFile, second.key);
      await expect.poll(() => servedFingerprint(port), { timeout: 2000 }).toBe(fingerprint(second.cert));
    } finally {
      stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
