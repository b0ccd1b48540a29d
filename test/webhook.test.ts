// The admission webhook through the real kube-apiserver: the real server runs in this process on
// 127.0.0.1 (registered by URL, its CA published by its own TLS manager into the configuration),
// with a view filled by reading the cluster. Release status is written as the operator would
// (kubectl patch --subresource=status) by the admin, configured here as the operator identity.
// Every kubectl call is async: this process also answers the API server's webhook calls.
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BreakGlassAudit } from "../webhook/admission.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import {
  approvedStatus,
  CONFIG_DATA,
  DIGEST,
  fixturePolicy,
  fixtureRelease,
  gateResults,
  GOVERNED_LABEL,
  IMAGE,
  OTHER_DIGEST,
  pdb,
  podSpec,
  policySpec,
  RELEASE,
  releaseSpec,
  workload,
} from "../webhook/testdata/fixtures.js";
import { applyConfiguration, breakGlassEvents, caBundlePublisher, secretTlsStore } from "../webhook/kube.js";
import { MemoryView } from "../webhook/memory-view.js";
import { startWebhookServer, type WebhookServer } from "../webhook/server.js";
import { TlsManager, type TlsPolicy } from "../webhook/tls.js";
import type { ReleaseStatus, WorkloadKind } from "../api/index.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";

