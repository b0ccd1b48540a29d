// Disaster-recovery consistency (JR/T 0179 4.3 g) with two real control planes: the shared one is
// the primary, a second one started here is the DR site. golive reads the DR site through a
// kubeconfig Secret in its own namespace holding a token of the reader ServiceAccount that
// docs/dr/reader-rbac.yaml grants (get/list only), and reports per target InSync, Drifted
// (naming what differs) or Unreachable (since when), without ever writing the token anywhere.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Release } from "../api/index.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { configDigest } from "../images/config-digest.js";
import { loadConfig } from "../settings/config.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { startWebhook, type WebhookHandle } from "../webhook/run.js";
import { freePort } from "./cluster/processes.js";
import { startControlPlane, type ControlPlane } from "./cluster/control-plane.js";
import { installCrds } from "./cluster/crds.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy, TEST_POLICY_LABEL } from "./support/policy.js";
import { statusWhere, until } from "./support/wait.js";
import { runGolive } from "./support/golive-cli.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const ns = useNamespace("dr");
/** A level-3 namespace: Released waits for DR consistency there (releasedWaitsForConsistency unset). */
const held = useNamespace("dr3");
const HELD = "vault-1";
/** A level-3 release approved while the DR site is down. */
const HELD_NEXT = "vault-2";
/** Short, so the test sees the hold first and then the deadline pass. */
const DEADLINE_S = 20;
const OWN = "golive-dr-test";
const NAME = "ledger-1";
const IMAGE = "team/ledger";
const DIGEST = `sha256:${createHash("sha256").update("ledger dr 1").digest("hex")}`;
const OTHER = `sha256:${createHash("sha256").update("ledger dr tampered").digest("hex")}`;
const RESYNC_MS = 2_000;
/** One resync, the read, the reconcile and a status write. */
const WITHIN_ONE_RESYNC_MS = RESYNC_MS + 5_000;
const auditDir = mkdtempSync(join(tmpdir(), "golive-dr-"));

const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ledger-config" }, data: { ROUNDING: "half-even" } };
const releaseDoc: Doc = {
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: NAME },
  spec: {
    application: "ledger",
    version: "1.0.0",
    workloads: [{ kind: "Deployment", name: "ledger" }],
    images: [{ name: IMAGE, digest: DIGEST }],
    configuration: [{ kind: "ConfigMap", name: "ledger-config", digest: configDigest("ConfigMap", configMap) }],
    architecture: { replicas: 1, highAvailability: false },
  },
};
const drDeployment = (digest: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "ledger", labels: { app: "ledger", "golive.dev/release": NAME } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "ledger" } },
    template: { metadata: { labels: { app: "ledger", "golive.dev/release": NAME } }, spec: { nodeSelector: { type: "kwok" }, tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }], containers: [{ name: "ledger", image: `${IMAGE}@${digest}` }] } },
  },
});

const vaultDeployment = (digest: string) => {
  const d = drDeployment(digest) as Doc;
  const labels = { app: "vault", "golive.dev/release": HELD };
  return { ...d, metadata: { name: "vault", labels }, spec: { ...d.spec, selector: { matchLabels: { app: "vault" } }, template: { metadata: { labels }, spec: { ...d.spec.template.spec, containers: [{ name: "vault", image: `${IMAGE}@${digest}` }] } } } };
};
const heldDoc: Doc = {
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: HELD },
  spec: { application: "vault", version: "1.0.0", workloads: [{ kind: "Deployment", name: "vault" }], images: [{ name: IMAGE, digest: DIGEST }], architecture: { replicas: 1, highAvailability: false } },
};

let dr: ControlPlane;
let client: KubeClient;
let operator: OperatorHandle;
/** golive's webhook, registered for real with the primary API server, from the DR site's outage on. */
let webhook: WebhookHandle | undefined;
const CONFIGURATION = `golive-dr-${ns.name.slice(-6)}`;
let token = "";
const logs: string[] = [];

