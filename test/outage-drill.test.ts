// Outage drill (issue 22 "Checked by"): `golive run --install-configuration` is SIGKILLed, then
// SIGSTOPped, while an admitted Deployment in a governed namespace rolls out, loses pods and loses
// a node to `kubectl drain`. The cluster heals during the outage (the matchConditions skip a
// built-in controller's ReplicaSets and pods of a governed owner), kube-system, golive's own
// namespace and the ungoverned `default` namespace keep working, and governed namespaces fail
// closed for every user write: a new unsealed Deployment, an unsealed ReplicationController (it
// never gets pods), `kubectl scale` and an HPA's scale (the bounds are the Release's, only golive
// knows them). A stopped golive accepts connections but never answers, so the API server waits
// the configuration's timeoutSeconds before it refuses: that wait is measured and bounded. After
// the restart and after SIGCONT, the time until admission is judged again is measured (< 10 s).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Release } from "../api/index.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { freePort } from "./cluster/processes.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy, TEST_POLICY_LABEL } from "./support/policy.js";

type Doc = Record<string, any>;
type Result = { status: number; stdout: string; stderr: string };
const root = join(import.meta.dirname, "..");
const gov = useNamespace("drill-gov");
const own = useNamespace("golive-drill");
const policyName = `${gov.name}-policy`;
const CONFIGURATION = "golive-webhook";
const RELEASE = "web-1";
const IMAGE = "team/web"; // never pulled: kwok runs no containers
const DIGEST = `sha256:${createHash("sha256").update("web 1").digest("hex")}`;
const REPLICAS = 4;
const HPA = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
const work = mkdtempSync(join(tmpdir(), "golive-drill-"));
const freeName = `drill-free-${randomBytes(2).toString("hex")}`;
let child: ChildProcess | undefined;
let output = "";
let timeoutSeconds = 0;
let drained: string | undefined;
/** Set once the admitted Deployment exists: from then on "judged again" includes an admissible change passing. */
let admitted = false;

