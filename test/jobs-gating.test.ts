// Jobs and CronJobs of a release (issue 15, 4.6 c), through the real kube-apiserver with kubectl:
// for a Release with spec.strategy, a Job of the new version is refused until the release's
// verification passed and a CronJob until it is Released, with the release, its phase and what to
// do; the operator's own Jobs are admitted during verification; once admitted, the Job
// controller's pods run (the owner shortcut). The webhook runs in this process (registered by
// URL); Release status is written as the operator would, by the admin configured as the
// operator's identity.
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../api/index.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import { approvedStatus, CONFIG_DATA, DIGEST, fixturePolicy, fixtureRelease, GOVERNED_LABEL, IMAGE, policySpec, RELEASE, releaseSpec, workload } from "../webhook/testdata/fixtures.js";
import { applyConfiguration, caBundlePublisher, secretTlsStore } from "../webhook/kube.js";
import { MemoryView } from "../webhook/memory-view.js";
import { startWebhookServer, type WebhookServer } from "../webhook/server.js";
import { TlsManager } from "../webhook/tls.js";
import { kubeConfig, useNamespace } from "./support/cluster.js";
import { items, k, ok } from "./support/kubectl.js";

const id = randomBytes(3).toString("hex");
const TEST_LABEL = "golive.dev/jobs-test";
const own = useNamespace("golive-jobs");
const gov = useNamespace("jobs-gov", { [TEST_LABEL]: id, [GOVERNED_LABEL]: id });
const configurationName = `golive-jobs-${id}`;
const policyName = `jobs-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });

let view: MemoryView;
let server: WebhookServer | undefined;
let tls: TlsManager | undefined;
let certificate: { cert: string; key: string } | undefined;

async function syncView(): Promise<void> {
  const [namespaces, policies, releases, configMaps] = await Promise.all([items(["namespaces", gov.name]), items(["releasepolicies"]), items(["releases", "-n", gov.name]), items(["configmaps", "-n", gov.name])]);
  view.namespaces.replace(namespaces);
  view.policies.replace(policies);
  view.releases.replace(releases);
  view.configMaps.replace(configMaps);
}
async function setStatus(status: ReleaseStatus): Promise<void> {
  await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
  await syncView();
}
const phase = (p: ReleaseStatus["phase"], extra: Partial<ReleaseStatus> = {}): ReleaseStatus => ({ ...approvedStatus(new Date()), phase: p, ...extra });
const asBob = (args: string[], input?: string) => k([...args, "--as=bob"], input);
const create = (doc: object) => asBob(["create", "-f", "-"], JSON.stringify(doc));
const inGov = (kind: "Job" | "CronJob", opts: Parameters<typeof workload>[1] = {}) => workload(kind, { namespace: gov.name, ...opts });
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const see = () => `kubectl get release ${RELEASE} -n ${gov.name}`;

beforeAll(async () => {
  const admin = (await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim();
  view = new MemoryView({ operatorIdentity: admin, ownNamespace: own.name });
  view.seals.sealed(IMAGE, DIGEST);
  await ok(["create", "role", "batch-editor", "-n", gov.name, "--verb=*", "--resource=jobs,cronjobs,pods"]);
  await ok(["create", "rolebinding", "batch-editor", "-n", gov.name, "--role=batch-editor", "--user=bob"]);
  await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(policyName, policySpec(id))));
  const spec = releaseSpec() as Record<string, any>;
  spec.strategy = { trafficRouting: { service: "web" }, steps: [{ name: "all", setWeight: 100 }] };
  await ok(["apply", "-f", "-"], JSON.stringify(fixtureRelease(new Date(), { namespace: gov.name, spec, status: null })));
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: CONFIG_DATA }));
  await syncView();
  const kc = kubeConfig();
  tls = new TlsManager({
    store: secretTlsStore(kc, own.name),
    policy: { dnsNames: ["localhost"], ips: ["127.0.0.1"], caValidityMs: 365 * 86_400_000, certValidityMs: 30 * 86_400_000, caRenewBeforeMs: 30 * 86_400_000, certRenewBeforeMs: 86_400_000, caOverlapMs: 60_000 },
    log,
    publishCaBundle: caBundlePublisher(kc, configurationName),
    onCertificate: (c) => ((certificate = c), server?.setCertificate(c)),
  });
  await tls.sync();
  server = await startWebhookServer({ view, log, port: 0, host: "127.0.0.1", budgetMs: 8_000, certificate: certificate! });
  await applyConfiguration(kc, webhookConfiguration({ name: configurationName, ownNamespace: own.name, client: { url: `https://127.0.0.1:${server.port}/validate` }, timeoutSeconds: 5, scopes: [{ name: `j${id}`, selector: { matchLabels: { [TEST_LABEL]: id } } }] }));
  await tls.republish();
  await until("the webhook to take effect", async () => /denied the request/.test((await k(["create", "--dry-run=server", "-f", "-"], JSON.stringify(inGov("Job", { release: null })))).stderr));
  await setStatus(phase("Approved"));
}, 120_000);

