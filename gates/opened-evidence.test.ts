// Evidence opened on arrival (the operator's cache) gives the verdicts of the full envelope, keeps
// no envelope once a known key verified it, and keeps it while no known key does: the paths a key
// rotation, a second policy or a removed signer take.
import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ReleasePolicy } from "../api/index.js";
import { keyIdOf } from "./dsse.js";
import { verifyEvidence } from "./evidence.js";
import { knownKeysOf, openEvidence, statementDigestOf } from "./opened-evidence.js";
import { examplePolicy, exampleRelease, sign } from "./testkit.js";

const now = new Date("2026-11-24T12:00:00Z");
const release = exampleRelease();
const { policy, keys } = examplePolicy();
const pem = (k: typeof keys.qa) => createPublicKey(k).export({ type: "spki", format: "pem" }).toString();
const withSigners = (signers: ReleasePolicy["spec"]["signers"]): ReleasePolicy => ({ ...policy, spec: { ...policy.spec, signers } });

describe("evidence opened on arrival", () => {
  it("keeps no envelope once a known key verified it: the key's fingerprint and the payload's digest instead", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const opened = openEvidence(e, knownKeysOf(policy));
    expect(opened.opened.envelope).toBeUndefined();
    expect("envelope" in opened.spec).toBe(false);
    expect(opened.opened.verifiedBy).toEqual([keyIdOf(keys.qa)]);
    expect(statementDigestOf(opened)).toBe(statementDigestOf(e));
    expect(statementDigestOf(opened)).toMatch(/^[0-9a-f]{64}$/);
    const v = verifyEvidence(opened, release, policy.spec, now);
    expect(v.ok && v.signer).toBe("qa-lead");
    expect(JSON.stringify(opened).length).toBeLessThan(JSON.stringify(e).length);
  });

  it("keeps the envelope while no known key verifies it, so a key trusted later still does", () => {
    const e = sign(release, "UnitTestReport", keys.outsider);
    const opened = openEvidence(e, knownKeysOf(policy));
    expect(opened.opened.envelope).toEqual(e.spec.envelope);
    expect(opened.opened.verifiedBy).toEqual([]);
    const before = verifyEvidence(opened, release, policy.spec, now);
    expect(!before.ok && before.reason).toContain("no signature verifies with a trusted key (qa-lead)");
    // The policy now trusts the outsider's key for unit tests (a rotation): the same cached object passes.
    const rotated = withSigners([...policy.spec.signers, { name: "new-qa", publicKey: pem(keys.outsider), evidenceTypes: ["UnitTestReport"], images: false }]);
    const after = verifyEvidence(opened, release, rotated.spec, now);
    expect(after.ok && after.signer).toBe("new-qa");
    expect(after).toEqual(verifyEvidence(e, release, rotated.spec, now));
  });

  it("recognises a key by its fingerprint under another signer name, and refuses it once no policy trusts it", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    // Opened while another policy named the same key otherwise.
    const other = withSigners([{ name: "qa-of-team-b", publicKey: pem(keys.qa), evidenceTypes: ["UnitTestReport"], images: false }]);
    const opened = openEvidence(e, knownKeysOf(other));
    expect(opened.opened.envelope).toBeUndefined();
    const v = verifyEvidence(opened, release, policy.spec, now);
    expect(v.ok && v.signer).toBe("qa-lead");
    // The signer removed from the policy: rejected with the full envelope's reason, for either form.
    for (const signers of [policy.spec.signers.filter((s) => s.name !== "qa-lead"), policy.spec.signers.map((s) => (s.name === "qa-lead" ? { ...s, evidenceTypes: ["DefectList" as const] } : s))]) {
      const removed = withSigners(signers).spec;
      const full = verifyEvidence(e, release, removed, now);
      expect(full.ok).toBe(false);
      expect(verifyEvidence(opened, release, removed, now)).toEqual(full);
    }
  });

  it("says why a payload that is not base64, not JSON or no statement is refused, as the full envelope does", () => {
    const variants = [
      (e: ReturnType<typeof sign>) => (e.spec.envelope.payload = "not base64!"),
      (e: ReturnType<typeof sign>) => (e.spec.envelope.payload = Buffer.from("{not json").toString("base64")),
      (e: ReturnType<typeof sign>) => (e.spec.envelope.payload = Buffer.from(JSON.stringify({ _type: "x" })).toString("base64")),
      (e: ReturnType<typeof sign>) => (e.spec.envelope.signatures = [{ keyid: keyIdOf(keys.qa), sig: "@@" }]),
    ];
    for (const change of variants) {
      const e = sign(release, "UnitTestReport", keys.qa);
      change(e);
      const full = verifyEvidence(e, release, policy.spec, now);
      expect(full.ok).toBe(false);
      expect(verifyEvidence(openEvidence(e, knownKeysOf(policy)), release, policy.spec, now)).toEqual(full);
    }
  });

  it("a policy that trusts no one for the type refuses opened evidence with the full envelope's reason", () => {
    const e = sign(release, "UnitTestReport", keys.qa);
    const nobody = withSigners(policy.spec.signers.map((s) => ({ ...s, evidenceTypes: [] }))).spec;
    const full = verifyEvidence(e, release, nobody, now);
    expect(!full.ok && full.reason).toContain("signed by qa-lead, who is not trusted for UnitTestReport evidence");
    expect(verifyEvidence(openEvidence(e, knownKeysOf(policy)), release, nobody, now)).toEqual(full);
    const empty = withSigners([]).spec;
    expect(verifyEvidence(openEvidence(e, knownKeysOf(policy)), release, empty, now)).toEqual(verifyEvidence(e, release, empty, now));
  });
});