const k = (args: string[], input?: string): Promise<Result> => kubectlAsync(args, input);
const asAlice = (args: string[], input?: string): Promise<Result> => k([...args, "--as=alice"], input);
async function ok(args: string[], input?: string): Promise<string> {
  const r = await k(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const json = async (args: string[]): Promise<Doc> => JSON.parse(await ok([...args, "-o", "json"])) as Doc;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<number> {
  const start = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}; golive said:\n${output.slice(-3000)}`);
    await sleep(250);
  }
  return Date.now() - start;
}
async function timed(act: () => Promise<Result>): Promise<Result & { ms: number }> {
  const start = Date.now();
  const r = await act();
  return { ...r, ms: Date.now() - start };
}

const podSpec = (image: string) => ({
  securityContext: { runAsNonRoot: true, runAsUser: 10001 },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }],
  containers: [{ name: "web", image, resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } }, securityContext: { allowPrivilegeEscalation: false } }],
});
const labels = { app: "web", "golive.dev/release": RELEASE };
const webDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: gov.name, labels },
  spec: {
    replicas: REPLICAS,
    // One new pod at a time, each counted available 2 s after it is Ready: a rollout the
    // deployment controller is still carrying out well after golive is gone.
    minReadySeconds: 2,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels }, spec: podSpec(`${IMAGE}@${DIGEST}`) },
  },
};
const unsealed = (namespace: string, kind: "Deployment" | "ReplicationController" = "Deployment", name = `probe-${randomBytes(2).toString("hex")}`) => {
  const app = { app: name };
  return JSON.stringify({
    apiVersion: kind === "Deployment" ? "apps/v1" : "v1",
    kind,
    metadata: { name, namespace, labels: app },
    spec: { replicas: 1, selector: kind === "Deployment" ? { matchLabels: app } : app, template: { metadata: { labels: app }, spec: { containers: [{ name: "x", image: "nginx:1.27" }] } } },
  });
};
const tryCreate = (namespace: string) => k(["create", "--dry-run=server", "-f", "-"], unsealed(namespace));
/** An admissible change to the admitted Deployment (a new pod-template annotation): judged in full. */
const tryAdmissible = () => asAlice(["patch", "deployment", "web", "-n", gov.name, "--dry-run=server", "--type=merge", "-p", JSON.stringify({ spec: { template: { metadata: { annotations: { "drill/at": String(Date.now()) } } } } })]);
const FAILED_CALLING = /failed calling webhook "workloads\.drill-gov-\w+-policy\.golive\.dev"/;
const OWN_DENIAL = /admission webhook "workloads\.drill-gov-\w+-policy\.golive\.dev" denied the request: golive denied Deployment .*has no golive\.dev\/release label/;

/** The HPA's write, as the HPA controller does it: GET and PUT of the scale subresource. */
async function hpaScale(replicas: number): Promise<Result> {
  const path = `/apis/apps/v1/namespaces/${gov.name}/deployments/web/scale`;
  const scale = JSON.parse(await ok(["get", "--raw", path, `--as=${HPA}`])) as Doc;
  scale.spec = { replicas };
  return k(["replace", "--raw", path, "-f", "-", `--as=${HPA}`], JSON.stringify(scale));
}

interface Pod {
  name: string;
  node?: string;
  ready: boolean;
  created: number;
  deleting: boolean;
}
async function pods(selector = "app=web", namespace = gov.name): Promise<Pod[]> {
  const list = await json(["get", "pods", "-n", namespace, "-l", selector]);
  return (list.items as Doc[]).map((p) => ({
    name: p.metadata.name as string,
    node: p.spec?.nodeName as string | undefined,
    ready: ((p.status?.conditions ?? []) as Doc[]).some((c) => c.type === "Ready" && c.status === "True"),
    created: Date.parse(p.metadata.creationTimestamp as string),
    deleting: p.metadata.deletionTimestamp !== undefined,
  }));
}
/** The Deployment is fully rolled out and available: every replica updated and available, no surplus. */
async function available(name = "web", namespace = gov.name, replicas = REPLICAS): Promise<boolean> {
  const d = await json(["get", "deployment", name, "-n", namespace]);
  const s = d.status ?? {};
  return s.observedGeneration === d.metadata.generation && s.replicas === replicas && s.updatedReplicas === replicas && s.availableReplicas === replicas && s.readyReplicas === replicas;
}

async function startRun(): Promise<number> {
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const args = ["run", "--kubeconfig", inject("kubeconfig"), "--namespace", own.name, "--leader-elect", "false", "--audit-file", join(work, "audit.jsonl"), "--webhook-port", String(ports.webhook), "--health-port", String(ports.health), "--metrics-port", String(ports.metrics), "--install-configuration", "--webhook-url", `https://127.0.0.1:${ports.webhook}/validate`, "--tls-ip", "127.0.0.1", "--log-level", "info"];
  output = "";
  const started = Date.now();
  child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString()));
  await judged();
  return Date.now() - started;
}
/** Until every admission is judged again: golive's own denial of an unsealed Deployment, and an admissible change passes. */
async function judged(ms = 60_000): Promise<void> {
  await until("golive's own denial of an unsealed Deployment", async () => OWN_DENIAL.test((await tryCreate(gov.name)).stderr), ms);
  if (admitted) await until("an admissible change to pass", async () => (await tryAdmissible()).status === 0, ms);
}
async function kill(signal: "SIGKILL"): Promise<void> {
  const exited = new Promise((r) => child!.once("exit", r));
  child!.kill(signal);
  await exited;
}

