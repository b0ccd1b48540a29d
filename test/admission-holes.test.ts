// No way around the gate (issue 14), through the real kube-apiserver with kubectl: after a
// Release is Approved its plan cannot be edited, a ReplicationController with an unsealed image
// never runs, `kubectl scale` cannot go below the minimum, live evidence and the required PDB
// cannot be deleted, a sealed ConfigMap cannot be edited — and with golive down the cluster still
// heals the workloads golive admitted, while an unadmitted ReplicationController still cannot
// make pods (matchConditions). The webhook runs in this process (registered by URL); Release
// status is written as the operator would, by the admin configured as the operator's identity.
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../api/index.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import { approvedStatus, CONFIG_DATA, DIGEST, fixturePolicy, fixtureRelease, GOVERNED_LABEL, IMAGE, pdb, policySpec, RELEASE, workload } from "../webhook/testdata/fixtures.js";
import { applyConfiguration, caBundlePublisher, secretTlsStore } from "../webhook/kube.js";
import { MemoryView } from "../webhook/memory-view.js";
import { startWebhookServer, type WebhookServer } from "../webhook/server.js";
import { TlsManager } from "../webhook/tls.js";
import { kubeConfig, useNamespace } from "./support/cluster.js";
import { items, k, ok } from "./support/kubectl.js";

const id = randomBytes(3).toString("hex");
const TEST_LABEL = "golive.dev/holes-test";
const own = useNamespace("golive-holes");
const gov = useNamespace("holes-gov", { [TEST_LABEL]: id, [GOVERNED_LABEL]: id });
const configurationName = `golive-holes-${id}`;
const policyName = `holes-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
const MIN = 60_000;

let view: MemoryView;
let server: WebhookServer | undefined;
let tls: TlsManager;
let admin = "";

async function syncView(): Promise<void> {
  const [namespaces, policies, releases, evidence, pdbs, configMaps] = await Promise.all([
    items(["namespaces", gov.name]),
    items(["releasepolicies"]),
    items(["releases", "-A"]),
    items(["releaseevidences", "-n", gov.name]),
    items(["poddisruptionbudgets", "-n", gov.name]),
    items(["configmaps", "-n", gov.name]),
  ]);
  view.namespaces.replace(namespaces);
  view.policies.replace(policies);
  view.releases.replace(releases);
  view.evidence.replace(evidence);
  view.pdbs.replace(pdbs);
  view.configMaps.replace(configMaps);
}
async function setStatus(status: ReleaseStatus): Promise<void> {
  await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
  await syncView();
}
const asBob = (args: string[], input?: string) => k([...args, "--as=bob"], input);
const denial = (what: string) => new RegExp(`admission webhook "${what}\\.h${id}\\.golive\\.dev" denied the request: `);
const inGov = (kind: Parameters<typeof workload>[0], opts: Parameters<typeof workload>[1] = {}) => workload(kind, { namespace: gov.name, ...opts });
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
interface PodDoc {
  metadata: { name: string; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: { containers?: { image: string }[] };
  status?: { phase?: string };
}
const podsOf = async (selector: string): Promise<PodDoc[]> => ((await items(["pods", "-n", gov.name, "-l", selector])) as PodDoc[]).filter((p) => !p.metadata.deletionTimestamp);

let certificate: { cert: string; key: string } | undefined;
async function startServer(): Promise<void> {
  const kc = kubeConfig();
  tls ??= new TlsManager({
    store: secretTlsStore(kc, own.name),
    policy: { dnsNames: ["localhost"], ips: ["127.0.0.1"], caValidityMs: 365 * 86_400_000, certValidityMs: 30 * 86_400_000, caRenewBeforeMs: 30 * 86_400_000, certRenewBeforeMs: 86_400_000, caOverlapMs: MIN },
    log,
    publishCaBundle: caBundlePublisher(kc, configurationName),
    onCertificate: (c) => ((certificate = c), server?.setCertificate(c)),
  });
  await tls.sync();
  server = await startWebhookServer({ view, log, port: 0, host: "127.0.0.1", budgetMs: 8_000, certificate: certificate! });
  await applyConfiguration(kc, webhookConfiguration({ name: configurationName, ownNamespace: own.name, client: { url: `https://127.0.0.1:${server.port}/validate` }, timeoutSeconds: 5, scopes: [{ name: `h${id}`, selector: { matchLabels: { [TEST_LABEL]: id } } }] }));
  await tls.republish();
  await until("the webhook to take effect", async () => denial("workloads").test((await k(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(inGov("Deployment", { release: null })))).stderr));
}

