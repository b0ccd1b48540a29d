import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TrustedKey } from "../gates/dsse.js";
import type { PinnedImage } from "./reference.js";
import { keySetId, SealCache, type SealFailure, type SealVerdict } from "./seal-cache.js";

const D = `sha256:${"e".repeat(64)}`;
const key = (name: string): TrustedKey => ({ name, key: generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey });
const [a, b] = [key("a"), key("b")];

function harness(opts: { negativeTtlMs?: number; maxAgeMs?: number; graceMs?: number; maxEntries?: number } = {}) {
  let t = Date.parse("2026-01-01T00:00:00Z");
  const calls: PinnedImage[] = [];
  const pending: ((v: SealVerdict) => void)[] = [];
  let next: SealVerdict | "defer" = { sealed: true, signer: "a", format: "legacy-sig", verifiedAt: new Date(t) };
  const cache = new SealCache({
    ...opts,
    now: () => new Date(t),
    verify: (image) => {
      calls.push(image);
      if (next === "defer") return new Promise((resolve) => pending.push(resolve));
      return Promise.resolve(next);
    },
  });
  return {
    cache,
    calls,
    pending,
    advance: (ms: number) => (t += ms),
    now: () => t,
    answer: (v: SealVerdict | "defer") => (next = v),
  };
}
const failure = (f: SealFailure): SealVerdict => ({ sealed: false, failure: f, reason: f, checkedAt: new Date() });
const sealed: SealVerdict = { sealed: true, signer: "a", format: "sigstore-bundle", verifiedAt: new Date() };

