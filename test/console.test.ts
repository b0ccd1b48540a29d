// The web console against the real control plane, in a real headless Chromium (Debian's, driven
// by playwright-core): viewers sign in with ServiceAccount tokens checked by TokenReview, see only
// the namespaces a SubjectAccessReview allows, and a release page follows a status change (the
// status subresource, as the operator writes it) without reload. Screenshots go to
// $GOLIVE_CONSOLE_SCREENSHOTS (default /tmp/notes). A pasted approval is created with the
// viewer's own token (the API server's RBAC decides), and identity headers count only from a
// proxy with a client certificate of the configured front-proxy CA.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Browser } from "playwright-core";
import type { Release } from "../api/index.js";
import { startConsole } from "../console/serve.js";
import { AuditWriter } from "../audit/writer.js";
import { kubeAuthorizer, startAuditServer } from "../operator/audit/endpoint.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { createCa, issueServingCertificate } from "../webhook/certificates.js";
import { createEvidence } from "../gates/sign.js";
import { issueCertificate } from "./cluster/pki.js";
import { findChromium } from "../report/pdf.js";
import { kubeConfig, kubectl, kubectlAsync, kubectlResult, useNamespace } from "./support/cluster.js";

const governed = `golive-console-test-${randomBytes(3).toString("hex")}`;
const nsA = useNamespace("console-a", { [governed]: "true" });
const nsB = useNamespace("console-b");
const shots = process.env.GOLIVE_CONSOLE_SCREENSHOTS ?? "/tmp/notes";
let console_: Awaited<ReturnType<typeof startConsole>>;
let base = "";
let browser: Browser;
const tokens = { a: "", b: "", lead: "", none: "" };
const consoleRole = `golive-console-${randomBytes(3).toString("hex")}`;
const policyName = `console-${randomBytes(3).toString("hex")}`;
let audit: Awaited<ReturnType<typeof startAuditServer>>;
let auditClient: KubeClient;
const dir = mkdtempSync(join(tmpdir(), "golive-console-"));

/** The console's own rights, as the chart grants them (test/chart-dashboard-console.test.ts): review tokens and access, read Releases, ReleaseEvidence, ReleasePolicies and Namespaces. Nothing writable, no audit right. */
const CONSOLE_RULES = [
  { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
  { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
  { apiGroups: ["golive.dev"], resources: ["releases", "releaseevidences", "releasepolicies"], verbs: ["list", "watch"] },
  { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
];
const auditHead = { head: `sha256:${"7".repeat(64)}`, sequence: 4 };

/** A kubeconfig for the same API server that authenticates as the given token. */
function tokenKubeconfig(token: string): string {
  const cluster = kubeConfig().getCurrentCluster()!;
  const ca = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString("base64") : undefined);
  const file = join(dir, "console.kubeconfig");
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cluster.server, ...(ca ? { "certificate-authority-data": ca } : {}) } }],
      users: [{ name: "console", user: { token } }],
      contexts: [{ name: "console", context: { cluster: "c", user: "console" } }],
      "current-context": "console",
    }),
    { mode: 0o600 },
  );
  return file;
}

const now = new Date().toISOString();
function releaseManifest(namespace: string, name: string, application: string, version: string): string {
  const doc = parse(readFileSync(join(import.meta.dirname, "../examples/release.yaml"), "utf8")) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  doc.metadata = { name, namespace };
  doc.spec.application = application;
  doc.spec.version = version;
  return JSON.stringify(doc);
}

function releaseObject(namespace: string, name: string, application: string, version: string): Release {
  return JSON.parse(releaseManifest(namespace, name, application, version)) as Release;
}
const relA = () => releaseObject(nsA.name, "underwriting-api-2-4-1", "underwriting-api", "2.4.1");
const approverKey = generateKeyPairSync("ed25519").privateKey;
/** A Release approval signed beforehand (as golive approve does), which the status says the operator verified. */
let releaseApproval = "";

