import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkSealedConfiguration, CONFIG_DIGEST_HEADER, configDigest, describeConfigurationCheck } from "./config-digest.js";

const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const sha = (s: Buffer | string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;

describe("configDigest", () => {
  it("is SHA-256 over the header and length-prefixed (key, bytes) pairs in key order", () => {
    const expected = sha(`${CONFIG_DIGEST_HEADER}a.txt\n3\none\nb\n5\nhello\n`);
    expect(configDigest("ConfigMap", { data: { b: "hello", "a.txt": "one" } })).toBe(expected);
    expect(configDigest("ConfigMap", {})).toBe(sha(CONFIG_DIGEST_HEADER));
  });

  it("hashes values as bytes: data, binaryData, Secret data and stringData agree", () => {
    const text = "url: jdbc:postgresql://db/uw\n";
    const d = configDigest("ConfigMap", { data: { "app.yaml": text } });
    expect(configDigest("ConfigMap", { binaryData: { "app.yaml": b64(text) } })).toBe(d);
    expect(configDigest("Secret", { data: { "app.yaml": b64(text) } })).toBe(d);
    expect(configDigest("Secret", { stringData: { "app.yaml": text } })).toBe(d);
    // stringData overrides data, as the API server merges it.
    expect(configDigest("Secret", { data: { "app.yaml": b64("old") }, stringData: { "app.yaml": text } })).toBe(d);
  });

  it("ignores key order, metadata and type, and sees any change of bytes or keys", () => {
    const base = configDigest("ConfigMap", { metadata: { name: "x" }, data: { a: "1", b: "2" } });
    expect(configDigest("ConfigMap", { metadata: { name: "y" }, data: { b: "2", a: "1" } })).toBe(base);
    expect(configDigest("ConfigMap", { data: { a: "1", b: "3" } })).not.toBe(base);
    expect(configDigest("ConfigMap", { data: { a: "1", c: "2" } })).not.toBe(base);
    expect(configDigest("ConfigMap", { data: { a: "1" } })).not.toBe(base);
    // Length prefixes: moving bytes between values is a change.
    expect(configDigest("ConfigMap", { data: { a: "1\nb", b: "" } })).not.toBe(configDigest("ConfigMap", { data: { a: "1", b: "b" } }));
    const binary = Buffer.from([0, 255, 10, 13]);
    expect(configDigest("ConfigMap", { binaryData: { bin: b64(binary) } })).toBe(sha(Buffer.concat([Buffer.from(`${CONFIG_DIGEST_HEADER}bin\n4\n`), binary, Buffer.from("\n")])));
  });

  it("refuses what the API server refuses, with the key's name", () => {
    expect(() => configDigest("ConfigMap", { metadata: { name: "c" }, data: { a: "1" }, binaryData: { a: b64("1") } })).toThrow(/ConfigMap c: key "a" is in more than one/);
    expect(() => configDigest("Secret", { metadata: { name: "s" }, data: { token: "not base64!" } })).toThrow(/Secret s: data.token is not base64/);
    expect(() => configDigest("ConfigMap", { data: { "a b": "1" } })).toThrow(/key "a b" is not a valid key/);
  });
});

describe("checkSealedConfiguration", () => {
  const cm = { kind: "ConfigMap", metadata: { name: "app-config" }, data: { a: "1" } };
  const secret = { kind: "Secret", metadata: { name: "app-secret" }, data: { pw: b64("s3cret") } };
  const sealed = [
    { kind: "ConfigMap" as const, name: "app-config", digest: configDigest("ConfigMap", cm) },
    { kind: "Secret" as const, name: "app-secret", digest: configDigest("Secret", secret) },
  ];

  it("passes when every sealed object is there with the same data", () => {
    expect(checkSealedConfiguration(sealed, [cm, secret])).toEqual({ ok: true, mismatches: [], missing: [], invalid: [] });
    expect(checkSealedConfiguration([], [])).toMatchObject({ ok: true });
  });

  it("lists mismatches, missing objects and undigestable ones; never leaks secret values", () => {
    const changed = { ...secret, data: { pw: b64("other") } };
    const check = checkSealedConfiguration([...sealed, { kind: "ConfigMap", name: "gone", digest: sealed[0]!.digest }], [cm, changed]);
    expect(check.ok).toBe(false);
    expect(check.mismatches).toEqual([{ kind: "Secret", name: "app-secret", expected: sealed[1]!.digest, actual: configDigest("Secret", changed) }]);
    expect(check.missing).toEqual([{ kind: "ConfigMap", name: "gone" }]);
    const lines = describeConfigurationCheck(check).join("\n");
    expect(lines).toMatch(/ConfigMap gone is sealed into the release but does not exist/);
    expect(lines).toMatch(/Secret app-secret has digest .* its data changed after sealing/);
    expect(lines).not.toMatch(/other|s3cret/);
    const broken = checkSealedConfiguration([sealed[1]!], [{ ...secret, data: { pw: "%%%" } }]);
    expect(broken.invalid).toEqual([{ kind: "Secret", name: "app-secret", reason: "Secret app-secret: data.pw is not base64" }]);
  });

  it("matches by kind as well as name, and accepts a lookup instead of a list", () => {
    const sameNameOtherKind = { ...cm, kind: "Secret" };
    expect(checkSealedConfiguration([sealed[0]!], [sameNameOtherKind]).missing).toHaveLength(1);
    expect(checkSealedConfiguration(sealed, (kind, name) => [cm, secret].find((o) => o.kind === kind && o.metadata.name === name)).ok).toBe(true);
  });
});