beforeAll(async () => {
  admin = (await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim();
  view = new MemoryView({ operatorIdentity: admin, ownNamespace: own.name });
  view.seals.sealed(IMAGE, DIGEST);
  // bob edits and scales workloads, deletes evidence and PDBs, edits ConfigMaps: RBAC lets him, golive must not.
  await ok(["create", "role", "editor", "-n", gov.name, "--verb=*", "--resource=deployments,deployments/scale,replicationcontrollers,replicationcontrollers/scale,replicasets,pods,releases,releaseevidences,poddisruptionbudgets,configmaps"]);
  await ok(["create", "rolebinding", "editor", "-n", gov.name, "--role=editor", "--user=bob"]);
  await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(policyName, policySpec(id))));
  await ok(["apply", "-f", "-"], JSON.stringify(fixtureRelease(new Date(), { namespace: gov.name, status: null })));
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: CONFIG_DATA }));
  await ok(["apply", "-f", "-"], JSON.stringify(pdb("web", { app: "web" }, gov.name)));
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { name: "web-units", namespace: gov.name }, spec: { release: RELEASE, type: "UnitTestReport", envelope: { payloadType: "application/vnd.in-toto+json", payload: "e30=", signatures: [{ keyid: "k", sig: "c2ln" }] } } }));
  await syncView();
  await startServer();
  await setStatus(approvedStatus(new Date()));
}, 120_000);