function status(weight: number, stepIndex: number, stepName: string) {
  return {
    status: {
      phase: "Progressing",
      gatesSummary: "2/2",
      gates: [
        { name: "functional-tests", clause: "4.4 b", status: "Passed", reason: "412 of 412 tests passed", evidence: ["web-junit-412"], evaluatedAt: now },
        { name: "security-scan", clause: "8.6", status: "Passed", reason: "no critical or high findings", evidence: ["web-sarif"], evaluatedAt: now },
        { name: "go-live-approval", clause: "4.2 b", status: "Passed", reason: "Release approved by release-manager (li-wei)", evidence: [releaseApproval], signers: [{ evidence: releaseApproval, signer: "li-wei" }], evaluatedAt: now },
      ],
      canary: { stepIndex, stepName, weight, startedAt: now, stepStartedAt: now },
      waves: [{ name: "default", phase: "Progressing", weight, workloads: [{ kind: "Deployment", name: "underwriting-api", routing: "gatewayAPI", changed: true, candidatePods: 1, stablePods: 3 }] }],
      analysis: [
        {
          step: "watch-first-slice",
          stepIndex: 1,
          phase: "Successful",
          startedAt: now,
          finishedAt: now,
          message: "6 of 6 measurements successful",
          metrics: [{ name: "error-rate", phase: "Successful", measured: 4, successful: 4, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0, measurements: ["0.004", "0.006", "0.003", "0.005"].map((value) => ({ at: now, phase: "Successful", value })) }],
        },
      ],
      monitoring: { mode: "PodMonitor", objects: ["PodMonitor/underwriting-api"], ready: true, checkedAt: now },
      conditions: [{ type: "CapacityFits", status: "True", reason: "Fits", message: "1 ResourceQuota(s) hold the rollout's peak of 8 pod(s)", lastTransitionTime: now }],
      capacity: {
        generatedAt: now,
        observedGeneration: 1,
        horizon: "30d",
        history: "14d",
        atRisk: 1,
        metrics: [
          { name: "policies-issued-per-second", unit: "policies/s", current: 420, peak: 800, campaign: 1200, testedLimit: 1500, limit: 1500, limitSource: "testedLimit", slopePerDay: 45, fitError: 12, seasonal: false, samples: 2016, crossesAt: new Date(Date.parse(now) + 24 * 86_400_000).toISOString(), withinHorizon: true, message: "forecast to reach the tested limit 1500 in 24d" },
          { name: "quotes-per-second", unit: "quotes/s", current: 90, peak: 300, limit: 300, limitSource: "peak", slopePerDay: 0.5, samples: 2016, withinHorizon: false, message: "not within the 30d horizon of the peak 300 (trend +0.5/day)" },
        ],
      },
      audit: auditHead,
    },
  };
}

async function patchStatus(namespace: string, name: string, body: unknown): Promise<void> {
  const r = await kubectlAsync(["-n", namespace, "patch", "releases.golive.dev", name, "--subresource=status", "--type=merge", "-p", JSON.stringify(body)]);
  if (r.status !== 0) throw new Error(`patch status of ${namespace}/${name}: ${r.stderr}`);
}

function get(path: string, headers: Record<string, string> = {}, client: { base?: string; cert?: string; key?: string; method?: string; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown>; subject: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, client.base ?? base);
    // The certificate is one the console made at start; the test checks which it is instead of a CA.
    // A fresh connection each time (agent: false): spawnSync blocks this process, so a kept-alive
    // socket may have been closed by the console meanwhile.
    const tls = client.cert ? { cert: client.cert, key: client.key } : {};
    const req = request({ method: client.method ?? "GET", host: url.hostname, port: url.port, path: url.pathname + url.search, rejectUnauthorized: false, agent: false, headers, ...tls }, (res) => {
      const subject = String((res.socket as unknown as { getPeerCertificate(): { subjectaltname?: string } }).getPeerCertificate().subjectaltname ?? "");
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
        // An event stream never ends: the first event is enough.
        if (String(res.headers["content-type"]).startsWith("text/event-stream") && body.includes("event: html")) req.destroy();
      });
      res.on("close", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, subject }));
    });
    req.on("error", (e) => (e.message.includes("socket hang up") ? undefined : reject(e)));
    req.end(client.body);
  });
}

