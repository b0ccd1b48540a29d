// JR/T 0179 4.3 l on the real control plane, with golive's operator and webhook running: under a
// policy with the level-3 bundle's closing gate, a Released release says it waits for the sign-off
// at the end of the go-live (SignedOff=False, AwaitingClosingSignOff, naming the role), its
// workloads stay admitted meanwhile, an approval signed with another role's key is refused with
// the reason, and the business owner's `golive approve --stage Closing --apply` signs it off:
// SignedOff=True, `golive status` shows it, the audit trail records it, and the operator signs a
// SignedOff verification summary beside the Released one.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Release } from "../api/index.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { summaryConfigMapName, summaryKey } from "../operator/summary/publish.js";
import { verifySummaryEnvelope } from "../operator/summary/verify.js";
import { loadConfig } from "../settings/config.js";
import { startWebhook, type WebhookHandle } from "../webhook/run.js";
import { freePort } from "./cluster/processes.js";
import { kubectlAsync, kubeConfig, useNamespace } from "./support/cluster.js";
import { exampleSigners, namespacePolicy } from "./support/policy.js";
import { releaseKit } from "./support/release-kit.js";
import { runGolive } from "./support/golive-cli.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("closing");
const own = useNamespace("golive-closing");
const work = mkdtempSync(join(tmpdir(), "golive-closing-"));
const keys = join(import.meta.dirname, "..", "examples", "keys");
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const IMAGE = "registry.example.com/team/claims";
const CONFIGURATION = `golive-closing-${id}`;
const NAME = "claims";
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
const summaryKeys = generateKeyPairSync("ed25519");
let operator: OperatorHandle | undefined;
let webhook: WebhookHandle | undefined;

const { kubectlApply, apply, until, release, condition, approve } = releaseKit(() => ns.name);
const deployment = (replicas = 1): Doc => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: NAME, labels: { app: NAME, "golive.dev/release": NAME } },
  spec: { replicas, selector: { matchLabels: { app: NAME } }, template: { metadata: { labels: { app: NAME, "golive.dev/release": NAME } }, spec: { containers: [{ name: NAME, image: `${IMAGE}@${digest(NAME)}` }] } } },
});