beforeAll(async () => {
  await k(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await ok(["label", "namespace", gov.name, `${TEST_POLICY_LABEL}=${gov.name}`]);
  // alice edits and scales workloads, deletes pods: RBAC lets her, golive judges her.
  await ok(["create", "role", "editor", "-n", gov.name, "--verb=*", "--resource=deployments,deployments/scale,replicationcontrollers,replicasets,pods"]);
  await ok(["create", "rolebinding", "editor", "-n", gov.name, "--role=editor", "--user=alice"]);
  await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(namespacePolicy(gov.name, {
    protectionLevel: 2,
    gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
    signers: exampleSigners((name) => name !== "image-signer"),
    roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve", "Promote", "Abort"] }],
    approvals: [{ stage: "Release", roles: ["release-manager"] }],
    images: { requireDigest: true, requireSignature: false },
    monitoring: { requireReady: false },
  })));
  await startRun();
  await ok(["apply", "-n", gov.name, "-f", "-"], JSON.stringify({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "web" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } }));
  await ok(["apply", "-n", gov.name, "-f", "-"], JSON.stringify({
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: RELEASE },
    spec: { application: "web", version: "1.0.0", workloads: [{ kind: "Deployment", name: "web" }], images: [{ name: IMAGE, digest: DIGEST }], architecture: { replicas: REPLICAS, scaling: { minReplicas: REPLICAS, maxReplicas: 8 } } },
  }));
  let release: Doc = {};
  await until("the operator to evaluate the Release", async () => (release = await json(["get", "release", RELEASE, "-n", gov.name])).status?.phase !== undefined);
  const approval = createEvidence({ release: Release.parse(release), type: "Approval", key: loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8")), predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } });
  await ok(["apply", "-n", gov.name, "-f", "-"], JSON.stringify(approval));
  await until("the Release to be Approved", async () => (await json(["get", "release", RELEASE, "-n", gov.name])).status?.phase === "Approved");
  await ok(["apply", "-f", "-"], JSON.stringify(webDeployment));
  await until("web to be available", () => available(), 90_000);
  admitted = true;
}, 240_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
  if (drained) await k(["uncordon", drained]);
  await k(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await k(["delete", "deployment", freeName, "-n", "default", "--ignore-not-found", "--wait=false"]);
  await k(["delete", "releasepolicy", policyName, "--ignore-not-found", "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("outage drill: golive run --install-configuration killed and stopped under load", () => {
  it("the installed configuration fails closed, with matchConditions for the built-in controllers and a timeoutSeconds above golive's budget", async () => {
    const configuration = await json(["get", "validatingwebhookconfiguration", CONFIGURATION]);
    const webhooks = configuration.webhooks as Doc[];
    expect(webhooks.map((w) => w.name as string)).toEqual(["workloads", "releases", "evidence", "protected", "evictions"].map((w) => `${w}.${policyName}.golive.dev`));
    // Evictions fail open: a drain during the outage below must not wait on golive.
    for (const w of webhooks) expect(w.failurePolicy, w.name).toBe((w.name as string).startsWith("evictions.") ? "Ignore" : "Fail");
    expect((webhooks[0]!.matchConditions as Doc[]).map((c) => c.name as string)).toEqual(["not-stamped-out-from-an-admitted-owner"]);
    timeoutSeconds = webhooks[0]!.timeoutSeconds as number;
    expect(new Set(webhooks.map((w) => w.timeoutSeconds as number))).toEqual(new Set([timeoutSeconds]));
    expect(timeoutSeconds).toBe(10); // --webhook-timeout 8s (the default) + 2 s
  });

  it("SIGKILL: the cluster heals (a rollout, deleted pods, a drained node), other namespaces keep working, governed ones fail closed; restarted, admission is judged again within 10 s", async ({ annotate }) => {
    const note = async (s: string) => {
      console.log(`outage drill: ${s}`);
      await annotate(s);
    };
    // (a) The scale-up path that must keep working is the controllers': alice's rollout restart is
    // admitted, then golive dies; the deployment controller scales the new ReplicaSet up (and the
    // old one down) and the ReplicaSet controller creates the pods, all during the outage.
    const before = new Set((await pods()).map((p) => p.name));
    expect((await asAlice(["rollout", "restart", "deployment/web", "-n", gov.name])).status).toBe(0);
    await kill("SIGKILL");
    const killedAt = Date.now();
    const rolledOut = await until("the rollout to finish during the outage", async () => (await available()) && (await pods()).every((p) => !before.has(p.name)), 90_000);
    const fresh = await pods();
    expect(fresh.filter((p) => p.created >= Math.floor(killedAt / 1000) * 1000).length, "pods the ReplicaSet controller created after golive died").toBeGreaterThanOrEqual(REPLICAS - 1);
    await note(`SIGKILL: rollout restart (4 pods, one at a time, minReadySeconds 2) completed by the controllers ${rolledOut} ms into the outage`);

    // A user's kubectl scale and the HPA's scale go through golive (the bounds are the Release's): refused.
    const scale = await asAlice(["scale", "deployment/web", "-n", gov.name, "--replicas=6"]);
    expect(scale.status).not.toBe(0);
    expect(scale.stderr).toMatch(FAILED_CALLING);
    const hpa = await hpaScale(6);
    expect(hpa.status).not.toBe(0);
    expect(hpa.stderr).toMatch(FAILED_CALLING);
    expect(await ok(["get", "deployment", "web", "-n", gov.name, "-o", "jsonpath={.spec.replicas}"])).toBe(String(REPLICAS));

    // (b) Deleted pods are replaced by the ReplicaSet controller.
    const victims = fresh.slice(0, 2).map((p) => p.name);
    await ok(["delete", "pod", ...victims, "-n", gov.name, "--wait=false", "--as=alice"]);
    const replaced = await until("the deleted pods to be replaced", async () => (await available()) && (await pods()).filter((p) => !p.deleting && !victims.includes(p.name) && p.ready).length === REPLICAS);
    await note(`SIGKILL: 2 deleted pods replaced and web available again in ${replaced} ms`);

    // (c) kubectl drain: evictions (within the PodDisruptionBudget) and replacements on the other nodes.
    const byNode = new Map<string, number>();
    for (const p of await pods()) if (p.node) byNode.set(p.node, (byNode.get(p.node) ?? 0) + 1);
    drained = [...byNode.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const drainStart = Date.now();
    const drain = await k(["drain", drained, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout=90s"]);
    expect(drain.status, drain.stderr).toBe(0);
    const healed = await until("web to be available on the other nodes", async () => (await available()) && (await pods()).every((p) => p.node !== drained && p.ready && !p.deleting), 60_000);
    await note(`SIGKILL: kubectl drain of ${drained} (${byNode.get(drained)} web pod(s)) took ${Date.now() - drainStart - healed} ms; web available on the other nodes ${Date.now() - drainStart} ms after the drain began`);
    await ok(["uncordon", drained]);
    drained = undefined;

    // Ungoverned namespaces, kube-system and golive's own namespace keep working.
    for (const ns of ["kube-system", own.name, "default"]) {
      const r = await tryCreate(ns);
      expect(r.stderr, ns).toBe("");
      expect(r.status, ns).toBe(0);
    }
    await ok(["create", "deployment", freeName, "-n", "default", "--image=nginx:1.27", "--replicas=2"]);
    await until("an ungoverned Deployment to roll out", () => available(freeName, "default", 2));

    // Governed namespaces fail closed for user writes: an unsealed Deployment and ReplicationController, even an admissible change.
    const refusedDeployment = await tryCreate(gov.name);
    expect(refusedDeployment.status).not.toBe(0);
    expect(refusedDeployment.stderr).toMatch(FAILED_CALLING);
    const rc = await asAlice(["apply", "-f", "-"], unsealed(gov.name, "ReplicationController", "drill-rc"));
    expect(rc.status).not.toBe(0);
    expect(rc.stderr).toMatch(FAILED_CALLING);
    expect((await tryAdmissible()).stderr).toMatch(FAILED_CALLING);
    await sleep(2_000);
    expect(await pods("app=drill-rc")).toHaveLength(0);

    const recovered = await startRun();
    expect(recovered).toBeLessThan(10_000);
    await note(`SIGKILL: restarted golive judges every admission again ${recovered} ms after its start`);
  }, 240_000);

  it("SIGSTOP: governed writes are refused after timeoutSeconds, controllers and other namespaces do not wait; after SIGCONT admission is judged again within 10 s", async ({ annotate }) => {
    const note = async (s: string) => {
      console.log(`outage drill: ${s}`);
      await annotate(s);
    };
    const before = (await pods()).map((p) => p.name);
    child!.kill("SIGSTOP");
    try {
      const victim = before[0]!;
      const [governed, rc, scale, ...others] = await Promise.all([
        timed(() => tryCreate(gov.name)),
        timed(() => asAlice(["apply", "-f", "-"], unsealed(gov.name, "ReplicationController", "drill-rc"))),
        timed(() => asAlice(["scale", "deployment/web", "-n", gov.name, "--replicas=6"])),
        ...["kube-system", own.name, "default"].map((ns) => timed(() => tryCreate(ns))),
        (async () => {
          await ok(["delete", "pod", victim, "-n", gov.name, "--wait=false", "--as=alice"]);
          return { status: 0, stdout: "", stderr: "", ms: await until("the stopped-outage replacement", async () => (await available()) && (await pods()).filter((p) => !p.deleting && p.name !== victim && p.ready).length === REPLICAS) };
        })(),
      ]);
      const replacement = others.pop()!;
      // The HPA's scale once the Deployment is quiet again (nothing changes it while the API server waits).
      const quiet = await timed(() => hpaScale(6));
      const refused = { "unsealed Deployment (create)": governed, "ReplicationController (create)": rc, "kubectl scale while the controllers update web": scale, "HPA scale of a quiet web": quiet };
      for (const [what, r] of Object.entries(refused)) {
        expect(r.status, what).not.toBe(0);
        expect(r.stderr, what).toMatch(FAILED_CALLING);
        expect(r.stderr, what).toMatch(/context deadline exceeded|TLS handshake timeout/);
        expect(r.ms, what).toBeGreaterThanOrEqual((timeoutSeconds - 1) * 1000);
      }
      // A create waits for the webhook's timeoutSeconds once (kubectl's own start-up is the margin).
      // An update can wait twice: the API server tries it on its watch-cache copy first and, when
      // that try fails and the object has changed meanwhile (here the controllers write web's
      // status as they replace the deleted pod), reads it again and runs admission once more.
      for (const r of [governed, rc, quiet]) expect(r.ms).toBeLessThan((timeoutSeconds + 5) * 1000);
      expect(scale.ms).toBeLessThan((2 * timeoutSeconds + 5) * 1000);
      for (const [i, ns] of ["kube-system", own.name, "default"].entries()) {
        expect(others[i]!.status, `${ns}: ${others[i]!.stderr}`).toBe(0);
        expect(others[i]!.ms, ns).toBeLessThan(timeoutSeconds * 1000 - 1000);
      }
      await note(`SIGSTOP (timeoutSeconds ${timeoutSeconds}): refused after ${Object.entries(refused).map(([what, r]) => `${r.ms} ms (${what})`).join(", ")}`);
      await note(`SIGSTOP: kube-system, golive's namespace, default answered in ${others.map((o) => o.ms).join(", ")} ms; a deleted pod replaced and web available again in ${replacement.ms} ms`);
      expect(await ok(["get", "deployment", "web", "-n", gov.name, "-o", "jsonpath={.spec.replicas}"])).toBe(String(REPLICAS));
      expect(await pods("app=drill-rc")).toHaveLength(0);
    } finally {
      const resumed = Date.now();
      child!.kill("SIGCONT");
      await judged(30_000);
      const ms = Date.now() - resumed;
      await note(`SIGCONT: admission judged again ${ms} ms after the process resumed`);
      expect(ms).toBeLessThan(10_000);
    }
  }, 180_000);

  it("after the outage, the refused scale-ups are admitted: kubectl scale and the HPA's catch up within the Release's bounds", async () => {
    expect((await hpaScale(5)).stderr).toBe("");
    await until("5 available replicas", () => available("web", gov.name, 5));
    const scale = await asAlice(["scale", "deployment/web", "-n", gov.name, "--replicas=6"]);
    expect(scale.stderr).toBe("");
    await until("6 available replicas", () => available("web", gov.name, 6));
    const above = await hpaScale(9);
    expect(above.stderr).toContain("may run at most 8 replica(s)");
  });
});