afterAll(async () => {
  await k(["delete", "validatingwebhookconfiguration", configurationName, "--ignore-not-found"]);
  await k(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
  tls?.stop();
  await server?.close();
});

describe("no way around the gate, through kube-apiserver", () => {
  it.each<[string, Record<string, unknown>]>([
    ["strategy", { strategy: { trafficRouting: { service: "web" }, steps: [{ name: "all", setWeight: 100 }] } }],
    ["rollback", { rollback: { automatic: false } }],
    ["architecture", { architecture: { replicas: 1, highAvailability: false } }],
    ["capacity", { capacity: { metrics: [] } }],
    ["internetFacing", { internetFacing: true }],
    ["firstFullRelease", { firstFullRelease: true }],
    ["workloads", { workloads: [{ kind: "Deployment", name: "web" }] }],
    ["changes", { changes: [{ id: "SHOP-9" }] }],
    ["monitoring", { monitoring: { enabled: false } }],
  ])("after Approved, an edit of spec.%s is denied: only the plan changed, approve it again", async (_field, patch) => {
    const r = await asBob(["patch", "release", RELEASE, "-n", gov.name, "--type=merge", "-p", JSON.stringify({ spec: patch })]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Release ${RELEASE} is Approved: its spec is frozen once approved; only the plan changed (the artifact is the same, so its test and scan evidence still applies): delete this Release, apply it again with the new plan and sign fresh approvals for its new plan digest`);
  });

  it("after Approved, an edit of the artifact is denied: a new version is needed", async () => {
    const r = await asBob(["patch", "release", RELEASE, "-n", gov.name, "--type=merge", "-p", JSON.stringify({ spec: { version: "1.2.1" } })]);
    expect(r.stderr).toContain("the artifact changed (application, version, images or configuration): create a new Release with a new version");
  });

  it("denies a ReplicationController with an unsealed image, and its pods never appear", async () => {
    const rc = inGov("ReplicationController", { name: "web-rc", labels: { app: "rc" } });
    rc.spec.selector = { app: "rc" };
    rc.spec.template.spec.containers[0].image = "registry.example.com/shop/web:latest";
    const r = await asBob(["apply", "-f", "-"], JSON.stringify(rc));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(denial("workloads"));
    expect(r.stderr).toContain(`golive denied ReplicationController ${gov.name}/web-rc (Release ${RELEASE}): container web: image registry.example.com/shop/web:latest is not pinned by digest`);
    await new Promise((res) => setTimeout(res, 2_000));
    expect(await podsOf("app=rc")).toHaveLength(0);
  });

  it("kubectl scale below the minimum is denied; within it, it scales", async () => {
    expect((await k(["apply", "-f", "-"], JSON.stringify(inGov("Deployment")))).stderr).toBe("");
    const low = await asBob(["scale", "deployment/web", "-n", gov.name, "--replicas=1"]);
    expect(low.status).not.toBe(0);
    expect(low.stderr).toMatch(denial("workloads"));
    expect(low.stderr).toContain(`Deployment web (Release ${RELEASE}) must run at least 3 replica(s)`);
    expect((await asBob(["scale", "deployment/web", "-n", gov.name, "--replicas=4"])).status).toBe(0);
    expect(await ok(["get", "deployment", "web", "-n", gov.name, "-o", "jsonpath={.spec.replicas}"])).toBe("4");
  });

  it("deleting live evidence or the PodDisruptionBudget the policy requires is denied with what to do", async () => {
    const ev = await asBob(["delete", "releaseevidence", "web-units", "-n", gov.name]);
    expect(ev.stderr).toMatch(denial("evidence"));
    expect(ev.stderr).toContain(`ReleaseEvidence web-units is part of the record of Release ${RELEASE}, which is Approved (8.3): it cannot be deleted while the release is live; retire the release first`);
    const budget = await asBob(["delete", "poddisruptionbudget", "web", "-n", gov.name]);
    expect(budget.stderr).toMatch(denial("protected"));
    expect(budget.stderr).toContain("create its replacement (same selector) before deleting it");
    expect((await k(["get", "releaseevidence", "web-units", "-n", gov.name])).status).toBe(0);
    expect((await k(["get", "poddisruptionbudget", "web", "-n", gov.name])).status).toBe(0);
  });

  it("a sealed ConfigMap edit is denied; a label is not", async () => {
    const r = await asBob(["patch", "configmap", "web-config", "-n", gov.name, "--type=merge", "-p", JSON.stringify({ data: { MODE: "debug" } })]);
    expect(r.stderr).toMatch(denial("protected"));
    expect(r.stderr).toMatch(new RegExp(`ConfigMap web-config is sealed in Release ${RELEASE}, which is Approved \\(8.4\\): this change gives it digest sha256:[0-9a-f]{12}…, not the sealed`));
    expect((await asBob(["label", "configmap", "web-config", "-n", gov.name, "team=shop"])).status).toBe(0);
    expect(await ok(["get", "configmap", "web-config", "-n", gov.name, "-o", "jsonpath={.data.MODE}"])).toBe(CONFIG_DATA.MODE);
  });

  it("with golive down, a deleted pod of an admitted Deployment is replaced; an unadmitted ReplicationController still makes none", async () => {
    await ok(["rollout", "status", "deployment/web", "-n", gov.name, "--timeout=90s"]);
    await server!.close();
    server = undefined;
    const victim = (await podsOf("app=web"))[0]!;
    await ok(["delete", "pod", victim.metadata.name, "-n", gov.name, "--wait=false"]);
    await until("the ReplicaSet controller to replace the pod", async () => {
      const pods = await podsOf("app=web");
      return pods.length === 4 && !pods.some((p) => p.metadata.name === victim.metadata.name);
    });
    const rc = inGov("ReplicationController", { name: "outage-rc", labels: { app: "outage" } });
    rc.spec.selector = { app: "outage" };
    const r = await k(["apply", "-f", "-"], JSON.stringify(rc));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/failed calling webhook "workloads\.h\w+\.golive\.dev"/);
    expect(await podsOf("app=outage")).toHaveLength(0);
    await startServer();
  }, 120_000);
});