describe("SealCache", () => {
  it("peek never verifies: undefined until verify() has run, then the verdict from memory", async () => {
    const h = harness();
    expect(h.cache.peek("nginx", D, [a])).toBeUndefined();
    expect(h.calls).toHaveLength(0);
    const verdict = await h.cache.verify("nginx", D, [a]);
    expect(verdict.sealed).toBe(true);
    expect(h.calls).toEqual([{ registry: "docker.io", repository: "library/nginx", name: "docker.io/library/nginx", digest: D }]);
    // Names are normalised: every spelling of the same repository hits.
    for (const name of ["nginx", "docker.io/library/nginx", "index.docker.io/nginx", "library/nginx"]) expect(h.cache.peek(name, D, [a])).toBe(verdict);
    expect(h.cache.peek("nginx", `sha256:${"f".repeat(64)}`, [a])).toBeUndefined();
    expect(h.cache.peek("other", D, [a])).toBeUndefined();
    expect(h.cache.peek("Not A Name", D, [a])).toBeUndefined();
  });

  it("keys by the trusted key set: another set is a miss, the same set in another order a hit", async () => {
    const h = harness();
    await h.cache.verify("app", D, [a, b]);
    expect(h.cache.peek("app", D, [b, a])).toBeDefined();
    expect(h.cache.peek("app", D, [a])).toBeUndefined();
    expect(h.cache.peek("app", D, [a, key("c")])).toBeUndefined();
    expect(h.cache.peek("app", D, [{ name: "renamed", key: a.key }, b])).toBeUndefined();
    expect(keySetId([a, b])).toBe(keySetId([b, a]));
    // An array changed in place is a different key set (the id is memoised per array and checked).
    const mutable = [a, b];
    await h.cache.verify("app", D, mutable);
    expect(h.cache.peek("app", D, mutable)).toBeDefined();
    mutable.pop();
    expect(h.cache.peek("app", D, mutable)).toBeUndefined();
    mutable[0] = { name: "a", key: b.key };
    expect(keySetId(mutable)).not.toBe(keySetId([a]));
  });

  it("keeps successes until maxAge, failures only for the negative TTL", async () => {
    const h = harness({ negativeTtlMs: 30_000, maxAgeMs: 3600_000 });
    await h.cache.verify("ok", D, [a]);
    h.answer(failure("Unsigned"));
    await h.cache.verify("unsigned", D, [a]);
    h.advance(29_999);
    expect(h.cache.peek("unsigned", D, [a])).toMatchObject({ sealed: false, failure: "Unsigned" });
    h.advance(1);
    expect(h.cache.peek("unsigned", D, [a])).toBeUndefined();
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: true });
    h.advance(3600_000 - 30_000 - 1);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: true });
    expect(h.cache.peek("ok", D, [a])).not.toHaveProperty("stale");
    h.advance(1);
    // Past maxAge: stale, due for re-verification, in force only within the grace asked for.
    expect(h.cache.peek("ok", D, [a], 60_000)).toMatchObject({ sealed: true, stale: { due: true, expiredAt: new Date(h.now()) } });
    h.advance(60_000);
    expect(h.cache.peek("ok", D, [a], 60_000)).toBeUndefined();
  });

  it("by default a success is fresh for 12 h, then stale and in force for a 24 h grace while the registry is down", async () => {
    const h = harness();
    await h.cache.verify("ok", D, [a]);
    h.advance(12 * 3600_000 - 1);
    expect(h.cache.peek("ok", D, [a])).not.toHaveProperty("stale");
    h.advance(1);
    h.answer(failure("RegistryDown"));
    await h.cache.verify("ok", D, [a]);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: true, stale: { failure: "RegistryDown", graceEndsAt: new Date(h.now() + 24 * 3600_000) } });
    h.advance(24 * 3600_000 - 1);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: true, stale: { failure: "RegistryDown" } });
    h.advance(1);
    expect(h.cache.peek("ok", D, [a])).toBeUndefined();
    // Past the grace the next verdict counts: the registry still down, the image is not sealed.
    await h.cache.verify("ok", D, [a]);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: false, failure: "RegistryDown" });
  });

  it("keeps a stale success while re-verification fails transiently; a definitive failure replaces it", async () => {
    const h = harness({ negativeTtlMs: 30_000, maxAgeMs: 3600_000, graceMs: 7200_000 });
    await h.cache.verify("ok", D, [a]);
    h.advance(3600_000);
    h.answer(failure("RegistryDown"));
    await h.cache.verify("ok", D, [a]);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: true, stale: { due: false, failure: "RegistryDown", failingSince: new Date(h.now()) } });
    expect(h.cache.staleCount).toBe(1);
    h.advance(30_000);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: true, stale: { due: true } });
    h.answer(failure("BadSignature"));
    await h.cache.verify("ok", D, [a]);
    expect(h.cache.peek("ok", D, [a])).toMatchObject({ sealed: false, failure: "BadSignature" });
    expect(h.cache.staleCount).toBe(0);
  });

  it("shares one verification between concurrent callers (single flight), then verifies afresh", async () => {
    const h = harness();
    h.answer("defer");
    const waiting = Promise.all([h.cache.verify("app", D, [a]), h.cache.verify("docker.io/library/app", D, [a]), h.cache.verify("app", D, [a])]);
    expect(h.calls).toHaveLength(1);
    expect(h.cache.peek("app", D, [a])).toBeUndefined();
    h.pending[0]!(sealed);
    const verdicts = await waiting;
    expect(verdicts.every((v) => v === sealed)).toBe(true);
    // Another key set is another flight.
    h.answer(sealed);
    await h.cache.verify("app", D, [b]);
    expect(h.calls).toHaveLength(2);
    // After completion, verify() asks again (it is how the operator refreshes).
    await h.cache.verify("app", D, [a]);
    expect(h.calls).toHaveLength(3);
  });

  it("never lets a transient failure (a timeout, an outage) replace a valid success; a definitive one does", async () => {
    const h = harness();
    await h.cache.verify("app", D, [a]);
    for (const f of ["Timeout", "RegistryDown", "Throttled", "Auth"] as const) {
      h.answer(failure(f));
      expect(await h.cache.verify("app", D, [a])).toMatchObject({ sealed: false, failure: f });
      expect(h.cache.peek("app", D, [a])).toMatchObject({ sealed: true });
    }
    h.answer(failure("BadSignature"));
    await h.cache.verify("app", D, [a]);
    expect(h.cache.peek("app", D, [a])).toMatchObject({ sealed: false, failure: "BadSignature" });
  });

  it("remembers a timeout only as a failure, never as a pass", async () => {
    const h = harness();
    h.answer(failure("Timeout"));
    await h.cache.verify("slow", D, [a]);
    expect(h.cache.peek("slow", D, [a])).toMatchObject({ sealed: false, failure: "Timeout" });
  });

  it("does not cache a verify function that throws, and rejects bad names and digests", async () => {
    let fail = true;
    const cache = new SealCache({ verify: () => (fail ? Promise.reject(new Error("bug")) : Promise.resolve(sealed)) });
    await expect(cache.verify("app", D, [a])).rejects.toThrow("bug");
    expect(cache.peek("app", D, [a])).toBeUndefined();
    fail = false;
    await expect(cache.verify("app", D, [a])).resolves.toBe(sealed);
    await expect(cache.verify("app", "sha256:abc", [a])).rejects.toThrow(/not a sha256 digest/);
    await expect(cache.verify("Bad Name", D, [a])).rejects.toThrow(/whitespace/);
  });

  it("holds at most maxEntries, dropping the oldest written", async () => {
    const h = harness({ maxEntries: 2 });
    for (const name of ["one", "two", "three"]) await h.cache.verify(name, D, [a]);
    expect(h.cache.size).toBe(2);
    expect(h.cache.peek("one", D, [a])).toBeUndefined();
    expect(h.cache.peek("three", D, [a])).toBeDefined();
  });
});
