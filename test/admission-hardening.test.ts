// 4.4 c in full at admission, on the real API server with the real `golive webhook` (informer
// view, installed configuration) and operator: a Deployment breaking each hardening rule is
// denied with its message, a compliant one admitted; a ServiceAccount bound to cluster-admin
// after the webhook started (so the RBAC informers carry it) is denied, admitted again once the
// binding goes, and admitted with the policy's switch off.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../settings/config.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { decide } from "../webhook/decide.js";
import { informerView } from "../webhook/kube.js";
import { startWebhook, type WebhookHandle } from "../webhook/run.js";
import { freePort } from "./cluster/processes.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";
import { releaseKit } from "./support/release-kit.js";
import { releaseManagerPolicy } from "./support/policy.js";

type Doc = Record<string, any>;
const id = randomBytes(3).toString("hex");
const ns = useNamespace("hardening");
const own = useNamespace("golive-hardening");
const work = mkdtempSync(join(tmpdir(), "golive-hardening-"));
const IMAGE = "registry.example.com/team/api";
const DIGEST = `sha256:${createHash("sha256").update("api").digest("hex")}`;
const CONFIGURATION = `golive-hardening-${id}`;
const BINDING = `golive-hardening-admin-${id}`;
const READER = `golive-hardening-reader-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });
let operator: OperatorHandle | undefined;
let webhook: WebhookHandle | undefined;

const { apply, until, release, approve } = releaseKit(() => ns.name);
// The level-3 bundle's 4.4 c switches (policies/jrt0179-level3.yaml).
const hardening = { restrictCapabilities: true, allowedCapabilities: [], forbidHostPath: true, forbidHostPorts: true, requireNoPrivilegeEscalation: true, forbidUnconfinedSeccomp: true, requireSeccompProfile: true, forbidClusterAdminServiceAccount: true };
const policy = (switches: Doc = {}) =>
  releaseManagerPolicy(ns.name, { protectionLevel: 3, architecture: { minReplicas: 1, requirePodDisruptionBudget: false, ...hardening, ...switches }, monitoring: { requireReady: false } });

/** A compliant Deployment of Release api; `mutate` breaks it. */
function deployment(mutate: (pod: Doc) => void = () => undefined): Doc {
  const pod: Doc = {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "api", image: `${IMAGE}@${DIGEST}`, ports: [{ containerPort: 8080 }], resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
  };
  mutate(pod);
  const labels = { app: "api", "golive.dev/release": "api" };
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", labels }, spec: { replicas: 1, selector: { matchLabels: { app: "api" } }, template: { metadata: { labels }, spec: pod } } };
}
/** Server-side dry run: the webhook judges it, nothing is stored. */
const tryApply = (doc: Doc) => kubectlAsync(["apply", "--dry-run=server", "-n", ns.name, "-f", "-"], JSON.stringify(doc));

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(policy());
  const admin = (await kubectlAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).stdout.trim();
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: own.name, webhookPort: String(ports.webhook), healthPort: String(ports.health), metricsPort: String(ports.metrics) }, {});
  operator = await startOperator({ config, log, kubeConfig: kubeConfig(), healthServer: false });
  webhook = await startWebhook({ config, log, kubeConfig: kubeConfig(), operatorIdentity: admin, installConfiguration: true, configurationName: CONFIGURATION, url: `https://127.0.0.1:${ports.webhook}/validate`, host: "127.0.0.1", ips: ["127.0.0.1"], removeConfigurationOnStop: true, scopeSyncIntervalMs: 500 });
  await apply({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: "api" }, spec: { application: "hardening-api", version: "1.0.0", workloads: [{ kind: "Deployment", name: "api" }], images: [{ name: IMAGE, digest: DIGEST }], architecture: { replicas: 1, highAvailability: false } } });
  await approve("api");
  await until("Release api Approved", () => release("api"), (r) => r.status?.phase === "Approved");
  await until("the webhook to admit the compliant Deployment", () => tryApply(deployment()), (r) => r.status === 0, 60_000);
}, 300_000);

