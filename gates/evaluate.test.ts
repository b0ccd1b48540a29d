import { describe, expect, it } from "vitest";
import type { Gate, ReleaseEvidence } from "../api/index.js";
import { evaluateGates } from "./evaluate.js";
import { metricKey } from "./evaluators/performance.js";
import { examplePolicy, exampleRelease, sign } from "./testkit.js";

// Inside the example policy's weekday-evening window (Tuesday 21:00 in Asia/Shanghai).
const now = new Date("2026-11-24T13:00:00Z");
const release = exampleRelease();
const { policy, keys } = examplePolicy();

const tests = (totals: Partial<Record<"planned" | "executed" | "passed" | "failed" | "errored" | "skipped", number>>, failures: object[] = []) => ({
  summary: { totals: { planned: 10, executed: 10, passed: 10, failed: 0, errored: 0, skipped: 0, ...totals }, failures },
});
const defects = (over: object = {}) => ({
  summary: {
    total: 3,
    unaccepted: [],
    accepted: [{ id: "UW-9", severity: "Minor", status: "deferred", acceptedBy: "li.wei" }],
    arrivals: [
      { date: "2026-11-10", opened: 2, closed: 0 },
      { date: "2026-11-16", opened: 1, closed: 2 },
      { date: "2026-11-17", opened: 0, closed: 0 },
      { date: "2026-11-18", opened: 0, closed: 1 },
    ],
    ...over,
  },
});
const perf = (over: object = {}) => ({ summary: { errorRate: 0.001, latencyMs: { p95: 120 }, capacityMetrics: { capacity_policies_issued_per_second: 260 }, ...over } });
const sarif = (findingsList: object[] = [], findings: object = {}) => ({
  summary: {
    findings: { critical: 0, high: 0, medium: 0, low: 0, ...findings },
    findingsList,
    tools: ["CodeQL@2.16.3"],
    runs: [{ tool: "CodeQL@2.16.3", rules: 40, results: findingsList.length }],
    fingerprintBasis: "rule+location+tool",
  },
});

function fullEvidence(): ReleaseEvidence[] {
  const docs = ["SLA", "OperationsManual", "RolloutPlan", "RollbackPlan", "RollbackTestReport", "TrainingPlan", "RiskAssessment", "ChangeList"] as const;
  return [
    sign(release, "UnitTestReport", keys.qa, tests({})),
    sign(release, "FunctionalTestReport", keys.qa, tests({})),
    sign(release, "IntegrationTestReport", keys.qa, tests({})),
    sign(release, "DefectList", keys.qa, defects(), "2026-11-19T09:00:00Z"),
    sign(release, "PerformanceTestReport", keys.qa, perf()),
    sign(release, "SecurityScan", keys.security, sarif()),
    sign(release, "PenetrationTestReport", keys.security, { source: { digest: "sha256:" + "a".repeat(64) } }),
    sign(release, "ConfigurationBaseline", keys.manager, { summary: { componentCount: 2, components: [{ name: "node", version: "20" }, { name: "express", version: "5" }] } }),
    ...docs.map((t) => sign(release, t, keys.manager, { source: { digest: "sha256:" + "b".repeat(64) } })),
    sign(release, "Acceptance", keys.owner, { acceptance: { role: "business-owner", defects: ["UW-9"], tests: [], reason: "cosmetic; template retired in Q1" } }),
    sign(release, "Approval", keys.owner, { approval: { stage: "Release", role: "business-owner" } }),
    sign(release, "Approval", keys.manager, { approval: { stage: "Release", role: "release-manager" } }),
    sign(release, "Approval", keys.security, { approval: { stage: "Release", role: "security-officer" } }),
  ];
}

const resultOf = (name: string, evidence: ReleaseEvidence[], at = now, r = release, gates?: Gate[]) => {
  const out = evaluateGates(r, policy.spec, evidence, at, gates).results.find((g) => g.name === name);
  if (!out) throw new Error(`no gate ${name}`);
  return out;
};
const without = (evidence: ReleaseEvidence[], type: string) => evidence.filter((e) => e.spec.type !== type);

