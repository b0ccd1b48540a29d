// Drift after admission (JR/T 0179 4.7 a, 8.4) on the real control plane: a live Release whose
// pod reports another image digest in status, or whose sealed ConfigMap or Secret is edited,
// reports Drifted=True within one resync, with a Warning Event, an audit record and the
// golive_release_drift gauge; restoring the seal turns it False again. No webhook runs in this
// file, so nothing refuses the edits at admission: this is the check that catches what got past.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { verifyChain } from "../audit/chain.js";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { configDigest } from "../images/config-digest.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { TEST_POLICY_LABEL, releaseManagerPolicy } from "./support/policy.js";
import { statusWhere, until } from "./support/wait.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const ns = useNamespace("drift");
const NAME = "ledger-1";
const IMAGE = "team/ledger"; // never pulled: kwok runs no containers
const DIGEST = `sha256:${createHash("sha256").update("ledger 1").digest("hex")}`;
const OTHER = `sha256:${createHash("sha256").update("ledger tampered").digest("hex")}`;
const RESYNC_MS = 2_000;
/** One resync, plus the reconcile and a status write. */
const WITHIN_ONE_RESYNC_MS = RESYNC_MS + 3_000;
const auditDir = mkdtempSync(join(tmpdir(), "golive-drift-"));
const auditFile = join(auditDir, "audit.jsonl");
const SECRET_VALUE = "correct-horse-battery-staple";
const TAMPERED_VALUE = "tampered-secret-value-42";

const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ledger-config" }, data: { ROUNDING: "half-even", CACHE_TTL: "60s" } };
const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "ledger-db" }, type: "Opaque", data: { password: Buffer.from(SECRET_VALUE).toString("base64") } };
const releaseDoc: Doc = {
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: NAME },
  spec: {
    application: "ledger",
    version: "1.0.0",
    workloads: [{ kind: "Deployment", name: "ledger" }],
    images: [{ name: IMAGE, digest: DIGEST }],
    configuration: [
      { kind: "ConfigMap", name: "ledger-config", digest: configDigest("ConfigMap", configMap) },
      { kind: "Secret", name: "ledger-db", digest: configDigest("Secret", secret) },
    ],
    architecture: { replicas: 1, highAvailability: false },
  },
};
const podDoc = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "ledger-0", labels: { app: "ledger", "golive.dev/release": NAME } },
  spec: { nodeSelector: { type: "kwok" }, containers: [{ name: "ledger", image: `${IMAGE}@${DIGEST}` }] },
};

let client: KubeClient;
let operator: OperatorHandle;

async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-test", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const release = () => client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases/${NAME}`);
const drifted = (r: Release) => r.status?.conditions?.find((c) => c.type === "Drifted");
const releaseWhere = (what: string, ok: (r: Release) => boolean, timeoutMs = 60_000) => statusWhere(release, what, ok, timeoutMs, 100);
const eventsWithReason = async (reason: string): Promise<string[]> => {
  const r = await kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", `reason=${reason},involvedObject.name=${NAME}`, "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]);
  return r.stdout.split("\n").filter(Boolean);
};
const driftRecords = () =>
  readFileSync(auditFile, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; object: string; result: string; reason: string; details: { findings: Doc[] } })
    .filter((r) => r.type === "drift" && r.object === `${ns.name}/Release/${NAME}`);
