// golive on a real node (test/cluster/real-node.ts): the Helm chart installed with the image the
// suite built (test/cluster/build-image.sh), operator and webhook as real pods (uid 65532,
// read-only root, no capabilities), and the API server calling the webhook through its ClusterIP
// Service (kube-proxy), failing closed: one create admitted, one denied, and the webhook's own
// /metrics counting both.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Release } from "../api/index.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { verificationTokenOf } from "../operator/routers/verification-token.js";
import { loadConfig } from "../settings/config.js";
import { ensureGatewayApiCrds } from "./cluster/gateway-api.js";
import { onRealNode, startRealNode, REAL_NODE, REAL_NODE_TAINT, type RealNode } from "./cluster/real-node.js";
import { buildImages, type BuiltImages } from "./cluster/real-node-image.js";
import { helmResult } from "./services/helm.js";
import { startPrometheus } from "./services/prometheus.js";
import { startTraefik, TRAEFIK_CONTROLLER } from "./services/traefik.js";
import { kubeConfig, kubectl, kubectlAsync, kubectlResult, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy } from "./support/policy.js";
import { until } from "./support/wait.js";

const root = join(import.meta.dirname, "..");
const chart = join(root, "charts", "golive");
type Doc = Record<string, any>;

let node: RealNode | undefined;
let images: BuiltImages;
const golive = useNamespace("rn-golive");
const apps = useNamespace("rn-apps");
const release = "golive";

// The host as it was: the node's teardown must leave it so (other engineers' clusters share it).
const HOST_SYSCTLS = ["vm.overcommit_memory", "kernel.panic", "kernel.panic_on_oops", "net.ipv4.ip_forward"];
const sysctlNow = () => HOST_SYSCTLS.map((k) => `${k}=${spawnSync("sysctl", ["-n", k], { encoding: "utf8" }).stdout.trim()}`);
const iptablesNow = () => ["iptables-save", "ip6tables-save"].map((c) => spawnSync(c, [], { encoding: "utf8" }).stdout).join("\n");
let sysctlsBefore: string[] = [];

beforeAll(async () => {
  sysctlsBefore = sysctlNow();
  images = buildImages();
  node = await startRealNode({ kubeconfig: inject("kubeconfig"), server: inject("server"), binDir: inject("binDir"), kubectl }, images, (l) => console.log(`[real node] ${l}`));
}, 900_000);

afterAll(async () => {
  await node?.stop();
  // Nothing of the node is left on the host: no kube-proxy/kubelet chain, no CNI chain of its
  // network, no bridge, and the sysctls the kubelet and the bridge plugin set are back.
  expect(iptablesNow()).not.toMatch(/KUBE-|golive-realnode/);
  expect(sysctlNow()).toEqual(sysctlsBefore);
  expect(spawnSync("ip", ["link", "show", "cni-golive0"]).status).not.toBe(0);
}, 180_000);