const id = randomBytes(3).toString("hex");
const TEST_LABEL = "golive.dev/webhook-test";
const own = useNamespace("golive-wh");
const gov = useNamespace("wh-gov", { [TEST_LABEL]: id, [GOVERNED_LABEL]: id });
const free = useNamespace("wh-free", { [TEST_LABEL]: id });
const configurationName = `golive-webhook-test-${id}`;
const policyName = `wh-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
const audits: BreakGlassAudit[] = [];
const MIN = 60_000;

let view: MemoryView;
let server: WebhookServer;
let tls: TlsManager;
let admin = "";

type Result = { status: number; stdout: string; stderr: string };

async function k(args: string[], input?: string): Promise<Result> {
  return kubectlAsync(args, input);
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await k(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function items(args: string[]): Promise<any[]> {
  const out = JSON.parse(await ok(["get", ...args, "-o", "json"])) as { items?: any[] };
  return out.items ?? [out];
}

/** Refill the view from the cluster, as the informers would. */
async function syncView(): Promise<void> {
  const [namespaces, policies, releases, evidence, pdbs, configMaps, secrets] = await Promise.all([
    items(["namespaces", gov.name, free.name]),
    items(["releasepolicies"]),
    items(["releases", "-A"]),
    items(["releaseevidences", "-n", gov.name]),
    items(["poddisruptionbudgets", "-n", gov.name]),
    items(["configmaps", "-n", gov.name]),
    items(["secrets", "-n", gov.name]),
  ]);
  view.namespaces.replace(namespaces);
  view.policies.replace(policies);
  view.releases.replace(releases);
  view.evidence.replace(evidence);
  view.pdbs.replace(pdbs);
  view.configMaps.replace(configMaps);
  view.secrets.replace(secrets);
}

function apply(object: object, opts: { dryRun?: boolean; as?: string; groups?: string[] } = {}): Promise<Result> {
  const args = ["apply", "-f", "-"];
  if (opts.dryRun) args.push("--dry-run=server");
  if (opts.as) args.push(`--as=${opts.as}`, ...(opts.groups ?? []).map((g) => `--as-group=${g}`));
  return k(args, JSON.stringify(object));
}

async function setStatus(status: ReleaseStatus, as?: string): Promise<Result> {
  const r = await k(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status }), ...(as ? [`--as=${as}`] : [])]);
  await syncView();
  return r;
}

async function setPolicy(mutate: (spec: Record<string, any>) => void): Promise<void> {
  const spec = policySpec(id);
  mutate(spec);
  await ok(["apply", "--server-side", "--force-conflicts", "-f", "-"], JSON.stringify(fixturePolicy(policyName, spec)));
  await syncView();
}

const denial = (what: string) => new RegExp(`admission webhook "${what}\\.t${id}\\.golive\\.dev" denied the request: `);
const inGov = (kind: WorkloadKind, opts: Parameters<typeof workload>[1] = {}) => workload(kind, { namespace: gov.name, ...opts });

beforeAll(async () => {
  admin = (await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim();
  const now = new Date();
  view = new MemoryView({ operatorIdentity: admin, ownNamespace: own.name });
  view.seals.sealed(IMAGE, DIGEST);

  // Users the tests impersonate may touch workloads and Release status in the governed namespace
  // (RBAC runs before admission: without this the API server would refuse them first).
  await ok(["create", "role", "tester", "-n", gov.name, "--verb=*", "--resource=deployments,statefulsets,daemonsets,replicasets,jobs,cronjobs,pods,pods/ephemeralcontainers,releases,releases/status"]);
  await ok(["create", "rolebinding", "tester", "-n", gov.name, "--role=tester", "--user=carol", "--user=bob", "--user=mallory", "--group=shop:ops"]);

  await setPolicy(() => undefined);
  const release = fixtureRelease(now, { namespace: gov.name, status: null });
  await ok(["apply", "-f", "-"], JSON.stringify(release));
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: CONFIG_DATA }));
  await ok(["apply", "-f", "-"], JSON.stringify(pdb("web", { app: "web" }, gov.name)));

  // TLS exactly as in production: a CA and serving certificate in a Secret of golive's namespace,
  // the CA published into the configuration's caBundle.
  const kc = kubeConfig();
  const policy: TlsPolicy = { dnsNames: ["localhost"], ips: ["127.0.0.1"], caValidityMs: 365 * 86_400_000, certValidityMs: 30 * 86_400_000, caRenewBeforeMs: 30 * 86_400_000, certRenewBeforeMs: 86_400_000, caOverlapMs: MIN };
  let pending: { cert: string; key: string } | undefined;
  tls = new TlsManager({ store: secretTlsStore(kc, own.name), policy, log, publishCaBundle: caBundlePublisher(kc, configurationName), onCertificate: (c) => (server ? server.setCertificate(c) : (pending = c)) });
  await tls.sync();
  const recordEvent = breakGlassEvents(kc, "webhook-test");
  server = await startWebhookServer({ view, log, port: 0, host: "127.0.0.1", budgetMs: 8_000, certificate: pending!, onAudit: async (a) => (audits.push(a), recordEvent(a)) });
  await syncView();
  await applyConfiguration(
    kc,
    webhookConfiguration({ name: configurationName, ownNamespace: own.name, client: { url: `https://127.0.0.1:${server.port}/validate` }, timeoutSeconds: 10, scopes: [{ name: `t${id}`, selector: { matchLabels: { [TEST_LABEL]: id } } }] }),
  );
  await tls.republish();
  // The API server picks up webhook configurations asynchronously.
  for (let i = 0; ; i++) {
    const r = await apply(inGov("Deployment", { release: null }), { dryRun: true });
    if (denial("workloads").test(r.stderr)) break;
    if (i > 80) throw new Error(`the webhook never took effect: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 250));
  }
});

afterAll(async () => {
  await k(["delete", "validatingwebhookconfiguration", configurationName, "--ignore-not-found"]);
  await k(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
  tls?.stop();
  await server?.close();
});

describe("the admission webhook through kube-apiserver", () => {
  it("published its CA into every webhook of its configuration", async () => {
    const secretCa = (await ok(["get", "secret", "golive-webhook-tls", "-n", own.name, "-o", "jsonpath={.data.ca\\.crt}"])).trim();
    const bundles = (await ok(["get", "validatingwebhookconfiguration", configurationName, "-o", "jsonpath={.webhooks[*].clientConfig.caBundle}"])).trim().split(" ");
    expect(bundles).toEqual([secretCa, secretCa, secretCa, secretCa, secretCa]); // workloads, releases, evidence, protected, evictions
  });

  it("admits anything in an ungoverned namespace", async () => {
    const r = await apply(workload("Deployment", { namespace: free.name, release: null, replicas: 1, spec: { containers: [{ name: "x", image: "nginx:latest" }] } }));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("denies a workload without its release label, and kubectl shows why", async () => {
    const r = await apply(inGov("Deployment", { name: "unlabelled", release: null }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(denial("workloads"));
    expect(r.stderr).toMatch(new RegExp(`golive denied Deployment ${gov.name}/unlabelled: it has no golive.dev/release label: label it`));
    expect((await k(["get", "deployment", "unlabelled", "-n", gov.name])).status).not.toBe(0);
  });

  it("lets only the operator's identity write Release status", async () => {
    const blocked = { ...approvedStatus(new Date()), phase: "Blocked" as const, message: "gate unit-tests Failed", gates: gateResults(new Date(), { "unit-tests": "Failed" }) };
    const forged = await setStatus(approvedStatus(new Date()), "mallory");
    expect(forged.status).not.toBe(0);
    expect(forged.stderr).toMatch(denial("releases"));
    expect(forged.stderr).toMatch(new RegExp(`the status of Release ${RELEASE} is written only by the golive operator \\(${admin}\\), not by mallory`));
    expect((await setStatus(blocked)).status).toBe(0);
    expect(await ok(["get", "release", RELEASE, "-n", gov.name, "-o", "jsonpath={.status.phase}"])).toBe("Blocked");
  });

  it("denies the workloads of a Blocked release, naming the gate and what to do", async () => {
    const r = await apply(inGov("Deployment"), { dryRun: true });
    expect(r.stderr).toMatch(new RegExp(`Release ${RELEASE} is Blocked, not Approved; gate unit-tests is Failed: no unit-tests evidence yet: provide or fix its evidence \\(golive gates --release ${RELEASE}\\)`));
  });

  it("admits the workloads of an approved, sealed release, of every kind; the Deployment rolls out", async () => {
    expect((await setStatus(approvedStatus(new Date()))).status).toBe(0);
    const r = await apply(inGov("Deployment"));
    expect(r.stderr).toBe("");
    // The Deployment's ReplicaSet and pods are stamped out by the controllers and admitted too.
    await ok(["rollout", "status", "deployment/web", "-n", gov.name, "--timeout=90s"]);
    for (const kind of ["StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"] as const) {
      const d = await apply(inGov(kind), { dryRun: true });
      expect(d.stderr, kind).toBe("");
      expect(d.status, kind).toBe(0);
    }
  });

  const relabelled = (object: Record<string, any>, app: string) => {
    object.metadata.labels.app = app;
    object.spec.selector.matchLabels.app = app;
    object.spec.template.metadata.labels = { ...object.spec.template.metadata.labels, app };
    return object;
  };
  const tamper = (mutate: (spec: Record<string, any>) => void) => {
    const spec = podSpec();
    mutate(spec);
    return spec;
  };
  it.each([
    ["an image by tag", inGov("Deployment", { spec: tamper((s) => (s.containers[0].image = `${IMAGE}:1.2.0`)) }), `container web: image ${IMAGE}:1.2.0 is not pinned by digest: reference it as ${IMAGE}@${DIGEST}`],
    ["another digest", inGov("Deployment", { spec: tamper((s) => (s.containers[0].image = `${IMAGE}@${OTHER_DIGEST}`)) }), "is not the digest sealed in Release"],
    ["an image not sealed into the release", inGov("Deployment", { spec: tamper((s) => (s.containers[0].image = `registry.example.com/shop/other@${DIGEST}`)) }), "is not among Release web-1-2-0's sealed images"],
    ["an unpinned init container", inGov("Job", { spec: tamper((s) => void (s.initContainers = [{ ...s.containers[0], name: "migrate", image: "busybox:1.36" }])) }), "init container migrate: image busybox:1.36 is not pinned by digest"],
    ["too few replicas", inGov("Deployment", { replicas: 1 }), "Deployment web runs 1 replica(s); ReleasePolicy"],
    ["pods no PodDisruptionBudget selects", relabelled(inGov("StatefulSet"), "db"), "no PodDisruptionBudget in namespace"],
    ["a privileged container", inGov("DaemonSet", { spec: tamper((s) => (s.containers[0].securityContext = { privileged: true })) }), "container web is privileged"],
    ["the host network", inGov("Pod", { spec: tamper((s) => (s.hostNetwork = true)) }), "the pods use hostNetwork"],
    ["root", inGov("Pod", { spec: tamper((s) => delete s.securityContext.runAsNonRoot) }), "container web does not set runAsNonRoot"],
    ["no requests", inGov("CronJob", { spec: tamper((s) => delete s.containers[0].resources) }), "container web sets no cpu or memory request"],
    ["fewer resources than declared", inGov("Deployment", { spec: tamper((s) => (s.containers[0].resources.requests = { cpu: "100m", memory: "256Mi" })) }), "the pods request 100m CPU in total; Release web-1-2-0 declares 500m per pod"],
    ["a workload the release does not list", inGov("Deployment", { name: "api" }), "Deployment api is not listed in Release web-1-2-0's spec.workloads"],
    ["a changed sealed ConfigMap", inGov("Pod", { spec: tamper((s) => (s.volumes = [{ name: "c", configMap: { name: "web-config" } }])) }), null],
  ])("denies %s (server-side dry-run)", async (_what, object, expected) => {
    if (expected === null) {
      // An edit of the sealed ConfigMap is refused while the release is live (test/admission-holes.test.ts);
      // had it drifted anyway (edited while golive was not called), every workload using it is denied.
      const changed = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: { ...CONFIG_DATA, MODE: "debug" } };
      expect((await apply(changed)).stderr).toMatch(denial("protected"));
      view.configMaps.put(changed);
      try {
        const r = await apply(object, { dryRun: true });
        expect(r.stderr).toMatch(/ConfigMap web-config does not match the digest sealed in Release web-1-2-0 \(live sha256:\w{12}…, sealed sha256:\w{12}…\): restore the sealed content/);
      } finally {
        await syncView();
      }
      return;
    }
    const r = await apply(object, { dryRun: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(denial("workloads"));
    expect(r.stderr).toContain(expected);
  });

  it("denies a seal the operator has not verified, and a high-risk batch job without its batch-test gate", async () => {
    view.seals.clear();
    try {
      // A create (the Deployment exists and an unchanged template is not judged again).
      expect((await apply(inGov("StatefulSet"), { dryRun: true })).stderr).toContain("seal not yet verified by the operator: wait until Release web-1-2-0 shows Sealed=True");
    } finally {
      view.seals.sealed(IMAGE, DIGEST);
    }
    await setStatus(approvedStatus(new Date(), 1, gateResults(new Date(), { "batch-tests": "Pending" })));
    try {
      const job = inGov("Job", { labels: { "golive.dev/batch-class": "funds" } });
      expect((await apply(job, { dryRun: true })).stderr).toContain("Job nightly is a high-risk batch job (golive.dev/batch-class=funds, 7.1.9): it needs the batch-test gate batch-tests Passed, but in Release web-1-2-0 it is Pending");
      expect((await apply(inGov("Job", { labels: { "golive.dev/batch-class": "reporting" } }), { dryRun: true })).status).toBe(0);
    } finally {
      await setStatus(approvedStatus(new Date()));
    }
  });

  it("checks ephemeral containers added with kubectl debug", async () => {
    expect((await apply(inGov("Pod"))).stderr).toBe("");
    const r = await k(["debug", "web-debug", "-n", gov.name, "--image=busybox:1.36", "-c", "dbg"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(denial("workloads"));
    expect(r.stderr).toContain("ephemeral container dbg: image busybox:1.36 is not pinned by digest");
  });

  it("shows warnings in kubectl: the change window closes soon, evidence nears its maximum age", async () => {
    const opened = new Date(Date.now() - 5 * MIN);
    await setPolicy((s) => (s.changeWindows = { timeZone: "UTC", windows: [{ name: "closing", schedule: `${opened.getUTCMinutes()} ${opened.getUTCHours()} * * *`, duration: "25m" }] }));
    const issuedAt = new Date(Date.now() - 26 * 86_400_000).toISOString();
    const payload = Buffer.from(JSON.stringify({ predicate: { issuedAt } })).toString("base64");
    await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { name: "old-units", namespace: gov.name }, spec: { release: RELEASE, type: "UnitTestReport", envelope: { payloadType: "application/vnd.in-toto+json", payload, signatures: [{ sig: "AAAA" }] } } }));
    await setStatus(approvedStatus(new Date(), 1, gateResults(new Date(), {}, { "unit-tests": ["old-units"] })));
    try {
      const r = await apply(inGov("Deployment", { spec: tamper((s) => (s.dnsPolicy = "Default")) }), { dryRun: true });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/Warning: golive: the change window "closing" closes in (19|20) min/);
      expect(r.stderr).toMatch(/Warning: golive: evidence old-units \(UnitTestReport\) is 26d old, over 80% of ReleasePolicy wh-\w+'s evidenceMaxAge 30d/);
    } finally {
      await setPolicy(() => undefined);
    }
  });

  it("keeps the record: evidence immutable, the spec frozen once approved, versions unique", async () => {
    const edit = await k(["patch", "releaseevidence", "old-units", "-n", gov.name, "--type=merge", "-p", '{"spec":{"type":"SLA"}}']);
    expect(edit.status).not.toBe(0);
    expect(edit.stderr).toMatch(/ReleaseEvidence is immutable|ReleaseEvidence old-units is immutable/);
    expect((await k(["label", "releaseevidence", "old-units", "-n", gov.name, "team=shop"])).status).toBe(0);

    const sealed = await k(["patch", "release", RELEASE, "-n", gov.name, "--type=merge", "-p", JSON.stringify({ spec: { images: [{ name: IMAGE, digest: OTHER_DIGEST }] } })]);
    // The API server refuses it itself (the CRD's root CEL rule), before golive is asked.
    expect(sealed.stderr).toContain(`Release ${RELEASE} is Approved: its spec is frozen once approved; the artifact changed (application, version, images or configuration): create a new Release with a new version`);
    const plan = await k(["patch", "release", RELEASE, "-n", gov.name, "--type=merge", "-p", '{"spec":{"changes":[{"id":"SHOP-1"}]}}']);
    expect(plan.stderr).toContain(`Release ${RELEASE} is Approved: its spec is frozen once approved; only the plan changed`);
    // Metadata is not the plan: a label still goes on.
    expect((await k(["label", "release", RELEASE, "-n", gov.name, "team=shop"])).status).toBe(0);

    const dup = fixtureRelease(new Date(), { name: "web-again", namespace: gov.name, status: null, spec: releaseSpec() });
    const r = await apply(dup);
    expect(r.stderr).toMatch(denial("releases"));
    expect(r.stderr).toContain(`version 1.2.0 of application web already exists as Release ${gov.name}/${RELEASE}: versions are unique per application (4.2 c); choose a new version`);
  });

  it("a user in 5,000 groups is admitted in an ungoverned namespace and judged normally in a governed one", async () => {
    const groups = Array.from({ length: 5_000 }, (_, i) => `crowd-team-${i}`);
    for (const ns of [gov.name, free.name]) await ok(["create", "rolebinding", "crowd", "-n", ns, "--clusterrole=edit", "--user=crowd"]);
    const inFree = await apply(workload("Deployment", { name: "crowd", namespace: free.name, release: null, replicas: 1, spec: { containers: [{ name: "x", image: "nginx:latest" }] } }), { as: "crowd", groups });
    expect(inFree.stderr).toBe("");
    expect(inFree.status).toBe(0);
    const unlabelled = await apply(inGov("Deployment", { name: "crowd", release: null }), { as: "crowd", groups, dryRun: true });
    expect(unlabelled.stderr).toMatch(denial("workloads"));
    expect(unlabelled.stderr).toContain(`golive denied Deployment ${gov.name}/crowd: it has no golive.dev/release label`);
  });

  it("escapes a U+202E in a denial: kubectl prints \\u202e, never the override", async () => {
    const r = await apply(inGov("Deployment", { name: "rtl", spec: tamper((s) => (s.containers[0].image = `${IMAGE}\u202Eexe.gnp:1.0`)) }), { dryRun: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr.includes("\u202E")).toBe(false);
    expect(r.stderr).toMatch(denial("workloads"));
    expect(r.stderr).toContain(`container web: "${IMAGE}\\u202eexe.gnp:1.0" is not a valid image reference`);
  });

  it("break glass: a BreakGlass role holder passes with a warning, an audit record and an Event; others are denied", async () => {
    await setPolicy((s) => (s.changeWindows = { freezes: [{ name: "year-end", start: new Date(Date.now() - MIN).toISOString(), end: new Date(Date.now() + 60 * MIN).toISOString(), reason: "closing the books" }] }));
    try {
      const change = (annotations?: Record<string, string>) => inGov("Deployment", { ...(annotations ? { annotations } : {}), spec: tamper((s) => (s.dnsPolicy = "Default")) });
      const closed = await apply(change());
      expect(closed.stderr).toMatch(/the change window is closed \(ReleasePolicy wh-\w+, 4.2 h\): frozen by "year-end" until .*closing the books: deploy inside a window, or break glass/);

      const glass = { "golive.dev/break-glass": "INC-4711: premium calculation outage" };
      const bob = await apply(change(glass), { as: "bob" });
      expect(bob.stderr).toContain("break glass requested by bob, who holds no role with the BreakGlass permission");

      const dry = await apply(change(glass), { as: "dave", groups: ["shop:ops"], dryRun: true });
      expect(dry.status).toBe(0);
      expect(dry.stderr).toMatch(/Warning: golive: BREAK GLASS by dave \(ops-on-call\): admitted despite 1 problem\(s\): the change window is closed/);
      await new Promise((res) => setTimeout(res, 200));
      expect(audits.at(-1)).toMatchObject({ user: "dave", dryRun: true });

      const carol = await apply(change(glass), { as: "carol" });
      expect(carol.status).toBe(0);
      expect(carol.stderr).toMatch(/Warning: golive: BREAK GLASS by carol \(ops-on-call\)/);
      const record = audits.at(-1)!;
      expect(record).toMatchObject({ type: "break-glass", object: `${gov.name}/Deployment/web`, user: "carol", reason: "INC-4711: premium calculation outage", dryRun: false, details: { release: RELEASE, roles: ["ops-on-call"] } });
      let events = "";
      for (let i = 0; i < 40 && !events.includes("carol"); i++) {
        await new Promise((res) => setTimeout(res, 100));
        events = await ok(["get", "events", "-n", gov.name, "--field-selector", "reason=BreakGlass", "-o", "jsonpath={range .items[*]}{.involvedObject.kind}/{.involvedObject.name}: {.message}{\"\\n\"}{end}"]);
      }
      expect(events).toMatch(/Deployment\/web: Admitted by break glass for carol \(ops-on-call\): INC-4711: premium calculation outage\. Overrode: the change window is closed/);
      expect(events).not.toMatch(/for dave/); // the dry run left no Event
    } finally {
      await setPolicy(() => undefined);
    }
  });
});