const gauge = async (kind: string): Promise<number | undefined> => {
  const m = new RegExp(`^golive_release_drift\\{release_namespace="${ns.name}",release="${NAME}",kind="${kind}"\\} (\\d+)$`, "m").exec(await operator.metrics.registry.metrics());
  return m ? Number(m[1]) : undefined;
};
/** Write the pod's container status as a kubelet would (the pods/status subresource, as admin). */
async function reportImageID(imageID: string): Promise<void> {
  const status = { containerStatuses: [{ name: "ledger", image: `${IMAGE}@${DIGEST}`, imageID, ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date().toISOString() } } }] };
  const r = await kubectlAsync(["patch", "pod", "ledger-0", "-n", ns.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
  if (r.status !== 0) throw new Error(r.stderr);
}
/** Time from `act` until the Release shows `ok`. */
async function timed(what: string, act: () => Promise<void>, ok: (r: Release) => boolean, annotate: (message: string) => Promise<unknown>): Promise<{ ms: number; release: Release }> {
  const start = Date.now();
  await act();
  const r = await releaseWhere(what, ok, 30_000);
  const ms = Date.now() - start;
  await annotate(`${what}: ${ms} ms (resync ${RESYNC_MS} ms)`);
  return { ms, release: r };
}

beforeAll(async () => {
  client = new KubeClient(kubeConfig());
  await kubectlAsync(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`]);
  await apply(
    releaseManagerPolicy(ns.name, {}),
  );
  await apply(configMap);
  await apply(secret);
  const config = loadConfig({ leaderElect: "false", auditFile, namespace: "golive-system", resyncPeriod: `${RESYNC_MS / 1000}s` }, {});
  operator = await startOperator({ config, log: createLogger(process.env.GOLIVE_TEST_LOG ?? "warn"), kubeConfig: kubeConfig(), healthServer: false });
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("drift after admission", () => {
  it("is not checked before Approved, and is False once Approved with the seal intact", async () => {
    await apply(releaseDoc);
    const blocked = await releaseWhere("Blocked", (r) => r.status?.phase === "Blocked");
    expect(drifted(blocked)).toBeUndefined();
    const parsed = Release.parse({ ...releaseDoc, metadata: { ...releaseDoc.metadata, namespace: ns.name } });
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    await apply(createEvidence({ release: parsed, type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
    const approved = await releaseWhere("Approved with Drifted=False", (r) => r.status?.phase === "Approved" && drifted(r)?.status === "False");
    expect(drifted(approved)).toMatchObject({ reason: "MatchesSeal" });
    expect(await gauge("image")).toBe(0);
    expect(await gauge("ConfigMap")).toBe(0);
    expect(await gauge("Secret")).toBe(0);
  });

  it("a running pod reporting the sealed digest is no drift", async () => {
    await apply(podDoc);
    await until("the pod Running on a kwok node", async () => ((await client.get<Doc>(`/api/v1/namespaces/${ns.name}/pods/ledger-0`)).status?.phase === "Running" ? true : undefined), 60_000);
    await reportImageID(`${IMAGE}@${DIGEST}`);
    // Let a full resync pass over it: still False.
    await new Promise((r) => setTimeout(r, RESYNC_MS * 2));
    expect(drifted(await release())).toMatchObject({ status: "False" });
  });

  it("a pod whose status reports another image digest makes the Release report Drifted within one resync", async ({ annotate }) => {
    const { ms, release: r } = await timed("Drifted=True for the image", () => reportImageID(`docker-pullable://${IMAGE}@${OTHER}`), (r) => drifted(r)?.status === "True", annotate);
    expect(ms).toBeLessThan(WITHIN_ONE_RESYNC_MS);
    expect(drifted(r)).toMatchObject({ reason: "ImageDrift", message: `pod ledger-0 container ledger runs ${OTHER} (imageID), not the sealed ${DIGEST} of ${IMAGE}@${DIGEST}` });
    expect(r.status?.phase).toBe("Approved"); // detection reports; it does not stop what runs
    await until("the Warning Event", async () => ((await eventsWithReason("Drifted")).some((m) => m.includes(`runs ${OTHER}`)) ? true : undefined));
    const records = driftRecords();
    expect(records.at(-1)).toMatchObject({ result: "Drifted", details: { findings: [{ kind: "image", pod: "ledger-0", container: "ledger", expected: [DIGEST], found: OTHER, problem: "digest" }] } });
    expect(r.status?.audit?.sequence).toBeGreaterThan(0);
    expect(await gauge("image")).toBe(1);
  });

  it("goes False again when the pod reports the sealed digest, with an Event and an audit record", async ({ annotate }) => {
    const { ms } = await timed("Drifted=False", () => reportImageID(`${IMAGE}@${DIGEST}`), (r) => drifted(r)?.status === "False", annotate);
    expect(ms).toBeLessThan(WITHIN_ONE_RESYNC_MS);
    await until("the DriftResolved Event", async () => ((await eventsWithReason("DriftResolved")).length > 0 ? true : undefined));
    expect(driftRecords().at(-1)?.result).toBe("DriftResolved");
    expect(await gauge("image")).toBe(0);
  });

  it("an edited sealed ConfigMap is Drifted within one resync, naming both digests; restored, it is False", async ({ annotate }) => {
    const edited = { ...configMap, data: { ...configMap.data, CACHE_TTL: "1s" } };
    const { ms, release: r } = await timed("Drifted=True for the ConfigMap", () => apply(edited), (r) => drifted(r)?.status === "True", annotate);
    expect(ms).toBeLessThan(WITHIN_ONE_RESYNC_MS);
    expect(drifted(r)).toMatchObject({ reason: "ConfigurationDrift", message: `ConfigMap ledger-config has digest ${configDigest("ConfigMap", edited)}, not the sealed ${configDigest("ConfigMap", configMap)}` });
    expect(await gauge("ConfigMap")).toBe(1);
    await apply(configMap);
    await releaseWhere("Drifted=False after the restore", (r) => drifted(r)?.status === "False", WITHIN_ONE_RESYNC_MS);
    expect(await gauge("ConfigMap")).toBe(0);
  });

  it("an edited sealed Secret is Drifted, and neither its value nor the digest found appears in status, Events or the audit trail", async ({ annotate }) => {
    const edited = { ...secret, data: { password: Buffer.from(TAMPERED_VALUE).toString("base64") } };
    const { ms, release: r } = await timed("Drifted=True for the Secret", () => apply(edited), (r) => drifted(r)?.status === "True", annotate);
    expect(ms).toBeLessThan(WITHIN_ONE_RESYNC_MS);
    expect(drifted(r)?.message).toBe(`Secret ledger-db no longer matches its sealed digest ${configDigest("Secret", secret)} (the digest found is not shown for a Secret)`);
    await until("the Warning Event for the Secret", async () => ((await eventsWithReason("Drifted")).some((m) => m.includes("Secret ledger-db")) ? true : undefined));
    const everything = [JSON.stringify(r.status), (await eventsWithReason("Drifted")).join("\n"), readFileSync(auditFile, "utf8")].join("\n");
    for (const leak of [SECRET_VALUE, TAMPERED_VALUE, edited.data.password, secret.data.password, configDigest("Secret", edited)]) expect(everything).not.toContain(leak);
    expect(await gauge("Secret")).toBe(1);
    await apply(secret);
    await releaseWhere("Drifted=False after the Secret is restored", (r) => drifted(r)?.status === "False", WITHIN_ONE_RESYNC_MS);
  });

  it("a deleted sealed ConfigMap is drift too", async () => {
    await kubectlAsync(["delete", "configmap", "ledger-config", "-n", ns.name]);
    const r = await releaseWhere("Drifted=True for the missing ConfigMap", (r) => drifted(r)?.status === "True", WITHIN_ONE_RESYNC_MS);
    expect(drifted(r)?.message).toBe(`ConfigMap ledger-config is sealed (${configDigest("ConfigMap", configMap)}) but does not exist`);
    await apply(configMap);
    await releaseWhere("Drifted=False once it is back", (r) => drifted(r)?.status === "False", WITHIN_ONE_RESYNC_MS);
  });

  it("kept every drift change in the verifiable audit chain", () => {
    expect(verifyChain(readFileSync(auditFile, "utf8")).ok).toBe(true);
    expect(driftRecords().map((r) => r.result)).toEqual(["Drifted", "DriftResolved", "Drifted", "DriftResolved", "Drifted", "DriftResolved", "Drifted", "DriftResolved"]);
  });
});
