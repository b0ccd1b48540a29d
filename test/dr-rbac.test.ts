// Least privilege for disaster recovery (JR/T 0179 4.3 g), both sides, on the real API server:
// - the primary: what the Helm chart grants the operator for its DR targets
//   (disasterRecovery.kubeconfigSecrets): get on exactly those Secrets in golive's namespace;
// - the DR site: docs/dr/reader-rbac.yaml, the reader golive's kubeconfig Secret points at: get of
//   each workload kind, ConfigMap, Secret and Release golive reads there by name, list of pods by
//   label, nothing else.
// The chart's RBAC objects (rendered by real `helm template`) and the reader manifest are applied to
// the shared control plane; the API server answers `kubectl auth can-i` (SubjectAccessReview) and
// golive's own DR reads (operator/dr/observe.ts) run with the ServiceAccounts' tokens.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Release } from "../api/index.js";
import { DrTargets, observeTarget } from "../operator/dr/observe.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { helm } from "./services/helm.js";
import { kubectl, kubectlAsync, kubectlResult, useNamespace } from "./support/cluster.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const chart = join(root, "charts", "golive");
const docsOf = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter((d) => d && typeof d === "object");

const own = useNamespace("golive-dr-rbac");
const apps = useNamespace("dr-rbac-apps");
const other = useNamespace("dr-rbac-other");
const release = `dr${randomBytes(3).toString("hex")}`;
const SECRET = "dr-east-kubeconfig";
/** Exists in golive's namespace, but the chart was not told about it. */
const UNLISTED = "dr-west-kubeconfig";
const operatorSa = `system:serviceaccount:${own.name}:${release}-golive-operator`;
const webhookSa = `system:serviceaccount:${own.name}:${release}-golive-webhook`;
const READER = "system:serviceaccount:golive-dr-reader:golive-dr-reader";
const readerManifest = join(root, "docs", "dr", "reader-rbac.yaml");
const RBAC_KINDS = new Set(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);
let applied: Doc[] = [];

const values = () => ({ governedNamespaces: [apps.name], operator: { audit: { storage: "emptyDir" } }, disasterRecovery: { kubeconfigSecrets: [SECRET] } });

function canI(user: string, args: string[]): boolean {
  const r = kubectlResult(["auth", "can-i", ...args, `--as=${user}`]);
  if (r.status !== 0 && r.stdout.trim() !== "no") throw new Error(`kubectl auth can-i ${args.join(" ")}: ${r.stderr}`);
  return r.status === 0;
}
/** Every expectation the API server contradicts, in words. */
function contradicted(user: string, allowed: string[][], refused: string[][]): string[] {
  return [...allowed.filter((a) => !canI(user, a)).map((a) => `cannot ${a.join(" ")}`), ...refused.filter((a) => canI(user, a)).map((a) => `can ${a.join(" ")}`)];
}

/** A kubeconfig (as text) for the shared API server with a token of the ServiceAccount. */
function tokenKubeconfig(namespace: string, sa: string): string {
  const token = kubectl(["create", "token", sa, "-n", namespace, "--duration", "1h"]).trim();
  const cluster = (parse(readFileSync(inject("kubeconfig"), "utf8")) as Doc).clusters[0].cluster as Doc;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: cluster.server, "certificate-authority-data": cluster["certificate-authority-data"] } }],
    users: [{ name: sa, user: { token } }],
    contexts: [{ name: sa, context: { cluster: "c", user: sa } }],
    "current-context": sa,
  });
}
const clientOf = (kubeconfig: string): KubeClient => {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return new KubeClient(kc, 5_000);
};

beforeAll(async () => {
  const docs = docsOf(await helm(["template", release, chart, "-n", own.name, "-f", "-"], { input: JSON.stringify(values()) }));
  applied = docs.filter((d) => RBAC_KINDS.has(d.kind as string));
  const r = await kubectlAsync(["apply", "-f", "-"], applied.map((d) => JSON.stringify(d)).join("\n"));
  if (r.status !== 0) throw new Error(r.stderr);
  const reader = await kubectlAsync(["apply", "-f", readerManifest]);
  if (reader.status !== 0) throw new Error(reader.stderr);
  for (const name of [SECRET, UNLISTED]) kubectl(["create", "secret", "generic", name, "-n", own.name, `--from-literal=kubeconfig=${tokenKubeconfig("golive-dr-reader", "golive-dr-reader")}`]);
}, 120_000);

