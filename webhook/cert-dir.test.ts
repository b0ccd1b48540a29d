import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { CertDirSource } from "./cert-dir.js";
import { createCa, issueServingCertificate } from "./certificates.js";
import type { TlsMaterial } from "./tls.js";

const dir = mkdtempSync(join(tmpdir(), "golive-certdir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cert-manager mode (a mounted certificate directory)", () => {
  it("serves the pair, swaps in a renewed one, and keeps the old one over a half-written file", async () => {
    const ca = await createCa("cert-manager-ca", 86_400_000);
    const first = await issueServingCertificate(ca, { dnsNames: ["golive-webhook.golive.svc"], ips: [], validityMs: 3_600_000 });
    writeFileSync(join(dir, "tls.crt"), first.cert);
    writeFileSync(join(dir, "tls.key"), first.key);
    writeFileSync(join(dir, "ca.crt"), ca.cert);
    const served: TlsMaterial[] = [];
    const source = new CertDirSource(dir, pino({ level: "silent" }), (m) => served.push(m));
    await source.load();
    await source.load(); // unchanged: nothing to swap
    expect(served).toEqual([{ cert: first.cert, key: first.key, caBundle: ca.cert }]);
    expect(source.loaded).toBe(true);

    writeFileSync(join(dir, "tls.crt"), first.cert.slice(0, 100));
    await expect(source.load()).rejects.toThrow();
    expect(served).toHaveLength(1);

    const renewed = await issueServingCertificate(ca, { dnsNames: ["golive-webhook.golive.svc"], ips: [], validityMs: 3_600_000 });
    writeFileSync(join(dir, "tls.crt"), renewed.cert);
    writeFileSync(join(dir, "tls.key"), renewed.key);
    await source.load();
    expect(served.at(-1)?.cert).toBe(renewed.cert);
  });
});
