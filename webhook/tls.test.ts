import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { certificateInfo, issuedBy, splitPem } from "./certificates.js";
import { buildTls, MemoryTlsStore, planTls, TlsManager, type TlsBundle, type TlsMaterial, type TlsPolicy } from "./tls.js";

const log = pino({ level: "silent" });
const MIN = 60_000;
const policy: TlsPolicy = { dnsNames: ["golive-webhook.golive-system.svc"], ips: ["127.0.0.1"], caValidityMs: 600 * MIN, certValidityMs: 60 * MIN, caRenewBeforeMs: 100 * MIN, certRenewBeforeMs: 20 * MIN, caOverlapMs: 5 * MIN };
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, 0) + minutes * MIN);

describe("planTls", () => {
  it("creates, keeps, and reissues the serving certificate before it expires", async () => {
    expect(planTls(undefined, at(0), policy).kind).toBe("create");
    const bundle = await buildTls({ kind: "create", reason: "" }, undefined, at(0), policy);
    expect(issuedBy(bundle.cert, bundle.caCert)).toBe(true);
    expect(certificateInfo(bundle.cert)).toMatchObject({ dnsNames: policy.dnsNames, ips: policy.ips, isCa: false });
    expect(certificateInfo(bundle.caCert).isCa).toBe(true);
    expect(planTls(bundle, at(30), policy)).toEqual({ kind: "keep" });
    const plan = planTls(bundle, at(41), policy);
    expect(plan).toMatchObject({ kind: "reissue", reason: expect.stringMatching(/serving certificate expires at/) });
    const next = await buildTls(plan as never, bundle, at(41), policy);
    expect(next.caCert).toBe(bundle.caCert);
    expect(next.cert).not.toBe(bundle.cert);
    expect(planTls(next, at(42), policy)).toEqual({ kind: "keep" });
  });

  it("reissues when the names change, recreates what cannot be read", async () => {
    const bundle = await buildTls({ kind: "create", reason: "" }, undefined, at(0), policy);
    expect(planTls(bundle, at(1), { ...policy, dnsNames: ["other.svc"] })).toMatchObject({ kind: "reissue", reason: "the serving certificate does not name other.svc" });
    expect(planTls({ ...bundle, cert: "garbage" }, at(1), policy).kind).toBe("create");
  });

  it("rotates the CA in two steps: trust the new CA first, serve from it after the overlap", async () => {
    const policy2 = { ...policy, certValidityMs: 590 * MIN };
    const bundle = await buildTls({ kind: "create", reason: "" }, undefined, at(0), policy2);
    const plan = planTls(bundle, at(501), policy2);
    expect(plan.kind).toBe("rotate-ca");
    const rotated = await buildTls(plan as never, bundle, at(501), policy2);
    expect(splitPem(rotated.caBundle)).toHaveLength(2);
    expect(rotated.cert).toBe(bundle.cert); // still served from the old CA
    expect(planTls(rotated, at(503), policy2).kind).toBe("wait");
    const reissue = planTls(rotated, at(507), policy2);
    expect(reissue.kind).toBe("reissue");
    const final = await buildTls(reissue as never, rotated, at(507), policy2);
    expect(issuedBy(final.cert, final.caCert)).toBe(true);
    expect(splitPem(final.caBundle)).toHaveLength(2); // the old CA stays trusted until it expires
    expect(planTls(final, at(508), policy2)).toEqual({ kind: "keep" });
    expect(planTls(final, at(601), policy2).kind).toBe("prune");
  });
});

describe("TlsManager", () => {
  it("makes replicas that start together agree on one certificate", async () => {
    const store = new MemoryTlsStore();
    const served: TlsMaterial[][] = [[], [], []];
    const managers = served.map((list) => new TlsManager({ store, policy, log, now: () => at(0), onCertificate: (m) => list.push(m) }));
    await Promise.all(managers.map((m) => m.sync()));
    const certs = served.map((list) => list.at(-1)?.cert);
    expect(new Set(certs).size).toBe(1);
    expect(certs[0]).toBe((await store.read())?.bundle.cert);
    expect(managers.every((m) => m.loaded)).toBe(true);
  });

  it("rotates once across replicas and everyone follows", async () => {
    const store = new MemoryTlsStore();
    let now = at(0);
    const served: string[][] = [[], []];
    const published: string[] = [];
    const managers = served.map(
      (list) =>
        new TlsManager({
          store,
          policy,
          log,
          now: () => now,
          publishCaBundle: (b) => {
            published.push(b);
            return Promise.resolve("patched" as const);
          },
          onCertificate: (m) => list.push(m.cert),
        }),
    );
    await Promise.all(managers.map((m) => m.sync()));
    now = at(45);
    await Promise.all(managers.map((m) => m.sync()));
    expect(served[0]).toHaveLength(2);
    expect(served[0]).toEqual(served[1]);
    expect(new Set(published).size).toBe(1); // a serving rotation under the same CA changes no caBundle
  });

  it("never serves a certificate whose CA could not be published", async () => {
    const store = new MemoryTlsStore();
    let now = at(0);
    let fail = false;
    const served: string[] = [];
    const m = new TlsManager({
      store,
      policy,
      log,
      now: () => now,
      publishCaBundle: () => (fail ? Promise.reject(new Error("apiserver down")) : Promise.resolve("patched" as const)),
      onCertificate: (x) => served.push(x.cert),
    });
    await m.sync();
    now = at(501); // CA rotation: new CA into the bundle
    fail = true;
    await m.sync();
    now = at(507); // overlap over: a certificate from the new CA is issued, but its CA was never published
    await m.sync();
    expect(served).toHaveLength(1);
    fail = false;
    await m.sync();
    expect(served).toHaveLength(2);
    const stored: TlsBundle = (await store.read())!.bundle;
    expect(served[1]).toBe(stored.cert);
  });
});
