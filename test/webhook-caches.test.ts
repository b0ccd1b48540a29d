// The webhook's informer caches on the real API server (issue 20): objects applied with
// client-side `kubectl apply` (so the server holds managedFields and kubectl's last-applied copy)
// are kept reduced (evidence without its envelope, Releases without the last-applied copy, a
// Secret without a second copy of its data), and the index by application follows a Release
// that is created, moves to another application and is deleted, as the version check reads it.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Release } from "../api/index.js";
import { createEvidence, loadPrivateKey } from "../gates/sign.js";
import { decide } from "../webhook/decide.js";
import { informerView, type InformerView } from "../webhook/kube.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy, TEST_POLICY_LABEL } from "./support/policy.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("caches");
const own = useNamespace("golive-caches");
const APP = `cached-${id}`;
const OTHER = `moved-${id}`;
const IMAGE = "registry.example.com/team/cached";
const DIGEST = `sha256:${createHash("sha256").update("cached").digest("hex")}`;
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const OPERATOR = "system:serviceaccount:golive-system:golive-operator";
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
const { until, release: readRelease } = releaseKit(() => ns.name);
let view: InformerView | undefined;

/** Client-side apply: the server keeps kubectl's last-applied copy of the object. */
async function clientApply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
const releaseDoc = (name: string, application: string, version = "1.0.0"): Doc => ({
  apiVersion: "golive.dev/v1alpha1",
  kind: "Release",
  metadata: { name, namespace: ns.name },
  spec: { application, version, workloads: [{ kind: "Deployment", name: "cached" }], images: [{ name: IMAGE, digest: DIGEST }], architecture: { replicas: 1, highAvailability: false } },
});
const create = (object: Doc) => ({
  uid: randomBytes(4).toString("hex"),
  kind: { group: "golive.dev", version: "v1alpha1", kind: "Release" },
  resource: { group: "golive.dev", version: "v1alpha1", resource: "releases" },
  name: object.metadata.name as string,
  namespace: ns.name,
  operation: "CREATE" as const,
  userInfo: { username: "alice", groups: ["system:authenticated"] },
  object,
});

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `${TEST_POLICY_LABEL}=${ns.name}`]);
  const policy = await kubectlAsync(["apply", "-f", "-"], JSON.stringify(releaseManagerPolicy(ns.name)));
  if (policy.status !== 0) throw new Error(policy.stderr);
  await clientApply(releaseDoc("first", APP));
  await clientApply({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: ns.name }, stringData: { password: "not-in-the-cache-twice" } });
  view = informerView(kubeConfig(), { seals: { peek: () => undefined }, operatorIdentity: OPERATOR, ownNamespace: own.name, log });
  await view.start();
}, 120_000);

afterAll(async () => {
  await view?.stop();
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--ignore-not-found"]);
});

describe("the webhook's informer caches keep reduced objects", () => {
  it("evidence is kept as name, release, type and issuedAt; no envelope, no last-applied copy", async () => {
    const r = await readRelease("first");
    const key = loadPrivateKey(readFileSync(join(import.meta.dirname, "..", "examples", "keys", "release-manager.key"), "utf8"));
    const issuedAt = "2026-11-20T10:00:00.000Z";
    const evidence = createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: ns.name } }), type: "Approval", key, predicate: { issuedAt, approval: { stage: "Release", role: "release-manager" } } });
    await clientApply(evidence);
    const stored = await until("the evidence in the webhook's cache", () => Promise.resolve(view!.evidence.get(ns.name, evidence.metadata.name)), (e) => e !== undefined, 30_000);
    const server = (await kubectlAsync(["get", "releaseevidence", evidence.metadata.name, "-n", ns.name, "-o", "json"])).stdout;
    const onServer = JSON.parse(server) as Doc;
    expect(onServer.metadata.annotations?.[LAST_APPLIED]).toContain("envelope"); // the server holds the copy; the cache must not
    expect(stored).toEqual({
      metadata: { name: evidence.metadata.name, namespace: ns.name, uid: onServer.metadata.uid, resourceVersion: onServer.metadata.resourceVersion },
      spec: { release: "first", type: "Approval" },
      issuedAt: Date.parse(issuedAt),
    });
  }, 60_000);

  it("Releases and Secrets are kept without managedFields and kubectl's last-applied copy", () => {
    const r = view!.releases.get(ns.name, "first") as Doc | undefined;
    expect(r?.spec?.application).toBe(APP);
    expect(r?.metadata?.managedFields).toBeUndefined();
    expect(r?.metadata?.annotations?.[LAST_APPLIED]).toBeUndefined();
    const secret = view!.secrets.get(ns.name, "db");
    expect(secret?.data?.password).toBe(Buffer.from("not-in-the-cache-twice").toString("base64"));
    expect(secret?.metadata?.annotations?.[LAST_APPLIED]).toBeUndefined();
    expect((secret?.metadata as Doc | undefined)?.managedFields).toBeUndefined();
  });

  it("the version check follows a release through the index: created, moved to another application, deleted", async () => {
    const again = releaseDoc("again", APP);
    expect(decide(create(again), view!).status?.message).toContain(`version 1.0.0 of application ${APP} already exists as Release ${ns.name}/first`);
    expect(view!.releases.byApplication(APP).map((r) => r.metadata.name)).toEqual(["first"]);

    await clientApply(releaseDoc("first", OTHER));
    await until("the move in the webhook's cache", () => Promise.resolve(view!.releases.get(ns.name, "first")?.spec.application), (a) => a === OTHER, 30_000);
    expect(view!.releases.byApplication(APP)).toEqual([]);
    expect(decide(create(again), view!).allowed).toBe(true);
    expect(decide(create(releaseDoc("other", OTHER)), view!).status?.message).toContain(`version 1.0.0 of application ${OTHER} already exists as Release ${ns.name}/first`);

    expect((await kubectlAsync(["delete", "release", "first", "-n", ns.name])).status).toBe(0);
    await until("the delete in the webhook's cache", () => Promise.resolve(view!.releases.get(ns.name, "first") === undefined), (gone) => gone, 30_000);
    expect(view!.releases.byApplication(OTHER)).toEqual([]);
    expect(decide(create(releaseDoc("other", OTHER)), view!).allowed).toBe(true);
  }, 90_000);
});
