// The conformance report from the sample in examples/ (offline, with -f): what it says, clause by
// clause, for a Released release and for a Blocked one; the clause data file against the map.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { chainRecord } from "../audit/chain.js";
import { createEvidence } from "../gates/sign.js";
import { loadLocal } from "../cli/release-source.js";
import { parseMap } from "./extract-clauses.js";
import { renderHtml } from "./html.js";
import { buildReport, CLAUSES, clauseMatches, gatePhasesDue } from "./model.js";
import { AT, atAfter, EXAMPLES, evidenceFiles, FIXTURE, RELEASED, RELEASED_AT, RELEASED_NAME, tmp } from "./testkit.js";
import { runGolive } from "../test/support/golive-cli.js";

function report(releaseFile: string, evidence: string[], policy = join(EXAMPLES, "policy.yaml")) {
  const set = loadLocal([releaseFile, policy, ...evidence]);
  return buildReport(set.releases[0]!, set.policies[0]!, set.evidence, atAfter(evidence));
}

describe("conformance report", () => {
  it("clauses.json holds a row, with the standard's Chinese words, for every row of the clause map (by its first column)", () => {
    const map = parseMap(readFileSync(new URL("../docs/JRT0179-MAP.md", import.meta.url), "utf8"));
    expect(map.length).toBeGreaterThan(50);
    expect(CLAUSES.map((c) => c.clause)).toEqual(map.map((r) => r.clause));
    for (const c of CLAUSES) expect(c.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(CLAUSES.find((c) => c.clause === "7.1.2 a")!.zh).toBe("a) 所有测试案例全部执行完毕，不存在未经业务需求方许可的挂起缺陷，缺陷曲线图达到收敛的状态；");
  });

  it("matches a gate's clause list to map rows by section and item", () => {
    expect(clauseMatches("7.1.2 a, 7.3, 4.3 b, 4.4 d", "7.2, 7.3, 7.4")).toBe(true);
    expect(clauseMatches("4.2 b, 4.3 l", "4.3 k,l")).toBe(true);
    expect(clauseMatches("4.2 b, 4.3 l", "4.2 c")).toBe(false);
    expect(clauseMatches("7.1.2 a", "7.1.2 b")).toBe(false);
    expect(clauseMatches("4.5, 4.3 f, 4.3 k", "4.5")).toBe(true);
  });

  it("of the Released sample: cover, every clause with its verdict, the gate and the signed evidence behind it", () => {
    const m = report(RELEASED, [join(FIXTURE, "evidence.yaml")], join(FIXTURE, "policy.yaml"));
    expect(m.verdict).toBe("PASSED");
    expect(m.phase).toBe("Released");
    expect(m.phaseAt).toBe(RELEASED_AT);
    expect(m.artifactDigest).toBe(m.statusDigests.artifact);
    expect(m.planDigest).toBe(m.statusDigests.plan);
    const row = (c: string) => m.clauses.find((x) => x.clause === c)!;
    expect(row("7.1.2 a").verdict).toBe("met");
    expect(row("7.1.2 a").decidedBy.join()).toContain("functional-test-exit");
    const ev = row("7.1.2 a").evidence.find((e) => e.type === "FunctionalTestReport")!;
    expect(ev).toMatchObject({ signer: "qa-lead", contentDigest: "sha256:b5328cd268f83f4899e5c82d892b69c6c5051b1d4f0fa58db862c9eff0e7d926" });
    expect(ev.keyFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ev.statementDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(row("4.7 c,d,e").verdict).toBe("met"); // the verification Job succeeded (status)
    expect(row("4.9").verdict).toBe("met");
    expect(row("4.10 e")).toMatchObject({ verdict: "notApplicable", why: "no rollback happened" });
    expect(row("4.1 d")).toMatchObject({ verdict: "met", decidedBy: expect.arrayContaining(["functional-test-exit", "go-live-approval"]) });
    expect(row("4.6 a")).toMatchObject({ verdict: "met", why: expect.stringContaining("Verified") });
    expect(row("4.2 c").verdict).toBe("notApplicable");
    expect(row("4.2 c").why).toContain("the admission webhook");
    // 7.1.6: tests per type, defects, the owner's signed acceptance of UW-9
    expect(m.tests.find((t) => t.type === "FunctionalTestReport")).toMatchObject({ planned: 5, executed: 5, passed: 4, failed: 1 });
    expect(m.defects?.bySeverity).toEqual({ Critical: 1, Major: 1, Minor: 3, Trivial: 1 });
    expect(m.accepted).toEqual([expect.objectContaining({ id: "UW-9", signer: "business-owner", role: "business-owner", severity: "Minor", status: "deferred" })]);
    expect(m.approvals.find((a) => a.stage === "Release")!.signed.map((s) => s.role).sort()).toEqual(["business-owner", "release-manager", "security-officer"]);
    expect(m.missing).toEqual([]);

    const html = renderHtml(m, "en");
    for (const c of CLAUSES) expect(html).toContain(`<b>${c.clause}</b>`);
    expect(html).toContain("所有测试案例全部执行完毕");
    expect(html).toContain('class="v-met">met<');
    expect(html).toContain('class="v-notApplicable">not applicable<');
    expect(html).toContain(ev.keyFingerprint);
    expect(html).toMatch(/<svg[^>]*aria-label="Defect arrival curve/);
    expect(html).toMatch(/<svg[^>]*aria-label="p95-latency"/);
    expect(html).toContain("verification Job quote-smoke");
    // self-contained: nothing is fetched
    expect(html).not.toMatch(/\b(src|href)\s*=|url\(|@import|<link|<img|<iframe/i);
  });

  it("in Chinese with --lang zh-CN", () => {
    const html = renderHtml(report(RELEASED, [join(FIXTURE, "evidence.yaml")], join(FIXTURE, "policy.yaml")), "zh-CN");
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain("符合性报告");
    expect(html).toContain('class="v-met">满足<');
    expect(html).toContain("各阶段审批");
    expect(html).toContain("没有关卡对应本条款");
    expect(html).toContain("验证作业 quote-smoke");
    expect(html).toContain("用同样的清单重新评估关卡");
  });

  it("of a Blocked release names the missing evidence", () => {
    const m = report(join(EXAMPLES, "release.yaml"), evidenceFiles(["functional-tests.yaml", "approval-security-officer.yaml", "rollback-plan.yaml"]));
    expect(m.verdict).toBe("FAILED");
    expect(m.phase).toBe("Blocked");
    expect(m.missing.map((x) => x.gate).sort()).toEqual(["documents", "functional-test-exit", "go-live-approval"]);
    expect(m.missing.find((x) => x.gate === "functional-test-exit")!.missingTypes).toEqual(["FunctionalTestReport"]);
    expect(m.missing.find((x) => x.gate === "documents")!.missingTypes).toEqual(["RollbackPlan"]);
    expect(m.clauses.find((c) => c.clause === "7.1.2 a")!.verdict).toBe("notMet");
    expect(m.clauses.find((c) => c.clause === "4.1 d")).toMatchObject({ verdict: "notMet", why: expect.stringContaining("functional-test-exit Pending") });
    const html = renderHtml(m, "en");
    expect(html).toContain("What is missing");
    expect(html).toMatch(/evidence missing: <b>FunctionalTestReport<\/b>/);
    expect(html).toMatch(/evidence missing: <b>RollbackPlan<\/b>/);
    expect(html).toContain("security-officer");
    expect(html).toContain("FAILED");
  });
});

describe("golive report: the audit trail and the policy's language", () => {
  const cli = runGolive;
  const base = (policy = join(FIXTURE, "policy.yaml")) => ["report", RELEASED_NAME, "-f", RELEASED, policy, join(FIXTURE, "evidence.yaml"), "--at", AT.toISOString()];

  it("--audit: the records about the release and the chains' verification; a changed record is reported as a broken chain", async () => {
    const dir = tmp();
    const audit = join(dir, "trail");
    mkdirSync(audit);
    // A chain as the operator writes it (audit/chain.ts): this release's transitions, one admission naming it, another release's record.
    const entries = [
      { type: "transition", object: "underwriting/Release/underwriting-api-2-4-2", user: "golive-operator", result: "Approved", reason: "all gates passed" },
      { type: "admission", object: "underwriting/Deployment/underwriting-api", user: "system:serviceaccount:argocd:argocd-application-controller", result: "allowed", reason: "sealed", details: { release: "underwriting-api-2-4-2", namespace: "underwriting" } },
      { type: "transition", object: "underwriting/Release/other-1", user: "golive-operator", result: "Blocked", reason: "missing evidence" },
      { type: "transition", object: "underwriting/Release/underwriting-api-2-4-2", user: "golive-operator", result: "Released", reason: "promoted" },
    ];
    let prev: { seq: number; hash: string } | undefined;
    const lines = entries.map((e, i) => {
      const r = chainRecord({ ...e, source: "operator" }, prev, new Date(Date.parse("2026-12-02T20:00:00Z") + i * 60_000));
      prev = r;
      return JSON.stringify(r);
    });
    writeFileSync(join(audit, "audit.jsonl"), lines.join("\n") + "\n");
    const file = join(dir, "r.html");
    const r = await cli([...base(), "--audit", audit, "-o", file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("audit: 3 record(s), trail intact");
    const html = readFileSync(file, "utf8");
    expect(html).toContain("The audit trail verifies: 1 hash chain(s) intact.");
    expect(html).toContain("system:serviceaccount:argocd:argocd-application-controller");
    expect(html).not.toContain("underwriting/Release/other-1");
    expect(html).toContain("golive audit verify DIR");

    writeFileSync(join(audit, "audit.jsonl"), lines.map((l, i) => (i === 0 ? l.replace("all gates passed", "all gates passes") : l)).join("\n") + "\n");
    const broken = await cli([...base(), "--audit", audit, "-o", file]);
    expect(broken.code, broken.err).toBe(0);
    expect(broken.out).toContain("TRAIL BROKEN");
    expect(readFileSync(file, "utf8")).toMatch(/The audit trail does NOT verify: 1 of 1 chain\(s\) broken\.[\s\S]*line 1: /);

    const none = await cli([...base(), "--audit", dir + "/nothing-here", "-o", file]);
    expect(none.code).toBe(2);
    const without = await cli([...base(), "-o", file]);
    expect(without.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("The audit trail was not given");
  });

  it("the language comes from the policy's spec.report.language unless --lang is given", async () => {
    const dir = tmp();
    const policy = parse(readFileSync(join(FIXTURE, "policy.yaml"), "utf8")) as { spec: Record<string, unknown> };
    policy.spec.report = { language: "zh-CN" };
    writeFileSync(join(dir, "policy.yaml"), stringify(policy));
    const file = join(dir, "r.html");
    const zh = await cli([...base(join(dir, "policy.yaml")), "-o", file]);
    expect(zh.code, zh.err).toBe(0);
    expect(zh.out).toContain("(zh-CN)");
    expect(readFileSync(file, "utf8")).toContain('<html lang="zh-CN">');
    expect((await cli([...base(join(dir, "policy.yaml")), "--lang", "en", "-o", file])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain('<html lang="en">');
    expect((await cli([...base(), "-o", file])).out).toContain("(en)");
    expect((await cli([...base(), "--lang", "fr", "-o", file])).code).toBe(2);
  });
});

describe("the verdict covers the gates due by the release's phase", () => {
  it("at Approved only the GoLive gates count (Verification and Promotion gates cannot have passed yet), so an approved release is PASSED; past them, a gate not passed is FAILED", () => {
    const set = loadLocal([FIXTURE + "release.yaml", FIXTURE + "policy.yaml", FIXTURE + "evidence.yaml"]);
    const released = set.releases[0]!;
    const policy = structuredClone(set.policies[0]!);
    policy.spec.gates.push(
      { ...policy.spec.gates.find((g) => g.name === "go-live-approval")!, name: "verification-sign-off", clause: "4.7 f", phase: "Verification", approvals: { stage: "Verification" } },
      { ...policy.spec.gates.find((g) => g.name === "go-live-approval")!, name: "promotion-sign-off", clause: "4.9", phase: "Promotion", approvals: { stage: "Promotion" } },
    );
    // The release as it stood when it was Approved: no verification, promotion or analysis yet,
    // and no sign-off of the later stages.
    const { verification: _v, promotion: _p, analysis: _a, releasedAt: _r, inventory: _i, canary: _c, waves: _w, monitoring: _m, ...rest } = released.status!;
    const early = set.evidence.filter((e) => !(e.spec.type === "Approval" && /"stage":"(Verification|Promotion)"/.test(JSON.stringify(e))));
    const at = (phase: "Approved" | "Progressing" | "Released") => buildReport({ ...released, status: { ...rest, phase } }, policy, early, AT);
    expect(at("Approved").verdict).toBe("PASSED");
    expect(at("Approved").gates.find((g) => g.name === "verification-sign-off")?.status).not.toBe("Passed");
    expect(at("Progressing").verdict).toBe("FAILED");
    expect(at("Released").verdict).toBe("FAILED");
    expect(gatePhasesDue("Approved")).toEqual(new Set(["GoLive"]));
    expect(gatePhasesDue("Progressing")).toEqual(new Set(["GoLive", "Verification"]));
    expect(gatePhasesDue("Released")).toEqual(new Set(["GoLive", "Verification", "Promotion"]));
  });
});

describe("the closing sign-off (4.3 l) in the report", () => {
  it("Released and waiting: PASSED for the go-live, the 4.3 l row says whom it waits for, the approvals list the Closing stage; signed off: 4.3 l met", () => {
    const set = loadLocal([FIXTURE + "release.yaml", FIXTURE + "policy.yaml", FIXTURE + "evidence.yaml"]);
    const released = set.releases[0]!;
    const policy = structuredClone(set.policies[0]!);
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    policy.spec.signers.push({ name: "closer", publicKey: key.publicKey.export({ type: "spki", format: "pem" }).toString(), evidenceTypes: ["Approval"], images: false });
    policy.spec.roles.find((r) => r.name === "business-owner")!.signers!.push("closer");
    policy.spec.gates.push({ name: "go-live-closure", clause: "4.3 l", phase: "Closing", approvals: { stage: "Closing" } });
    policy.spec.approvals.push({ stage: "Closing", roles: ["business-owner"], distinctSigners: true });
    const waiting = buildReport(released, policy, set.evidence, AT);
    expect(waiting.verdict).toBe("PASSED");
    const row = waiting.clauses.find((c) => c.clause === "4.3 l")!;
    expect(row.verdict).toBe("notApplicable");
    expect(row.why).toMatch(/^Released; waiting for the closing sign-off: go-live-closure \(Closing gate\): Pending: waiting for Closing approval by business-owner/);
    expect(waiting.approvals.find((a) => a.stage === "Closing")).toEqual({ stage: "Closing", roles: ["business-owner"], signed: [] });

    const approval = createEvidence({ release: released, type: "Approval", key: key.privateKey, predicate: { issuedAt: new Date(Date.parse(RELEASED_AT) + 60_000).toISOString(), approval: { stage: "Closing", role: "business-owner", comment: "go-live complete" } } });
    const status = { ...released.status!, conditions: [...(released.status!.conditions ?? []), { type: "SignedOff", status: "True" as const, reason: "SignedOff", message: "signed", lastTransitionTime: AT.toISOString() }] };
    const done = buildReport({ ...released, status }, policy, [...set.evidence, approval], AT);
    expect(done.verdict).toBe("PASSED");
    expect(done.clauses.find((c) => c.clause === "4.3 l")).toMatchObject({ verdict: "met", why: expect.stringMatching(/go-live-closure: Passed: Closing approved by business-owner \(closer\)/) });
    expect(done.approvals.find((a) => a.stage === "Closing")?.signed).toMatchObject([{ role: "business-owner", signer: "closer", comment: "go-live complete" }]);
    expect(renderHtml(done, "en")).toContain("go-live complete");
  });
});
