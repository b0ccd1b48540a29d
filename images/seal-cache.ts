// The seal cache: verdicts of image seal verifications, keyed by image name, digest and the
// trusted key set, so admission never waits on a registry (the webhook only peeks; the operator
// verifies and fills it).
//
// - A success is kept until the key set changes (the key set is part of the cache key, so a new
//   policy key or a removed one is a miss) or maxAgeMs passes (default 12 h); a digest's content
//   never changes, so there is nothing else to expire.
// - A failure is kept only negativeTtlMs (default 30 s): long enough to absorb a burst of
//   admissions for an unsigned image, short enough that signing it takes effect quickly.
// - A transient failure (Timeout, RegistryDown, Throttled, Auth) never replaces a success, also
//   one past maxAgeMs: a registry outage must not unseal an image whose signature was verified.
//   A definitive failure (the signature is gone or no longer verifies) does replace it.
// - Past maxAgeMs a success is stale: peek still returns it, with `stale` set, for graceMs more
//   (the policy's spec.images.sealGracePeriod, default 24 h), and marks it due for re-verification
//   at most every negativeTtlMs. Re-verified, it is fresh again; refused definitively, it is
//   replaced; while re-verification fails transiently it stays in force, up to the grace's end,
//   after which peek answers undefined (verify again: a transient failure then unseals).
// - Concurrent verify() calls for the same key share one verification (single flight).
// - At most maxEntries (default 10,000); the oldest written goes first. peek() never reorders or
//   allocates much: it is read-only, about 0.15 µs (bench/seal-cache.bench.ts).
// - A timeout is never a pass: verdicts come only from the verify function, which returns a
//   failure for anything it could not prove.
import { keyIdOf, type TrustedKey } from "../gates/dsse.js";
import type { KeyObject } from "node:crypto";
import { parseImageReference, type PinnedImage } from "./reference.js";

export type SealFailure = "Unsigned" | "BadSignature" | "UntrustedKey" | "Auth" | "Throttled" | "RegistryDown" | "Timeout" | "KeylessUnsupported" | "NotFound";

/** A success past its lifetime, still in force while re-verification fails transiently. */
export interface StaleSeal {
  /** When the success's lifetime (maxAgeMs) ended. */
  expiredAt: Date;
  /** When the grace ends: after it, the stale success no longer counts. */
  graceEndsAt: Date;
  /** Whether a re-verification should be started now (at most every negativeTtlMs). */
  due: boolean;
  /** The last transient failure of re-verification, and since when re-verification has failed. */
  failure?: SealFailure;
  reason?: string;
  failingSince?: Date;
}

export type SealVerdict =
  | { sealed: true; signer: string; format: "legacy-sig" | "sigstore-bundle"; verifiedAt: Date; stale?: StaleSeal }
  | { sealed: false; failure: SealFailure; reason: string; checkedAt: Date };

/** Failures that say nothing about the signature: the registry could not be asked. */
export const TRANSIENT_FAILURES: ReadonlySet<SealFailure> = new Set(["Auth", "Throttled", "RegistryDown", "Timeout"]);

export interface SealCacheOptions {
  verify: (image: PinnedImage, keys: readonly TrustedKey[]) => Promise<SealVerdict>;
  now?: () => Date;
  negativeTtlMs?: number;
  maxAgeMs?: number;
  /** How long a stale success stays in force when peek is not given a grace (default 24 h). */
  graceMs?: number;
  maxEntries?: number;
}

export const DEFAULT_SEAL_GRACE_MS = 24 * 3600_000;

interface Entry {
  key: string;
  set: string;
  name: string;
  digest: string;
  verdict: SealVerdict;
  expiresAt: number;
  /** A success only: the last transient failure of its re-verification, and since when. */
  failure?: { failure: SealFailure; reason: string };
  failingSince?: number;
  lastAttemptAt?: number;
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
  private readonly graceMs: number;
  private readonly maxEntries: number;

  constructor(private readonly opts: SealCacheOptions) {
    const now = opts.now;
    this.now = now ? () => now().getTime() : Date.now;
    this.negativeTtlMs = opts.negativeTtlMs ?? 30_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3600_000;
    this.graceMs = opts.graceMs ?? DEFAULT_SEAL_GRACE_MS;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  /** Memory only, never the network: the hot path of admission. */
  peek(name: string, digest: string, keys: readonly TrustedKey[], graceMs?: number): SealVerdict | undefined {
    const normalised = this.normalise(name);
    if (normalised === null) return undefined;
    const entry = this.index.get(keySetId(keys))?.get(normalised)?.get(digest);
    if (!entry) return undefined;
    const now = this.now();
    if (now < entry.expiresAt) return entry.verdict;
    const verdict = entry.verdict;
    const graceEndsAt = entry.expiresAt + (graceMs ?? this.graceMs);
    if (!verdict.sealed || now >= graceEndsAt) {
      // A failure past its lifetime, or a stale success past the grace: gone (verify again).
      this.remove(entry);
      return undefined;
    }
    return {
      ...verdict,
      stale: {
        expiredAt: new Date(entry.expiresAt),
        graceEndsAt: new Date(graceEndsAt),
        due: entry.lastAttemptAt === undefined || now - entry.lastAttemptAt >= this.negativeTtlMs,
        ...(entry.failure ? { failure: entry.failure.failure, reason: entry.failure.reason } : {}),
        ...(entry.failingSince !== undefined ? { failingSince: new Date(entry.failingSince) } : {}),
      },
    };
  }

  /** Successes past their lifetime still held (in force while within a policy's grace). */
  get staleCount(): number {
    const now = this.now();
    let n = 0;
    for (const e of this.order.values()) if (e.verdict.sealed && now >= e.expiresAt) n++;
    return n;
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
    const current = this.order.get(key);
    if (current) current.lastAttemptAt = this.now();
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
    if (!verdict.sealed && TRANSIENT_FAILURES.has(verdict.failure) && current?.verdict.sealed) {
      // Registry trouble: the success stays (stale past its lifetime, within the grace).
      current.failure = { failure: verdict.failure, reason: verdict.reason };
      current.failingSince ??= now;
      return;
    }
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