/** POST an approval file as the page's form does. */
function postApproval(token: string, release: string, text: string) {
  return get(`/releases/${nsA.name}/${release}/approvals`, { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" }, { method: "POST", body: new URLSearchParams({ approval: text }).toString() });
}

function grant(namespace: string, sa: string, saNamespace: string): void {
  kubectl(["-n", namespace, "create", "role", `release-reader-${sa}`, "--verb=get,list,watch", "--resource=releases.golive.dev,releaseevidences.golive.dev"]);
  kubectl(["-n", namespace, "create", "rolebinding", `release-reader-${sa}`, `--role=release-reader-${sa}`, `--serviceaccount=${saNamespace}:${sa}`]);
}

beforeAll(async () => {
  kubectl(["apply", "-f", "-"], releaseManifest(nsA.name, "underwriting-api-2-4-1", "underwriting-api", "2.4.1"));
  kubectl(["apply", "-f", "-"], releaseManifest(nsB.name, "claims-api-7-0-0", "claims-api", "7.0.0"));
  const signed = createEvidence({ release: relA(), type: "Approval", key: approverKey, predicate: { issuedAt: now, approval: { stage: "Release", role: "release-manager", comment: "go for Tuesday" } } });
  releaseApproval = signed.metadata.name;
  kubectl(["apply", "-f", "-"], JSON.stringify(signed));
  await patchStatus(nsA.name, "underwriting-api-2-4-1", status(10, 0, "first-slice"));
  await patchStatus(nsB.name, "claims-api-7-0-0", { status: { phase: "Blocked", gatesSummary: "1/2", message: "gate security-scan: 2 critical findings" } });
  for (const sa of ["viewer-a", "lead", "nobody"]) kubectl(["-n", nsA.name, "create", "serviceaccount", sa]);
  kubectl(["-n", nsB.name, "create", "serviceaccount", "viewer-b"]);
  grant(nsA.name, "viewer-a", nsA.name);
  grant(nsB.name, "viewer-b", nsB.name);
  grant(nsA.name, "lead", nsA.name);
  grant(nsB.name, "lead", nsA.name);
  tokens.a = kubectl(["-n", nsA.name, "create", "token", "viewer-a"]).trim();
  tokens.b = kubectl(["-n", nsB.name, "create", "token", "viewer-b"]).trim();
  tokens.lead = kubectl(["-n", nsA.name, "create", "token", "lead"]).trim();
  tokens.none = kubectl(["-n", nsA.name, "create", "token", "nobody"]).trim();
  // The console runs as its own ServiceAccount with only CONSOLE_RULES, so the test shows they suffice.
  kubectl(["-n", nsA.name, "create", "serviceaccount", "golive-console"]);
  kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: consoleRole }, rules: CONSOLE_RULES }));
  kubectl(["create", "clusterrolebinding", consoleRole, `--clusterrole=${consoleRole}`, `--serviceaccount=${nsA.name}:golive-console`]);
  const consoleToken = kubectl(["-n", nsA.name, "create", "token", "golive-console"]).trim();
  // The operator's /audit, as the operator serves it (its own identity reviews the callers), over a
  // certificate of a CA the console is given; records about nsA's release, another release and nsB.
  const trail = join(dir, "trail");
  mkdirSync(trail);
  let t = Date.parse(now) - 60_000;
  const w = new AuditWriter({ file: join(trail, "audit.jsonl"), source: "operator", now: () => new Date((t += 1000)), stdout: false });
  w.append({ type: "transition", object: `${nsA.name}/Release/underwriting-api-2-4-1`, user: "system:golive-operator", result: "Approved", reason: "every gate passed and every image is sealed" });
  w.append({ type: "transition", object: `${nsA.name}/Release/underwriting-api-2-4-1`, user: "system:golive-operator", result: "Progressing", reason: "verification passed; canary starts" });
  w.append({ type: "traffic", object: `${nsA.name}/Release/underwriting-api-2-4-1`, user: "system:golive-operator", result: "10%", reason: "step first-slice", details: { secretish: "not-for-the-page" } });
  w.append({ type: "transition", object: `${nsA.name}/Release/underwriting-api-2-3-9`, user: "system:golive-operator", result: "RolledBack", reason: "another release" });
  w.append({ type: "transition", object: `${nsB.name}/Release/claims-api-7-0-0`, user: "system:golive-operator", result: "Blocked", reason: "other namespace" });
  await w.close();
  const auditCa = await createCa("golive-audit-ca", 3600_000);
  auditClient = new KubeClient(kubeConfig());
  audit = await startAuditServer({ dir: trail, port: 0, host: "127.0.0.1", tls: await issueServingCertificate(auditCa, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 3600_000 }), authorize: kubeAuthorizer(auditClient), log: pino({ level: "silent" }) });
  writeFileSync(join(dir, "audit-ca.crt"), auditCa.cert);
  // viewer-a may read nsA's audit records (a RoleBinding there) and the policy; lead may do neither.
  kubectl(["-n", nsA.name, "create", "role", "audit-reader", "--verb=get", "--resource=releases.golive.dev/audit"]);
  kubectl(["-n", nsA.name, "create", "rolebinding", "audit-reader", "--role=audit-reader", `--serviceaccount=${nsA.name}:viewer-a`]);
  const policy = parse(readFileSync(join(import.meta.dirname, "../examples/policy.yaml"), "utf8")) as { metadata: Record<string, unknown>; spec: { namespaceSelector: unknown } };
  policy.metadata = { name: policyName };
  policy.spec.namespaceSelector = { matchLabels: { [governed]: "true" } };
  kubectl(["apply", "-f", "-"], JSON.stringify(policy));
  kubectl(["create", "clusterrole", policyName, "--verb=get", "--resource=releasepolicies.golive.dev", `--resource-name=${policyName}`]);
  kubectl(["create", "clusterrolebinding", policyName, `--clusterrole=${policyName}`, `--serviceaccount=${nsA.name}:viewer-a`]);
  console_ = await startConsole({ port: 0, host: "127.0.0.1", kubeconfig: tokenKubeconfig(consoleToken), auditUrl: `https://127.0.0.1:${audit.port}/audit`, auditCaFile: join(dir, "audit-ca.crt"), log: pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" }) });
  base = `https://127.0.0.1:${console_.port}`;
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  mkdirSync(shots, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await console_?.close();
  await audit?.close();
  auditClient?.close();
  kubectlResult(["delete", "clusterrolebinding", consoleRole]);
  kubectlResult(["delete", "clusterrole", consoleRole]);
  kubectlResult(["delete", "clusterrolebinding", policyName]);
  kubectlResult(["delete", "clusterrole", policyName]);
  kubectlResult(["delete", "releasepolicies.golive.dev", policyName]);
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(token: string) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name="token"]', token);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
  return { context, page };
}

describe("golive console", () => {
  it("runs as a ServiceAccount that can write nothing and read no Secret", () => {
    const as = `--as=system:serviceaccount:${nsA.name}:golive-console`;
    for (const [verb, resource] of [["patch", "releases.golive.dev"], ["create", "releaseevidences.golive.dev"], ["update", "releases.golive.dev/status"], ["get", "secrets"], ["create", "pods"]] as const)
      expect(kubectlResult(["auth", "can-i", verb, resource, "-A", as]).stdout.trim()).toBe("no");
    expect(kubectlResult(["auth", "can-i", "watch", "releases.golive.dev", "-A", as]).stdout.trim()).toBe("yes");
    // No right to the audit trail either: the release page asks the operator with the viewer's token.
    expect(kubectlResult(["auth", "can-i", "get", "releases.golive.dev", "--subresource=audit", "-A", as]).stdout.trim()).toBe("no");
  });

  it("refuses a request without a token, and one whose token the cluster does not know (401), over TLS with a certificate made at start", async () => {
    const none = await get("/");
    expect(none.status).toBe(401);
    expect(none.body).toContain("Sign in");
    expect(none.subject).toContain("DNS:localhost");
    expect(String(none.headers["content-security-policy"])).toContain("script-src 'self'");
    expect((await get("/", { accept: "text/html" })).body).toContain('name="token"');
    const bad = await get("/", { authorization: "Bearer not-a-token" });
    expect(bad.status).toBe(401);
    expect(bad.body).toContain("not valid for this cluster");
    expect((await get(`/events/list`, { authorization: "Bearer not-a-token" })).status).toBe(401);
    expect((await get(`/releases/${nsA.name}/underwriting-api-2-4-1`)).status).toBe(401);
  });

  it("shows a viewer only the namespaces a SubjectAccessReview allows, in pages and event streams", async () => {
    const a = await get("/", { authorization: `Bearer ${tokens.a}` });
    expect(a.status).toBe(200);
    expect(a.body).toContain("underwriting-api-2-4-1");
    expect(a.body).not.toContain("claims-api-7-0-0");
    expect(a.body).toContain(`system:serviceaccount:${nsA.name}:viewer-a`);
    const b = await get("/", { authorization: `Bearer ${tokens.b}` });
    expect(b.body).toContain("claims-api-7-0-0");
    expect(b.body).not.toContain("underwriting-api-2-4-1");
    // Another namespace's release looks as if it did not exist.
    expect((await get(`/releases/${nsB.name}/claims-api-7-0-0`, { authorization: `Bearer ${tokens.a}` })).status).toBe(404);
    expect((await get(`/events/release/${nsB.name}/claims-api-7-0-0`, { authorization: `Bearer ${tokens.a}` })).status).toBe(404);
    const events = await get("/events/list", { authorization: `Bearer ${tokens.a}` });
    expect(events.status).toBe(200);
    expect(events.body).toContain("underwriting-api-2-4-1");
    expect(events.body).not.toContain("claims-api-7-0-0");
    const nobody = await get("/", { authorization: `Bearer ${tokens.none}` });
    expect(nobody.status).toBe(200);
    expect(nobody.body).toContain("No release you may read matches.");
  });

  it("in Chromium: signs in with the form (HttpOnly cookie), lists and filters the releases of every readable namespace", async () => {
    const { context, page } = await signIn(tokens.lead);
    try {
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === "golive_console")).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
      expect(await page.evaluate("document.cookie")).toBe("");
      const rows = page.locator("#rows tr");
      await expect.poll(() => rows.count()).toBe(2);
      expect(await page.textContent("#rows")).toContain("underwriting-api-2-4-1");
      expect(await page.textContent("#rows")).toContain("claims-api-7-0-0");
      expect(await page.textContent(`[id="r-${nsA.name}-underwriting-api-2-4-1"] .weight`)).toContain("10%");
      expect(await page.textContent(`[id="r-${nsB.name}-claims-api-7-0-0"] .gates`)).toBe("1/2");
      await page.screenshot({ path: join(shots, "console-list.png"), fullPage: true });
      await page.selectOption('select[name="phase"]', "Blocked");
      await Promise.all([page.waitForURL(/phase=Blocked/), page.click('#filters button[type="submit"]')]);
      expect(await rows.count()).toBe(1);
      expect(await page.textContent("#rows")).toContain("claims-api-7-0-0");
      await page.fill('input[name="q"]', "underwriting");
      await page.selectOption('select[name="phase"]', "");
      await Promise.all([page.waitForURL(/q=underwriting/), page.click('#filters button[type="submit"]')]);
      expect(await rows.count()).toBe(1);
      expect(await page.textContent("#rows")).toContain("underwriting-api-2-4-1");
      // The list follows the watch too: a weight change shows in the row without reload.
      await page.evaluate("window.__notReloaded = true");
      await patchStatus(nsA.name, "underwriting-api-2-4-1", status(25, 0, "first-slice"));
      await expect.poll(() => page.textContent(`[id="r-${nsA.name}-underwriting-api-2-4-1"] .weight`), { timeout: 20_000 }).toContain("25%");
      expect(await page.evaluate("window.__notReloaded")).toBe(true);
    } finally {
      await context.close();
    }
  });

  it("in Chromium: a release page follows the canary's weight live, without reload, and shows the command to sign", async () => {
    const { context, page } = await signIn(tokens.a);
    try {
      await page.goto(`${base}/releases/${nsA.name}/underwriting-api-2-4-1`);
      expect(await page.textContent("#phase")).toBe("Progressing");
      expect(await page.textContent("table.gates")).toContain("412 of 412 tests passed");
      expect(await page.textContent("table.gates")).toContain("web-junit-412");
      expect(await page.textContent('[data-action="promote"] code')).toBe(`golive promote underwriting-api-2-4-1 -n ${nsA.name} --role <role with Promote> --key <your-key.pem>`);
      expect(await page.locator("button", { hasText: /promote|abort/i }).count()).toBe(0);
      await page.evaluate("window.__notReloaded = true");
      // The stream sends the current fragment when it opens: after that, every change is a push.
      await page.waitForFunction('document.getElementById("live")?.textContent?.startsWith("live, updated")');
      await patchStatus(nsA.name, "underwriting-api-2-4-1", status(50, 2, "half"));
      await expect.poll(() => page.textContent("#weight"), { timeout: 20_000 }).toBe("50%");
      expect(await page.textContent("#step")).toBe("2 half");
      expect(await page.textContent('li.step.current')).toContain("half");
      expect(await page.textContent("table.waves")).toContain("50%");
      expect(await page.evaluate("window.__notReloaded")).toBe(true);
      await page.screenshot({ path: join(shots, "console-release.png"), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it("in Chromium: a release page shows each gate's evidence with its signer, key id, time and digest, and the approvals per stage", async () => {
    const { context, page } = await signIn(tokens.a);
    try {
      await page.goto(`${base}/releases/${nsA.name}/underwriting-api-2-4-1`);
      const row = page.locator(`table.evidence tr[data-evidence="${releaseApproval}"]`);
      expect(await row.locator(".signer").textContent()).toBe("li-wei");
      expect(await row.locator(".issued").textContent()).toBe(now);
      expect(await row.locator("code[title]").getAttribute("title")).toMatch(/^sha256:[0-9a-f]{64}$/);
      // Evidence a gate names that is not in the namespace says so rather than inventing a signer.
      expect(await page.textContent('table.evidence tr[data-evidence="web-junit-412"]')).toContain("no such ReleaseEvidence in the namespace");
      const approval = page.locator('table.approvals[data-stage="Release"] tr[data-evidence]');
      expect(await approval.count()).toBe(1);
      expect(await approval.locator(".role").textContent()).toBe("release-manager");
      expect(await approval.locator(".signer").textContent()).toBe("li-wei");
      expect(await approval.textContent()).toContain("go for Tuesday");
      await page.screenshot({ path: join(shots, "console-release-evidence.png"), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it("in Chromium: a release page charts the capacity forecast against its limit, lists the release's audit records read as the viewer (live), and links its conformance report", async () => {
    const { context, page } = await signIn(tokens.a);
    try {
      await page.goto(`${base}/releases/${nsA.name}/underwriting-api-2-4-1`);
      expect(await page.textContent("#capacity-fit")).toContain("Fits 1 ResourceQuota(s) hold the rollout's peak of 8 pod(s)");
      expect(await page.textContent("#capacity-forecast")).toContain("Forecast of 2 key metric(s) over 30d from 14d of history");
      const risky = page.locator('svg.cap-chart[data-metric="policies-issued-per-second"]');
      expect(await risky.isVisible()).toBe(true);
      expect(await risky.locator(".cap-cross").count()).toBe(1);
      expect(await risky.textContent()).toContain("limit (testedLimit) 1500");
      expect(await page.locator('svg.cap-chart[data-metric="quotes-per-second"] .cap-cross').count()).toBe(0);
      // The audit records of this release only, newest first, asked of /audit with viewer-a's token.
      expect(await page.textContent("#audit-summary")).toContain("All 3 record(s) about this release");
      const rows = page.locator("table.audit tbody tr");
      expect(await rows.count()).toBe(3);
      expect(await rows.first().locator(".result").textContent()).toBe("10%");
      const text = (await page.textContent("#release"))!;
      for (const other of ["another release", "other namespace", "not-for-the-page"]) expect(text).not.toContain(other);
      await page.screenshot({ path: join(shots, "console-release-capacity-audit.png"), fullPage: true });
      // A new record and the audit head moving in status: the page shows it without reload.
      await page.evaluate("window.__notReloaded = true");
      const w = new AuditWriter({ file: join(dir, "trail", "audit.jsonl"), source: "operator", stdout: false });
      w.append({ type: "traffic", object: `${nsA.name}/Release/underwriting-api-2-4-1`, user: "system:golive-operator", result: "25%", reason: "step second-slice" });
      await w.close();
      await patchStatus(nsA.name, "underwriting-api-2-4-1", { status: { audit: { head: `sha256:${"8".repeat(64)}`, sequence: 5 } } });
      await expect.poll(() => page.textContent("#audit-summary"), { timeout: 20_000 }).toContain("All 4 record(s)");
      expect(await rows.first().locator(".result").textContent()).toBe("25%");
      expect(await page.evaluate("window.__notReloaded")).toBe(true);
      // The report: the same document golive report writes, as of now, with no script allowed.
      const href = await page.getAttribute("#report-link a", "href");
      expect(href).toBe(`/releases/${nsA.name}/underwriting-api-2-4-1/report`);
      await Promise.all([page.waitForURL(`${base}${href}`), page.click("#report-link a")]);
      expect(await page.title()).toContain("underwriting-api 2.4.1");
      expect(await page.textContent("body")).toContain("4.4");
      // Its audit section: the operator's /audit asked with viewer-a's token, every chain verified there.
      const body = (await page.textContent("body"))!;
      expect(body).toContain("The audit trail verifies: 1 hash chain(s) intact.");
      expect(body).toContain("step second-slice");
      for (const other of ["another release", "other namespace", "not-for-the-page"]) expect(body).not.toContain(other);
      await page.screenshot({ path: join(shots, "console-report.png") });
      const raw = await get(href!, { authorization: `Bearer ${tokens.a}` });
      expect(raw.status).toBe(200);
      expect(String(raw.headers["content-security-policy"])).toMatch(/^default-src 'none'; style-src 'unsafe-inline';/);
    } finally {
      await context.close();
    }
  }, 90_000);

  it("tells a viewer without the audit right or the policy right why, and refuses them the report", async () => {
    const lead = await get(`/releases/${nsA.name}/underwriting-api-2-4-1`, { authorization: `Bearer ${tokens.lead}` });
    expect(lead.status).toBe(200);
    expect(lead.body).toContain(`<p id="audit-refused">The operator refused to show you the audit trail: system:serviceaccount:${nsA.name}:lead may not read the audit trail of namespace ${nsA.name} (get releases/audit in API group golive.dev there)`);
    expect(lead.body).not.toContain('<table class="audit">');
    expect(lead.body).toContain(`No conformance report: it shows the policy and every evidence, and you may not get the ReleasePolicy ${policyName}.`);
    const report = await get(`/releases/${nsA.name}/underwriting-api-2-4-1/report`, { authorization: `Bearer ${tokens.lead}` });
    expect(report.status).toBe(403);
    // Blocked: no report yet, whoever asks.
    const blocked = await get(`/releases/${nsB.name}/claims-api-7-0-0`, { authorization: `Bearer ${tokens.lead}` });
    expect(blocked.body).toContain("No conformance report: the release has not been approved yet (phase Blocked)");
    expect((await get(`/releases/${nsB.name}/claims-api-7-0-0/report`, { authorization: `Bearer ${tokens.lead}` })).status).toBe(404);
    expect((await get(`/releases/${nsA.name}/underwriting-api-2-4-1/report`)).status).toBe(401);
  });

  it("in Chromium: a pasted approval is created with the viewer's own token: refused without the right to create evidence, created with it, never signed by the console", async () => {
    const promotion = createEvidence({ release: relA(), type: "Approval", key: approverKey, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Promotion", role: "release-manager" } } });
    const text = stringify(promotion);
    // Not an Approval for this release: refused before anything is sent.
    const tests = createEvidence({ release: relA(), type: "FunctionalTestReport", key: approverKey, predicate: { issuedAt: now } });
    const wrongType = await postApproval(tokens.lead, "underwriting-api-2-4-1", stringify(tests));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toContain("Refused: it is FunctionalTestReport evidence, not an Approval");
    const wrongRelease = await postApproval(tokens.lead, "underwriting-api-2-3-9", text);
    expect(wrongRelease.status).toBe(404);
    // viewer-a may read but not create releaseevidences: the API server says no, and the page says so.
    const a = await signIn(tokens.a);
    try {
      await a.page.goto(`${base}/releases/${nsA.name}/underwriting-api-2-4-1`);
      expect(await a.page.locator("button", { hasText: /promote|abort|approve/i }).count()).toBe(0);
      await a.page.fill('textarea[name="approval"]', text);
      await Promise.all([a.page.waitForURL(/\/approvals$/), a.page.click("#submit-signed")]);
      await expect.poll(() => a.page.textContent("#submit-result")).toContain("Refused: the API server refused you (403)");
      expect(await a.page.textContent("#submit-result")).toContain(`system:serviceaccount:${nsA.name}:viewer-a`);
      expect(await a.page.textContent("#submit-result")).toContain("cannot create resource");
      expect(await a.page.inputValue('textarea[name="approval"]')).toBe(text);
      await a.page.screenshot({ path: join(shots, "console-approval-refused.png"), fullPage: true });
    } finally {
      await a.context.close();
    }
    expect(kubectlResult(["-n", nsA.name, "get", "releaseevidences.golive.dev", promotion.metadata.name]).status).not.toBe(0);
    // lead may create releaseevidences in nsA: the same file is created, as lead.
    kubectl(["-n", nsA.name, "create", "role", "evidence-writer", "--verb=create", "--resource=releaseevidences.golive.dev"]);
    kubectl(["-n", nsA.name, "create", "rolebinding", "evidence-writer", "--role=evidence-writer", `--serviceaccount=${nsA.name}:lead`]);
    const lead = await signIn(tokens.lead);
    try {
      await lead.page.goto(`${base}/releases/${nsA.name}/underwriting-api-2-4-1`);
      await lead.page.fill('textarea[name="approval"]', text);
      await Promise.all([lead.page.waitForURL(/\/approvals$/), lead.page.click("#submit-signed")]);
      await expect.poll(() => lead.page.textContent("#submit-result")).toContain(`Created ReleaseEvidence ${promotion.metadata.name} (Promotion approval as release-manager) as system:serviceaccount:${nsA.name}:lead`);
      const stored = JSON.parse(kubectl(["-n", nsA.name, "get", "releaseevidences.golive.dev", promotion.metadata.name, "-o", "json"])) as typeof promotion;
      // Byte for byte what was signed elsewhere: the console added no signature of its own.
      expect(stored.spec).toEqual(promotion.spec);
      // The informer brings it to the page, unverified until the operator names its signer.
      await lead.page.goto(`${base}/releases/${nsA.name}/underwriting-api-2-4-1`);
      await expect.poll(() => lead.page.locator('table.approvals[data-stage="Promotion"] tr[data-evidence]').count(), { timeout: 15_000 }).toBe(1);
      expect(await lead.page.textContent('table.approvals[data-stage="Promotion"] .signer-cell')).toBe("not verified by the operator yet");
      await lead.page.screenshot({ path: join(shots, "console-approval-created.png"), fullPage: true });
    } finally {
      await lead.context.close();
    }
    const again = await postApproval(tokens.lead, "underwriting-api-2-4-1", text);
    expect(again.status).toBe(409);
    expect(again.body).toContain("exists already (evidence is immutable)");
  }, 90_000);

  it("trusts X-Remote-User/X-Remote-Group only from a proxy whose client certificate the front-proxy CA signed; SubjectAccessReviews still decide", async () => {
    const ca = issueCertificate({ commonName: "front-proxy-ca", usage: "ca" });
    const proxy = issueCertificate({ commonName: "front-proxy", issuer: { cert: ca.cert, key: ca.key }, usage: "client" }).pem;
    const unlisted = issueCertificate({ commonName: "some-client", issuer: { cert: ca.cert, key: ca.key }, usage: "client" }).pem;
    const forged = issueCertificate({ commonName: "front-proxy", usage: "client" }).pem;
    const caFile = join(dir, "front-proxy-ca.crt");
    writeFileSync(caFile, ca.pem.cert);
    const proxied = await startConsole({ port: 0, host: "127.0.0.1", kubeconfig: join(dir, "console.kubeconfig"), requestHeaderClientCaFile: caFile, requestHeaderAllowedNames: ["front-proxy"], auditUrl: `https://127.0.0.1:${audit.port}/audit`, auditCaFile: join(dir, "audit-ca.crt"), log: pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" }) });
    try {
      const at = { base: `https://127.0.0.1:${proxied.port}` };
      const asA = { "x-remote-user": `system:serviceaccount:${nsA.name}:viewer-a`, "x-remote-group": "system:serviceaccounts" };
      expect((await get("/", asA, at)).status).toBe(401);
      expect((await get("/", asA, { ...at, ...forged })).status).toBe(401);
      expect((await get("/", asA, { ...at, ...unlisted })).status).toBe(401);
      const a = await get("/", asA, { ...at, ...proxy });
      expect(a.status).toBe(200);
      expect(a.body).toContain(`<b id="viewer">system:serviceaccount:${nsA.name}:viewer-a</b>`);
      expect(a.body).toContain("underwriting-api-2-4-1");
      expect(a.body).not.toContain("claims-api-7-0-0");
      // The proxied viewer has no token to ask /audit with, and the console never asks with its own.
      const page = await get(`/releases/${nsA.name}/underwriting-api-2-4-1`, asA, { ...at, ...proxy });
      expect(page.body).toContain("you came through the authenticating proxy, so the console holds no token of yours");
      expect(page.body).not.toContain('<table class="audit">');
      const stranger = await get("/", { "x-remote-user": "someone-without-rights" }, { ...at, ...proxy });
      expect(stranger.status).toBe(200);
      expect(stranger.body).toContain("No release you may read matches.");
      // A bearer token still works beside the proxy, and the headers do not override it without the certificate.
      const token = await get("/", { ...asA, "x-remote-user": "someone-without-rights", authorization: `Bearer ${tokens.a}` }, at);
      expect(token.body).toContain("underwriting-api-2-4-1");
      // The proxy's viewer holds no token of theirs: the console will not create an approval for them.
      const signed = stringify(createEvidence({ release: relA(), type: "Approval", key: approverKey, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Verification", role: "release-manager" } } }));
      const post = await get(`/releases/${nsA.name}/underwriting-api-2-4-1/approvals`, { ...asA, "x-remote-user": `system:serviceaccount:${nsA.name}:lead`, "content-type": "application/x-www-form-urlencoded" }, { ...at, ...proxy, method: "POST", body: new URLSearchParams({ approval: signed }).toString() });
      expect(post.status).toBe(403);
      expect(post.body).toContain("the console holds no token of yours");
    } finally {
      await proxied.close();
    }
  }, 60_000);

  it("shows delivery figures of the readable namespaces only, and refuses a bad window", async () => {
    kubectl(["apply", "-f", "-"], releaseManifest(nsA.name, "underwriting-api-2-3-9", "underwriting-api", "2.3.9"));
    const decided = new Date(Date.now() - 3600_000);
    await patchStatus(nsA.name, "underwriting-api-2-3-9", { status: { phase: "RolledBack", rollback: { trigger: "AnalysisFailed", reason: "error rate 7 %", decidedAt: decided.toISOString(), startedAt: decided.toISOString(), trafficOnStableAt: new Date(decided.getTime() + 45_000).toISOString(), hooks: [] } } });
    await expect
      .poll(async () => (await get("/delivery?days=7", { authorization: `Bearer ${tokens.a}` })).body, { timeout: 15_000 })
      .toContain('<td class="cfr">100% (1 of 1)</td>');
    const page = (await get("/delivery?days=7", { authorization: `Bearer ${tokens.a}` })).body;
    expect(page).toContain(`<tr data-app="${nsA.name}/underwriting-api">`);
    expect(page).toContain('<td class="restore">45s</td>');
    expect(page).not.toContain("claims-api");
    const bad = await get("/delivery?days=0", { authorization: `Bearer ${tokens.a}` });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("days=0: use a whole number of days from 1 to 365");
  });

  it("golive metrics prints the same figures in the terminal, and says what is wrong with a bad window", () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../cli/main.ts"), "metrics", "--kubeconfig", join(dir, "console.kubeconfig"), ...args], { encoding: "utf8" });
    const json = cli(["--days", "7", "-o", "json"]);
    expect(json.status).toBe(0);
    const figures = (JSON.parse(json.stdout) as { applications: { namespace: string; application: string; failed: number; finished: number; restoreMedianS?: number }[] }).applications;
    expect(figures.find((f) => f.namespace === nsA.name)).toMatchObject({ application: "underwriting-api", failed: 1, finished: 1, restoreMedianS: 45 });
    const text = cli(["--days", "7", "-n", nsA.name]);
    expect(text.stdout).toMatch(new RegExp(`${nsA.name}\\s+underwriting-api\\s+0\\s+0\\.00\\s+—\\s+100% \\(1/1\\)\\s+45s`));
    const bad = cli(["--days", "0"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("--days 0: use a whole number of days from 1 to 365");
  }, 60_000);

  it("ends a viewer's event stream once their right is revoked (within the 15 s the answer is kept)", async () => {
    const url = new URL(`/events/release/${nsB.name}/claims-api-7-0-0`, base);
    let text = "";
    let code = 0;
    const ended = new Promise<void>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, rejectUnauthorized: false, agent: false, headers: { authorization: `Bearer ${tokens.b}` } }, (res) => {
        code = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve());
      });
      req.on("error", reject);
      req.end();
    });
    await expect.poll(() => text, { timeout: 10_000 }).toContain("claims-api-7-0-0");
    expect(code).toBe(200);
    kubectl(["-n", nsB.name, "delete", "rolebinding", "release-reader-viewer-b"]);
    await new Promise((r) => setTimeout(r, 16_000));
    await patchStatus(nsB.name, "claims-api-7-0-0", { status: { message: "gate security-scan: 1 critical finding" } });
    await ended;
    expect(text).toContain("event: gone\ndata: this release is gone or no longer readable");
    expect(text).not.toContain("1 critical finding");
  }, 60_000);

  it("golive console serves the same from the command line", async () => {
    const cli = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../cli/main.ts"), "console", "--port", "0", "--host", "127.0.0.1", "--kubeconfig", join(dir, "console.kubeconfig"), "--log-level", "error"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        cli.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const m = /golive console on https:\/\/localhost:(\d+)\//.exec(out);
          if (m) resolve(m[1]!);
        });
        cli.on("exit", (code) => reject(new Error(`golive console exited with ${code}`)));
      });
      const saved = base;
      base = `https://127.0.0.1:${port}`;
      try {
        expect((await get("/")).status).toBe(401);
        const a = await get("/", { authorization: `Bearer ${tokens.a}` });
        expect(a.status).toBe(200);
        expect(a.body).toContain("underwriting-api-2-4-1");
        expect(a.body).not.toContain("claims-api-7-0-0");
      } finally {
        base = saved;
      }
    } finally {
      cli.kill("SIGTERM");
    }
  }, 60_000);
});