afterAll(async () => {
  for (const d of applied.filter((x) => x.kind === "ClusterRole" || x.kind === "ClusterRoleBinding")) await kubectlAsync(["delete", d.kind, d.metadata.name, "--ignore-not-found", "--wait=false"]);
  await kubectlAsync(["delete", "-f", readerManifest, "--ignore-not-found", "--wait=false"]);
});

describe("the chart's DR rights on the primary (disasterRecovery.kubeconfigSecrets)", () => {
  it("renders get on exactly the listed kubeconfig Secrets, in golive's namespace, bound to the operator only; nothing without the value", async () => {
    const rolesOf = (docs: Doc[]) => docs.filter((d) => (d.kind === "Role" || d.kind === "ClusterRole") && (d.rules as Doc[]).some((r) => (r.resources as string[]).includes("secrets")));
    const plain = docsOf(await helm(["template", release, chart, "-n", own.name]));
    expect(plain.some((d) => (d.metadata?.name as string).endsWith("-dr-kubeconfigs"))).toBe(false);
    const withDr = docsOf(await helm(["template", release, chart, "-n", own.name, "--set", `disasterRecovery.kubeconfigSecrets={${SECRET},${UNLISTED}x}`]));
    const added = rolesOf(withDr).filter((r) => !rolesOf(plain).some((p) => p.kind === r.kind && p.metadata.name === r.metadata.name));
    expect(added.map((r) => ({ kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace, rules: r.rules }))).toEqual([
      { kind: "Role", name: `${release}-golive-operator-dr-kubeconfigs`, namespace: own.name, rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [SECRET, `${UNLISTED}x`], verbs: ["get"] }] },
    ]);
    const binding = withDr.find((d) => d.kind === "RoleBinding" && d.metadata.name === `${release}-golive-operator-dr-kubeconfigs`)!;
    expect(binding.metadata.namespace).toBe(own.name);
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: `${release}-golive-operator`, namespace: own.name }]);
  });

  it("the API server allows the operator get on the listed Secret and refuses every other Secret right (SubjectAccessReview)", () => {
    const allowed = [["get", `secrets/${SECRET}`, "-n", own.name]];
    const refused = [
      ["get", `secrets/${UNLISTED}`, "-n", own.name],
      ["list", "secrets", "-n", own.name],
      ["watch", "secrets", "-n", own.name],
      ["update", `secrets/${SECRET}`, "-n", own.name],
      ["patch", `secrets/${SECRET}`, "-n", own.name],
      ["delete", `secrets/${SECRET}`, "-n", own.name],
      ["create", "secrets", "-n", own.name],
      ["get", `secrets/${SECRET}`, "-n", other.name],
      ["list", "secrets", "-A"],
    ];
    expect(contradicted(operatorSa, allowed, refused)).toEqual([]);
    // The webhook reads no DR credentials.
    expect(contradicted(webhookSa, [], [["get", `secrets/${SECRET}`, "-n", own.name]])).toEqual([]);
  });

  it("with the operator's token, golive's DR read of the listed kubeconfig Secret works and an unlisted one is Forbidden (named, no contents)", async () => {
    const targets = new DrTargets(clientOf(tokenKubeconfig(own.name, `${release}-golive-operator`)), own.name, 5_000);
    try {
      const ok = await targets.client({ name: "dr-east", kubeconfigSecret: { name: SECRET, key: "kubeconfig" } });
      // The client it built from the Secret is the DR reader's: it lists pods, as observeTarget does.
      expect(await ok.get<{ kind: string }>(`/api/v1/namespaces/${apps.name}/pods`)).toMatchObject({ kind: "PodList" });
      await expect(targets.client({ name: "dr-west", kubeconfigSecret: { name: UNLISTED, key: "kubeconfig" } })).rejects.toThrow(`cannot read the kubeconfig Secret ${own.name}/${UNLISTED} (HTTP 403 Forbidden)`);
    } finally {
      targets.close();
    }
  });
});

