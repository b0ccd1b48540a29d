// The two other routers on the real API server: a whole rollout with the replica-ratio router
// (no router in front: weights are replica counts, verification goes through a verification copy
// behind <service>-canary and a NetworkPolicy), and the ingress-nginx router's objects (the canary
// Ingress and its annotations; no ingress-nginx controller runs here, so the objects are what is
// checked).
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release, type ApprovalStage } from "../api/index.js";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { NginxRouter } from "../operator/routers/nginx.js";
import type { RouterContext } from "../operator/routers/types.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const keysDir = join(root, "examples", "keys");
const ns = useNamespace("rollout-routers");
const auditDir = mkdtempSync(join(tmpdir(), "golive-rollout-routers-"));
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/api";
let operator: OperatorHandle;
let client: KubeClient;

async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const get = <T = Doc>(path: string) => client.get<T>(path.replaceAll("NS", ns.name));
async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined as T);
    if (last !== undefined && check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify((last as { status?: unknown })?.status ?? last)?.slice(0, 3000)}`);
}
const release = (name: string) => get<Release>(`/apis/golive.dev/v1alpha1/namespaces/NS/releases/${name}`);
const replicas = async (name: string) => ((await get(`/apis/apps/v1/namespaces/NS/deployments/${name}`)).spec as { replicas: number }).replicas;
const approve = (r: Doc, stage: ApprovalStage, role: string) =>
  apply(createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } }), type: "Approval", key: loadPrivateKey(readFileSync(join(keysDir, `${role}.key`), "utf8")), predicate: { issuedAt: new Date().toISOString(), approval: { stage, role } } }));


function policy(): Doc {
  return namespacePolicy(ns.name, {
    protectionLevel: 2,
    gates: [
      { name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } },
      { name: "verification-sign-off", clause: "4.7 f", phase: "Verification", approvals: { stage: "Verification" } },
    ],
    signers: exampleSigners((name) => name !== "image-signer"),
    roles: [
      { name: "business-owner", signers: ["business-owner"], permissions: ["Approve"] },
      { name: "release-manager", signers: ["release-manager"], permissions: ["Approve", "Promote", "Abort"] },
    ],
    approvals: [
      { stage: "Release", roles: ["release-manager"] },
      { stage: "Verification", roles: ["business-owner"] },
    ],
    images: { requireDigest: true, requireSignature: false },
    // The stand-in servers are not scraped as the release's pods; the check before Released is
    // exercised in test/monitoring-operator.test.ts.
    monitoring: { requireReady: false },
  });
}

function releaseDoc(n: number): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: `api-${n}` },
    spec: {
      application: "api",
      version: `${n}.0.0`,
      workloads: [{ kind: "Deployment", name: "api" }],
      images: [{ name: IMAGE, digest: digest(`api ${n}`) }],
      architecture: { replicas: 4 },
      strategy: {
        trafficRouting: { service: "api" },
        verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "api-verification", key: "token" } }, jobs: [] },
        steps: [
          { name: "quarter", setWeight: 25 },
          { name: "soak", pause: { duration: "1s" } },
          { name: "half", setWeight: 50 },
        ],
        progressDeadline: "2m",
      },
    },
  };
}
/** As Git should hold it in this mode: without spec.replicas, which golive owns. */
function deploymentDoc(n: number): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", labels: { app: "api", "golive.dev/release": `api-${n}` } },
    spec: {
      selector: { matchLabels: { app: "api" } },
      template: { metadata: { labels: { app: "api", tier: "web", "golive.dev/release": `api-${n}` } }, spec: { containers: [{ name: "api", image: `${IMAGE}@${digest(`api ${n}`)}` }] } },
    },
  };
}

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(policy());
  await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
  await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "api-verification" }, stringData: { token: "let-me-in" } });
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: "golive-system" }, {});
  operator = await startOperator({ config, log: createLogger(process.env.GOLIVE_TEST_LOG ?? "warn"), kubeConfig: kubeConfig(), healthServer: false });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("the replica-ratio router (no router in front)", () => {
  it("initialises, verifies through a NetworkPolicy-guarded copy (held while another NetworkPolicy opens it), shifts replicas step by step and promotes", async () => {
    const r1 = releaseDoc(1);
    await apply(r1);
    await approve(r1, "Release", "release-manager");
    await until("api-1 Approved", () => release("api-1"), (r) => r.status?.phase === "Approved");
    await apply(deploymentDoc(1));
    await until("api-1 Released", () => release("api-1"), (r) => r.status?.phase === "Released");
    // golive owns the candidate's replicas in this mode: the stable copy serves, the candidate is at 0.
    expect(await replicas("api-stable")).toBe(4);
    expect(await replicas("api")).toBe(0);

    const r2 = releaseDoc(2);
    await apply(r2);
    await approve(r2, "Release", "release-manager");
    await until("api-2 Approved", () => release("api-2"), (r) => r.status?.phase === "Approved");
    // The new template, re-applied without replicas: the candidate stays at 0, out of the Service,
    // until it is verified.
    const early: number[] = [];
    const watchEarly = setInterval(() => void replicas("api").then((n) => early.push(n)).catch(() => undefined), 50);
    await apply(deploymentDoc(2));
    const verifying = await until("api-2 waiting for sign-off", () => release("api-2"), (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""));
    clearInterval(watchEarly);
    expect(verifying.status?.phase).toBe("Verifying");
    expect(Math.max(0, ...early)).toBe(0);
    const copy = await get(`/apis/apps/v1/namespaces/NS/deployments/api-verify`);
    expect(copy.spec.template.metadata.labels).toEqual({ tier: "web", "golive.dev/release": "api-2", "golive.dev/track": "verification", "golive.dev/verify-of": "api" });
    const policyObj = await get(`/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies/api-verify`);
    expect(policyObj.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { "golive.dev/verification-client": "true" } } }] }]);
    expect((await get(`/api/v1/namespaces/NS/services/api-canary`)).spec.selector).toEqual({ "golive.dev/track": "verification", "golive.dev/verify-of": "api" });

    // NetworkPolicies add up: a broad one (a scraper's podSelector: {}) opens the verification copy
    // too. Reported and held: a sign-off given meanwhile does not pass verification.
    const exclusive = (r: Doc) => (r.status?.conditions as Doc[] | undefined)?.find((c) => c.type === "VerificationExclusive");
    expect(exclusive(await until("VerificationExclusive True", () => release("api-2"), (r) => exclusive(r)?.status === "True"))!.reason).toBe("Exclusive");
    await apply({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "scrape-all" }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: 9090 }] }] } });
    const opened = exclusive(await until("VerificationExclusive False naming scrape-all", () => release("api-2"), (r) => exclusive(r)?.status === "False"))!;
    expect(opened.message).toMatch(/NetworkPolicy scrape-all also selects the pods verification reaches for Deployment api \(api-verify-/);
    await until("api-2 says verification is held", () => release("api-2"), (r) => /^verification held: 4\.6 c: NetworkPolicy scrape-all/.test(r.status?.message ?? ""));
    await approve(r2, "Verification", "business-owner");
    await new Promise((r) => setTimeout(r, 3_000));
    const held = await release("api-2");
    expect([held.status?.phase, held.status?.verification?.passedAt]).toEqual(["Verifying", undefined]);
    expect(held.status?.message).toMatch(/^verification held: 4\.6 c/);
    expect(await replicas("api")).toBe(0);
    await kubectlAsync(["delete", "networkpolicy", "scrape-all", "-n", ns.name]);

    const seen: string[] = [];
    const poll = setInterval(() => {
      void Promise.all([replicas("api"), replicas("api-stable")])
        .then(([c, s]) => (seen.at(-1) !== `${c}/${s}` ? seen.push(`${c}/${s}`) : 0))
        .catch(() => undefined);
    }, 50);
    try {
      // The policy gone, the sign-off already given passes.
      const done = await until("api-2 Released", () => release("api-2"), (r) => r.status?.phase === "Released", 90_000);
      expect(done.status?.promotion?.promotedAt).toBeDefined();
    } finally {
      clearInterval(poll);
    }
    // candidate/stable replicas: 0/4 → 1/3 (25 %) → 2/2 (50 %) → 2/4 (stable takes the template, scaled up first) → 0/4.
    expect(seen.filter((s, i) => i === 0 || s !== seen[i - 1])).toEqual(expect.arrayContaining(["1/3", "2/2", "0/4"]));
    expect(seen.indexOf("1/3")).toBeLessThan(seen.indexOf("2/2"));
    expect(seen.indexOf("2/2")).toBeLessThan(seen.lastIndexOf("0/4"));
    await until("the verification copy and its NetworkPolicy to be gone", () => client.get(`/apis/apps/v1/namespaces/${ns.name}/deployments/api-verify`).then(() => false).catch(() => true), (gone) => gone);
    const stableCopy = await get(`/apis/apps/v1/namespaces/NS/deployments/api-stable`);
    expect(stableCopy.spec.template.spec.containers[0].image).toBe(`${IMAGE}@${digest("api 2")}`);
  }, 180_000);
});

describe("the ingress-nginx router", () => {
  it("points the user's Ingress at <service>-stable and manages a canary Ingress with the annotations", async () => {
    await apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "shop" },
      spec: { ingressClassName: "nginx", rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "shop", port: { number: 80 } } } }] } }] },
    });
    const router = new NginxRouter("shop");
    const ctx: RouterContext = { client, namespace: ns.name, release: "shop-2", service: "shop", stableService: "shop-stable", canaryService: "shop-canary", candidate: "shop", stable: "shop-stable", replicas: 2 };
    const verification = { header: "X-Golive-Verify", value: "let-me-in" };
    expect(await router.apply(ctx, { weight: 0, verification })).toBe(true);
    expect(await router.observe(ctx, { weight: 0, verification })).toEqual({ weight: 0, verification: true, settled: true });
    expect(await router.apply(ctx, { weight: 0, verification })).toBe(false);
    const main = await get(`/apis/networking.k8s.io/v1/namespaces/NS/ingresses/shop`);
    expect(main.spec.rules[0].http.paths[0].backend.service.name).toBe("shop-stable");
    let canary = await get(`/apis/networking.k8s.io/v1/namespaces/NS/ingresses/shop-golive-canary`);
    expect(canary.metadata.annotations).toMatchObject({ "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Golive-Verify", "nginx.ingress.kubernetes.io/canary-by-header-value": "let-me-in", "nginx.ingress.kubernetes.io/canary-weight": "0" });
    expect(canary.spec.rules[0].http.paths[0].backend.service.name).toBe("shop-canary");
    await router.apply(ctx, { weight: 30 });
    canary = await get(`/apis/networking.k8s.io/v1/namespaces/NS/ingresses/shop-golive-canary`);
    expect(canary.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]).toBe("30");
    expect(canary.metadata.annotations["nginx.ingress.kubernetes.io/canary-by-header"]).toBeUndefined();
    expect(await router.observe(ctx, { weight: 30 })).toEqual({ weight: 30, verification: false, settled: true });
    await router.apply(ctx, { weight: 0 });
    await expect(client.get(`/apis/networking.k8s.io/v1/namespaces/${ns.name}/ingresses/shop-golive-canary`)).rejects.toMatchObject({ code: 404 });
    expect(await router.observe(ctx, { weight: 0 })).toEqual({ weight: 0, verification: false, settled: true });
  }, 60_000);
});
