// The reviews gate (7.2): the test review (7.2.1) and the release review (7.2.2) records.
import { describe, expect, it } from "vitest";
import { evaluateNamed, recordPolicy, release } from "./record-gates-testkit.js";
import { sign } from "./testkit.js";

const testReview = (documents: object[] = ["test plan", "test cases", "test report"].map((name) => ({ name, reviewedBy: "zhao.min", date: "2026-11-18", conclusion: "approved" }))) => ({
  summary: { kind: "TestReviewRecord", documents },
});
const checks = { interfaceChanges: { result: "passed" }, codeComparison: { result: "passed" }, sourceArchived: { result: "passed" }, configurationChanges: { result: "passed" }, databaseScripts: { result: "notApplicable" }, batchChanges: { result: "passed" } };
const releaseReview = (over: object = {}) => ({
  summary: { kind: "ReleaseReviewRecord", reviewedBy: "chen.jie", date: "2026-11-19", counts: { projects: 2, requirements: 14, relatedSystems: 3 }, checks: { ...checks, ...over } },
});
const { policy, keys } = recordPolicy([{ name: "reviews", clause: "7.2.1, 7.2.2", reviews: { testReview: true, releaseReview: true, requireDependencies: false, testDocuments: ["test plan", "test cases", "test report"] } }]);
const both = () => [sign(release, "TestReviewRecord", keys.qa, testReview()), sign(release, "ReleaseReviewRecord", keys.manager, releaseReview())];

describe("reviews gate (7.2)", () => {
  it("passes both records and reports the release review's counts", () => {
    const r = evaluateNamed(policy, "reviews", both());
    expect(r.status).toBe("Passed");
    expect(r.reason).toBe(
      "3 test document(s) reviewed; release review by chen.jie on 2026-11-19: 2 project(s), 14 requirement(s), 3 related system(s), every check passed or not applicable",
    );
  });

  it("fails a release review whose database-script check failed, with its note", () => {
    const r = evaluateNamed(policy, "reviews", [both()[0]!, sign(release, "ReleaseReviewRecord", keys.manager, releaseReview({ databaseScripts: { result: "failed", note: "V42 drops a column still read by claims" } }))]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/release review .* by chen.jie: databaseScripts failed \(V42 drops a column still read by claims\)/);
  });

  it("fails a test review that leaves a required document unreviewed or rejects one", () => {
    const docs = [
      { name: "Test Plan", reviewedBy: "zhao.min", date: "2026-11-18", conclusion: "approved" },
      { name: "test report", reviewedBy: "zhao.min", date: "2026-11-18", conclusion: "rejected", note: "no capacity figures" },
    ];
    const r = evaluateNamed(policy, "reviews", [sign(release, "TestReviewRecord", keys.qa, testReview(docs)), both()[1]!]);
    expect(r.status).toBe("Failed");
    expect(r.reason).toMatch(/has no review of test cases; test review .*: test report rejected by zhao.min on 2026-11-18 \(no capacity figures\)/);
  });

  it("waits for each missing record and refuses a record kept only as a document", () => {
    const waiting = evaluateNamed(policy, "reviews", []);
    expect(waiting.status).toBe("Pending");
    expect(waiting.reason).toMatch(/waiting for TestReviewRecord evidence.*; waiting for ReleaseReviewRecord evidence/);
    const doc = evaluateNamed(policy, "reviews", [both()[0]!, sign(release, "ReleaseReviewRecord", keys.manager, { source: { filename: "review.docx", digest: "sha256:" + "d".repeat(64) } })]);
    expect(doc.status).toBe("Failed");
    expect(doc.reason).toMatch(/carries no release review record: sign its JSON form/);
  });
});

describe("reviews gate: system dependencies (4.4 d)", () => {
  const deps = recordPolicy([{ name: "reviews", clause: "4.4 d, 7.2.2", reviews: { testReview: false, releaseReview: true, requireDependencies: true, testDocuments: [] } }]);
  const integration = (suites: string[]) => sign(release, "IntegrationTestReport", deps.keys.qa, { summary: { totals: { planned: 4, executed: 4, passed: 4, failed: 0, errored: 0, skipped: 0 }, suites: suites.map((name) => ({ name, tests: 2 })), failures: [] } });
  const declared = [
    { name: "claims-api", direction: "downstream", contract: "claims-api v3 (OpenAPI)" },
    { name: "payment-gateway", direction: "upstream", version: "5.2" },
  ];
  const review = (dependencies?: object[]) => sign(release, "ReleaseReviewRecord", deps.keys.manager, { summary: { ...releaseReview().summary, ...(dependencies ? { dependencies } : {}) } });

  it("passes when an integration test suite names each declared dependency, and lists them", () => {
    const r = evaluateNamed(deps.policy, "reviews", [review(declared), integration(["com.example.ClaimsApiContractIT", "Payment-Gateway settlement"])]);
    expect(r.reason).toMatch(/2 system dependencies, each named by an integration test suite: claims-api \(downstream, claims-api v3 \(OpenAPI\)\), payment-gateway \(upstream 5.2\)/);
    expect(r.status).toBe("Passed");
  });

  it("fails a dependency no integration test suite names, and a review that declares none", () => {
    const untested = evaluateNamed(deps.policy, "reviews", [review(declared), integration(["Payment-Gateway settlement"])]);
    expect(untested.status).toBe("Failed");
    expect(untested.reason).toMatch(/no integration test suite names the dependency claims-api \(downstream, claims-api v3 \(OpenAPI\)\)/);
    const undeclared = evaluateNamed(deps.policy, "reviews", [review(), integration(["x"])]);
    expect(undeclared.status).toBe("Failed");
    expect(undeclared.reason).toMatch(/declares no system dependencies \(4.4 d\): list them in "dependencies" \(an empty list when there are none\)/);
  });

  it("waits for an integration test report when dependencies are declared", () => {
    const r = evaluateNamed(deps.policy, "reviews", [review(declared)]);
    expect(r.status).toBe("Pending");
    expect(r.reason).toMatch(/waiting for an IntegrationTestReport naming the dependencies claims-api, payment-gateway/);
  });
});
