import { X509Certificate } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { consoleTls, RENEW_BEFORE_MS, tlsUpdate } from "./serve.js";

describe("console TLS", () => {
  const log = pino({ level: "silent" });
  it("refuses a certificate without its key, saying to give both or neither", async () => {
    await expect(consoleTls({ certFile: "/tmp/c.pem", log })).rejects.toThrow("--tls-cert and --tls-key go together: give both, or neither for a certificate made at start");
  });

  it("makes a certificate at start for localhost, 127.0.0.1 and the given names, valid for a day", async () => {
    const tls = await consoleTls({ dnsNames: ["console.golive.svc"], log });
    const x = new X509Certificate(tls.cert);
    expect(x.subjectAltName).toContain("DNS:localhost");
    expect(x.subjectAltName).toContain("DNS:console.golive.svc");
    expect(x.subjectAltName).toContain("IP Address:127.0.0.1");
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(0.99);
    expect(days).toBeLessThan(1.01);
  });

  it("serves a changed pair of files, keeps an unchanged or unreadable one, and renews its own certificate before it expires", async () => {
    const made = await consoleTls({ log });
    const other = { cert: "-----BEGIN CERTIFICATE-----\nother", key: "k" };
    expect(tlsUpdate(made, { fromFiles: true, read: { ...made }, now: new Date() })).toBe("keep");
    expect(tlsUpdate(made, { fromFiles: true, read: undefined, now: new Date() })).toBe("keep");
    expect(tlsUpdate(made, { fromFiles: true, read: other, now: new Date() })).toEqual(other);
    const expires = Date.parse(new X509Certificate(made.cert).validTo);
    expect(tlsUpdate(made, { fromFiles: false, now: new Date(expires - RENEW_BEFORE_MS - 60_000) })).toBe("keep");
    expect(tlsUpdate(made, { fromFiles: false, now: new Date(expires - RENEW_BEFORE_MS + 60_000) })).toBe("renew");
  });
});
