import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyEnvelope, preAuthEncoding, signEnvelope } from "./dsse.js";
import { verifyEvidence } from "./evidence.js";
import { examplePolicy, exampleRelease, newKey, sign } from "./testkit.js";

const now = new Date("2026-11-24T12:00:00Z");

describe("DSSE", () => {
  it("encodes PAE as the spec says", () => {
    expect(preAuthEncoding("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it.each(["ec", "ed25519", "rsa"] as const)("signs and verifies with %s keys", (kind) => {
    const { privateKey, publicPem } = newKey(kind);
    const env = signEnvelope("application/vnd.in-toto+json", Buffer.from("{}"), privateKey);
    const result = verifyEnvelope(env, [{ name: "k", key: createPublicKey(publicPem) }]);
    expect(result.ok && result.signer).toBe("k");
  });

  it("rejects a payload changed after signing", () => {
    const { privateKey, publicPem } = newKey();
    const env = signEnvelope("application/vnd.in-toto+json", Buffer.from('{"a":1}'), privateKey);
    env.payload = Buffer.from('{"a":2}').toString("base64");
    const result = verifyEnvelope(env, [{ name: "k", key: createPublicKey(publicPem) }]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/changed after signing or was signed by another key/);
  });
});

describe("verifyEvidence", () => {
  const release = exampleRelease();
  const { policy, keys } = examplePolicy();

  it("accepts evidence signed by a signer trusted for its type", () => {
    const v = verifyEvidence(sign(release, "UnitTestReport", keys.qa), release, policy.spec, now);
    expect(v.ok && v.signer).toBe("qa-lead");
  });

  it("rejects a wrong signature", () => {
    const v = verifyEvidence(sign(release, "UnitTestReport", keys.outsider), release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signature invalid: no signature verifies with a trusted key \(qa-lead\)/);
  });

  it("rejects a signer not trusted for that type", () => {
    const v = verifyEvidence(sign(release, "SecurityScan", keys.qa), release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signed by qa-lead, who is not trusted for SecurityScan evidence/);
  });

  it("rejects one byte changed in the envelope", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const bytes = Buffer.from(e.spec.envelope.payload, "base64");
    bytes[bytes.length - 3]! ^= 1;
    e.spec.envelope.payload = bytes.toString("base64");
    const v = verifyEvidence(e, release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signature invalid/);
  });

  it("rejects evidence replayed from another version", () => {
    const old = structuredClone(release);
    old.spec.version = "2.4.0";
    const v = verifyEvidence(sign(old, "UnitTestReport", keys.qa), release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/is about underwriting-api@2.4.0, not underwriting-api@2.4.1 \(evidence from another release or version cannot be reused\)/);
  });

  it("rejects evidence replayed from another release object", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const other = structuredClone(release);
    other.metadata.name = "other";
    const v = verifyEvidence(e, other, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/is for release underwriting-api-2-4-1, not other/);
  });

  it("rejects evidence signed before the images changed", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const changed = structuredClone(release);
    changed.spec.images[0]!.digest = "sha256:" + "1".repeat(64);
    const v = verifyEvidence(e, changed, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signed for other sealed content/);
  });

  it("rejects expired and future evidence", () => {
    const strict = { ...policy.spec, evidenceMaxAge: "30d" };
    const expired = verifyEvidence(sign(release, "UnitTestReport", keys.qa, {}, "2026-09-01T00:00:00Z"), release, strict, now);
    expect(!expired.ok && expired.reason).toMatch(/expired: .* evidenceMaxAge of 30d/);
    const future = verifyEvidence(sign(release, "UnitTestReport", keys.qa, {}, "2026-12-01T00:00:00Z"), release, policy.spec, now);
    expect(!future.ok && future.reason).toMatch(/issued in the future/);
  });

  it("rejects a statement whose predicate type is another evidence type", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    e.spec.type = "IntegrationTestReport";
    const v = verifyEvidence(e, release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/predicateType .*UnitTestReport\/v1 is not that of IntegrationTestReport evidence/);
  });
});
