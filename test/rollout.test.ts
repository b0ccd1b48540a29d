// Progressive delivery end to end, on the real control plane with kwok nodes and a real
// Prometheus scraping two small HTTP servers that stand in for the stable and the candidate
// version (kwok pods serve nothing; the servers' error rates are set by the test and a load loop
// sends them requests). Weights are asserted on the HTTPRoute object (Gateway API CRD read from
// the sigs.k8s.io/gateway-api Go module), replicas on the Deployments. kwok's fast pod stages
// complete the pods of Jobs, so verification, cleanup and rollback-hook Jobs finish by themselves.
//
//   1. first release of a workload: initialised, its template becomes the stable copy;
//   2. a good release: Verifying (verification-only header route, Jobs, signed report, sign-off)
//      → CleaningUp → Progressing (weights 20, analysis, a pause that waits for a signed approval,
//      50, a timed pause) → Released; the operator is restarted mid-analysis and resumes; the
//      manifests are re-applied mid-rollout as a GitOps controller would;
//   3. a bad release: the analysis fails and the release rolls back automatically; the time from
//      the failed measurement to the HTTPRoute at 100 % stable is measured and printed.
import { spawnSync } from "node:child_process";
import { createHash, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { Release } from "../api/index.js";
import { verifyChain } from "../audit/chain.js";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { main } from "../cli/main.js";
import { loadPrivateKey, createEvidence } from "../gates/sign.js";
import { newKey } from "../gates/testkit.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { observeRules, type HTTPRoute } from "../operator/routers/gateway-api.js";
import { verificationTokenOf } from "../operator/routers/verification-token.js";
import { summaryConfigMapName, summaryKey } from "../operator/summary/publish.js";
import { verifySummaryEnvelope } from "../operator/summary/verify.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { startPrometheus, type Prometheus } from "./services/prometheus.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const keysDir = join(root, "examples", "keys");
const GATEWAY_API = "v1.6.3"; // the newest v1.x whose go.mod the machines' Go (1.26) accepts
const ns = useNamespace("rollout");
const auditDir = mkdtempSync(join(tmpdir(), "golive-rollout-audit-"));
const auditFile = join(auditDir, "audit.jsonl");
const operatorKey = newKey("ec");
const names = { namespace: "", service: "web", stableService: "web-stable", canaryService: "web-canary" };
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/web";
const VERIFY_IMAGE = `registry.example.com/team/verify@${digest("verify")}`;

let operator: OperatorHandle | undefined;
let prometheus: Prometheus;
let client: KubeClient;
const servers: Server[] = [];
let load: NodeJS.Timeout | undefined;

// ------------------------------------------------------------------------------------------------
// The stand-ins for the two versions, and a load loop

interface VersionServer {
  url: string;
  errorRate: number;
}
async function versionServer(version: "stable" | "canary"): Promise<VersionServer> {
  const state = { url: "", errorRate: 0 };
  const counts = { "200": 0, "500": 0 };
  let n = 0;
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(`# TYPE http_requests_total counter\n${Object.entries(counts).map(([code, v]) => `http_requests_total{version="${version}",code="${code}"} ${v}`).join("\n")}\n`);
      return;
    }
    // Deterministic error rate: errorRate·100 of every 100 requests fail.
    const code = n++ % 100 < state.errorRate * 100 ? "500" : "200";
    counts[code]++;
    res.writeHead(Number(code)).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

// ------------------------------------------------------------------------------------------------
// Notifications receiver

const notifications: { path: string; body: any; at: number }[] = [];
let receiverUrl = "";
async function startReceiver(): Promise<void> {
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      notifications.push({ path: req.url ?? "", body: JSON.parse(text), at: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// ------------------------------------------------------------------------------------------------
// Cluster helpers

async function apply(doc: object, fieldManager = "e2e"): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", `--field-manager=${fieldManager}`, "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
async function getJson<T>(kind: string, name: string): Promise<T> {
  const r = await kubectlAsync(["get", kind, name, "-n", ns.name, "-o", "json"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
}
const release = (name: string) => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${name}`);
const route = () => client.get<HTTPRoute>(`/apis/gateway.networking.k8s.io/v1/namespaces/${ns.name}/httproutes/web`);
const deployment = (name: string) => client.get<Doc>(`/apis/apps/v1/namespaces/${ns.name}/deployments/${name}`);

async function until<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await get();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify((last as { status?: unknown })?.status ?? last, null, 1)?.slice(0, 4000)}`);
}
const phase = (name: string, p: string, timeoutMs?: number) => until(`${name} ${p}`, () => release(name), (r) => r.status?.phase === p, timeoutMs);

/** Every version of the HTTPRoute a watch sees, with the time it arrived. */
const routeHistory: { at: number; weight: number; verification: boolean; rules: unknown }[] = [];
let stopRouteWatch: AbortController | undefined;
async function watchRoute(): Promise<void> {
  const current = await route();
  const record = (r: HTTPRoute) => routeHistory.push({ at: Date.now(), ...observeRules(r.spec?.rules ?? [], { ...names, namespace: ns.name }), rules: r.spec?.rules });
  record(current);
  stopRouteWatch = new AbortController();
  void client
    .watch<HTTPRoute>(`/apis/gateway.networking.k8s.io/v1/namespaces/${ns.name}/httproutes?watch=1&fieldSelector=${encodeURIComponent("metadata.name=web")}&resourceVersion=${current.metadata?.resourceVersion}`, (e) => e.type !== "BOOKMARK" && record(e.object), stopRouteWatch.signal)
    .catch(() => undefined);
}
/** Consecutive distinct canary weights seen since index `from`. */
function weightsSeen(from = 0): number[] {
  const out: number[] = [];
  for (const h of routeHistory.slice(from)) if (out.at(-1) !== h.weight) out.push(h.weight);
  return out;
}

async function startTheOperator(): Promise<OperatorHandle> {
  const config = loadConfig({ leaderElect: "false", auditFile, namespace: "golive-system" }, {});
  return startOperator({ config, log: createLogger(process.env.GOLIVE_TEST_LOG ?? "warn"), kubeConfig: kubeConfig(), healthServer: false, evidenceSigner: { name: "golive-operator", key: operatorKey.privateKey } });
}


// ------------------------------------------------------------------------------------------------
// Manifests

function testPolicy(): Doc {
  return namespacePolicy(ns.name, {
    protectionLevel: 3,
    gates: [
      { name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } },
      { name: "verification-report", clause: "4.7 c,d,e", phase: "Verification", tests: { evidenceType: "VerificationReport" } },
      { name: "verification-sign-off", clause: "4.7 f", phase: "Verification", approvals: { stage: "Verification" } },
      { name: "promotion-approval", clause: "4.9", phase: "Promotion", approvals: { stage: "Promotion" } },
    ],
    signers: [...exampleSigners((name) => name !== "image-signer"), { name: "golive-operator", publicKey: operatorKey.publicPem, evidenceTypes: ["VerificationReport"] }],
    roles: [
      { name: "business-owner", signers: ["business-owner"], permissions: ["Approve"] },
      { name: "release-manager", signers: ["release-manager"], permissions: ["Approve", "Promote", "Abort"] },
      { name: "ops-on-call", signers: ["ops-lead"], permissions: ["Approve", "Abort"] },
    ],
    approvals: [
      { stage: "Release", roles: ["release-manager"] },
      { stage: "Verification", roles: ["business-owner"] },
      { stage: "Promotion", roles: ["release-manager"] },
    ],
    images: { requireDigest: true, requireSignature: false },
    // The stand-in servers are not scraped as the release's pods; the check before Released is
    // exercised in test/monitoring-operator.test.ts.
    monitoring: { requireReady: false },
  });
}

interface ReleaseOptions {
  steps: Doc[];
  count?: number;
}
function releaseDoc(n: number, o: ReleaseOptions): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: `web-${n}` },
    spec: {
      application: "web",
      version: `${n}.0.0`,
      workloads: [{ kind: "Deployment", name: "web" }],
      images: [{ name: IMAGE, digest: digest(`web ${n}`) }],
      architecture: { replicas: 2 },
      strategy: {
        trafficRouting: { service: "web", gatewayAPI: { httpRoute: "web" } },
        verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "web-verification", key: "token" } }, jobs: [{ name: "smoke", job: { image: VERIFY_IMAGE, args: ["--suite", "smoke"] } }] },
        cleanup: { name: "purge", job: { image: VERIFY_IMAGE, args: ["--purge"] } },
        steps: o.steps,
        analysis: {
          prometheus: { address: prometheus.url },
          metrics: [
            {
              name: "error-rate",
              // {{canary}} expands to the candidate's pod-template-hash; the stand-in servers label
              // by version instead, so it only appears in a PromQL comment here.
              query: 'sum(rate(http_requests_total{version="canary",code="500"}[5s])) / sum(rate(http_requests_total{version="canary"}[5s])) # pod_template_hash={{canary}}',
              interval: "1s",
              count: o.count ?? 4,
              successCondition: "result < 0.05",
              failureCondition: "result >= 0.2",
              failureLimit: 0,
            },
          ],
        },
        progressDeadline: "2m",
      },
      rollback: { automatic: true, hooks: [{ name: "compensate", job: { image: VERIFY_IMAGE, args: ["--compensate"] } }] },
      notifications: [
        { url: `${receiverUrl}/json`, format: "json" },
        { url: `${receiverUrl}/text`, format: "text" },
      ],
    },
  };
}