afterAll(async () => {
  await webhook?.stop();
  await operator?.stop();
  await kubectlAsync(["delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"]);
  await kubectlAsync(["delete", "clusterrolebinding", BINDING, READER, "--ignore-not-found"]);
  await kubectlAsync(["delete", "clusterrole", READER, `${READER}-rbac`, "--ignore-not-found"]);
  await kubectlAsync(["delete", "releasepolicy", `${ns.name}-policy`, "--wait=false"]);
  rmSync(work, { recursive: true, force: true });
});

describe("pod hardening at admission (4.4 c, level-3 switches)", () => {
  it.each([
    ["an added capability", (p: Doc) => (p.containers[0].securityContext.capabilities = { add: ["NET_ADMIN"] }), "container api adds the capabilities NET_ADMIN: remove them from securityContext.capabilities.add (no capability may be added"],
    ["a hostPath volume", (p: Doc) => (p.volumes = [{ name: "host", hostPath: { path: "/var/run" } }]), "volume host mounts the node's path /var/run (hostPath): use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead"],
    ["a hostPort", (p: Doc) => (p.containers[0].ports = [{ containerPort: 8080, hostPort: 8080 }]), "container api binds the node's port(s) 8080 (hostPort): remove hostPort and reach the pods through a Service"],
    ["allowPrivilegeEscalation unset", (p: Doc) => delete p.containers[0].securityContext.allowPrivilegeEscalation, "container api does not set securityContext.allowPrivilegeEscalation: false"],
    ["an Unconfined seccomp profile", (p: Doc) => (p.securityContext.seccompProfile = { type: "Unconfined" }), "the pod's seccomp profile is Unconfined: set securityContext.seccompProfile.type to RuntimeDefault (or Localhost)"],
    ["no seccomp profile", (p: Doc) => delete p.securityContext.seccompProfile, "container api runs without a seccomp profile (the runtime then runs it Unconfined)"],
  ])("denies a Deployment with %s, saying what to change", async (_what, mutate, message) => {
    const r = await tryApply(deployment(mutate));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("denied the request");
    expect(r.stderr).toContain(message);
  });

  it("admits the compliant Deployment", async () => {
    const r = await tryApply(deployment());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("denies a ServiceAccount bound to cluster-admin after the webhook started; admits it once unbound, or with the switch off", async () => {
    await apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "api-admin" } });
    const asAdmin = deployment((p) => (p.serviceAccountName = "api-admin"));
    expect((await tryApply(asAdmin)).status).toBe(0);

    const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: BINDING }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "ServiceAccount", name: "api-admin", namespace: ns.name }] };
    expect((await kubectlAsync(["create", "-f", "-"], JSON.stringify(binding))).status).toBe(0);
    const denied = await until("the binding to reach the webhook's RBAC informers", () => tryApply(asAdmin), (r) => r.status !== 0, 30_000);
    expect(denied.stderr).toContain(`the pods run as ServiceAccount ${ns.name}/api-admin, which is an admin: ClusterRoleBinding ${BINDING} binds it to ClusterRole cluster-admin: bind it only to a role with the rights it needs`);
    expect(denied.stderr).toContain("spec.architecture.forbidClusterAdminServiceAccount, 4.4 c");
    console.log(`bound to cluster-admin: ${denied.stderr.trim().slice(0, 400)}`);
    // Another account in the namespace is not affected.
    expect((await tryApply(deployment())).status).toBe(0);

    // The switch off: admitted with the binding in place.
    await apply(policy({ forbidClusterAdminServiceAccount: false }));
    const admitted = await until("the policy without forbidClusterAdminServiceAccount to reach the webhook", () => tryApply(asAdmin), (r) => r.status === 0, 30_000);
    expect(admitted.stderr).toBe("");
    await apply(policy());
    await until("the switch back on", () => tryApply(asAdmin), (r) => r.status !== 0 && r.stderr.includes("which is an admin"), 30_000);

    // The binding deleted: the informer's delete reaches the decision.
    await kubectlAsync(["delete", "clusterrolebinding", BINDING]);
    await until("the deletion to reach the webhook", () => tryApply(asAdmin), (r) => r.status === 0, 30_000);
  }, 120_000);

  it("admits a hostPath volume once the policy switches forbidHostPath off", async () => {
    const hostPath = deployment((p) => (p.volumes = [{ name: "host", hostPath: { path: "/var/run" } }]));
    await apply(policy({ forbidHostPath: false }));
    const r = await until("the policy without forbidHostPath to reach the webhook", () => tryApply(hostPath), (x) => x.status === 0, 30_000);
    expect(r.stderr).toBe("");
    await apply(policy());
  }, 60_000);
});