const golive = (...args: string[]) => runGolive(args);
const status = () => golive("status", NAME, "-n", ns.name, "--kubeconfig", inject("kubeconfig"));

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(
    namespacePolicy(ns.name, {
      protectionLevel: 3,
      gates: [
        { name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } },
        // The level-3 bundle's closing gate (policies/jrt0179-level3.yaml).
        { name: "go-live-closure", clause: "4.3 l", phase: "Closing", approvals: { stage: "Closing" } },
      ],
      signers: exampleSigners((name) => name === "release-manager" || name === "business-owner"),
      roles: [
        { name: "release-manager", signers: ["release-manager"], permissions: ["Approve"] },
        { name: "business-owner", signers: ["business-owner"], permissions: ["Approve"] },
      ],
      approvals: [
        { stage: "Release", roles: ["release-manager"] },
        { stage: "Closing", roles: ["business-owner"] },
      ],
      images: { requireDigest: true, requireSignature: false },
      architecture: { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false },
      monitoring: { requireReady: false },
    }),
  );
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: own.name, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  operator = await startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false, evidenceSigner: { name: "golive-operator", key: summaryKeys.privateKey } });
  webhook = await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  await until("the webhook to judge the namespace", () => kubectlAsync(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify({ ...deployment(), metadata: { name: "probe", labels: { app: "probe" } } })), (r) => /denied the request/.test(r.stderr), 60_000);
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await operator?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("the sign-off at the end of the go-live (4.3 l)", () => {
  it("a Released release waits for the business owner's sign-off, refuses another role's key, and is signed off with golive approve --stage Closing", async () => {
    await apply({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: NAME }, spec: { application: NAME, version: "1.0.0", workloads: [{ kind: "Deployment", name: NAME }], images: [{ name: IMAGE, digest: digest(NAME) }], architecture: { replicas: 1, highAvailability: false } } });
    await approve(NAME);
    await until("claims Approved", () => release(NAME), (r) => r.status?.phase === "Approved");
    const applied = await kubectlApply(deployment());
    expect(applied.status, applied.stderr).toBe(0);

    // Released, and waiting: the condition names the role, the message says so, Ready stays True.
    const waiting = await until("claims Released, waiting for the closing sign-off", () => release(NAME), (r) => r.status?.phase === "Released" && condition(r, "SignedOff") !== undefined);
    expect(condition(waiting, "SignedOff")).toMatchObject({ status: "False", reason: "AwaitingClosingSignOff", message: expect.stringMatching(/^waiting for the closing sign-off \(4\.3 l\) by role business-owner \(golive approve --release claims --stage Closing --role business-owner/) });
    expect(waiting.status.message).toMatch(/^Released; waiting for the closing sign-off \(4\.3 l\) by role business-owner/);
    expect(condition(waiting, "Ready")?.status).toBe("True");
    const shown = await status();
    expect(shown.code).toBe(0);
    expect(shown.out).toContain("Phase:    Released");
    expect(shown.out).toMatch(/Not signed off \(4\.3 l\): AwaitingClosingSignOff: waiting for the closing sign-off \(4\.3 l\) by role business-owner/);

    // No verification users declared: no verification token, said plainly (8.5).
    const token = await golive("status", NAME, "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--verification-token");
    expect(token.code).not.toBe(0);
    expect(token.err).toMatch(new RegExp(`Release ${ns.name}/claims has no spec.strategy.verification.users: there is no verification token`));

    // After go-live the missing sign-off never blocks the running workload: a change is admitted.
    const scaled = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify(deployment(2)));
    expect(scaled.status, scaled.stderr).toBe(0);

    // Signed with the release manager's key in the business owner's role: refused, with the reason.
    const r = await release(NAME);
    const asRelease = Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } });
    const forged = createEvidence({ release: asRelease, type: "Approval", key: loadPrivateKey(readFileSync(join(keys, "release-manager.key"), "utf8")), predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Closing", role: "business-owner" } } });
    await apply(forged);
    const refused = await until("the wrong role's key refused", () => release(NAME), (x) => condition(x, "SignedOff")?.reason === "ClosingSignOffRefused");
    expect(condition(refused, "SignedOff")).toMatchObject({
      status: "False",
      message: expect.stringContaining(`refused: evidence ${forged.metadata.name} (Approval, Closing stage) refused: names role business-owner, but is signed by release-manager, whose key is not bound to that role (its signers: business-owner)`),
    });
    expect(refused.status.phase).toBe("Released");
    const events = await until("the refusal's Warning Event", () => kubectlAsync(["get", "events", "-n", ns.name, "--field-selector", "reason=ClosingSignOffRefused", "-o", "json"]), (x) => (JSON.parse(x.stdout || "{}") as Doc).items?.length > 0);
    expect((JSON.parse(events.stdout) as Doc).items[0].message).toMatch(/closing sign-off of claims not given: .*signed by release-manager/);

    // The business owner signs off with the CLI, against the Release as the cluster holds it.
    const file = join(work, "release.yaml");
    writeFileSync(file, stringify({ ...r, metadata: { name: r.metadata.name, namespace: ns.name } }));
    const signed = await golive("approve", "--release", NAME, "--stage", "Closing", "--role", "business-owner", "--key", join(keys, "business-owner.key"), "--comment", "go-live complete", "-f", file, "--apply", "--kubeconfig", inject("kubeconfig"));
    expect(signed.code, signed.err).toBe(0);
    expect(signed.out).toMatch(/ReleaseEvidence\/.* applied/);
    const done = await until("claims signed off", () => release(NAME), (x) => condition(x, "SignedOff")?.status === "True");
    expect(condition(done, "SignedOff")).toMatchObject({ reason: "SignedOff", message: "go-live-closure: Closing approved by business-owner (business-owner)" });
    expect(done.status.message).toBe("Released and signed off (4.3 l): go-live-closure: Closing approved by business-owner (business-owner)");
    expect((await status()).out).toMatch(/Signed off \(4\.3 l\) \S+: go-live-closure: Closing approved by business-owner \(business-owner\)/);

    // The audit trail records the refusal and the sign-off; the operator signs a SignedOff summary.
    const audit = await until(
      "the sign-off in the audit trail",
      () => Promise.resolve(readFileSync(join(work, "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: string; result: string })),
      (records) => records.some((a) => a.type === "sign-off" && a.result === "signed"),
    );
    expect(audit.filter((a) => a.type === "sign-off" && a.object === `${ns.name}/Release/${NAME}`).map((a) => a.result)).toEqual(["refused", "signed"]);
    const cm = await until("the SignedOff summary", () => kubectlAsync(["get", "configmap", "-n", ns.name, summaryConfigMapName(NAME), "-o", "json"]), (x) => (JSON.parse(x.stdout || "{}") as Doc).data?.[summaryKey("SignedOff")] !== undefined);
    const data = (JSON.parse(cm.stdout) as Doc).data as Record<string, string>;
    expect(verifySummaryEnvelope(data[summaryKey("Released")]!, summaryKeys.publicKey)).toMatchObject({ ok: true, result: "PASSED" });
    expect(verifySummaryEnvelope(data[summaryKey("SignedOff")]!, summaryKeys.publicKey)).toMatchObject({ ok: true, result: "PASSED" });
  }, 180_000);
});
