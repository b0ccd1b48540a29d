// The operator's release and delivery series (9.3; operator/delivery) on the real control plane:
// the operator runs with its health server, and the test scrapes its /metrics over HTTP while it
// takes one release to Released, holds a second at a canary pause (weight 20, step 1), and rolls
// the second back on a signed abort. The figures equal those computed by hand from the objects'
// own timestamps: lead time from the first release's first ReleaseEvidence to its releasedAt.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { createLogger } from "../cli/log.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { loadConfig } from "../settings/config.js";
import { freePort } from "./cluster/processes.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { TEST_POLICY_LABEL, releaseManagerPolicy } from "./support/policy.js";
import { releaseKit } from "./support/release-kit.js";

type Doc = Record<string, any>;
const ns = useNamespace("delivery");
const auditDir = mkdtempSync(join(tmpdir(), "golive-delivery-"));
const IMAGE = "team/shop"; // never pulled: kwok runs no containers
const digest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const key = loadPrivateKey(readFileSync(join(import.meta.dirname, "..", "examples", "keys", "release-manager.key"), "utf8"));
const { apply, until, release, approve, api } = releaseKit(() => ns.name);
let operator: OperatorHandle | undefined;
let metricsUrl = "";

const releaseDoc = (n: number, steps: Doc[]): Doc => ({
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name: `shop-${n}` },
  spec: { application: "shop", version: `${n}.0.0`, workloads: [{ kind: "Deployment", name: "shop" }], images: [{ name: IMAGE, digest: digest(`shop ${n}`) }], architecture: { replicas: 2 }, strategy: { trafficRouting: { service: "shop" }, verification: { users: { header: "X-Golive-Verify", valueFrom: { name: "shop-verification", key: "token" } } }, steps, progressDeadline: "5m" } },
});
const deploymentDoc = (n: number): Doc => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "shop", labels: { app: "shop", "golive.dev/release": `shop-${n}` } },
  spec: { replicas: 2, selector: { matchLabels: { app: "shop" } }, template: { metadata: { labels: { app: "shop", "golive.dev/release": `shop-${n}` } }, spec: { containers: [{ name: "shop", image: `${IMAGE}@${digest(`shop ${n}`)}` }] } } },
});

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  return res.text();
}
/** The value of the one series with exactly these labels, or undefined. */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",");
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${want}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}
const shop = (window: string) => ({ release_namespace: ns.name, application: "shop", window });

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`]);
  await apply(
    releaseManagerPolicy(ns.name, { monitoring: { requireReady: false } }, ["Approve", "Promote", "Abort"]),
  );
  await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "shop" }, spec: { selector: { app: "shop" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
  await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "shop-verification" }, stringData: { token: "delivery-metrics-test" } });
  const healthPort = await freePort();
  const config = loadConfig({ leaderElect: "false", auditFile: join(auditDir, "audit.jsonl"), namespace: "golive-system", healthPort: String(healthPort) }, {});
  // With its health server, which serves /metrics: the test scrapes what Prometheus would.
  operator = await startOperator({ config, log: createLogger(process.env.GOLIVE_TEST_LOG ?? "warn"), kubeConfig: kubeConfig() });
  metricsUrl = `http://127.0.0.1:${healthPort}/metrics`;
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("release and delivery metrics on the operator's /metrics", () => {
  it("a Released release: its info series, one deployment, and lead time from its first evidence", async () => {
    await apply(releaseDoc(1, [{ name: "all", setWeight: 100 }]));
    await until("shop-1 evaluated", () => release("shop-1"), (r) => r.status?.phase !== undefined);
    await approve("shop-1");
    await until("shop-1 Approved", () => release("shop-1"), (r) => r.status?.phase === "Approved");
    await apply(deploymentDoc(1));
    const released = await until("shop-1 Released", () => release("shop-1"), (r) => r.status?.phase === "Released", 90_000);
    const evidence = (await api().get<{ items: Doc[] }>(`/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releaseevidences`)).items.filter((e) => e.spec.release === "shop-1");
    const first = Math.min(...evidence.map((e) => Date.parse(e.metadata.creationTimestamp as string)));
    const lead = (Date.parse(released.status.releasedAt as string) - first) / 1000;
    expect(lead).toBeGreaterThanOrEqual(0);

    const text = await until("the scrape to show shop-1 Released", scrape, (t) => value(t, "golive_release_info", { release_namespace: ns.name, release: "shop-1", application: "shop", version: "1.0.0", phase: "Released" }) === 1);
    for (const window of ["1d", "7d", "30d"]) {
      expect(value(text, "golive_delivery_deployments", shop(window))).toBe(1);
      expect(value(text, "golive_delivery_lead_time_seconds", shop(window))).toBe(lead);
      expect(value(text, "golive_delivery_change_failure_ratio", shop(window))).toBe(0);
    }
    // No rollback yet: no time-to-restore series rather than a made-up 0.
    expect(text).not.toMatch(new RegExp(`golive_delivery_time_to_restore_seconds\\{release_namespace="${ns.name}"`));
  }, 180_000);

  it("a release at a canary pause: its weight and step; aborted, the failure ratio and time to restore", async () => {
    await apply(releaseDoc(2, [{ name: "slice", setWeight: 20 }, { name: "sign-off", pause: {} }]));
    await until("shop-2 evaluated", () => release("shop-2"), (r) => r.status?.phase !== undefined);
    await approve("shop-2");
    await until("shop-2 Approved", () => release("shop-2"), (r) => r.status?.phase === "Approved");
    await apply(deploymentDoc(2));
    await until("shop-2 paused at 20%", () => release("shop-2"), (r) => r.status?.canary?.stepName === "sign-off" && r.status.canary.weight === 20, 90_000);
    // The operator's stores follow the API server by a watch event: scrape until they have it.
    const paused = await until("the scrape to show shop-2 Progressing", scrape, (t) => value(t, "golive_release_canary_weight", { release_namespace: ns.name, release: "shop-2" }) === 20);
    expect(value(paused, "golive_release_info", { release_namespace: ns.name, release: "shop-2", application: "shop", version: "2.0.0", phase: "Progressing" })).toBe(1);
    expect(value(paused, "golive_release_canary_weight", { release_namespace: ns.name, release: "shop-2" })).toBe(20);
    expect(value(paused, "golive_release_canary_step", { release_namespace: ns.name, release: "shop-2" })).toBe(1);
    // shop-1 finished its rollout: no canary series for it.
    expect(value(paused, "golive_release_canary_weight", { release_namespace: ns.name, release: "shop-1" })).toBeUndefined();

    const r = await release("shop-2");
    await apply(createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } }), type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), summary: { decision: "Abort", role: "release-manager", reason: "metrics test" } } }));
    const rolledBack = await until("shop-2 RolledBack", () => release("shop-2"), (x) => x.status?.phase === "RolledBack" && x.status.rollback?.trafficOnStableAt !== undefined, 90_000);
    const restore = (Date.parse(rolledBack.status.rollback.trafficOnStableAt as string) - Date.parse(rolledBack.status.rollback.decidedAt as string)) / 1000;
    const text = await until("the scrape to show shop-2 RolledBack", scrape, (t) => value(t, "golive_release_info", { release_namespace: ns.name, release: "shop-2", application: "shop", version: "2.0.0", phase: "RolledBack" }) === 1);
    expect(value(text, "golive_release_info", { release_namespace: ns.name, release: "shop-2", application: "shop", version: "2.0.0", phase: "Progressing" })).toBeUndefined();
    expect(value(text, "golive_delivery_change_failure_ratio", shop("30d"))).toBe(0.5);
    expect(value(text, "golive_delivery_time_to_restore_seconds", shop("30d"))).toBe(restore);
    expect(value(text, "golive_delivery_deployments", shop("30d"))).toBe(1);
  }, 240_000);
});
