import { X509Certificate } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { consoleTls } from "./serve.js";

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
});
