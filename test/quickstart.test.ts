// `npm start` as a new user runs it: no KUBECONFIG, so the quick start brings up its own local
// control plane, Prometheus and golive, and shows the whole life of a release. The test reads its
// output as the README's quick start section describes it, and fails on any warning, error or
// stack trace printed on the way.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const evidenceDir = join(root, "examples", "evidence");
/** The sample's evidence objects by type (Approval or not), as examples/sign-evidence.sh made them. */
const sampleTypes = readdirSync(evidenceDir).filter((f) => f.endsWith(".yaml")).map((f) => /\n {2}type: (\w+)/.exec(readFileSync(join(evidenceDir, f), "utf8"))?.[1]);
const approvals = sampleTypes.filter((t) => t === "Approval").length;
/** The sample policy's gates (examples/policy.yaml). */
const gates = (readFileSync(join(root, "examples", "policy.yaml"), "utf8").split("\n  signers:")[0]!.match(/^ {4}- name: /gm) ?? []).length;
let out = "";
let code: number | null = null;
let seconds = 0;

/** The lines between two `== ` headers: the section whose header starts with `title`. */
function section(title: string): string {
  const start = out.indexOf(`\n== ${title}`);
  if (start < 0) throw new Error(`no section "== ${title}" in the output:\n${out}`);
  const end = out.indexOf("\n== ", start + 4);
  return out.slice(start, end < 0 ? undefined : end);
}
/** Weights of the candidate on the HTTPRoute, in the order the follow lines show them (repeats folded). */
function canaryWeights(text: string): number[] {
  const seen: number[] = [];
  for (const m of text.matchAll(/HTTPRoute: \S+ \d+ % \/ underwriting-api-canary (\d+) %/g)) if (seen.at(-1) !== Number(m[1])) seen.push(Number(m[1]));
  return seen;
}

beforeAll(async () => {
  const env = { ...process.env };
  delete env.KUBECONFIG;
  delete env.GOLIVE_QUICKSTART_LOG;
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "test", "cluster", "quickstart.ts")], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  code = await new Promise((r) => child.on("exit", r));
  seconds = (Date.now() - started) / 1000;
  console.log(`npm start took ${seconds.toFixed(1)} s`);
}, 600_000);