describe("evaluateGates on complete evidence", () => {
  it("passes every gate of the level-3 example policy", () => {
    const ev = evaluateGates(release, policy.spec, fullEvidence(), now);
    expect(ev.rejected).toEqual([]);
    expect(ev.results.filter((r) => r.status !== "Passed").map((r) => `${r.name}: ${r.reason}`)).toEqual([]);
    expect(ev.allPassed).toBe(true);
    expect(ev.results.find((r) => r.name === "go-live-approval")!.evidence).toHaveLength(3);
  });

  it("names the verified signer of each evidence a gate used, and none for a gate that used none", () => {
    const ev = evaluateGates(release, policy.spec, fullEvidence(), now);
    const approval = ev.results.find((r) => r.name === "go-live-approval")!;
    expect(approval.signers?.map((s) => s.evidence)).toEqual(approval.evidence);
    const bySigner = new Map(ev.verified.map((v) => [v.name, v.signer]));
    for (const s of approval.signers!) expect(s.signer).toBe(bySigner.get(s.evidence));
    expect(new Set(approval.signers!.map((s) => s.signer)).size).toBe(3);
    expect(resultOf("unit-tests", []).signers).toBeUndefined();
  });

  it("is Pending and names the evidence when nothing is supplied", () => {
    const r = resultOf("unit-tests", []);
    expect(r.status).toBe("Pending");
    expect(r.reason).toMatch(/waiting for UnitTestReport evidence/);
  });
});

describe("test exit (7.1.2)", () => {
  it("fails when planned cases were not executed", () => {
    const ev = [...without(fullEvidence(), "FunctionalTestReport"), sign(release, "FunctionalTestReport", keys.qa, tests({ executed: 8, skipped: 2, passed: 8 }))];
    expect(resultOf("functional-test-exit", ev).reason).toMatch(/8 of 10 planned cases executed \(2 skipped\)/);
  });

  it("fails an unmapped failure and passes one mapped to an accepted defect", () => {
    const failing = (name: string) => [...without(fullEvidence(), "FunctionalTestReport"), sign(release, "FunctionalTestReport", keys.qa, tests({ failed: 1, passed: 9 }, [{ name }]))];
    const bad = resultOf("functional-test-exit", failing("quote rounds premium"));
    expect(bad.status).toBe("Failed");
    expect(bad.reason).toMatch(/1 failing case\(s\) not accepted by the business owner .*: "\.quote rounds premium"/);
    const ok = resultOf("functional-test-exit", failing("quote rounds premium [UW-9]"));
    expect(ok.status).toBe("Passed");
  });
});

describe("defects (7.1.2 a, 7.3)", () => {
  it("fails when defects still arrive inside the window", () => {
    const ev = [...without(fullEvidence(), "DefectList"), sign(release, "DefectList", keys.qa, defects({ arrivals: [{ date: "2026-11-18", opened: 2, closed: 0 }] }), "2026-11-19T09:00:00Z")];
    expect(resultOf("defect-convergence", ev).reason).toMatch(/not converged: 2 new defect\(s\) in the last 3 day\(s\) \(2026-11-18: 2\)/);
  });

  it("fails an unaccepted Major defect", () => {
    const ev = [...without(fullEvidence(), "DefectList"), sign(release, "DefectList", keys.qa, defects({ unaccepted: [{ id: "UW-7", severity: "Major", status: "open" }] }), "2026-11-19T09:00:00Z")];
    expect(resultOf("defect-convergence", ev).reason).toMatch(/above Trivial without business-owner acceptance: UW-7 \(Major, open\)/);
  });
});

describe("performance (6.1.3)", () => {
  it("fails when the measured maximum is below peak × headroom", () => {
    const ev = [...without(fullEvidence(), "PerformanceTestReport"), sign(release, "PerformanceTestReport", keys.qa, perf({ capacityMetrics: { capacity_policies_issued_per_second: 230 } }))];
    expect(resultOf("performance-capacity", ev).reason).toMatch(/policies-issued-per-second: measured maximum 230 is below peak 200 × headroom 1.2 = 240/);
  });

  it("fails on latency and error rate", () => {
    const ev = [...without(fullEvidence(), "PerformanceTestReport"), sign(release, "PerformanceTestReport", keys.qa, perf({ errorRate: 0.05, latencyMs: { p95: 900 } }))];
    const r = resultOf("performance-capacity", ev);
    expect(r.reason).toMatch(/error rate 0.05 above 0.01/);
    expect(r.reason).toMatch(/p95 latency 900 ms above 300 ms/);
  });

  it("normalises metric names", () => expect(metricKey("capacity_policies_issued_per_second")).toBe(metricKey("policies-issued-per-second")));
});

