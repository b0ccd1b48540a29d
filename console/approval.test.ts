import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { examplePolicy, exampleRelease, sign } from "../gates/testkit.js";
import { checkApprovalFile } from "./approval.js";

const r = exampleRelease();
const { keys } = examplePolicy();
const approval = sign(r, "Approval", keys.manager, { approval: { stage: "Promotion", role: "release-manager" } });

describe("an approval file pasted on a release page", () => {
  it("accepts a signed Approval for this release (YAML or JSON) and keeps only what a create may carry", () => {
    const withServerFields = { ...approval, metadata: { ...approval.metadata, uid: "u-1", resourceVersion: "7" } };
    const ok = checkApprovalFile(stringify(withServerFields), r);
    expect(ok).toMatchObject({ ok: true, stage: "Promotion", role: "release-manager" });
    if (!ok.ok) throw new Error(ok.reason);
    expect(ok.evidence.metadata).toEqual({ name: approval.metadata.name, namespace: r.metadata.namespace, labels: approval.metadata.labels });
    expect(ok.evidence.spec).toEqual(approval.spec);
    expect(checkApprovalFile(JSON.stringify(approval), r).ok).toBe(true);
  });

  it("refuses, saying why, anything that is not a ReleaseEvidence of type Approval for this release", () => {
    const reason = (text: string) => {
      const c = checkApprovalFile(text, r);
      return c.ok ? "accepted" : c.reason;
    };
    expect(reason("  ")).toBe("Refused: the approval file was empty: paste what golive approve printed");
    expect(reason("kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}")).toBe("Refused: the file is a ConfigMap (v1), not a golive.dev/v1alpha1 ReleaseEvidence");
    expect(reason(`${stringify(approval)}---\n${stringify(approval)}`)).toBe("Refused: the file holds 2 documents: paste exactly one ReleaseEvidence");
    expect(reason(stringify(sign(r, "FunctionalTestReport", keys.qa)))).toBe("Refused: it is FunctionalTestReport evidence, not an Approval");
    expect(reason(stringify({ ...approval, spec: { ...approval.spec, release: "other" } }))).toBe(`Refused: it approves release other, not ${r.metadata.name}`);
    expect(reason(stringify({ ...approval, metadata: { ...approval.metadata, namespace: "elsewhere" } }))).toBe(`Refused: it is for namespace elsewhere, not ${r.metadata.namespace}`);
    expect(reason(stringify({ ...approval, spec: { ...approval.spec, envelope: { ...approval.spec.envelope, signatures: [] } } }))).toMatch(/^Refused: the ReleaseEvidence is malformed: spec\.envelope\.signatures/);
    const otherVersion = { ...r, spec: { ...r.spec, version: "9.9.9" } };
    expect(checkApprovalFile(stringify(approval), otherVersion)).toEqual({ ok: false, reason: `Refused: its statement is about ${r.spec.application}@${r.spec.version}, not ${r.spec.application}@9.9.9` });
    expect(reason("a: &x [1]\nb: *x")).toMatch(/^Refused: /);
  });
});