describe("the RBAC caches fail closed (4.4 c)", () => {
  it("an identity that cannot list RBAC syncs every other cache, and governed workloads are denied until the grant arrives", async () => {
    // The webhook's rights without the RBAC rule (an old chart, a trimmed ClusterRole).
    const rule = (apiGroups: string[], resources: string[]) => ({ apiGroups, resources, verbs: ["list", "watch"] });
    await apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader" } });
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: READER }, rules: [rule(["golive.dev"], ["releases", "releasepolicies", "releaseevidences"]), rule([""], ["namespaces", "configmaps", "secrets"]), rule(["policy"], ["poddisruptionbudgets"])] };
    const binding = (name: string) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns.name }] });
    for (const doc of [role, binding(READER)]) expect((await kubectlAsync(["apply", "-f", "-"], JSON.stringify(doc))).status).toBe(0);
    const token = (await kubectlAsync(["create", "token", "reader", "-n", ns.name, "--duration", "1h"])).stdout.trim();
    const cluster = kubeConfig().getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ ...cluster, name: "c" }], users: [{ name: "reader", token }], contexts: [{ name: "reader", cluster: "c", user: "reader" }], currentContext: "reader" });
    const view = informerView(kc, { seals: { peek: () => undefined }, operatorIdentity: "system:serviceaccount:golive-system:golive-operator", ownNamespace: own.name, log });
    try {
      await view.start();
      expect(view.synced()).toBe(true); // start() resolves even when a list was refused
      expect(view.rbac.synced()).toBe(false);
      const labels = { app: "api", "golive.dev/release": "api" };
      const pod = deployment().spec.template.spec as Doc;
      const request = {
        uid: "u1",
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        name: "api",
        namespace: ns.name,
        operation: "CREATE" as const,
        userInfo: { username: "alice", groups: ["system:authenticated"] },
        object: { apiVersion: "v1", kind: "Pod", metadata: { name: "api", namespace: ns.name, labels }, spec: pod },
      };
      const refused = decide(request, view);
      expect(refused.allowed).toBe(false);
      expect(refused.status?.message).toContain(`golive's caches of Roles, RoleBindings, ClusterRoles and ClusterRoleBindings have not synced, so it cannot tell whether ServiceAccount ${ns.name}/default is an admin`);

      // Granted: the informers' restarts list, and the rule judges from memory again.
      const rbacRole = { ...role, metadata: { name: `${READER}-rbac` }, rules: [rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings", "clusterroles", "clusterrolebindings"])] };
      for (const doc of [rbacRole, binding(`${READER}-rbac`)]) expect((await kubectlAsync(["apply", "-f", "-"], JSON.stringify(doc))).status).toBe(0);
      await until("the RBAC informers to list with the grant", () => Promise.resolve(view.rbac.synced()), (ok) => ok, 60_000);
      expect(decide(request, view).status?.message ?? "").not.toContain("have not synced");
    } finally {
      await view.stop();
      await kubectlAsync(["delete", "clusterrolebinding", `${READER}-rbac`, "--ignore-not-found"]);
    }
  }, 120_000);
});
