// The seal cache: verdicts of image seal verifications, keyed by image name, digest and the
// trusted key set, so admission never waits on a registry (the webhook only peeks; the operator
// verifies and fills it).
//
// - A success is kept until the key set changes (the key set is part of the cache key, so a new
//   policy key or a removed one is a miss) or maxAgeMs passes (default 12 h); a digest's content
//   never changes, so there is nothing else to expire.
// - A failure is kept only negativeTtlMs (default 30 s): long enough to absorb a burst of
//   admissions for an unsigned image, short enough that signing it takes effect quickly.
// - A transient failure (Timeout, RegistryDown, Throttled, Auth) never replaces a success that is
//   still valid: a registry outage must not unseal an image whose signature was verified. A
//   definitive failure (the signature is gone or no longer verifies) does replace it.
// - Concurrent verify() calls for the same key share one verification (single flight).
// - At most maxEntries (default 10,000); the oldest written goes first. peek() never reorders or
//   allocates much: it is read-only, about 0.15 µs (bench/seal-cache.bench.ts).
// - A timeout is never a pass: verdicts come only from the verify function, which returns a
//   failure for anything it could not prove.
import { keyIdOf, type TrustedKey } from "../gates/dsse.js";
import type { KeyObject } from "node:crypto";
import { parseImageReference, type PinnedImage } from "./reference.js";

export type SealFailure = "Unsigned" | "BadSignature" | "UntrustedKey" | "Auth" | "Throttled" | "RegistryDown" | "Timeout" | "KeylessUnsupported" | "NotFound";

export type SealVerdict =
  | { sealed: true; signer: string; format: "legacy-sig" | "sigstore-bundle"; verifiedAt: Date }
  | { sealed: false; failure: SealFailure; reason: string; checkedAt: Date };

/** Failures that say nothing about the signature: the registry could not be asked. */
export const TRANSIENT_FAILURES: ReadonlySet<SealFailure> = new Set(["Auth", "Throttled", "RegistryDown", "Timeout"]);

export interface SealCacheOptions {
  verify: (image: PinnedImage, keys: readonly TrustedKey[]) => Promise<SealVerdict>;
  now?: () => Date;
  negativeTtlMs?: number;
  maxAgeMs?: number;
  maxEntries?: number;
}

interface Entry {
  key: string;
  set: string;
  name: string;
  digest: string;
  verdict: SealVerdict;
  expiresAt: number;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const keyIds = new WeakMap<KeyObject, string>();
/** Key ids interned to small numbers, so a key-set id is short and cheap to build and hash. */
const keyNumbers = new Map<string, number>();

/**
 * An id of the key set: each signer's name and key (by its key id), order-independent. Cheap
 * enough for the hot path even when the caller builds a new array each time (as imageKeys does).
 */
let lastKeys: readonly TrustedKey[] | undefined;
let lastSeen: { name: string; key: KeyObject }[] = [];
let lastId = "";

function sameAsLast(keys: readonly TrustedKey[]): boolean {
  if (keys !== lastKeys || keys.length !== lastSeen.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i]!.key !== lastSeen[i]!.key || keys[i]!.name !== lastSeen[i]!.name) return false;
  return true;
}

export function keySetId(keys: readonly TrustedKey[]): string {
  // Admission passes the same array (compiled once per policy) again and again; its contents are
  // compared too, so an array changed in place is not mistaken for the one seen before.
  if (sameAsLast(keys)) return lastId;
  const parts: string[] = [];
  for (const k of keys) {
    let kid = keyIds.get(k.key);
    if (kid === undefined) {
      kid = keyIdOf(k.key);
      keyIds.set(k.key, kid);
    }
    let n = keyNumbers.get(kid);
    if (n === undefined) {
      n = keyNumbers.size;
      keyNumbers.set(kid, n);
    }
    parts.push(`${k.name}#${n}`);
  }
  lastId = parts.length === 1 ? parts[0]! : parts.sort().join(",");
  lastKeys = keys;
  lastSeen = keys.map((k) => ({ name: k.name, key: k.key }));
  return lastId;
}

