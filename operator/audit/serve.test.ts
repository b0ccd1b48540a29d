// The /audit endpoint as `golive operator --audit-port` starts it: the certificate it serves is
// the one in the files, and a renewed pair (a cert-manager or chart Secret rotated under the
// running operator) is served without a restart, by startAuditEndpoint itself.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { servedFingerprint } from "../../webhook/testdata/tls.js";
import { describe, expect, it } from "vitest";
import { fingerprint, servingTls } from "../../webhook/serving-tls.js";
import { auditTlsOptions, startAuditEndpoint } from "./serve.js";

const log = pino({ level: "silent" });

describe("startAuditEndpoint", () => {
  it("serves the pair in its files and, once they are renewed, the new pair without a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "golive-audit-serve-"));
    const kubeconfig = join(dir, "kubeconfig");
    // Only requests are authorized against the API server; the handshake needs none.
    writeFileSync(kubeconfig, JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1" } }], users: [{ name: "u", user: { token: "t" } }], contexts: [{ name: "x", context: { cluster: "c", user: "u" } }], "current-context": "x" }));
    const [first, second] = [await servingTls(auditTlsOptions({ log })), await servingTls(auditTlsOptions({ log }))];
    const certFile = join(dir, "tls.crt");
    const keyFile = join(dir, "tls.key");
    writeFileSync(certFile, first.cert);
    writeFileSync(keyFile, first.key);
    const endpoint = await startAuditEndpoint({ auditFile: join(dir, "audit.jsonl"), kubeconfig, port: 0, certFile, keyFile, log, tlsCheckIntervalMs: 30 });
    try {
      expect(await servedFingerprint(endpoint.port)).toBe(fingerprint(first.cert));
      writeFileSync(certFile, second.cert);
      writeFileSync(keyFile, second.key);
      await expect.poll(() => servedFingerprint(endpoint.port), { timeout: 5000 }).toBe(fingerprint(second.cert));
    } finally {
      await endpoint.close();
    }
  }, 30_000);
});