/** Sum of golive_webhook_decisions_total{allowed=...} over every webhook pod, read from the pods' own /metrics. */
async function decisions(allowed: "true" | "false"): Promise<number> {
  const pods = JSON.parse(kubectl(["get", "pods", "-n", golive.name, "-l", "app.kubernetes.io/component=webhook", "-o", "json"])) as Doc;
  let sum = 0;
  for (const pod of pods.items as Doc[]) {
    const text = await (await fetch(`http://${pod.status.podIP as string}:8080/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    for (const m of text.matchAll(/^golive_webhook_decisions_total\{([^}]*)\} (\S+)$/gm)) if (m[1]!.includes(`allowed="${allowed}"`)) sum += Number(m[2]);
  }
  return sum;
}

describe("the chart on the real node, with golive's own image", () => {
  // Uninstalled before the traffic test, whose operator runs in this process.
  afterAll(async () => {
    await helmResult(["uninstall", release, "-n", golive.name, "--wait", "--timeout", "60s"], { kubeconfig: inject("kubeconfig"), timeoutMs: 90_000 });
    kubectlResult(["delete", "releasepolicy", `${apps.name}-policy`, "--ignore-not-found"]);
  }, 120_000);

  it("installs: operator, console and two webhook pods Ready on the real node, running as 65532 with a read-only root", async () => {
    kubectl(["label", "namespace", apps.name, `golive.dev/governed=${apps.name}`, `golive.dev/test-policy=${apps.name}`]);
    const [repository, tag] = images.image.split(":") as [string, string];
    const values = {
      image: { repository, tag, pullPolicy: "Never" },
      operator: { replicas: 1, ...onRealNode, audit: { storage: "emptyDir" }, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "1Gi" } } },
      webhook: { replicas: 2, ...onRealNode, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "512Mi" } }, scopes: [{ name: "realnode", selector: { matchLabels: { "golive.dev/governed": apps.name } } }] },
      governedNamespaces: [apps.name],
      console: { enabled: true, ...onRealNode, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "512Mi" } } },
    };
    const t = Date.now();
    const r = await helmResult(["install", release, chart, "-n", golive.name, "--skip-crds", "--wait", "--timeout", "240s", "-f", "-"], { kubeconfig: inject("kubeconfig"), input: JSON.stringify(values), timeoutMs: 300_000 });
    expect(r.stderr + r.stdout).toMatch(/STATUS: deployed/);
    console.log(`[real node] helm install --wait took ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const pods = (JSON.parse(kubectl(["get", "pods", "-n", golive.name, "-o", "json"])) as Doc).items as Doc[];
    expect(pods.map((p) => String(p.metadata.labels["app.kubernetes.io/component"])).sort()).toEqual(["console", "operator", "webhook", "webhook"]);
    for (const p of pods) {
      expect(p.spec.nodeName).toBe(REAL_NODE);
      expect(p.status.podIP).toMatch(/^10\.244\.0\./);
      expect(p.spec.containers[0].image).toBe(images.image);
      expect(p.status.conditions.find((c: Doc) => c.type === "Ready")?.status).toBe("True");
      const sc = { ...p.spec.securityContext, ...p.spec.containers[0].securityContext } as Doc;
      expect([sc.runAsUser, sc.runAsGroup, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities?.drop]).toEqual([65532, 65532, true, false, ["ALL"]]);
    }
    // The webhook wrote its CA into the configuration: nothing in the chart carries it.
    const config = JSON.parse(kubectl(["get", "validatingwebhookconfiguration", "golive-webhook", "-o", "json"])) as Doc;
    expect((config.webhooks as Doc[]).every((w) => (w.clientConfig.caBundle as string | undefined)?.length)).toBe(true);
    expect((config.webhooks as Doc[]).every((w) => w.failurePolicy === ((w.name as string).startsWith("evictions.") ? "Ignore" : "Fail") && w.clientConfig.service.port === 443)).toBe(true);
  }, 360_000);

  it("the API server calls the webhook through its Service: a create is admitted, then, under a policy, one is denied; /metrics counts both", async () => {
    const [allowedBefore, deniedBefore] = [await decisions("true"), await decisions("false")];
    // Governed by the webhook's scope, but no ReleasePolicy yet: admitted (the webhook is called).
    const admitted = kubectlResult(["create", "deployment", "first", "-n", apps.name, `--image=${images.echo_image}`]);
    expect(admitted.stderr).toBe("");
    await until("the admission counted", async () => ((await decisions("true")) > allowedBefore ? true : undefined), 30_000);

    const policy = parse(readFileSync(join(root, "examples", "policy.yaml"), "utf8")) as Doc;
    const { namespaceSelector: _ignored, ...spec } = policy.spec as Doc;
    kubectl(["apply", "-f", "-"], JSON.stringify(namespacePolicy(apps.name, spec)));
    // The webhook's informer sees the policy shortly after it is written.
    const denied = await until("a denial", () => {
      const r = kubectlResult(["create", "deployment", "second", "-n", apps.name, `--image=${images.echo_image}`]);
      return r.status !== 0 ? r : (kubectlResult(["delete", "deployment", "second", "-n", apps.name]), undefined);
    }, 30_000, 1_000);
    expect(denied.stderr).toMatch(/admission webhook "workloads\.realnode\.golive\.dev" denied the request/);
    expect(await decisions("false")).toBeGreaterThan(deniedBefore);
  }, 120_000);

  it("the console serves on the real node behind TLS: a viewer's token sees the releases of the namespace it may read, none of another; no token is refused", async () => {
    const pod = ((JSON.parse(kubectl(["get", "pods", "-n", golive.name, "-l", "app.kubernetes.io/component=console", "-o", "json"])) as Doc).items as Doc[])[0]!;
    const port = (pod.spec.containers[0].ports as Doc[]).find((p) => p.name === "https")?.containerPort as number;
    const [image, digest] = echoPinned().split("@") as [string, string];
    const releaseIn = (ns: string, name: string) => ({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name, namespace: ns }, spec: { application: name, version: "1.0.0", workloads: [{ kind: "Deployment", name }], images: [{ name: image, digest }] } });
    kubectl(["apply", "-f", "-"], JSON.stringify(releaseIn(apps.name, "console-probe")));
    kubectl(["apply", "-f", "-"], JSON.stringify(releaseIn(golive.name, "not-for-the-viewer")));
    kubectl(["-n", apps.name, "create", "serviceaccount", "viewer"]);
    kubectl(["-n", apps.name, "create", "role", "release-reader", "--verb=get,list,watch", "--resource=releases.golive.dev"]);
    kubectl(["-n", apps.name, "create", "rolebinding", "release-reader", "--role=release-reader", `--serviceaccount=${apps.name}:viewer`]);
    const token = kubectl(["-n", apps.name, "create", "token", "viewer"]).trim();
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string; san: string }>((resolve, reject) => {
        // The certificate is one the console made at start for its Service's names: checked by name below, not by a CA.
        const req = httpsRequest({ host: pod.status.podIP as string, port, path, rejectUnauthorized: false, agent: false, headers, timeout: 10_000 }, (res) => {
          const san = String((res.socket as unknown as { getPeerCertificate(): { subjectaltname?: string } }).getPeerCertificate().subjectaltname ?? "");
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, san }));
        });
        req.on("error", reject);
        req.end();
      });
    const page = await until("the console to list console-probe", async () => ((r) => (r.body.includes("console-probe") ? r : undefined))(await get("/", { authorization: `Bearer ${token}`, accept: "text/html" })), 60_000, 1_000);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain("not-for-the-viewer");
    expect(page.san).toContain(`DNS:${release}-console.${golive.name}.svc`);
    expect((await get("/", { accept: "text/plain" })).status).toBe(401);
    expect((await get("/", { authorization: "Bearer not-a-token", accept: "text/plain" })).status).toBe(401);
  }, 120_000);

  it("fails closed: with no webhook pod behind the Service, the same create is refused", async () => {
    kubectl(["scale", "deployment", `${release}-webhook`, "-n", golive.name, "--replicas=0"]);
    try {
      const r = await until("the create to be refused", () => {
        const res = kubectlResult(["create", "deployment", "third", "-n", apps.name, `--image=${images.echo_image}`]);
        return res.status !== 0 && /failed calling webhook/.test(res.stderr) ? res : (kubectlResult(["delete", "deployment", "third", "-n", apps.name, "--ignore-not-found"]), undefined);
      }, 60_000, 1_000);
      // No endpoint left: kube-proxy rejects (connection refused), the last pod's address is gone
      // (no route to host), or packets to a terminating pod go unanswered until the API server's
      // call times out (context deadline exceeded), depending on how far the scale-down got.
      // Each is a failed call, never a denial by golive, and the create is refused.
      expect(r.stderr).toMatch(/failed calling webhook "workloads\.realnode\.golive\.dev".*(connection refused|no route to host|context deadline exceeded)/s);
      expect(r.stderr).not.toMatch(/denied the request/);
    } finally {
      kubectl(["scale", "deployment", `${release}-webhook`, "-n", golive.name, "--replicas=2"]);
    }
  }, 120_000);
});

// ---- Traffic measured at the backends: the replica-ratio router behind a real Service ----------
//
// The operator runs in this process (as in test/rollout-routers.test.ts); candidate, stable and
// verification pods are echo servers on the real node that answer with their pod name and
// version, and every request is a new TCP connection to the Service's ClusterIP, so kube-proxy
// picks a backend per request.
const traffic = useNamespace("rn-traffic");
const keysDir = join(root, "examples", "keys");
// The echo image pinned by its digest in the node's containerd: the release seals it, the pods run it.
const echoPinned = () => node!.pinned(images.echo_image);