describe("security (8.6)", () => {
  const high = { ruleId: "js/sql-injection", severity: "high", fingerprint: "f1f1f1f1f1f1f1f1" };

  it("fails an unwaived high finding and passes once a trusted waiver names it", () => {
    const base = [...without(fullEvidence(), "SecurityScan"), sign(release, "SecurityScan", keys.security, sarif([high], { high: 1 }))];
    expect(resultOf("security-scan", base).reason).toMatch(/1 finding\(s\) at or above high without a signed waiver \(js\/sql-injection/);
    const waived = [...base, sign(release, "Waiver", keys.security, { waiver: { fingerprints: ["f1f1f1f1f1f1f1f1"], reason: "false positive: parameterised" } })];
    expect(resultOf("security-scan", waived).status).toBe("Passed");
  });

  it("ignores a waiver from a signer not trusted for waivers", () => {
    const ev = [...without(fullEvidence(), "SecurityScan"), sign(release, "SecurityScan", keys.security, sarif([high], { high: 1 })), sign(release, "Waiver", keys.qa, { waiver: { fingerprints: ["f1f1f1f1f1f1f1f1"], reason: "trust me" } })];
    expect(resultOf("security-scan", ev).status).toBe("Failed");
  });

  it("needs a penetration test for an internet-facing release", () => {
    const r = resultOf("security-scan", without(fullEvidence(), "PenetrationTestReport"));
    expect(r.status).toBe("Pending");
    expect(r.reason).toMatch(/internet-facing release: waiting for PenetrationTestReport/);
    const internal = structuredClone(release);
    internal.spec.internetFacing = false;
    const reSigned = fullEvidence().filter((e) => e.spec.type !== "PenetrationTestReport");
    expect(evaluateGates(internal, policy.spec, reSigned, now).results.find((g) => g.name === "security-scan")!.status).toBe("Passed");
  });
});

describe("documents (4.5) and approvals (4.2 b)", () => {
  it("names the missing documents", () => {
    const r = resultOf("documents", without(without(fullEvidence(), "SLA"), "TrainingPlan"));
    expect(r.status).toBe("Pending");
    expect(r.reason).toBe("missing document(s): SLA, TrainingPlan");
  });

  it("fails a document whose signature is forged", () => {
    const ev = fullEvidence();
    const sla = ev.find((e) => e.spec.type === "SLA")!;
    sla.spec.envelope.signatures[0]!.sig = Buffer.from("forged").toString("base64");
    const r = resultOf("documents", ev);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/\(SLA\): signature invalid/);
  });

  it("waits for a missing role and refuses an approval signed with another role's key", () => {
    const isOwnerApproval = (e: ReleaseEvidence) => Buffer.from(e.spec.envelope.payload, "base64").toString().includes('"role":"business-owner"');
    const noOwner = fullEvidence().filter((e) => !isOwnerApproval(e));
    const r = resultOf("go-live-approval", [...noOwner, sign(release, "Approval", keys.manager, { approval: { stage: "Release", role: "business-owner" } })]);
    expect(r.status).toBe("Pending");
    expect(r.reason).toMatch(/waiting for Release approval by business-owner/);
  });

  it("refuses one signer filling two roles when distinct signers are required", () => {
    const { policy: p, keys: k } = examplePolicy();
    // Bind the manager key to the business-owner role too: now one signer could fill both.
    p.spec.roles.find((r) => r.name === "business-owner")!.signers = ["business-owner", "release-manager"];
    p.spec.signers.find((s) => s.name === "release-manager")!.evidenceTypes!.push("Approval");
    const ev = [
      sign(release, "Approval", k.manager, { approval: { stage: "Release", role: "business-owner" } }),
      sign(release, "Approval", k.manager, { approval: { stage: "Release", role: "release-manager" } }),
      sign(release, "Approval", k.security, { approval: { stage: "Release", role: "security-officer" } }),
    ];
    const gate = p.spec.gates.filter((g) => g.name === "go-live-approval");
    const r = evaluateGates(release, p.spec, ev, now, gate).results[0]!;
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/one signer cannot fill two roles/);
    const withOwner = [...ev, sign(release, "Approval", k.owner, { approval: { stage: "Release", role: "business-owner" } })];
    expect(evaluateGates(release, p.spec, withOwner, now, gate).results[0]!.status).toBe("Passed");
  });
});

describe("change window (4.2 h)", () => {
  const gate: Gate[] = [{ name: "change-window", clause: "4.2 h", phase: "GoLive", changeWindow: {} }];
  it("passes inside the window, waits outside it and during a freeze", () => {
    expect(resultOf("change-window", [], now, release, gate).status).toBe("Passed");
    expect(resultOf("change-window", [], new Date("2026-11-24T03:00:00Z"), release, gate).status).toBe("Pending");
    const frozen = resultOf("change-window", [], new Date("2026-12-29T13:00:00Z"), release, gate);
    expect(frozen.status).toBe("Pending");
    expect(frozen.reason).toMatch(/year-end-closing/);
  });
});