async function apply(doc: object, namespace = ns.name): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", namespace, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const drApply = (doc: object) => dr.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
const release = () => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${NAME}`);
const target = (r: Release) => r.status?.disasterRecovery?.find((t) => t.target === "dr-east");
const consistent = (r: Release) => r.status?.conditions?.find((c) => c.type === "DisasterRecoveryConsistent");
const releaseWhere = (what: string, ok: (r: Release) => boolean, timeoutMs = 60_000) => statusWhere(release, what, ok, timeoutMs, 100);
const heldRelease = () => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${held.name}/releases/${HELD}`);
const heldWhere = (what: string, ok: (r: Release) => boolean, timeoutMs = 60_000) => statusWhere(heldRelease, what, ok, timeoutMs, 200);
const nextWhere = (what: string, ok: (r: Release) => boolean, timeoutMs = 60_000) => statusWhere(() => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${held.name}/releases/${HELD_NEXT}`), what, ok, timeoutMs, 200);
const condition = (r: Release, type: string) => r.status?.conditions?.find((c) => c.type === type);
const heldEvents = async (): Promise<string> => (await kubectlAsync(["get", "events", "-n", held.name, "--field-selector", `involvedObject.name=${HELD}`, "-o", "json"])).stdout;
const golive = (...args: string[]) => runGolive(args);
const events = async (): Promise<string> => (await kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", `involvedObject.name=${NAME}`, "-o", "json"])).stdout;
const gauge = async (state: string): Promise<number | undefined> => {
  const m = new RegExp(`^golive_release_dr_consistent\\{release_namespace="${ns.name}",release="${NAME}",target="dr-east",state="${state}"\\} (\\d+)$`, "m").exec(await operator.metrics.registry.metrics());
  return m ? Number(m[1]) : undefined;
};

/** The operator's and the webhook's logs, both searched for the token. */
const sink = new Writable({ write: (chunk: Buffer, _e, done) => (logs.push(chunk.toString()), done()) });

/** A Deployment of the primary labelled with its Release, on the kwok nodes. */
const appDeployment = (name: string, releaseName: string, digest: string) => {
  const d = drDeployment(digest) as Doc;
  const labels = { app: name, "golive.dev/release": releaseName };
  return { ...d, metadata: { name, labels }, spec: { ...d.spec, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { ...d.spec.template.spec, containers: [{ name, image: `${IMAGE}@${digest}` }] } } } };
};
/** kubectl apply (dry-run or not) through the primary API server, so its admission webhooks judge it. */
const admit = (doc: object, namespace: string, dryRun = false) => kubectlAsync(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", ...(dryRun ? ["--dry-run=server"] : []), "-n", namespace, "-f", "-"], JSON.stringify(doc));
/** How many admission requests the webhook answered, and how many of them within `le` seconds. */
async function answered(le: string): Promise<{ all: number; within: number }> {
  const values = (await webhook!.server.metrics.latency.get()).values;
  const bucket = (b: string) => values.find((v) => v.metricName === "controller_runtime_webhook_latency_seconds_bucket" && String((v.labels as Record<string, unknown>).le) === b)?.value ?? 0;
  return { all: bucket("+Inf"), within: bucket(le) };
}

/**
 * golive's webhook in this process, registered with the primary API server (by URL), until it
 * judges both namespaces: an object of no release is denied there.
 */
async function startJudging(): Promise<void> {
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "webhook-audit.jsonl"), namespace: OWN, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  webhook = await startWebhook({ config, log: createLogger("debug", sink), kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  const probe = { ...appDeployment("probe", "no-such-release", DIGEST), metadata: { name: "probe" } };
  for (const namespace of [ns.name, held.name])
    await until(`the webhook judging ${namespace}`, async () => (/denied the request/.test((await admit(probe, namespace, true)).stderr) ? true : undefined), 60_000);
}

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  dr = await startControlPlane({ nodes: 1 });
  await installCrds(dr.kubectl);
  dr.kubectl(["apply", "-f", join(root, "docs", "dr", "reader-rbac.yaml")]);
  token = dr.kubectl(["create", "token", "golive-dr-reader", "-n", "golive-dr-reader", "--duration=1h"]).trim();
  const drKc = new KubeConfig();
  drKc.loadFromFile(dr.kubeconfig);
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: dr
  cluster: { server: "${drKc.getCurrentCluster()!.server}", certificate-authority-data: ${drKc.getCurrentCluster()!.caData} }
users:
- name: reader
  user: { token: "${token}" }
contexts:
- name: dr
  context: { cluster: dr, user: reader }
current-context: dr
`;
  await kubectlAsync(["create", "namespace", OWN]);
  await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "dr-east-kubeconfig" }, type: "Opaque", data: { kubeconfig: Buffer.from(kubeconfig).toString("base64") } }, OWN);
  await kubectlAsync(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`]);
  await apply(
    namespacePolicy(ns.name, {
      protectionLevel: 2,
      gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
      signers: exampleSigners((name) => name === "release-manager"),
      roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }],
      approvals: [{ stage: "Release", roles: ["release-manager"] }],
      images: { requireDigest: true, requireSignature: false },
      // The primary's ledger Deployment (admitted by the webhook while the DR site is down) is a single plain replica.
      architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false },
      monitoring: { requireReady: false },
      disasterRecovery: { targets: [{ name: "dr-east", kubeconfigSecret: { name: "dr-east-kubeconfig", key: "kubeconfig" } }], releasedWaitsForConsistency: false, deadlineSeconds: 600 },
    }),
  );
  await kubectlAsync(["label", "namespace", held.name, `${TEST_POLICY_LABEL}=${held.name}`]);
  await apply(
    namespacePolicy(held.name, {
      protectionLevel: 3,
      gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
      signers: exampleSigners((name) => name === "release-manager"),
      roles: [{ name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] }],
      approvals: [{ stage: "Release", roles: ["release-manager"] }],
      images: { requireDigest: true, requireSignature: false },
      architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false },
      monitoring: { requireReady: false },
      disasterRecovery: { targets: [{ name: "dr-east", kubeconfigSecret: { name: "dr-east-kubeconfig", key: "kubeconfig" } }], deadlineSeconds: DEADLINE_S },
    }),
  );
  dr.kubectl(["create", "namespace", held.name]);
  await apply(configMap);
  // The DR site: the same namespace name (no namespaceMapping), the same ConfigMap, the Deployment on the sealed digest.
  dr.kubectl(["create", "namespace", ns.name]);
  drApply(configMap);
  drApply(drDeployment(DIGEST));
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: OWN, resyncPeriod: `${RESYNC_MS / 1000}s`, drResyncPeriod: `${RESYNC_MS / 1000}s`, drTimeout: "1s" }, {});
  operator = await startOperator({ config, log: createLogger("debug", sink), kubeConfig: kubeConfig(), healthServer: false });
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await operator?.stop();
  await dr?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  await kubectlAsync(["delete", "releasepolicy", `${held.name}-policy`, "--wait=false"]);
  await kubectlAsync(["delete", "namespace", OWN, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("disaster-recovery consistency across two control planes", () => {
  it("the DR site running the same digests and configuration is InSync once the release is Approved", async () => {
    await apply(releaseDoc);
    const parsed = Release.parse({ ...releaseDoc, metadata: { ...releaseDoc.metadata, namespace: ns.name } });
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    await apply(createEvidence({ release: parsed, type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
    const r = await releaseWhere("DR InSync", (r) => target(r)?.state === "InSync", 90_000);
    expect(consistent(r)).toMatchObject({ status: "True", reason: "InSync" });
    expect(await gauge("InSync")).toBe(1);
  });

  it("the DR Deployment on another digest is Drifted naming it within one resync, and InSync again once put back", async () => {
    const start = Date.now();
    drApply(drDeployment(OTHER));
    const r = await releaseWhere("DR Drifted", (r) => target(r)?.state === "Drifted", 30_000);
    expect(Date.now() - start).toBeLessThan(WITHIN_ONE_RESYNC_MS);
    expect(target(r)?.differences).toContain(`Deployment ledger container ledger template has ${OTHER} for docker.io/${IMAGE}, not the sealed ${DIGEST}`);
    expect(consistent(r)).toMatchObject({ status: "False", reason: "Drifted" });
    expect(await gauge("Drifted")).toBe(0);
    await until("the DisasterRecoveryDrifted Event", async () => ((await events()).includes("DisasterRecoveryDrifted") ? true : undefined));
    drApply(drDeployment(DIGEST));
    // The old pods go away on the DR site (kwok), then nothing differs.
    await releaseWhere("DR InSync again", (r) => target(r)?.state === "InSync", 60_000);
  });

  it("level 3: Released is held while the DR Deployment runs another digest (naming it), Stalled with the reason past deadlineSeconds, and Released once the DR Deployment is put back", async () => {
    dr.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", held.name, "-f", "-"], JSON.stringify(vaultDeployment(OTHER)));
    await apply(vaultDeployment(DIGEST), held.name);
    await apply(heldDoc, held.name);
    const parsed = Release.parse({ ...heldDoc, metadata: { ...heldDoc.metadata, namespace: held.name } });
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    await apply(createEvidence({ release: parsed, type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }), held.name);

    // Held: the phase stays, status says since when, the message names the target and what differs.
    const waiting = await heldWhere("Released held for DR consistency, naming the drift", (r) => r.status?.disasterRecoveryHold !== undefined && (r.status.message ?? "").includes("dr-east Drifted"), 120_000);
    expect(waiting.status?.phase).toBe("Verifying");
    expect(waiting.status?.message).toMatch(/^waiting for DR consistency before Released \(4\.3 g\): dr-east Drifted since /);
    expect(waiting.status?.message).toContain(`Deployment vault container vault template has ${OTHER} for docker.io/${IMAGE}, not the sealed ${DIGEST}`);
    expect(condition(waiting, "Stalled")?.status).toBe("False");
    const since = waiting.status!.disasterRecoveryHold!.since;
    await until("the DisasterRecoveryHold Event", async () => ((await heldEvents()).includes("DisasterRecoveryHold") ? true : undefined));

    // Past the deadline: Stalled with the reason, Ready=False, still waiting in the same phase.
    const stalled = await heldWhere("Stalled past deadlineSeconds", (r) => condition(r, "Stalled")?.status === "True", (DEADLINE_S + 30) * 1000);
    expect(Date.parse(stalled.status!.disasterRecoveryHold!.stalledAt!) - Date.parse(since)).toBeGreaterThanOrEqual(DEADLINE_S * 1000);
    expect(stalled.status?.phase).toBe("Verifying");
    expect(condition(stalled, "Stalled")).toMatchObject({ reason: "DisasterRecoveryDeadlineExceeded", message: expect.stringContaining(`not InSync within disasterRecovery.deadlineSeconds (${DEADLINE_S} s): dr-east Drifted`) });
    expect(condition(stalled, "Ready")).toMatchObject({ status: "False", reason: "DisasterRecoveryDeadlineExceeded" });
    await until("the DisasterRecoveryDeadlineExceeded Event", async () => ((await heldEvents()).includes("DisasterRecoveryDeadlineExceeded") ? true : undefined));

    // golive dr status shows the target, what differs and the hold.
    const shown = await golive("dr", "status", HELD, "-n", held.name, "--kubeconfig", inject("kubeconfig"));
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toMatch(/dr-east +Drifted +/);
    expect(shown.out).toContain(`dr-east differs: Deployment vault container vault template has ${OTHER}`);
    expect(shown.out).toContain(`Released waits for every target InSync (protection level 3 default), Stalled after ${DEADLINE_S} s`);
    expect(shown.out).toContain(`Held:     Released waits for DR consistency since ${since}; Stalled since`);
    expect(shown.out).toContain("Last DR drill (9.2 c,d): none (no DRDrillReport evidence for this release)");

    // Put back: InSync, then Released by itself; the hold is cleared and the reason says it waited.
    dr.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", held.name, "-f", "-"], JSON.stringify(vaultDeployment(DIGEST)));
    const done = await heldWhere("Released once the DR site is InSync", (r) => r.status?.phase === "Released", 90_000);
    expect(done.status?.disasterRecovery?.find((t) => t.target === "dr-east")?.state).toBe("InSync");
    expect(done.status?.disasterRecoveryHold).toBeUndefined();
    expect(condition(done, "Stalled")?.status).toBe("False");
    expect(condition(done, "Ready")).toMatchObject({ status: "True", reason: "Released" });
    const transitions = JSON.parse(await heldEvents()) as { items: { reason: string; message: string }[] };
    expect(transitions.items.find((e) => e.reason === "Released")?.message).toContain(`every DR target InSync (Released held for it since ${since}, 4.3 g)`);
  });

  it("the DR API server stopped: Unreachable with the time, and the primary operator goes on", async () => {
    const before = new Date();
    await dr.stop();
    const r = await releaseWhere("DR Unreachable", (r) => target(r)?.state === "Unreachable", 30_000);
    const t = target(r)!;
    expect(new Date(t.since).getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
    expect(t.reason).toMatch(/^connection failed \(E[A-Z]+\)$|^timed out$/);
    expect(consistent(r)?.message).toContain(`dr-east Unreachable since ${t.since}`);
    // The primary is unaffected: the operator still reconciles (a drifted primary ConfigMap is seen at once).
    await apply({ ...configMap, data: { ROUNDING: "up" } });
    await releaseWhere("primary drift still detected", (r) => r.status?.conditions?.some((c) => c.type === "Drifted" && c.status === "True") === true, 30_000);
    await apply(configMap);
  });

  it("the DR API server still down: the webhook judges the primary from memory, a level-3 release is held Unreachable then Stalled with its workload admitted and running, and the level-2 release goes Released with a warning", async () => {
    expect(target(await release())?.state).toBe("Unreachable");
    // Started while the DR site is down: nothing of it depends on the DR site.
    await startJudging();
    const before = await answered("0.25");
    // Level 2 (only warns): its sealed Deployment is admitted; one on an unsealed digest is denied, naming it.
    const admitted = await admit(appDeployment("ledger", NAME, DIGEST), ns.name);
    expect(admitted.status, admitted.stderr).toBe(0);
    const denied = await admit(appDeployment("ledger", NAME, OTHER), ns.name, true);
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/denied the request/);
    expect(denied.stderr).toContain(`is not the digest sealed in Release ${NAME}`);
    expect(denied.stderr).toContain(OTHER.slice(0, "sha256:".length + 12));
    // Nothing held that should not be: ledger-1 goes Released with the DR site Unreachable, with a Warning Event.
    const released = await releaseWhere("ledger-1 Released with the DR site down", (r) => r.status?.phase === "Released", 90_000);
    expect(target(released)?.state).toBe("Unreachable");
    expect(released.status?.disasterRecoveryHold).toBeUndefined();
    await until("the ReleasedWithDisasterRecoveryInconsistent Event", async () => ((await events()).includes("ReleasedWithDisasterRecoveryInconsistent") ? true : undefined));
    const warned = (JSON.parse(await events()) as { items: { reason: string; type: string; message: string }[] }).items.find((e) => e.reason === "ReleasedWithDisasterRecoveryInconsistent");
    expect(warned).toMatchObject({ type: "Warning", message: expect.stringContaining("dr-east Unreachable since") });

    // Level 3: a new release, approved while the DR site is down; its workload is admitted and runs.
    const next = { ...heldDoc, metadata: { name: HELD_NEXT }, spec: { ...heldDoc.spec, version: "2.0.0", workloads: [{ kind: "Deployment", name: "vault-next" }] } };
    await apply(next, held.name);
    const parsed = Release.parse({ ...next, metadata: { ...next.metadata, namespace: held.name } });
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    // Denied before the release is Approved, from what the webhook holds in memory.
    const early = await admit(appDeployment("vault-next", HELD_NEXT, DIGEST), held.name, true);
    expect(early.stderr).toMatch(/denied the request/);
    expect(early.stderr).toContain(HELD_NEXT);
    await apply(createEvidence({ release: parsed, type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }), held.name);
    await nextWhere("Approved", (r) => ["Approved", "Verifying", "CleaningUp", "Progressing"].includes(r.status?.phase ?? ""), 60_000);
    const created = await until("the vault-next Deployment admitted", async () => {
      const r = await admit(appDeployment("vault-next", HELD_NEXT, DIGEST), held.name);
      return r.status === 0 ? r : undefined;
    }, 30_000);
    expect(created.stderr).not.toMatch(/denied/);
    const waiting = await nextWhere("Released held: dr-east Unreachable", (r) => r.status?.disasterRecoveryHold !== undefined && (r.status.message ?? "").includes("dr-east Unreachable since"), 90_000);
    expect(waiting.status?.message).toMatch(/^waiting for DR consistency before Released \(4\.3 g\): dr-east Unreachable since /);
    expect(condition(waiting, "Stalled")?.status).toBe("False");
    const stalled = await nextWhere("Stalled past deadlineSeconds", (r) => condition(r, "Stalled")?.status === "True", (DEADLINE_S + 30) * 1000);
    expect(condition(stalled, "Stalled")).toMatchObject({ reason: "DisasterRecoveryDeadlineExceeded", message: expect.stringContaining("dr-east Unreachable since") });
    expect(stalled.status?.phase).not.toBe("Released");
    // Held, not blocked: its Deployment runs on the primary.
    await until("vault-next available on the primary", async () => {
      const d = await client.get<Doc>(`/apis/apps/v1/namespaces/${held.name}/deployments/vault-next`);
      return d.status?.availableReplicas === 1 ? d : undefined;
    }, 60_000);

    // Every admission answered from memory: none waited on a network call (the DR client's timeout is 1 s).
    const after = await answered("0.25");
    console.log(`DR site down: ${after.all - before.all} admission requests answered, ${after.within - before.within} of them within 0.25 s`);
    expect(after.all - before.all).toBeGreaterThanOrEqual(4);
    expect(after.within - before.within).toBe(after.all - before.all);
  }, 240_000);

  it("a DR site that accepts connections and never answers: Unreachable (timed out) within --dr-timeout and one resync; the operator reads it again, closing each hung connection", async () => {
    // A black hole on loopback: TCP connections are accepted and read (golive's TLS hello is
    // swallowed), nothing is ever sent back.
    const sockets = new Set<Socket>();
    let closed = 0;
    const hole = createServer((c) => {
      sockets.add(c);
      c.on("close", () => closed++);
      c.resume();
    });
    await new Promise<void>((r) => hole.listen(0, "127.0.0.1", () => r()));
    const { port } = hole.address() as AddressInfo;
    try {
      const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: dr
  cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: false }
users:
- name: reader
  user: { token: "black-hole-token" }
contexts:
- name: dr
  context: { cluster: dr, user: reader }
current-context: dr
`;
      await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "dr-hole-kubeconfig" }, type: "Opaque", data: { kubeconfig: Buffer.from(kubeconfig).toString("base64") } }, OWN);
      const policy = JSON.parse((await kubectlAsync(["get", "releasepolicy", `${ns.name}-policy`, "-o", "json"])).stdout) as Doc;
      const started = Date.now();
      await apply({ apiVersion: "golive.dev/v1alpha1", kind: "ReleasePolicy", metadata: { name: `${ns.name}-policy` }, spec: { ...policy.spec, disasterRecovery: { ...policy.spec.disasterRecovery, targets: [...policy.spec.disasterRecovery.targets, { name: "dr-hole", kubeconfigSecret: { name: "dr-hole-kubeconfig", key: "kubeconfig" } }] } } });
      const r = await releaseWhere("dr-hole Unreachable", (r) => r.status?.disasterRecovery?.find((t) => t.target === "dr-hole")?.state === "Unreachable", 30_000);
      const took = Date.now() - started;
      console.log(`black-holed DR site: Unreachable after ${took} ms (--dr-timeout 1 s, resync ${RESYNC_MS} ms), ${sockets.size} connection(s) accepted`);
      expect(r.status?.disasterRecovery?.find((t) => t.target === "dr-hole")?.reason).toBe("timed out");
      // It was reached (connections accepted and left hanging), not refused.
      expect(sockets.size).toBeGreaterThan(0);
      expect(took).toBeLessThan(1_000 + WITHIN_ONE_RESYNC_MS + 5_000);
      // The operator goes on: the next reads time out too and are recorded, and each hung
      // connection is closed by golive when its read times out (none pile up).
      const first = r.status?.disasterRecovery?.find((t) => t.target === "dr-hole")?.checkedAt ?? "";
      const firstRound = sockets.size;
      await releaseWhere("a later read of dr-hole recorded", (x) => (x.status?.disasterRecovery?.find((t) => t.target === "dr-hole")?.checkedAt ?? "") > first, 30_000);
      await until("the first round's hung connections closed", async () => (closed >= firstRound ? true : undefined), 10_000);
      expect(sockets.size - closed).toBeLessThanOrEqual(firstRound);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise((r) => hole.close(r));
    }
  });

  it("the kubeconfig Secret's token never appears in the operator's logs, the Release status or Events", async () => {
    expect(token.length).toBeGreaterThan(20);
    expect(logs.join("")).toContain("DR target unreachable");
    const everything = [logs.join(""), JSON.stringify((await release()).status), await events(), JSON.stringify((await heldRelease()).status), await heldEvents()].join("\n");
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split(".")[2]!);
  });
});