function trafficPolicy(): Doc {
  return namespacePolicy(traffic.name, {
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
    monitoring: { requireReady: false },
  });
}

function releaseDoc(n: number): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: `web-${n}` },
    spec: {
      application: "web",
      version: `${n}.0.0`,
      workloads: [{ kind: "Deployment", name: "web" }],
      images: [{ name: echoPinned().split("@")[0]!, digest: echoPinned().split("@")[1]! }],
      architecture: { replicas: 5 },
      strategy: {
        trafficRouting: { service: "web" },
        verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "web-verification", key: "token" } }, jobs: [] },
        steps: [
          { name: "canary", setWeight: 20 },
          { name: "hold", pause: { duration: "10m" } },
        ],
        progressDeadline: "15m",
      },
    },
  };
}

/** Release n of an application of one workload running the echo image. */
function echoRelease(application: string, n: number, workload: { kind: string; name: string }, spec: Doc): Doc {
  const [name, digest] = echoPinned().split("@") as [string, string];
  return { apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: `${application}-${n}` }, spec: { application, version: `${n}.0.0`, workloads: [workload], images: [{ name, digest }], ...spec } };
}

/** Version n of an application's Deployment of echo pods on the real node; env is added (ECHO_STATUS=500: a bad build). */
function deploymentDoc(n: number, app = "web", env: { name: string; value: string }[] = []): Doc {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, labels: { app, "golive.dev/release": `${app}-${n}` } },
    spec: {
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, "golive.dev/release": `${app}-${n}` } },
        spec: {
          ...onRealNode,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 2,
          containers: [{
            name: "echo",
            image: echoPinned(),
            imagePullPolicy: "Never",
            env: [{ name: "VERSION", value: String(n) }, ...env],
            readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 1 },
            securityContext: { runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          }],
        },
      },
    },
  };
}

async function applyTraffic(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", traffic.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const phaseOf = async (name: string): Promise<Doc | undefined> => {
  const r = await kubectlAsync(["get", "release", name, "-n", traffic.name, "-o", "json"]);
  return r.status === 0 ? (JSON.parse(r.stdout) as Doc) : undefined;
};
async function releaseWhen(name: string, check: (r: Doc) => boolean, timeoutMs = 120_000): Promise<Doc> {
  let last: Doc | undefined;
  return until(`${name}`, async () => {
    last = await phaseOf(name);
    return last && check(last) ? last : undefined;
  }, timeoutMs, 250).catch((e: Error) => {
    const pods = kubectlResult(["get", "deploy,pods", "-n", traffic.name, "-o", "wide"]).stdout;
    throw new Error(`${e.message}; last status: ${JSON.stringify(last?.status).slice(0, 2000)}\n${pods}`, { cause: e });
  });
}
const signApproval = (r: Doc, predicate: Doc, role: string) =>
  applyTraffic(createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: traffic.name } }), type: "Approval", key: loadPrivateKey(readFileSync(join(keysDir, `${role}.key`), "utf8")), predicate: { issuedAt: new Date().toISOString(), ...predicate } }));

/** One GET on a fresh connection (agent: false), so kube-proxy chooses a backend for each request. */
function hit(ip: string, headers: Record<string, string> = {}, port = 80): Promise<string> {
  return new Promise((resolve) => {
    // 10 s: under the whole suite on 2 cores a pod can take seconds to answer; a request that
    // times out is reported as such (not as Node's bare "socket hang up").
    const req = httpRequest({ host: ip, port, path: "/", agent: false, headers, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    const sent = Date.now();
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", (e) => resolve(`error ${e.message} (after ${Date.now() - sent} ms)`));
    req.end();
  });
}

interface Tally { candidate: number; stable: number; verify: number; other: number; total: number; /** The first few answers that came from no known pod (errors), for the failure message. */ odd?: string[] }
/**
 * n requests, `parallel` at a time; each answer sorted by the pod that gave it (the pods of `app`:
 * its stable copy, its verification copy, the candidate). `port` 80 is a Service's, another a gateway's.
 */
async function load(ip: string, n: number, parallel = 8, headers: Record<string, string> = {}, { port = 80, app = "web" } = {}): Promise<Tally> {
  const t: Tally = { candidate: 0, stable: 0, verify: 0, other: 0, total: 0 };
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) {
      next++;
      const body = await hit(ip, headers, port);
      const pod = /^hello from (\S+) version=(\d*)/.exec(body);
      if (!pod) {
        t.other++;
        if ((t.odd ??= []).length < 5) t.odd.push(body.slice(0, 120));
      } else if (pod[1]!.startsWith(`${app}-verify-`)) t.verify++;
      else if (pod[1]!.startsWith(`${app}-stable-`)) t.stable++;
      else if (pod[1]!.startsWith(`${app}-`)) t.candidate++;
      else t.other++;
      t.total++;
    }
  }));
  return t;
}

/** n requests, 8 at a time: how many each version answered ("error" for no answer from a pod). */
async function versions(ip: string, n: number, port = 80): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next++ < n) {
      const v = /^hello from \S+ version=(\d+)/.exec(await hit(ip, {}, port))?.[1] ?? "error";
      out[v] = (out[v] ?? 0) + 1;
    }
  }));
  return out;
}

/** The addresses kube-proxy (iptables mode) DNATs a Service port to, by its rules' comment "ns/service:port". */
function proxiedAddresses(comment: string): string[] {
  const rules = spawnSync("iptables-save", ["-t", "nat"], { encoding: "utf8" }).stdout.split("\n");
  return rules.filter((l) => l.includes(`"${comment}"`) && l.includes("-j DNAT")).map((l) => /--to-destination ([\d.]+):/.exec(l)?.[1] ?? "").filter(Boolean);
}
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
/** The addresses of a Service's ready, not terminating endpoints. */
async function readyAddresses(service: string): Promise<string[]> {
  const r = await kubectlAsync(["get", "endpointslices", "-n", traffic.name, "-l", `kubernetes.io/service-name=${service}`, "-o", "json"]);
  if (r.status !== 0) return [];
  return ((JSON.parse(r.stdout) as Doc).items as Doc[]).flatMap((s) => (s.endpoints as Doc[] | null) ?? []).filter((e) => e.conditions?.ready === true && e.conditions?.terminating !== true).flatMap((e) => e.addresses as string[]);
}

