import { describe, expect, it } from "vitest";
import { age, listRows, matches, parseFilter, signedActions, toRow } from "./model.js";
import { release } from "./testdata/releases.js";
import { approvalsByStage, evidenceFacts, releaseEvidence, verifiedSigners } from "./evidence.js";
import { examplePolicy, exampleRelease, sign } from "../gates/testkit.js";

describe("console rows and filters", () => {
  const a = release("team-a", "web-1-2", { phase: "Progressing", gatesSummary: "7/9", canary: { stepIndex: 1, stepName: "sign-off", weight: 10 } }, { application: "web", version: "1.2.0", createdAt: "2026-06-01T10:00:00Z" });
  const b = release("team-b", "quotes-3-0", { phase: "Released", gatesSummary: "9/9" }, { application: "quotes", version: "3.0.0" });
  const c = release("team-a", "web-1-1", { phase: "RolledBack" }, { application: "web", version: "1.1.0", createdAt: "2026-05-01T10:00:00Z" });

  it("summarises a release as application, version, phase, gates passed and canary weight", () => {
    expect(toRow(a)).toMatchObject({ namespace: "team-a", name: "web-1-2", application: "web", version: "1.2.0", phase: "Progressing", gates: "7/9", weight: 10, step: "1 sign-off" });
    expect(toRow(release("x", "new"))).toMatchObject({ phase: "Pending", gates: "", weight: undefined, step: "" });
  });

  it("filters by namespace, phase and search words (all must match, case-insensitive)", () => {
    const f = parseFilter(new URLSearchParams("namespace=team-a&phase=&q=WEB 1.2"));
    expect(f).toEqual({ namespace: "team-a", phase: "", search: "WEB 1.2" });
    expect(matches(toRow(a), f)).toBe(true);
    expect(matches(toRow(c), f)).toBe(false);
    expect(matches(toRow(b), { namespace: "", phase: "Released", search: "" })).toBe(true);
    expect(matches(toRow(a), { namespace: "", phase: "Released", search: "" })).toBe(false);
  });

  it("lists only readable namespaces, by namespace then newest first", () => {
    const all = { namespace: "", phase: "", search: "" };
    expect(listRows([b, c, a], () => true, all).map((r) => r.name)).toEqual(["web-1-2", "web-1-1", "quotes-3-0"]);
    expect(listRows([b, c, a], (ns) => ns === "team-b", all).map((r) => r.name)).toEqual(["quotes-3-0"]);
  });

  it("prints ages as kubectl does", () => {
    const now = new Date("2026-06-03T10:00:00Z");
    expect(age("2026-06-03T09:59:30Z", now)).toBe("30s");
    expect(age("2026-06-03T09:30:00Z", now)).toBe("30m");
    expect(age("2026-06-03T04:00:00Z", now)).toBe("6h");
    expect(age("2026-06-01T10:00:00Z", now)).toBe("2d");
    expect(age(undefined, now)).toBe("");
  });

  it("offers promote only while Progressing and abort only in the phases abort takes, as commands to sign", () => {
    const paused = release("team-a", "web", { phase: "Progressing", canary: { stepIndex: 1, weight: 10, pause: { reason: "Approval", since: "2026-06-01T10:05:00Z" } } });
    const acts = signedActions(paused);
    expect(acts.map((x) => x.kind)).toEqual(["promote", "abort"]);
    expect(acts[0]!.command).toBe("golive promote web -n team-a --role <role with Promote> --key <your-key.pem>");
    expect(acts[0]!.why).toContain("Approval");
    expect(acts[1]!.command).toContain("golive abort web -n team-a --role <role with Abort> --key <your-key.pem>");
    expect(signedActions(release("team-a", "web", { phase: "Failed" })).map((x) => x.kind)).toEqual(["abort"]);
    for (const phase of ["Verifying", "CleaningUp"] as const) expect(signedActions(release("team-a", "web", { phase })).map((x) => x.kind)).toEqual(["abort"]);
    for (const phase of ["Pending", "Blocked", "Approved", "RolledBack"] as const) expect(signedActions(release("team-a", "web", { phase }))).toEqual([]);
    expect(signedActions(release("team-a", "web", { phase: "Released" }))).toEqual([]);
    expect(signedActions(release("team-a", "web", { phase: "RollingBack" }))).toEqual([]);
  });
});

describe("evidence and approvals of a release page", () => {
  const r = exampleRelease();
  const { keys } = examplePolicy();
  const junit = sign(r, "FunctionalTestReport", keys.qa, { source: { filename: "junit.xml", digest: `sha256:${"c".repeat(64)}` } }, "2026-11-20T10:00:00Z");
  const late = sign(r, "Approval", keys.manager, { approval: { stage: "Release", role: "release-manager" } }, "2026-11-21T09:00:00Z");
  const early = sign(r, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner", comment: "ok for Tuesday" } }, "2026-11-21T08:00:00Z");
  const promo = sign(r, "Approval", keys.owner, { approval: { stage: "Promotion", role: "business-owner" } }, "2026-11-22T08:00:00Z");
  const other = { ...sign(r, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner" } }), spec: { ...early.spec, release: "another-release" } };
  const withStatus = { ...r, status: { phase: "Approved" as const, gates: [{ name: "tests", status: "Passed" as const, reason: "ok", evidence: [junit.metadata.name], signers: [{ evidence: junit.metadata.name, signer: "qa-team" }], evaluatedAt: "t" }, { name: "go-live-approval", status: "Passed" as const, reason: "ok", evidence: [early.metadata.name], signers: [{ evidence: early.metadata.name, signer: "owner-key" }], evaluatedAt: "t" }] } };

  it("reads signer (from the gate results), key id, issued time and digest of each evidence of this release only", () => {
    const facts = releaseEvidence(withStatus, [junit, late, early, promo, other]);
    expect([...facts.keys()].sort()).toEqual([junit, late, early, promo].map((e) => e.metadata.name).sort());
    const t = facts.get(junit.metadata.name)!;
    expect(t).toMatchObject({ type: "FunctionalTestReport", signer: "qa-team", issuedAt: "2026-11-20T10:00:00Z", digest: `sha256:${"c".repeat(64)}`, approval: undefined, problem: undefined });
    expect(t.keyIds).toEqual([junit.spec.envelope.signatures[0]!.keyid]);
    expect(t.keyIds[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(facts.get(late.metadata.name)!.signer).toBeUndefined();
    expect(verifiedSigners(withStatus).get(early.metadata.name)).toBe("owner-key");
  });

  it("groups approvals by stage in lifecycle order, oldest first, and says when a statement cannot be read", () => {
    const stages = approvalsByStage(releaseEvidence(withStatus, [promo, late, early, junit]).values());
    expect(stages.map((s) => s.stage)).toEqual(["Release", "Promotion"]);
    expect(stages[0]!.approvals.map((a) => a.approval?.role)).toEqual(["business-owner", "release-manager"]);
    expect(stages[0]!.approvals[0]!.approval?.comment).toBe("ok for Tuesday");
    const broken = { ...late, spec: { ...late.spec, envelope: { ...late.spec.envelope, payload: Buffer.from("not json").toString("base64") } } };
    expect(evidenceFacts(broken, new Map())).toMatchObject({ problem: "the signed payload is not JSON", issuedAt: undefined, approval: undefined });
    expect(approvalsByStage([evidenceFacts(broken, new Map())]).map((s) => s.stage)).toEqual(["unreadable"]);
  });
});