export class SealCache {
  /** key set -> image name -> digest -> entry: lookups hash short strings, never a concatenation. */
  private readonly index = new Map<string, Map<string, Map<string, Entry>>>();
  /** The same entries by "name@digest keyset", oldest written first: for eviction (writes only). */
  private readonly order = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<SealVerdict>>();
  /** Raw image name -> normalised name (or null when it does not parse); bounded. */
  private readonly names = new Map<string, string | null>();
  /** Milliseconds now: the injected clock, or Date.now (no Date allocated on the hot path). */
  private readonly now: () => number;
  private readonly negativeTtlMs: number;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;

  constructor(private readonly opts: SealCacheOptions) {
    const now = opts.now;
    this.now = now ? () => now().getTime() : Date.now;
    this.negativeTtlMs = opts.negativeTtlMs ?? 30_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3600_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  /** Memory only, never the network: the hot path of admission. */
  peek(name: string, digest: string, keys: readonly TrustedKey[]): SealVerdict | undefined {
    const normalised = this.normalise(name);
    if (normalised === null) return undefined;
    const entry = this.index.get(keySetId(keys))?.get(normalised)?.get(digest);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.remove(entry);
      return undefined;
    }
    return entry.verdict;
  }

  /** Verify (single-flight) and remember. Rejects when the name or digest is not a valid image reference. */
  verify(name: string, digest: string, keys: readonly TrustedKey[]): Promise<SealVerdict> {
    let image: PinnedImage;
    try {
      if (!DIGEST.test(digest)) throw new Error(`"${digest}" is not a sha256 digest ("sha256:" and 64 lowercase hex digits)`);
      const ref = parseImageReference(name);
      image = { registry: ref.registry, repository: ref.repository, name: ref.name, digest };
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const set = keySetId(keys);
    const key = `${image.name}@${digest} ${set}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const verification = this.opts
      .verify(image, keys)
      .then((verdict) => {
        this.remember(key, set, image.name, digest, verdict);
        return verdict;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, verification);
    return verification;
  }

  /** Forget everything (for instance when the operator loses its leadership). */
  clear(): void {
    this.index.clear();
    this.order.clear();
  }

  get size(): number {
    return this.order.size;
  }

  private remember(key: string, set: string, name: string, digest: string, verdict: SealVerdict): void {
    const now = this.now();
    const current = this.order.get(key);
    if (!verdict.sealed && TRANSIENT_FAILURES.has(verdict.failure) && current?.verdict.sealed && current.expiresAt > now) return;
    if (current) this.remove(current);
    const entry: Entry = { key, set, name, digest, verdict, expiresAt: now + (verdict.sealed ? this.maxAgeMs : this.negativeTtlMs) };
    this.order.set(key, entry);
    let byName = this.index.get(set);
    if (!byName) this.index.set(set, (byName = new Map<string, Map<string, Entry>>()));
    let byDigest = byName.get(name);
    if (!byDigest) byName.set(name, (byDigest = new Map<string, Entry>()));
    byDigest.set(digest, entry);
    while (this.order.size > this.maxEntries) {
      const oldest = this.order.values().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(entry: Entry): void {
    this.order.delete(entry.key);
    const byName = this.index.get(entry.set);
    const byDigest = byName?.get(entry.name);
    if (byDigest?.get(entry.digest) !== entry) return;
    byDigest.delete(entry.digest);
    if (byDigest.size === 0) byName!.delete(entry.name);
    if (byName!.size === 0) this.index.delete(entry.set);
  }

  private normalise(name: string): string | null {
    let normalised = this.names.get(name);
    if (normalised === undefined) {
      try {
        normalised = parseImageReference(name).name;
      } catch {
        normalised = null;
      }
      if (this.names.size >= 10_000) this.names.clear();
      this.names.set(name, normalised);
    }
    return normalised;
  }
}