/** The pods behind a Service's ready endpoints. */
async function readyPods(service: string): Promise<string[]> {
  const r = await kubectlAsync(["get", "endpointslices", "-n", traffic.name, "-l", `kubernetes.io/service-name=${service}`, "-o", "json"]);
  if (r.status !== 0) return [];
  return ((JSON.parse(r.stdout) as Doc).items as Doc[]).flatMap((s) => (s.endpoints as Doc[] | null) ?? []).filter((e) => e.conditions?.ready === true && e.conditions?.terminating !== true).map((e) => String(e.targetRef?.name));
}
const readyEndpoints = async (service: string) => (await readyPods(service)).length;
/** Ready endpoints of web: [candidate pods, stable pods], once no other pod (terminating, verify) is among them. */
async function split(): Promise<[number, number] | undefined> {
  const pods = await readyPods("web");
  const stable = pods.filter((p) => p.startsWith("web-stable-")).length;
  const candidate = pods.filter((p) => !p.startsWith("web-stable-") && !p.startsWith("web-verify-")).length;
  return candidate + stable === pods.length ? [candidate, stable] : undefined;
}

describe("traffic measured at the backends: the replica-ratio router through a real Service (kube-proxy)", () => {
  let operator: OperatorHandle | undefined;
  const auditDir = mkdtempSync(join(tmpdir(), "golive-real-node-traffic-"));
  let ip = "";

  beforeAll(async () => {
    await kubectlAsync(["label", "namespace", traffic.name, `golive.dev/test-policy=${traffic.name}`]);
    await applyTraffic(trafficPolicy());
    await applyTraffic({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
    await applyTraffic({ apiVersion: "v1", kind: "Secret", metadata: { name: "web-verification" }, stringData: { token: "let-me-in" } });
    ip = kubectl(["get", "service", "web", "-n", traffic.name, "-o", "jsonpath={.spec.clusterIP}"]);
    const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: "golive-system" }, {});
    operator = await startOperator({ config, log: createLogger(process.env.GOLIVE_TEST_LOG ?? "warn"), kubeConfig: kubeConfig(), healthServer: false });
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await kubectlAsync(["delete", "releasepolicy", `${traffic.name}-policy`, "--wait=false"]);
    rmSync(auditDir, { recursive: true, force: true });
  });

  it("a canary at 20 % answers 20 % ± 5 points of 2,000 requests; non-verifiers never reach the candidate before verification; after an abort, 0 requests reach it", async () => {
    // Release 1: the first version, initialised as the stable copy with all 5 replicas.
    const r1 = releaseDoc(1);
    await applyTraffic(r1);
    await signApproval(r1, { approval: { stage: "Release", role: "release-manager" } }, "release-manager");
    await releaseWhen("web-1", (r) => r.status?.phase === "Approved");
    await applyTraffic(deploymentDoc(1));
    await releaseWhen("web-1", (r) => r.status?.phase === "Released");
    await until("5 stable endpoints and no candidate", async () => ((await split())?.join("/") === "0/5" ? true : undefined), 60_000);
    // kube-proxy follows the EndpointSlices within moments: from then on stable answers everything.
    await until("kube-proxy to send everything to stable", async () => ((await load(ip, 100)).stable === 100 ? true : undefined), 30_000, 200);

    // Release 2, until its verification is signed off: ordinary requests only ever reach stable.
    const r2 = releaseDoc(2);
    await applyTraffic(r2);
    await signApproval(r2, { approval: { stage: "Release", role: "release-manager" } }, "release-manager");
    await releaseWhen("web-2", (r) => r.status?.phase === "Approved");
    await applyTraffic(deploymentDoc(2));
    await releaseWhen("web-2", (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""));
    await until("the verification copy Ready behind web-canary", async () => ((await readyEndpoints("web-canary")) >= 1 ? true : undefined), 60_000);
    const canaryIp = kubectl(["get", "service", "web-canary", "-n", traffic.name, "-o", "jsonpath={.spec.clusterIP}"]);
    const duringVerification = await load(ip, 500);
    expect(duringVerification).toEqual({ candidate: 0, stable: 500, verify: 0, other: 0, total: 500 });
    // Verification clients reach the new version through web-canary (a NetworkPolicy is meant to
    // keep everyone else out of it; the bridge CNI does not enforce NetworkPolicy: see README).
    await until("kube-proxy to route web-canary to the verification copy", async () => ((await load(canaryIp, 20)).verify === 20 ? true : undefined), 30_000, 200);
    const verifier = await load(canaryIp, 100);
    expect(verifier).toEqual({ candidate: 0, stable: 0, verify: 100, other: 0, total: 100 });

    await signApproval(r2, { approval: { stage: "Verification", role: "business-owner" } }, "business-owner");
    await releaseWhen("web-2", (r) => r.status?.phase === "Progressing" && r.status?.canary?.weight === 20, 120_000);
    await until("1 candidate and 4 stable endpoints", async () => ((await split())?.join("/") === "1/4" ? true : undefined), 90_000, 500);
    // kube-proxy has synced once the candidate answers and no request meets a pod on its way out
    // (the stable pod scaled away exits at once on SIGTERM): no pod of web is terminating any more,
    // and then a warm-up load meets none that is gone (its address would be unreachable).
    const terminating = async () => ((JSON.parse((await kubectlAsync(["get", "pods", "-n", traffic.name, "-l", "app=web", "-o", "json"])).stdout) as Doc).items as Doc[]).filter((p) => p.metadata.deletionTimestamp).length;
    // kube-proxy has synced once its DNAT rules for web name exactly the ready pods' addresses.
    await until("kube-proxy's rules for web to name only the ready pods", async () => (sameSet(proxiedAddresses(`${traffic.name}/web:http`), await readyAddresses("web")) ? true : undefined), 60_000, 250);
    await until("kube-proxy to send requests to the candidate", async () => {
      if ((await terminating()) > 0) return undefined;
      const t = await load(ip, 100);
      return t.candidate > 0 && t.other === 0 ? true : undefined;
    }, 60_000, 200);
    const canary = await load(ip, 2_000);
    const share = (100 * canary.candidate) / canary.total;
    console.log(`[real node] canary at 20 %: ${canary.candidate} of ${canary.total} requests (${share.toFixed(1)} %) answered by the candidate, ${canary.stable} by stable, ${canary.other} other`);
    // A connection kube-proxy still sends to an address just gone is refused by the host
    // (EHOSTUNREACH) or, while the host still holds the gone pod's ARP entry, dropped (no answer
    // within 10 s); never answered by another version: at most 0.25 % of them, each named.
    const unreachable = (canary.odd ?? []).filter((b) => /EHOSTUNREACH|no answer within 10 s/.test(b));
    expect((canary.odd ?? []).filter((b) => !unreachable.includes(b)), "answers from no pod").toEqual([]);
    expect(canary.other, `unreachable: ${unreachable.join("; ")}`).toBeLessThanOrEqual(5);
    expect(canary.verify).toBe(0);
    expect(share).toBeGreaterThanOrEqual(15);
    expect(share).toBeLessThanOrEqual(25);

    // Abort (a signed decision by a role with Abort): traffic back on stable, measured.
    const current = (await phaseOf("web-2"))!;
    const abortAt = Date.now();
    await signApproval(current, { summary: { decision: "Abort", role: "release-manager", reason: "real-node traffic test" } }, "release-manager");
    // Quiet means 400 requests in a row answered by stable. A request refused by a candidate pod
    // that has already exited while kube-proxy still lists its endpoint is not an answer from
    // stable: it resets the count like a candidate answer would, so the measurement after the
    // rollback starts once kube-proxy has caught up with the scaled-down candidate.
    let lastCandidate = abortAt;
    let quiet = 0;
    while (quiet < 400 && Date.now() - abortAt < 120_000) {
      const t = await load(ip, 50);
      if (t.candidate > 0) lastCandidate = Date.now();
      quiet = t.stable === t.total ? quiet + t.total : 0;
    }
    const rolledBack = await releaseWhen("web-2", (r) => r.status?.phase === "RolledBack", 120_000);
    console.log(`[real node] after the abort, the last request answered by the candidate came ${((lastCandidate - abortAt) / 1000).toFixed(2)} s later (release ${rolledBack.status?.phase})`);
    await until("the candidate's endpoints gone: 5 stable and no candidate", async () => ((await split())?.join("/") === "0/5" ? true : undefined), 60_000, 250);
    await until("kube-proxy's rules for web to name only the ready pods", async () => (sameSet(proxiedAddresses(`${traffic.name}/web:http`), await readyAddresses("web")) ? true : undefined), 60_000, 250);
    const after = await load(ip, 1_000);
    // None answered by the candidate. A new connection whose source port matches a conntrack
    // entry of one to the scaled-away candidate can still be sent to its gone address and get no
    // answer (seen under the whole suite: 4 of 1,000): counted apart, at most 5, each named.
    const gone = (after.odd ?? []).filter((b) => /EHOSTUNREACH|no answer within 10 s/.test(b));
    expect((after.odd ?? []).filter((b) => !gone.includes(b)), "answers from no pod").toEqual([]);
    expect(after.other, `unreachable: ${gone.join("; ")}`).toBeLessThanOrEqual(5);
    expect(after.candidate).toBe(0);
    expect(after.stable + after.other).toBe(1_000);
  }, 600_000);

  it("a StatefulSet's candidate ordinal is left out of its Service by the readiness gate golive.dev/verified while Verifying (0 of 300 requests answer it), reached through ledger-verify; Ready and answering once the first step gives it a weight", async () => {
    const GATE = "golive.dev/verified";
    const ledgerRelease = (n: number): Doc =>
      echoRelease("ledger", n, { kind: "StatefulSet", name: "ledger" }, { architecture: { replicas: 3 }, strategy: { trafficRouting: { service: "ledger" }, steps: [{ name: "one", setWeight: 34 }, { name: "hold", pause: { duration: "10m" } }], progressDeadline: "15m" } });
    // The echo pod of deploymentDoc, with the gate and the version of the release.
    const web = deploymentDoc(0).spec.template.spec as Doc;
    const ledger = (n: number): Doc => {
      const labels = { app: "ledger", "golive.dev/release": `ledger-${n}` };
      return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "ledger", labels },
        spec: {
          replicas: 3,
          serviceName: "ledger",
          podManagementPolicy: "Parallel",
          selector: { matchLabels: { app: "ledger" } },
          template: { metadata: { labels }, spec: { ...web, readinessGates: [{ conditionType: GATE }], containers: [{ ...web.containers[0], env: [{ name: "VERSION", value: String(n) }], ports: [{ name: "http", containerPort: 8080 }] }] } },
        },
      };
    };
    const pods = async () => (JSON.parse((await kubectlAsync(["get", "pods", "-n", traffic.name, "-l", "app=ledger", "-o", "json"])).stdout) as Doc).items as Doc[];
    const condition = (p: Doc | undefined, type: string) => ((p?.status?.conditions ?? []) as Doc[]).find((c) => c.type === type);
    const approve = async (r: Doc) => {
      await applyTraffic(r);
      await signApproval(r, { approval: { stage: "Release", role: "release-manager" } }, "release-manager");
      await releaseWhen(r.metadata.name as string, (x) => x.status?.phase === "Approved");
    };
    await applyTraffic({ apiVersion: "v1", kind: "Service", metadata: { name: "ledger" }, spec: { selector: { app: "ledger" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
    const ledgerIp = kubectl(["get", "service", "ledger", "-n", traffic.name, "-o", "jsonpath={.spec.clusterIP}"]);

    // ledger-1: every pod Ready on the real kubelet, which it is only once golive sets the gate True.
    await approve(ledgerRelease(1));
    await applyTraffic(ledger(1));
    await releaseWhen("ledger-1", (r) => r.status?.phase === "Released", 180_000);
    await until("3 ready endpoints of ledger", async () => ((await readyPods("ledger")).length === 3 ? true : undefined), 120_000, 500);
    for (const p of await pods()) {
      expect(p.spec.nodeName).toBe(REAL_NODE);
      expect([condition(p, GATE)?.status, condition(p, GATE)?.reason, condition(p, "Ready")?.status]).toEqual(["True", "Verified", "True"]);
    }
    await until("kube-proxy to route ledger", async () => ((await versions(ledgerIp, 30))["1"] === 30 ? true : undefined), 30_000, 200);

    // ledger-2, held in Verifying by the business owner's sign-off: ordinal 2 runs the candidate, not Ready.
    const r2 = ledgerRelease(2);
    await approve(r2);
    await applyTraffic(ledger(2));
    await releaseWhen("ledger-2", (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""), 180_000);
    const held = await until("ledger-2 up on the candidate, gated out", async () => {
      const list = await pods();
      const c = list.find((p) => p.metadata.name === "ledger-2");
      return list.length === 3 && c?.spec.containers[0].env[0].value === "2" && condition(c, "ContainersReady")?.status === "True" && condition(c, GATE)?.status === "False" ? c : undefined;
    }, 120_000, 500);
    expect(condition(held, "Ready")?.status).toBe("False");
    expect((await readyPods("ledger")).sort()).toEqual(["ledger-0", "ledger-1"]);
    const during = await versions(ledgerIp, 300);
    console.log(`[real node] StatefulSet in Verifying: ${JSON.stringify(during)} of 300 requests to ledger, by version`);
    expect(during).toEqual({ "1": 300 });
    // Verification reaches it through ledger-verify: headless, publishing not-ready addresses
    // (listed ready there, as publishNotReadyAddresses makes them).
    const slices = JSON.parse(kubectl(["get", "endpointslices", "-n", traffic.name, "-l", "kubernetes.io/service-name=ledger-verify", "-o", "json"])) as Doc;
    const verifyEndpoints = (slices.items as Doc[]).flatMap((s) => (s.endpoints as Doc[] | null) ?? []);
    expect(verifyEndpoints.map((e) => String(e.targetRef?.name))).toEqual(["ledger-2"]);
    expect(await versions(verifyEndpoints[0]!.addresses[0] as string, 20, 8080)).toEqual({ "2": 20 });

    // Signed off: the first step (34 %: ordinals 1 and 2) sets the gate True and ledger-2 serves.
    await signApproval(r2, { approval: { stage: "Verification", role: "business-owner" } }, "business-owner");
    await releaseWhen("ledger-2", (r) => r.status?.phase === "Progressing" && r.status?.canary?.weight === 34, 180_000);
    await until("ledger-2 among ledger's ready endpoints", async () => ((await readyPods("ledger")).includes("ledger-2") ? true : undefined), 120_000, 500);
    expect(condition((await pods()).find((p) => p.metadata.name === "ledger-2"), GATE)?.status).toBe("True");
    await until("kube-proxy to send requests to version 2", async () => (((await versions(ledgerIp, 30))["2"] ?? 0) > 0 ? true : undefined), 30_000, 200);
    const after = await versions(ledgerIp, 300);
    console.log(`[real node] StatefulSet at 34 %: ${JSON.stringify(after)} of 300 requests to ledger, by version`);
    expect(after["2"]).toBeGreaterThan(0);
  }, 600_000);
  it("a DaemonSet stopped as Failed at its promotion's deadline (the real kubelet never readies its new pod): the stable template and update strategy are back and every node runs one Ready stable pod, the real node's answering the stable version", async () => {
    const CANARY = "kwok-node-0";
    const NODES = [CANARY, "kwok-node-1", REAL_NODE];
    // The other nodes sort kwok-node-1 before realnode: the step moves kwok-node-1, the promotion the real node.
    const agentRelease = (n: number): Doc => echoRelease("agent", n, { kind: "DaemonSet", name: "agent" }, { strategy: { trafficRouting: { service: "agent" }, steps: [{ name: "half", setWeight: 50 }], progressDeadline: "40s" } });
    const web = deploymentDoc(0).spec.template.spec as Doc;
    const agent = (n: number, probePort: number): Doc => {
      const labels = { app: "agent", "golive.dev/release": `agent-${n}` };
      const { nodeSelector: _onlyRealNode, ...spec } = web;
      return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", labels },
        spec: {
          selector: { matchLabels: { app: "agent" } },
          template: {
            metadata: { labels },
            spec: {
              ...spec,
              tolerations: [REAL_NODE_TAINT],
              affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: NODES }] }] } } },
              // Version 2 is never Ready on the real kubelet (nothing listens on its probe's port); kwok readies any pod.
              containers: [{ ...web.containers[0], env: [{ name: "VERSION", value: String(n) }], readinessProbe: { httpGet: { path: "/ready", port: probePort }, periodSeconds: 1 } }],
            },
          },
        },
      };
    };
    type AgentPod = { name: string; node: string; revision: string; ready: boolean; version: string; ip: string };
    const pods = async (): Promise<AgentPod[]> =>
      ((JSON.parse((await kubectlAsync(["get", "pods", "-n", traffic.name, "-l", "app=agent", "-o", "json"])).stdout) as Doc).items as Doc[])
        .filter((p) => !p.metadata.deletionTimestamp)
        .map((p) => ({
          name: p.metadata.name as string,
          node: (p.spec.nodeName as string | undefined) ?? "",
          revision: p.metadata.labels?.["controller-revision-hash"] as string,
          ready: ((p.status?.conditions ?? []) as Doc[]).some((c) => c.type === "Ready" && c.status === "True"),
          version: p.spec.containers[0].env[0].value as string,
          ip: (p.status?.podIP as string | undefined) ?? "",
        }));
    const allOn = (list: AgentPod[], version: string) => list.length === NODES.length && new Set(list.map((p) => p.node)).size === NODES.length && list.every((p) => p.version === version && p.ready);
    const approve = async (r: Doc) => {
      await applyTraffic(r);
      await signApproval(r, { approval: { stage: "Release", role: "release-manager" } }, "release-manager");
      await releaseWhen(r.metadata.name as string, (x) => x.status?.phase === "Approved");
    };
    expect((await kubectlAsync(["label", "node", CANARY, "golive.dev/canary-node=true", "--overwrite"])).status).toBe(0);
    try {
      await applyTraffic({ apiVersion: "v1", kind: "Service", metadata: { name: "agent" }, spec: { selector: { app: "agent" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
      await approve(agentRelease(1));
      await applyTraffic(agent(1, 8080));
      await releaseWhen("agent-1", (r) => r.status?.phase === "Released", 180_000);
      const v1 = await until("a Ready agent-1 pod on each of the three nodes", async () => ((l) => (allOn(l, "1") ? l : undefined))(await pods()), 120_000, 500);
      const stableRevision = v1[0]!.revision;

      const r2 = agentRelease(2);
      await approve(r2);
      await applyTraffic(agent(2, 9999));
      await releaseWhen("agent-2", (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""), 180_000);
      await signApproval(r2, { approval: { stage: "Verification", role: "business-owner" } }, "business-owner");
      // The promotion replaces the real node's pod with one its kubelet never readies.
      const stuck = await until("the real node on the new revision, not Ready", async () => (await pods()).find((p) => p.node === REAL_NODE && p.version === "2" && !p.ready), 180_000, 500);
      expect(stuck.revision).not.toBe(stableRevision);
      const failed = await releaseWhen("agent-2", (r) => r.status?.phase === "Failed", 180_000);
      const failedAt = Date.now();
      expect(failed.status.message).toMatch(/^promotion: DaemonSet agent did not run the new template on every node within the progress deadline of 40s; DaemonSet agent gets the stable template back/);

      // restoreStable: the stable template and the recorded update strategy back; the DaemonSet controller takes every node back.
      const back = await until("every node on one Ready stable pod", async () => ((l) => (allOn(l, "1") ? l : undefined))(await pods()), 180_000, 500);
      console.log(`[real node] DaemonSet Failed, every node back on one Ready stable pod ${Date.now() - failedAt} ms later`);
      expect(back.map((p) => p.revision)).toEqual(NODES.map(() => stableRevision));
      const ds = JSON.parse(kubectl(["get", "daemonset", "agent", "-n", traffic.name, "-o", "json"])) as Doc;
      expect(ds.spec.template.spec.containers[0].env[0].value).toBe("1");
      expect(ds.spec.updateStrategy.type).toBe("RollingUpdate");
      expect(ds.metadata.annotations?.["golive.dev/stable-revision"]).toBeUndefined();
      const onReal = back.find((p) => p.node === REAL_NODE)!;
      expect(await hit(onReal.ip, {}, 8080)).toMatch(/^hello from agent-\S+ version=1/);
      expect((await phaseOf("agent-2"))?.status?.phase).toBe("Failed");
    } finally {
      await kubectlAsync(["label", "node", CANARY, "golive.dev/canary-node-"]);
      await kubectlAsync(["delete", "daemonset", "agent", "-n", traffic.name, "--wait=false"]);
    }
  }, 900_000);

  it("through a real Gateway API implementation (Traefik v3): before verification only the release's derived token reaches the candidate (not the Secret's value, not an ordinary request); the HTTPRoute's 20 % is 20 % ± 5 points of 2,000 requests answered by the candidate; after a failing analysis measured from Traefik's own metrics, the time until the candidate answers its last request", async () => {
    const gateway = await startTraefik({ kubeconfig: inject("kubeconfig"), namespaces: [traffic.name] });
    const prometheus = await startPrometheus({ targets: [{ job: "traefik", urls: [gateway.metricsUrl] }] });
    const gatewayClass = `golive-traefik-${traffic.name}`;
    // Traefik names a backend's service after its namespace, Service and port.
    const canary = 'service=~".*-shop-canary-.*"';
    const errorRate = `sum(rate(traefik_service_requests_total{${canary},code=~"5.."}[10s])) / sum(rate(traefik_service_requests_total{${canary}}[10s]))`;
    const shopRelease = (n: number): Doc =>
      echoRelease("shop", n, { kind: "Deployment", name: "shop" }, {
        architecture: { replicas: 2 },
        strategy: {
          trafficRouting: { service: "shop", gatewayAPI: { httpRoute: "shop" } },
          verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "web-verification", key: "token" } }, jobs: [] },
          steps: [
            { name: "canary", setWeight: 20 },
            { name: "hold", pause: { duration: "45s" } },
            { name: "check", analysis: { metrics: ["error-rate"] } },
          ],
          analysis: { prometheus: { address: prometheus.url }, metrics: [{ name: "error-rate", query: errorRate, interval: "1s", count: 3, successCondition: "result < 0.05", failureCondition: "result >= 0.2" }] },
          progressDeadline: "5m",
        },
      });
    const viaGateway = (n: number, headers: Record<string, string> = {}) => load("127.0.0.1", n, 8, headers, { port: gateway.port, app: "shop" });
    const approve = async (r: Doc) => {
      await applyTraffic(r);
      await signApproval(r, { approval: { stage: "Release", role: "release-manager" } }, "release-manager");
      await releaseWhen(r.metadata.name as string, (x) => x.status?.phase === "Approved");
    };
    try {
      await ensureGatewayApiCrds(kubectl);
      await applyTraffic({ apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: gatewayClass }, spec: { controllerName: TRAEFIK_CONTROLLER } });
      await applyTraffic({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "edge" }, spec: { gatewayClassName: gatewayClass, listeners: [{ name: "http", protocol: "HTTP", port: gateway.port, allowedRoutes: { namespaces: { from: "Same" } } }] } });
      await applyTraffic({ apiVersion: "v1", kind: "Service", metadata: { name: "shop" }, spec: { selector: { app: "shop" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
      // As in Git: the route sends everything to shop-stable (golive creates that Service).
      await applyTraffic({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "shop" }, spec: { parentRefs: [{ name: "edge" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "shop-stable", port: 80 }] }] } });

      // shop-1, the first version: the stable copy serves every request through the gateway.
      await approve(shopRelease(1));
      await applyTraffic(deploymentDoc(1, "shop"));
      await releaseWhen("shop-1", (r) => r.status?.phase === "Released", 180_000);
      await until("Traefik to route shop to its stable copy", async () => ((await viaGateway(50)).stable === 50 ? true : undefined), 60_000, 250).catch((e: Error) => {
        throw new Error(`${e.message}\n${gateway.log().slice(-3000)}`, { cause: e });
      });
      const accepted = JSON.parse(kubectl(["get", "httproute", "shop", "-n", traffic.name, "-o", "json"])) as Doc;
      expect(((accepted.status?.parents ?? []) as Doc[]).flatMap((p) => p.conditions as Doc[]).find((c) => c.type === "Accepted")?.status).toBe("True");

      // shop-2, a bad build (every answer 500), held in Verifying by the business owner's sign-off.
      const r2 = shopRelease(2);
      await approve(r2);
      await applyTraffic(deploymentDoc(2, "shop", [{ name: "ECHO_STATUS", value: "500" }]));
      const verifying = await releaseWhen("shop-2", (r) => /waiting for Verification gate verification-sign-off/.test(r.status?.message ?? ""), 180_000);
      await until("the candidate Ready behind shop-canary", async () => ((await readyEndpoints("shop-canary")) >= 1 ? true : undefined), 120_000, 500);
      // The route carries the token derived for this release, never the Secret's value (8.5).
      const route = JSON.parse(kubectl(["get", "httproute", "shop", "-n", traffic.name, "-o", "json"])) as Doc;
      const header = ((route.spec.rules as Doc[]).find((r) => String(r.name ?? "").startsWith("golive-verification"))?.matches?.[0]?.headers as Doc[] | undefined)?.find((h) => h.name === "X-Golive-Verify");
      const token = verificationTokenOf("let-me-in", Release.parse({ ...verifying, metadata: { ...verifying.metadata, namespace: traffic.name } }));
      expect(header?.value).toBe(token);
      expect(JSON.stringify(route)).not.toContain("let-me-in");
      await until("Traefik to route the verification token to the candidate", async () => ((await viaGateway(20, { "X-Golive-Verify": token })).candidate === 20 ? true : undefined), 60_000, 250);
      const verifier = await viaGateway(200, { "X-Golive-Verify": token });
      const secretValue = await viaGateway(200, { "X-Golive-Verify": "let-me-in" });
      const ordinary = await viaGateway(500);
      console.log(`[real node] Traefik ${gateway.version} in Verifying: token ${verifier.candidate}/200 candidate; the Secret's value ${secretValue.candidate}/200; ordinary ${ordinary.candidate}/500`);
      expect(verifier).toEqual({ candidate: 200, stable: 0, verify: 0, other: 0, total: 200 });
      expect(secretValue).toEqual({ candidate: 0, stable: 200, verify: 0, other: 0, total: 200 });
      expect(ordinary).toEqual({ candidate: 0, stable: 500, verify: 0, other: 0, total: 500 });

      // Signed off: 20 % by the route's weights, counted at the backends.
      await signApproval(r2, { approval: { stage: "Verification", role: "business-owner" } }, "business-owner");
      await releaseWhen("shop-2", (r) => r.status?.phase === "Progressing" && r.status?.canary?.weight === 20, 120_000);
      await until("Traefik to send ordinary requests to the candidate", async () => ((await viaGateway(100)).candidate > 0 ? true : undefined), 60_000, 250);
      const split = await viaGateway(2_000);
      const share = (100 * split.candidate) / split.total;
      console.log(`[real node] Traefik at 20 %: ${split.candidate} of ${split.total} requests (${share.toFixed(1)} %) answered by the candidate, ${split.stable} by stable, ${split.other} other`);
      expect(split.odd ?? [], "answers from no pod").toEqual([]);
      expect(split.verify + split.other).toBe(0);
      expect(share).toBeGreaterThanOrEqual(15);
      expect(share).toBeLessThanOrEqual(25);

      // The analysis after the hold measures the candidate's error rate from Traefik's metrics and
      // fails it. Meanwhile four clients keep asking, each answer timed, until golive has seen
      // traffic on stable and the last 400 answers all came from stable.
      const answers: { at: number; candidate: boolean; stable: boolean; body: string }[] = [];
      let asking = true;
      const clients = Array.from({ length: 4 }, async () => {
        while (asking) {
          const body = await hit("127.0.0.1", {}, gateway.port);
          const pod = /^hello from (\S+) version=/.exec(body)?.[1] ?? "";
          answers.push({ at: Date.now(), candidate: pod.startsWith("shop-") && !pod.startsWith("shop-stable-"), stable: pod.startsWith("shop-stable-"), body: body.slice(0, 120) });
        }
      });
      let current: Doc | undefined;
      const start = Date.now();
      try {
        while (current?.status?.rollback?.trafficOnStableAt === undefined || answers.length - 1 - answers.findLastIndex((a) => !a.stable) < 400) {
          if (Date.now() - start > 240_000) throw new Error(`no rollback with traffic on stable within 240 s: ${JSON.stringify(current?.status).slice(0, 2000)}`);
          await new Promise((r) => setTimeout(r, 250));
          current = await phaseOf("shop-2");
        }
      } finally {
        asking = false;
        await Promise.all(clients);
      }
      const rollback = current.status.rollback as Doc;
      expect(rollback.trigger, JSON.stringify(current.status)).toBe("AnalysisFailed");
      const decidedAt = Date.parse(rollback.decidedAt as string);
      const lastCandidate = answers.findLast((a) => a.candidate)?.at ?? 0;
      const seconds = (lastCandidate - decidedAt) / 1000;
      const asked = answers.filter((a) => a.at > decidedAt - 1_000 && a.at <= decidedAt).length;
      // Every request is answered by a pod: the candidate keeps its pods for trafficRouting.
      // scaleDownDelay after the route is back on stable, so Traefik, which applies the route a
      // moment later, never sends a request to a pod already gone (before that delay existed, 4
      // of about 2,000 requests a second were answered 502 by Traefik itself).
      const unanswered = answers.filter((a) => !a.stable && !a.candidate).map((a) => `${a.at - decidedAt} ms: ${a.body}`);
      console.log(`[real node] Traefik: the analysis failed (${String(rollback.reason).slice(0, 160)}); the last request answered by the candidate came ${seconds.toFixed(3)} s after the failing measurement (${asked} answers in the second before it); golive saw traffic on stable ${((Date.parse(rollback.trafficOnStableAt as string) - decidedAt) / 1000).toFixed(3)} s after it; ${unanswered.length} answered by no pod${unanswered.length ? `: ${unanswered.slice(0, 3).join("; ")}` : ""}`);
      expect(unanswered, "answered by no pod").toEqual([]);
      expect(lastCandidate).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(10);
      await releaseWhen("shop-2", (r) => r.status?.phase === "RolledBack", 120_000);
      const after = await viaGateway(1_000);
      expect(after).toEqual({ candidate: 0, stable: 1_000, verify: 0, other: 0, total: 1_000 });
    } finally {
      await prometheus.stop();
      await gateway.stop();
      await kubectlAsync(["delete", "gatewayclass", gatewayClass, "--ignore-not-found", "--wait=false"]);
    }
  }, 900_000);
});