describe("the quick start (npm start)", () => {
  it("runs to the end and exits 0", () => {
    expect(code, out).toBe(0);
    expect(out).toMatch(/\n== done: 2\.4\.1 admitted once its evidence was complete and initialised; 2\.4\.2 Released after verification and a trial run; 2\.4\.3 RolledBack automatically\n/);
  });

  it("prints no warning, error or stack trace on the way; at the stop only golive's note that it removed its webhook configuration", () => {
    const stop = out.indexOf("\n== stopping golive");
    expect(stop).toBeGreaterThan(0);
    const onTheWay = out.slice(0, stop);
    expect(onTheWay).not.toMatch(/"level":"(warn|error|fatal)"/);
    expect(onTheWay).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(onTheWay).not.toMatch(/^Warning:|unexpected error|MonitoringNotReady/m);
    // The only Error the user sees is the webhook's denial, which is the point of that section.
    expect(onTheWay.match(/^Error from server.*$/gm)).toEqual([expect.stringMatching(/^Error from server \(Forbidden\): admission webhook "workloads\.insurance-level3\.golive\.dev" denied the request: golive denied Deployment underwriting\/underwriting-api \(Release underwriting-api-2-4-1\): Release underwriting-api-2-4-1 is Blocked, not Approved/)]);
    const logLines = out.slice(stop).match(/^\{"level".*$/gm) ?? [];
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatch(/"level":"warn".*"msg":"webhook configuration removed: governed namespaces are not guarded until golive runs again"/);
  });

  it("installs the Gateway API HTTPRoute CRD and starts Prometheus and golive", () => {
    expect(out).toMatch(/installed the Gateway API v1\.6\.3 HTTPRoute CRD \(httproutes\.gateway\.networking\.k8s\.io\)/);
    expect(section("Prometheus on loopback")).toMatch(/Prometheus http:\/\/127\.0\.0\.1:\d+/);
  });

  it("shows 2.4.1 Blocked, its Deployment denied, Approved with the evidence, admitted and initialised to Released", () => {
    expect(section("apply the level-3 policy")).toMatch(new RegExp(`underwriting-api-2-4-1 +underwriting-api +2\\.4\\.1 +Blocked +0/${gates} +gate unit-tests Pending: waiting for UnitTestReport evidence`));
    const evidence = section("apply the signed evidence");
    expect(evidence).toContain(`${sampleTypes.length - approvals} objects of examples/evidence/ (examples/sign-evidence.sh made them) and the ${approvals} Release approvals signed again`);
    expect(evidence).toMatch(new RegExp(`underwriting-api-2-4-1 +underwriting-api +2\\.4\\.1 +Approved +${gates}/${gates}`));
    for (const t of ["Normal +Pending +new release underwriting-api 2\\.4\\.1", "Warning +Blocked +Pending → Blocked", "Normal +Approved +Blocked → Approved"]) expect(evidence).toMatch(new RegExp(t));
    expect(section("monitoring enrollment")).toMatch(/service\/underwriting-api-2-4-1-metrics +ClusterIP/);
    const first = section("the workload after approval");
    expect(first).toMatch(/deployment\.apps\/underwriting-api serverside-applied/);
    // The first look at Progressing sees the transition's reason or, a pass later, the progress.
    expect(first).toMatch(/Progressing .*\n +(first release of Deployment underwriting-api: its current template becomes the stable copy|initialising: the stable copy underwriting-api-stable is being created|initialising: routing all traffic to the stable copy)/);
    expect(first).toMatch(/Released .*HTTPRoute: underwriting-api-stable 100 % \/ underwriting-api-canary 0 %\n +first release of Deployment underwriting-api initialised/);
    expect(first).toMatch(/^underwriting-api-stable +3\/3 /m);
  });

  it("takes the good build 2.4.2 Verifying → CleaningUp → Progressing 10 % → 50 % → sign-off → 100 % → Released", () => {
    const good = section("a good build: Release 2.4.2");
    expect(good).toContain(`${sampleTypes.length} evidence objects signed for 2.4.2 and applied`);
    const phases = [...good.matchAll(/^ +\d+\.\d s {2}(\w+) /gm)].map((m) => m[1]).filter((p) => p !== "analysis").filter((p, i, a) => p !== a[i - 1]);
    expect(phases).toEqual(["Approved", "Verifying", "CleaningUp", "Progressing", "Released"]);
    expect(good).toMatch(/Verifying .*HTTPRoute: underwriting-api-stable 100 % \/ underwriting-api-canary 0 %, and verification users \(header X-Golive-Verify\) → underwriting-api-canary/);
    expect(canaryWeights(good)).toEqual([0, 10, 50, 100, 0]);
    expect(good).toMatch(/analysis watch-first-slice: Successful \(error-rate 0\.000, 0\.000, 0\.000; p95-latency 0\.095, 0\.095, 0\.095\)/);
    expect(good).toMatch(/analysis watch-half: Successful/);
    expect(good).toMatch(/step 5\/6 business-sign-off +HTTPRoute: underwriting-api-stable 50 % \/ underwriting-api-canary 50 %\n.*golive promote underwriting-api-2-4-2 --role release-manager/);
    expect(good).toMatch(/ReleaseEvidence\/underwriting-api-2-4-2-approval-[0-9a-f]{8} created: Promotion approved in role release-manager for the pause at step business-sign-off/);
    expect(good).toMatch(/^Released underwriting-api-2-4-2: promoted: underwriting-api-stable runs underwriting-api 2\.4\.2 and serves all traffic \(4\.9\)$/m);
    expect(good).toMatch(/inventory \(4\.9\), ConfigMap golive-inventory: underwriting-api 2\.4\.2 \(release underwriting-api-2-4-2, promoted at /);
  });

  it("rolls the bad build 2.4.3 back automatically when its analysis fails, and checks the rollback: 0 candidate pods, 100 % stable", () => {
    const bad = section("a bad build: Release 2.4.3");
    const phases = [...bad.matchAll(/^ +\d+\.\d s {2}(\w+) /gm)].map((m) => m[1]).filter((p) => p !== "analysis").filter((p, i, a) => p !== a[i - 1]);
    expect(phases).toEqual(["Approved", "Verifying", "CleaningUp", "Progressing", "RollingBack", "RolledBack"]);
    expect(canaryWeights(bad)).toEqual([0, 10, 0]);
    expect(bad).toMatch(/analysis watch-first-slice: Failed \(error-rate 0\.500, 0\.500;/);
    expect(bad).toMatch(/^RolledBack underwriting-api-2-4-3 automatically \(AnalysisFailed\): analysis watch-first-slice failed: error-rate: error-rate = 0\.5 meets the failure condition "result >= 0\.05": 2 failed measurement\(s\), limit 1$/m);
    const ms = /traffic on stable (\d+) ms later; verified (\d+) ms later; rollback hook\(s\): compensate-downstream Succeeded/.exec(bad);
    expect(ms).not.toBeNull();
    expect(Number(ms![1])).toBeLessThan(2_000);
    const checked = section("the rollback, checked on the cluster");
    expect(checked).toMatch(/candidate pods \(pod-template-hash [0-9a-z]+\): 0\n/);
    expect(checked).toMatch(/HTTPRoute underwriting-api backendRefs: underwriting-api-stable weight 1; verification rules: 0/);
    expect(checked).toMatch(/Deployment underwriting-api \(the candidate\) replicas: 0; underwriting-api-stable runs 2\.4\.2/);
    expect(checked).toMatch(/so: 0 candidate pods, 100 % of traffic on the stable copy \(2\.4\.2\)/);
  });

  it("ends with golive status, the chat notifications of every phase change, and an intact audit trail", () => {
    const status = section("golive status");
    expect(status).toMatch(new RegExp(`Phase: +RolledBack +gates ${gates}/${gates}`));
    expect(status).toMatch(/Rollback \(4\.10\): AnalysisFailed/);
    expect(status).toMatch(/job +quote-smoke +Succeeded +underwriting-api-2-4-3-verify-quote-smoke/);
    expect(status).toMatch(/cleanup +purge-verification-policies +Succeeded +underwriting-api-2-4-3-cleanup-purge-verification-policies/);
    expect(status).toMatch(/hook compensate-downstream: Succeeded/);
    expect(status).toMatch(/chat: golive: underwriting-api 2\.4\.1 \(underwriting\/underwriting-api-2-4-1\) Progressing → Released/);
    expect(status).toMatch(/chat: golive: underwriting-api 2\.4\.2 \(underwriting\/underwriting-api-2-4-2\) Progressing → Released: promoted/);
    expect(status).toMatch(/chat: golive: underwriting-api 2\.4\.3 \(underwriting\/underwriting-api-2-4-3\) RollingBack → RolledBack/);
    expect(section("the audit trail")).toMatch(/1 chain\(s\), \d+ record\(s\): trail intact/);
  });
});
