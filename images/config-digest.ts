// Sealed configuration (JR/T 0179 8.4): the canonical digest of a ConfigMap's or Secret's data,
// and the check that live objects still match the digests sealed into a Release.
//
// The digest, precisely:
//
//   digest = "sha256:" + lowercase hex of SHA-256(C)
//   C      = "golive.dev/sealed-configuration/v1\n"
//            then, for every key in ascending order (byte order of the key; keys are ASCII),
//            key + "\n" + decimal byte length of the value + "\n" + the value's bytes + "\n"
//
//   The value's bytes:
//     ConfigMap  data[key]        the UTF-8 encoding of the string
//                binaryData[key]  the base64-decoded bytes
//     Secret     data[key]        the base64-decoded bytes
//                stringData[key]  the UTF-8 encoding (write-only; the API server merges it into
//                                 data, overriding the same key, so a manifest and the live
//                                 object it becomes get the same digest)
//
// So the digest depends only on the (key, bytes) pairs: not on metadata, labels, the Secret's
// type, `immutable`, the order of keys, or whether a ConfigMap value is in data or binaryData.
// Keys must match [-._a-zA-Z0-9]+ (the API server's rule), so they cannot contain "\n"; the
// length prefix makes the encoding unambiguous for any value. An object without data is
// C = the header line alone. A key in both data and binaryData is invalid (the API server refuses
// it too). Secret values are hashed, never logged or returned.
import { createHash } from "node:crypto";
import type { Release } from "../api/index.js";
import { decodeBase64 } from "../gates/dsse.js";

export const CONFIG_DIGEST_HEADER = "golive.dev/sealed-configuration/v1\n";
export type ConfigKind = "ConfigMap" | "Secret";

export interface ConfigObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string> | null;
  binaryData?: Record<string, string> | null;
  stringData?: Record<string, string> | null;
}

export class ConfigDigestError extends Error {
  override name = "ConfigDigestError";
}

const KEY = /^[-._a-zA-Z0-9]+$/;
const memo: Record<ConfigKind, WeakMap<object, string>> = { ConfigMap: new WeakMap(), Secret: new WeakMap() };

/** The (key, bytes) pairs of a ConfigMap or Secret, as defined above. */
function entries(kind: ConfigKind, object: ConfigObject): Map<string, Buffer> {
  const name = `${kind} ${object.metadata?.name ?? "?"}`;
  const out = new Map<string, Buffer>();
  const base64 = (key: string, value: string, field: string): Buffer => {
    const bytes = decodeBase64(value);
    if (bytes === undefined) throw new ConfigDigestError(`${name}: ${field}.${key} is not base64`);
    return bytes;
  };
  const add = (field: string, values: Record<string, string> | null | undefined, decode: (key: string, value: string) => Buffer, override = false) => {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (!KEY.test(key)) throw new ConfigDigestError(`${name}: key "${key}" is not a valid key (letters, digits, "-", "_" and ".")`);
      if (typeof value !== "string") throw new ConfigDigestError(`${name}: ${field}.${key} is not a string`);
      if (out.has(key) && !override) throw new ConfigDigestError(`${name}: key "${key}" is in more than one of data and binaryData`);
      out.set(key, decode(key, value));
    }
  };
  if (kind === "ConfigMap") {
    add("data", object.data, (_k, v) => Buffer.from(v, "utf8"));
    add("binaryData", object.binaryData, (k, v) => base64(k, v, "binaryData"));
  } else {
    add("data", object.data, (k, v) => base64(k, v, "data"));
    add("stringData", object.stringData, (_k, v) => Buffer.from(v, "utf8"), true);
  }
  return out;
}

/** The canonical digest of a ConfigMap's or Secret's data (memoised per object). */
export function configDigest(kind: ConfigKind, object: ConfigObject): string {
  const cached = memo[kind].get(object);
  if (cached !== undefined) return cached;
  const pairs = entries(kind, object);
  const hash = createHash("sha256").update(CONFIG_DIGEST_HEADER);
  for (const key of [...pairs.keys()].sort()) {
    const value = pairs.get(key)!;
    hash.update(`${key}\n${value.length}\n`).update(value).update("\n");
  }
  const digest = `sha256:${hash.digest("hex")}`;
  memo[kind].set(object, digest);
  return digest;
}

export function isConfigKind(kind: unknown): kind is ConfigKind {
  return kind === "ConfigMap" || kind === "Secret";
}

export interface SealedConfigurationCheck {
  ok: boolean;
  /** Live data differs from the sealed digest. */
  mismatches: { kind: ConfigKind; name: string; expected: string; actual: string }[];
  /** No such object. */
  missing: { kind: ConfigKind; name: string }[];
  /** The live object's data cannot be digested (bad base64, bad key). */
  invalid: { kind: ConfigKind; name: string; reason: string }[];
}

/**
 * Pure: compare a Release's sealed configuration with live objects, given as a list (each with its
 * kind set: informer items often lack it) or a lookup by kind and name.
 */
export function checkSealedConfiguration(
  sealed: readonly Pick<Release["spec"]["configuration"][number], "kind" | "name" | "digest">[],
  live: readonly ConfigObject[] | ((kind: ConfigKind, name: string) => ConfigObject | undefined),
): SealedConfigurationCheck {
  const find =
    typeof live === "function" ? live : (kind: ConfigKind, name: string) => live.find((o) => o.kind === kind && o.metadata?.name === name);
  const result: SealedConfigurationCheck = { ok: true, mismatches: [], missing: [], invalid: [] };
  for (const { kind, name, digest } of sealed) {
    const object = find(kind, name);
    if (!object) {
      result.missing.push({ kind, name });
      continue;
    }
    try {
      const actual = configDigest(kind, object);
      if (actual !== digest) result.mismatches.push({ kind, name, expected: digest, actual });
    } catch (e) {
      result.invalid.push({ kind, name, reason: (e as Error).message });
    }
  }
  result.ok = result.mismatches.length + result.missing.length + result.invalid.length === 0;
  return result;
}

/** One line per problem, for status messages and the CLI. */
export function describeConfigurationCheck(check: SealedConfigurationCheck): string[] {
  return [
    ...check.missing.map((m) => `${m.kind} ${m.name} is sealed into the release but does not exist`),
    ...check.mismatches.map((m) => `${m.kind} ${m.name} has digest ${m.actual}, not the sealed ${m.expected}: its data changed after sealing`),
    ...check.invalid.map((m) => `${m.kind} ${m.name}: ${m.reason}`),
  ];
}