describe("the DR site's reader (docs/dr/reader-rbac.yaml)", () => {
  /** Every kind a Release may govern (api: workloads[].kind), as observeTarget reads it. */
  const WORKLOADS = ["deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps", "replicationcontrollers", "jobs.batch", "cronjobs.batch", "pods"];

  it("the API server allows the reads golive makes there and refuses everything else (SubjectAccessReview)", () => {
    const allowed = [...WORKLOADS.map((r) => ["get", r, "-n", apps.name]), ["list", "pods", "-n", apps.name], ["get", "configmaps", "-n", apps.name], ["get", "secrets", "-n", apps.name], ["get", "releases.golive.dev", "-n", apps.name]];
    const refused = [
      // Nothing golive reads is listed or watched but pods (by label).
      ["list", "secrets", "-n", apps.name],
      ["list", "configmaps", "-n", apps.name],
      ["list", "deployments.apps", "-n", apps.name],
      ["watch", "pods", "-n", apps.name],
      ["watch", "secrets", "-n", apps.name],
      ["list", "releaseevidences.golive.dev", "-n", apps.name],
      ["get", "releasepolicies.golive.dev"],
      // Never a write, an exec, a log, a token.
      ["create", "deployments.apps", "-n", apps.name],
      ["patch", "statefulsets.apps", "-n", apps.name],
      ["delete", "pods", "-n", apps.name],
      ["update", "configmaps", "-n", apps.name],
      ["patch", "releases.golive.dev", "--subresource=status", "-n", apps.name],
      ["create", "pods", "--subresource=exec", "-n", apps.name],
      ["get", "pods", "--subresource=log", "-n", apps.name],
      ["create", "serviceaccounts", "--subresource=token", "-n", apps.name],
      ["list", "nodes"],
      ["list", "namespaces"],
      ["get", "roles.rbac.authorization.k8s.io", "-n", apps.name],
      ["impersonate", "serviceaccounts"],
    ];
    expect(contradicted(READER, allowed, refused)).toEqual([]);
  });

  it("with the reader's token, golive's DR read of a release naming every workload kind and sealed ConfigMap and Secret succeeds", async () => {
    kubectl(["create", "configmap", "ledger-config", "-n", apps.name, "--from-literal=ROUNDING=half-even"]);
    kubectl(["create", "secret", "generic", "ledger-db", "-n", apps.name, "--from-literal=password=s3cret"]);
    const kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"] as const;
    const r = Release.parse({
      apiVersion: "golive.dev/v1alpha1",
      kind: "Release",
      metadata: { name: "ledger-1", namespace: apps.name },
      spec: {
        application: "ledger",
        version: "1.0.0",
        workloads: kinds.map((kind) => ({ kind, name: "ledger" })),
        images: [{ name: "team/ledger", digest: `sha256:${"a".repeat(64)}` }],
        configuration: [
          { kind: "ConfigMap", name: "ledger-config", digest: `sha256:${"b".repeat(64)}` },
          { kind: "Secret", name: "ledger-db", digest: `sha256:${"c".repeat(64)}` },
        ],
      },
    });
    // A 403 on any of these reads throws (a target reported Unreachable); a 404 is "not there".
    const seen = await observeTarget(clientOf(tokenKubeconfig("golive-dr-reader", "golive-dr-reader")), r, apps.name);
    expect(kinds.map((k) => seen.workload(k, "ledger"))).toEqual(kinds.map(() => undefined));
    expect(seen.pods).toEqual([]);
    expect(seen.configuration("ConfigMap", "ledger-config")?.data).toEqual({ ROUNDING: "half-even" });
    expect(seen.configuration("Secret", "ledger-db")?.data).toEqual({ password: Buffer.from("s3cret").toString("base64") });
    expect(seen.release).toBeUndefined();
  });
});