function deploymentDoc(n: number): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", "golive.dev/release": `web-${n}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", "golive.dev/release": `web-${n}` } },
        spec: { containers: [{ name: "web", image: `${IMAGE}@${digest(`web ${n}`)}`, ports: [{ name: "http", containerPort: 8080 }] }] },
      },
    },
  };
}
const serviceDoc = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 8080, targetPort: "http" }] } };
const secretDoc = { apiVersion: "v1", kind: "Secret", metadata: { name: "web-verification" }, stringData: { token: "t0ps3cret" } };
const routeDoc = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "web" },
  spec: { parentRefs: [{ name: "public" }], hostnames: ["web.example.com"], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "web-stable", port: 8080 }] }] },
};

function sign(r: Doc, keyFile: string, predicate: Record<string, unknown>): Doc {
  const parsed = Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } });
  return createEvidence({ release: parsed, type: "Approval", key: loadPrivateKey(readFileSync(join(keysDir, keyFile), "utf8")), predicate: { issuedAt: new Date().toISOString(), ...predicate } });
}
const approve = (r: Doc, stage: string, role: string, keyFile: string) => apply(sign(r, keyFile, { approval: { stage, role } }));

/** Run the golive CLI in this process and capture what it prints. */
async function golive(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += c.toString()), true));
  try {
    const code = await main([...args, "-n", ns.name, "--kubeconfig", inject("kubeconfig")]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

// ------------------------------------------------------------------------------------------------

let stable: VersionServer;
let canary: VersionServer;

beforeAll(async () => {
  names.namespace = ns.name;
  client = new KubeClient(kubeConfig());
  // The HTTPRoute CRD, from the Gateway API Go module (never committed).
  const dl = spawnSync("go", ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${GATEWAY_API}`], { encoding: "utf8", timeout: 300_000 });
  const mod = JSON.parse(dl.stdout || "{}") as { Dir?: string; Error?: string };
  if (!mod.Dir) throw new Error(`cannot fetch sigs.k8s.io/gateway-api@${GATEWAY_API}: ${mod.Error ?? dl.stderr}`);
  const crd = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-f", join(mod.Dir, "config", "crd", "standard", "gateway.networking.k8s.io_httproutes.yaml")]);
  if (crd.status !== 0) throw new Error(crd.stderr);
  await until("the HTTPRoute CRD", async () => (await kubectlAsync(["get", "crd", "httproutes.gateway.networking.k8s.io", "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}'])).stdout, (s) => s === "True");

  stable = await versionServer("stable");
  canary = await versionServer("canary");
  load = setInterval(() => {
    for (const s of [stable, canary]) void fetch(s.url).then((r) => r.arrayBuffer()).catch(() => undefined);
  }, 20);
  prometheus = await startPrometheus({ targets: [{ job: "stable", urls: [`${stable.url}/metrics`] }, { job: "canary", urls: [`${canary.url}/metrics`] }] });
  await startReceiver();

  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(testPolicy());
  for (const doc of [serviceDoc, secretDoc, routeDoc]) await apply(doc);
  operator = await startTheOperator();
  await until("a first canary measurement in Prometheus", () => prometheus.query('sum(rate(http_requests_total{version="canary"}[5s]))').catch(() => undefined), (v) => v !== undefined && v > 0, 30_000);
}, 600_000);

afterAll(async () => {
  clearInterval(load);
  stopRouteWatch?.abort();
  await operator?.stop();
  await prometheus?.stop();
  for (const s of servers) s.close();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("progressive delivery on a real control plane", () => {
  it("initialises the first release of a workload: its template becomes the stable copy", async () => {
    const r1 = releaseDoc(1, { steps: [{ name: "all", setWeight: 100 }] });
    await apply(r1);
    await approve(r1, "Release", "release-manager", "release-manager.key");
    await phase("web-1", "Approved");
    await apply(deploymentDoc(1));
    const released = await phase("web-1", "Released");
    expect(released.status?.message).toMatch(/first release of Deployment web initialised/);
    const copy = await deployment("web-stable");
    expect(copy.spec.replicas).toBe(2);
    expect(copy.spec.selector.matchLabels).toEqual({ app: "web", "golive.dev/track": "stable" });
    expect(copy.spec.template.spec.containers[0].image).toBe(`${IMAGE}@${digest("web 1")}`);
    expect(copy.metadata.ownerReferences[0]).toMatchObject({ kind: "Deployment", name: "web" });
    const svc = await getJson<Doc>("service", "web-stable");
    expect(svc.spec.selector).toEqual({ app: "web", "golive.dev/track": "stable" });
    // The route points at web-stable in Git and is exactly as in Git.
    const r = await route();
    expect(observeRules(r.spec?.rules ?? [], names)).toEqual({ weight: 0, verification: false, managed: 1 });
    const inventory = await getJson<Doc>("configmap", "golive-inventory");
    expect(JSON.parse(inventory.data.web)).toMatchObject({ application: "web", version: "1.0.0", release: "web-1", how: "initialised" });
  }, 180_000);

  it("takes a good release Verifying → CleaningUp → Progressing → Released, with weights following the steps", async () => {
    await watchRoute();
    const r2 = releaseDoc(2, {
      steps: [
        { name: "slice", setWeight: 20 },
        { name: "watch-slice", analysis: { metrics: ["error-rate"] } },
        { name: "sign-off", pause: {} },
        { name: "half", setWeight: 50 },
        { name: "soak", pause: { duration: "2s" } },
      ],
      count: 6,
    });
    await apply(r2);
    await approve(r2, "Release", "release-manager", "release-manager.key");
    await phase("web-2", "Approved");
    await apply(deploymentDoc(2));

    // Verifying: the candidate runs, only verification users reach it (4.6 c).
    await phase("web-2", "Verifying");
    const verifying = await until("the verification route", route, (r) => observeRules(r.spec?.rules ?? [], names).verification);
    const rule = verifying.spec!.rules!.find((x) => x.name === "golive-verification-0")!;
    // 8.5: the route matches the release's derived token, never the Secret's value.
    const token = verificationTokenOf("t0ps3cret", await release("web-2"));
    expect(rule.matches?.[0]?.headers).toEqual([{ type: "Exact", name: "X-Golive-Verify", value: token }]);
    expect(JSON.stringify(verifying)).not.toContain("t0ps3cret");
    const shown = await golive("status", "web-2", "--verification-token");
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toBe(`${token}\n`);
    expect(shown.err).toBe(`verification users of web-2 send: X-Golive-Verify: ${token}\n`);
    expect(rule.backendRefs?.map((b) => b.name)).toEqual(["web-canary"]);
    expect(observeRules(verifying.spec?.rules ?? [], names).weight).toBe(0);
    // The Job runs (kwok completes it), its result is signed evidence, and the sign-off is awaited (4.7).
    const waiting = await until("the verification sign-off to be awaited", () => release("web-2"), (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""));
    expect(waiting.status?.verification?.jobs[0]).toMatchObject({ name: "smoke", job: "web-2-verify-smoke", phase: "Succeeded" });
    const job = await getJson<Doc>("job", "web-2-verify-smoke");
    expect(job.spec.template.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: "GOLIVE_VERIFY_VALUE", value: token }]));
    expect(waiting.status?.verification?.gates.find((g) => g.name === "verification-report")).toMatchObject({ status: "Passed", evidence: ["web-2-verification-jobs"] });
    const canarySvc = await getJson<Doc>("service", "web-canary");
    expect(canarySvc.spec.selector).toEqual({ app: "web", "pod-template-hash": waiting.status?.canary?.candidatePodTemplateHash });
    await approve(r2, "Verification", "business-owner", "business-owner.key");

    // CleaningUp: verification access is closed before the cleanup Job; then traffic opens.
    await phase("web-2", "Progressing");
    const cleaned = await release("web-2");
    expect(cleaned.status?.verification?.cleanup).toMatchObject({ name: "purge", phase: "Succeeded" });

    // The analysis step: restart the operator after a measurement or two; it resumes the same run.
    const mid = await until("the analysis to have measured", () => release("web-2"), (r) => (r.status?.analysis?.[0]?.metrics[0]?.measured ?? 0) >= 2);
    await operator!.stop();
    operator = undefined;
    const stopped = await release("web-2");
    await new Promise((r) => setTimeout(r, 1_500));
    operator = await startTheOperator();
    const run0 = stopped.status!.analysis![0]!;
    const resumed = await until("the analysis to finish", () => release("web-2"), (r) => r.status?.analysis?.[0]?.phase === "Successful");
    const run1 = resumed.status!.analysis![0]!;
    expect(run1.startedAt).toBe(run0.startedAt);
    expect(run1.metrics[0]!.measured).toBe(6);
    // The same run (same start), the measurements of the first operator kept: 6 in all, as configured.
    expect(run1.metrics[0]!.measurements.at(-1)!.at > run0.metrics[0]!.measurements.at(-1)!.at).toBe(true);
    expect(mid.status?.canary?.stepStartedAt).toBe(stopped.status?.canary?.stepStartedAt);
    console.log(`operator restarted mid-analysis after ${run0.metrics[0]!.measured} measurement(s); the new one continued the same run to ${run1.metrics[0]!.measured}`);

    // The pause waits for a signed approval by a role with Promote.
    const paused = await until("the pause", () => release("web-2"), (r) => r.status?.canary?.stepName === "sign-off" && r.status.canary.pause !== undefined);
    expect(paused.status?.message).toMatch(/paused at 20% until a role with the Promote permission signs a Promotion approval/);
    const status = await golive("status", "web-2");
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/Phase: +Progressing/);
    expect(status.out).toMatch(/Step: +3\/5 sign-off \(pause \(until approved\)\)/);
    expect(status.out).toMatch(/Weight: +20% of ordinary traffic on the candidate/);
    expect(status.out).toMatch(/watch-slice +error-rate +Successful +6/);

    // GitOps: re-apply every manifest mid-rollout, as Flux's kustomize-controller does.
    const before = { release: await release("web-2"), web: await deployment("web"), stableCopy: await deployment("web-stable") };
    const seenBefore = routeHistory.length;
    const reapplied = Date.now();
    for (const doc of [serviceDoc, secretDoc, deploymentDoc(2), r2, routeDoc]) await apply(doc, "kustomize-controller");
    const restored = await until("the route to be put right", route, (r) => observeRules(r.spec?.rules ?? [], names).weight === 20 && routeHistory.length > seenBefore + 1);
    const reset = routeHistory.slice(seenBefore).find((h) => h.weight === 0);
    const putRight = reset && routeHistory.slice(seenBefore).find((h) => h.at >= reset.at && h.weight === 20);
    console.log(`GitOps re-apply mid-rollout (${Date.now() - reapplied} ms for the five applies): the re-applied HTTPRoute (Git form, 0 %) was put back to 20 % by the operator ${putRight && reset ? `${putRight.at - reset.at} ms after the reset` : "(no reset seen)"}`);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = { release: await release("web-2"), web: await deployment("web"), stableCopy: await deployment("web-stable") };
    expect(after.release.metadata.generation).toBe(before.release.metadata.generation);
    expect(after.release.status?.phase).toBe("Progressing");
    expect(after.release.status?.canary).toEqual(before.release.status?.canary);
    expect(after.release.status?.analysis).toEqual(before.release.status?.analysis);
    expect(after.web.metadata.generation).toBe(before.web.metadata.generation);
    expect(after.stableCopy.metadata.generation).toBe(before.stableCopy.metadata.generation);
    expect(observeRules(restored.spec?.rules ?? [], names)).toEqual({ weight: 20, verification: false, managed: 1 });

    // A Promotion approval by a role without Promote does not end the pause; `golive promote` does.
    await approve(r2, "Promotion", "business-owner", "business-owner.key");
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await release("web-2")).status?.canary?.stepName).toBe("sign-off");
    const refused = await golive("promote", "web-2", "--role", "business-owner", "--key", join(keysDir, "business-owner.key"));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/role business-owner does not have the Promote permission/);
    const promoted = await golive("promote", "web-2", "--role", "release-manager", "--key", join(keysDir, "release-manager.key"), "--comment", "business accepted the slice");
    expect(promoted.code).toBe(0);
    expect(promoted.out).toMatch(/Promotion approved in role release-manager for the pause at step sign-off/);

    const done = await phase("web-2", "Released", 90_000);
    expect(done.status?.promotion?.promotedAt).toBeDefined();
    // 0 → 20 → (the GitOps re-apply resets the route to its Git form, 0, and the operator puts it back) 20 → 50 → 0.
    expect(weightsSeen()).toEqual([0, 20, 0, 20, 50, 0]);
    const copy = await deployment("web-stable");
    expect(copy.spec.template.spec.containers[0].image).toBe(`${IMAGE}@${digest("web 2")}`);
    // Routes golive added are gone: the route is exactly as in Git.
    const final = await route();
    expect(final.spec?.rules).toEqual([{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ group: "", kind: "Service", name: "web-stable", port: 8080, weight: 1 }] }]);
    const inventory = await getJson<Doc>("configmap", "golive-inventory");
    expect(JSON.parse(inventory.data.web)).toMatchObject({ version: "2.0.0", release: "web-2", how: "promoted", images: [{ name: IMAGE, digest: digest("web 2") }] });
    // The operator signed its verification summary at Approved and at Released (issue 17), kept
    // beside the release in ConfigMap web-2-golive-summary, verifiable with its public key.
    const summaries = await until("the signed summaries of web-2", () => getJson<Doc>("configmap", summaryConfigMapName("web-2")).catch((): Doc => ({})), (cm) => cm.data?.[summaryKey("Released")] !== undefined);
    const verdicts = (["Approved", "Released"] as const).map((at) => verifySummaryEnvelope(summaries.data[summaryKey(at)], createPublicKey(operatorKey.publicPem)));
    for (const v of verdicts) expect(v).toMatchObject({ ok: true, result: "PASSED" });
    // Every phase change was posted (generic JSON and chat text).
    const phases = await until("the notifications", async () => notifications.filter((n) => n.path === "/json" && n.body.release === "web-2").sort((a, b) => Date.parse(a.body.time as string) - Date.parse(b.body.time as string)).map((n) => n.body.to as string), (p) => p.includes("Released"), 10_000);
    expect(phases).toEqual(["Pending", "Blocked", "Approved", "Verifying", "CleaningUp", "Progressing", "Released"].filter((p) => p !== "Blocked" || phases.includes("Blocked")));
    const texts = notifications.filter((n) => n.path === "/text").map((n) => n.body.text as string);
    expect(texts).toContainEqual(expect.stringMatching(/^golive: web 2\.0\.0 \(rollout-[0-9a-f]+\/web-2\) Progressing → Released: promoted/));
  }, 240_000);

  it("rolls a bad release back automatically, and measures the time to 100 % stable", async () => {
    canary.errorRate = 0.5;
    const r3 = releaseDoc(3, { steps: [{ name: "slice", setWeight: 20 }, { name: "watch-slice", analysis: { metrics: ["error-rate"] } }] });
    await apply(r3);
    await approve(r3, "Release", "release-manager", "release-manager.key");
    await phase("web-3", "Approved");
    await apply(deploymentDoc(3));
    await until("the verification sign-off to be awaited", () => release("web-3"), (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""));
    await approve(r3, "Verification", "business-owner", "business-owner.key");
    const from = routeHistory.length;
    const rolledBack = await phase("web-3", "RolledBack", 90_000);
    const rb = rolledBack.status!.rollback!;
    expect(rb.trigger).toBe("AnalysisFailed");
    expect(rb.reason).toMatch(/error-rate = 0\.\d+ meets the failure condition "result >= 0.2": 1 failed measurement\(s\), limit 0/);
    const failedAt = Date.parse(rb.decidedAt);
    const back = routeHistory.slice(from).find((h) => h.at >= failedAt && h.weight === 0 && !h.verification);
    expect(back).toBeDefined();
    const ms = back!.at - failedAt;
    console.log(`rollback: failed measurement at ${rb.decidedAt}; HTTPRoute at 100 % stable ${ms} ms later (watch event); status records ${Date.parse(rb.trafficOnStableAt!) - failedAt} ms; verified RolledBack ${Date.parse(rb.verifiedAt!) - failedAt} ms after the measurement`);
    expect(ms).toBeLessThan(2_000);
    expect(weightsSeen(from)).toEqual([0, 20, 0]);

    // The candidate serves nothing and its pods are gone; the hook ran after traffic was back (4.10 c,d,e).
    const web = await deployment("web");
    expect(web.spec.replicas).toBe(0);
    const candidatePods = await kubectlAsync(["get", "pods", "-n", ns.name, "-l", `app=web,pod-template-hash=${rolledBack.status?.canary?.candidatePodTemplateHash}`, "-o", "name"]);
    expect(candidatePods.stdout.trim()).toBe("");
    expect(rb.hooks).toEqual([expect.objectContaining({ name: "compensate", phase: "Succeeded" })]);
    const hookJob = await getJson<Doc>("job", "web-3-rollback-compensate");
    expect(Date.parse(hookJob.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Math.floor(Date.parse(rb.trafficOnStableAt!) / 1000) * 1000);
    expect((await deployment("web-stable")).spec.template.spec.containers[0].image).toBe(`${IMAGE}@${digest("web 2")}`);
    expect(rolledBack.status?.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");

    // Recorded: Events, the audit trail, notifications.
    const events = await kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", "involvedObject.name=web-3", "-o", "json"]);
    const reasons = (JSON.parse(events.stdout) as { items: { reason: string; type: string }[] }).items.map((e) => `${e.type}/${e.reason}`);
    expect(reasons).toEqual(expect.arrayContaining(["Warning/RollingBack", "Warning/RolledBack"]));
    const audit = readFileSync(auditFile, "utf8");
    expect(verifyChain(audit).ok).toBe(true);
    const records = audit.trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: string; result: string; reason: string; details?: Record<string, unknown> });
    const mine = records.filter((x) => x.type === "transition" && x.object === `${ns.name}/Release/web-3`);
    // (Blocked shows up when the operator evaluates the release before its approval arrives.)
    expect(mine.map((x) => x.result).filter((p) => p !== "Blocked")).toEqual(["Pending", "Approved", "Verifying", "CleaningUp", "Progressing", "RollingBack", "RolledBack"]);
    expect(mine.at(-1)?.details).toMatchObject({ trigger: "AnalysisFailed" });
    // Its decisions besides the transitions (operator/audit/decisions.ts): the rollback, the router
    // changes (the last one back to 0 %), the rollback hook's Job.
    const decisions = records.filter((x) => x.type !== "transition" && (x.object === `${ns.name}/Release/web-3` || x.details?.release === "web-3"));
    expect(decisions.filter((x) => x.type === "rollback").map((x) => x.result)).toEqual(["started", "verified"]);
    expect(decisions.find((x) => x.type === "rollback")?.details).toMatchObject({ trigger: "AnalysisFailed" });
    const traffic = decisions.filter((x) => x.type === "traffic" && x.object === `${ns.name}/Deployment/web`).map((x) => x.result);
    expect(traffic.length, JSON.stringify(decisions.map((x) => `${x.type} ${x.object} ${x.result}`))).toBeGreaterThan(1);
    expect(traffic.at(-1)).toBe("0%");
    expect(decisions).toEqual(expect.arrayContaining([expect.objectContaining({ type: "job", result: "succeeded", reason: expect.stringContaining("compensate") })]));
    const rolledSummary = await until("the signed RolledBack summary of web-3", () => getJson<Doc>("configmap", summaryConfigMapName("web-3")).catch((): Doc => ({})), (cm) => cm.data?.[summaryKey("RolledBack")] !== undefined);
    expect(verifySummaryEnvelope(rolledSummary.data[summaryKey("RolledBack")] as string, createPublicKey(operatorKey.publicPem))).toMatchObject({ ok: true, result: "FAILED" });
    await until("the RolledBack notifications", async () => notifications.filter((n) => (n.path === "/json" && n.body.release === "web-3" && n.body.to === "RolledBack") || (n.path === "/text" && /web-3\) RollingBack → RolledBack/.test(n.body.text as string))).length, (n) => n === 2, 10_000);
    const status = await golive("status", "web-3");
    expect(status.out).toMatch(/Rollback \(4\.10\): AnalysisFailed/);
  }, 240_000);
});
