import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyEnvelope, preAuthEncoding, signEnvelope } from "./dsse.js";
import { verifyEvidence } from "./evidence.js";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { Release, type ReleaseEvidence, type ReleasePolicy, type ReleasePolicySpec } from "../api/index.js";
import { knownKeysOf, openEvidence, type EvidenceObject } from "./opened-evidence.js";
import { canonicalJson } from "./canonical-json.js";
import { artifactDigest, planDigest } from "./statement.js";
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

// Every case twice: on the evidence as the API server holds it (the CLI, the console) and as the
// operator's cache keeps it, opened on arrival against the policy's keys (gates/opened-evidence.ts).
// Same verdicts, same messages.
const forms: [string, (e: ReleaseEvidence, policy: ReleasePolicy) => EvidenceObject][] = [
  ["as the API server holds it", (e) => e],
  ["opened on arrival", (e, policy) => openEvidence(e, knownKeysOf(policy))],
];

describe.each(forms)("verifyEvidence, evidence %s", (_form, form) => {
  const release = exampleRelease();
  const { policy, keys } = examplePolicy();
  const check = (e: ReleaseEvidence, r: Release, spec: ReleasePolicySpec, at: Date) => verifyEvidence(form(e, policy), r, spec, at);

  it("accepts evidence signed by a signer trusted for its type", () => {
    const v = check(sign(release, "UnitTestReport", keys.qa), release, policy.spec, now);
    expect(v.ok && v.signer).toBe("qa-lead");
  });

  it("rejects a wrong signature", () => {
    const v = check(sign(release, "UnitTestReport", keys.outsider), release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signature invalid: no signature verifies with a trusted key \(qa-lead\)/);
  });

  it("rejects a signer not trusted for that type", () => {
    const v = check(sign(release, "SecurityScan", keys.qa), release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signed by qa-lead, who is not trusted for SecurityScan evidence/);
  });

  it("rejects one byte changed in the envelope", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const bytes = Buffer.from(e.spec.envelope.payload, "base64");
    bytes[bytes.length - 3]! ^= 1;
    e.spec.envelope.payload = bytes.toString("base64");
    const v = check(e, release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signature invalid/);
  });

  it("rejects evidence replayed from another version", () => {
    const old = structuredClone(release);
    old.spec.version = "2.4.0";
    const v = check(sign(old, "UnitTestReport", keys.qa), release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/is about underwriting-api@2.4.0, not underwriting-api@2.4.1 \(evidence from another release or version cannot be reused\)/);
  });

  it("rejects evidence replayed from another release object", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const other = structuredClone(release);
    other.metadata.name = "other";
    const v = check(e, other, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/is for release underwriting-api-2-4-1, not other/);
  });

  it("rejects evidence signed before the images changed", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const changed = structuredClone(release);
    changed.spec.images[0]!.digest = "sha256:" + "1".repeat(64);
    const v = check(e, changed, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/signed for artifact sha256:[0-9a-f]{64}, but the release.s artifact digest is sha256:[0-9a-f]{64}/);
  });

  describe("approvals sign the plan, evidence the artifact", () => {
    const approval = () => sign(release, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner" } });
    const edits: [string, (r: Release) => void][] = [
      ["strategy steps", (r) => r.spec.strategy!.steps.pop()],
      ["progress deadline", (r) => (r.spec.strategy!.progressDeadline = "99h")],
      ["rollback", (r) => (r.spec.rollback.automatic = false)],
      ["architecture", (r) => (r.spec.architecture = { replicas: 1, highAvailability: false })],
      ["capacity", (r) => (r.spec.capacity!.metrics[0]!.peak = 1)],
      ["internetFacing", (r) => (r.spec.internetFacing = !r.spec.internetFacing)],
      ["firstFullRelease", (r) => (r.spec.firstFullRelease = !r.spec.firstFullRelease)],
      ["workloads", (r) => r.spec.workloads.push({ kind: "Deployment", name: "extra" })],
      ["changes", (r) => r.spec.changes.push({ id: "CHG-9" })],
      ["monitoring", (r) => (r.spec.monitoring.enabled = false)],
    ];
    it.each(edits)("an approval no longer counts once %s changed; test evidence still does", (_what, edit) => {
      const a = approval();
      const unit = sign(release, "UnitTestReport", keys.qa);
      const changed = structuredClone(release);
      edit(changed);
      expect(planDigest(changed.spec)).not.toBe(planDigest(release.spec));
      expect(artifactDigest(changed.spec)).toBe(artifactDigest(release.spec));
      const v = check(a, changed, policy.spec, now);
      expect(v.ok).toBe(false);
      expect(!v.ok && v.reason).toContain(`signed for plan sha256:${planDigest(release.spec)}, but the release's plan digest is now sha256:${planDigest(changed.spec)}`);
      expect(check(unit, changed, policy.spec, now).ok).toBe(true);
    });

    it("accepts an approval for this plan, and hashes a manifest and its defaulted form alike", () => {
      expect(check(approval(), release, policy.spec, now).ok).toBe(true);
      // The manifest as written (defaults omitted) and as the API server stores it (defaults applied).
      const manifest = parse(readFileSync(new URL("../examples/release.yaml", import.meta.url), "utf8")) as Release;
      expect(planDigest(manifest.spec)).toBe(planDigest(Release.parse(manifest).spec));
    });

    it("rejects an approval without a plan digest (signed by an older golive)", () => {
      const a = approval();
      const statement = JSON.parse(Buffer.from(a.spec.envelope.payload, "base64").toString()) as { subject: { name: string }[] };
      statement.subject = statement.subject.filter((s) => !s.name.startsWith("golive.dev/release-plan/"));
      const resigned = signEnvelope("application/vnd.in-toto+json", Buffer.from(canonicalJson(statement)), keys.owner);
      const v = check({ ...a, spec: { ...a.spec, envelope: resigned } }, release, policy.spec, now);
      expect(!v.ok && v.reason).toMatch(/names no plan digest .* sign it again with golive approve for plan sha256:[0-9a-f]{64}/);
    });
  });

  it("rejects expired and future evidence", () => {
    const strict = { ...policy.spec, evidenceMaxAge: "30d" };
    const expired = check(sign(release, "UnitTestReport", keys.qa, {}, "2026-09-01T00:00:00Z"), release, strict, now);
    expect(!expired.ok && expired.reason).toMatch(/expired: .* evidenceMaxAge of 30d/);
    const future = check(sign(release, "UnitTestReport", keys.qa, {}, "2026-12-01T00:00:00Z"), release, policy.spec, now);
    expect(!future.ok && future.reason).toMatch(/issued in the future/);
  });

  it("rejects a statement whose predicate type is another evidence type", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    e.spec.type = "IntegrationTestReport";
    const v = check(e, release, policy.spec, now);
    expect(!v.ok && v.reason).toMatch(/predicateType .*UnitTestReport\/v1 is not that of IntegrationTestReport evidence/);
  });
});