afterAll(async () => {
  await k(["delete", "validatingwebhookconfiguration", configurationName, "--ignore-not-found"]);
  await k(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
  tls?.stop();
  await server?.close();
});

describe("Jobs and CronJobs of a release with spec.strategy (issue 15, 4.6 c)", () => {
  it("a Job is refused while the release is Approved or Verifying, admitted once its verification passed, and its pods run", async () => {
    for (const p of ["Approved", "Verifying"] as const) {
      await setStatus(phase(p, p === "Verifying" ? { verification: { startedAt: new Date().toISOString(), jobs: [], gates: [] } } : {}));
      const r = await create(inGov("Job"));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(
        `Job nightly belongs to Release ${RELEASE}, which is ${p}: a Job of a release with spec.strategy is admitted only once its verification passed (status.verification.passedAt: CleaningUp, Progressing or Released), so it reaches no one but the verifiers before (4.6 c); run database migrations and other work the new version needs as spec.strategy.verification.jobs, or in a Release before this one, and apply this Job again once Release ${RELEASE} passed verification (${see()})`,
      );
      if (p === "Verifying") console.log(`kubectl create job while Verifying: ${r.stderr.trim().split("\n")[0]!.slice(0, 300)}…`);
    }
    expect(await items(["jobs", "-n", gov.name])).toEqual([]);

    await setStatus(phase("Verifying", { verification: { startedAt: new Date().toISOString(), jobs: [], gates: [], passedAt: new Date().toISOString() } }));
    const admitted = await create(inGov("Job"));
    expect(admitted.status, admitted.stderr).toBe(0);
    // The Job controller's pods are stamped out of the admitted template (owner shortcut).
    await until("the Job's pod", async () => (await items(["pods", "-n", gov.name, "-l", "job-name=nightly"])).length > 0);
  }, 120_000);

  it("the operator's own verification Job is admitted while the release is Verifying", async () => {
    await setStatus(phase("Verifying", { verification: { startedAt: new Date().toISOString(), jobs: [], gates: [] } }));
    const job = inGov("Job", { name: `${RELEASE}-verify-smoke`, labels: { "app.kubernetes.io/managed-by": "golive" } });
    const mallory = await create(job);
    expect(mallory.status).not.toBe(0);
    const operator = await k(["create", "-f", "-"], JSON.stringify(job));
    expect(operator.status, operator.stderr).toBe(0);
  }, 60_000);

  it("a CronJob is refused until the release is Released, then admitted", async () => {
    await setStatus(phase("Progressing", { verification: { startedAt: new Date().toISOString(), jobs: [], gates: [], passedAt: new Date().toISOString() } }));
    const r = await create(inGov("CronJob"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `CronJob nightly belongs to Release ${RELEASE}, which is Progressing: a CronJob of a release with spec.strategy is admitted only once the release is Released, because its scheduled runs act for every user, past the canary, and a rollback cannot take them back (4.6 c); apply it again when Release ${RELEASE} is Released (${see()})`,
    );
    await setStatus(phase("Released", { verification: { startedAt: new Date().toISOString(), jobs: [], gates: [], passedAt: new Date().toISOString() }, releasedAt: new Date().toISOString() }));
    const admitted = await create(inGov("CronJob"));
    expect(admitted.status, admitted.stderr).toBe(0);
  }, 60_000);
});
