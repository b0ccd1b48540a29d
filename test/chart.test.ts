// The Helm chart, installed the way users install it: real `helm lint` and `helm template`,
// server-side dry-run of everything it renders, `helm install` into the real control plane, and
// golive run as local processes with the chart's ServiceAccount tokens in place of the containers
// (there is no container runtime here). With those identities a Release walks Pending → Blocked →
// Approved, and what golive must not do is refused by the API server.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { request as httpsRequest } from "node:https";
import { webhookConfiguration } from "../webhook/configuration.js";
import { freePort } from "./cluster/processes.js";
import { httpOk, tempDir } from "./services/common.js";
import { helm, helmResult } from "./services/helm.js";
import { kubectl, kubectlAsync, kubectlResult, useNamespace } from "./support/cluster.js";
import { until as waitUntil } from "./support/wait.js";

const root = join(import.meta.dirname, "..");
const chart = join(root, "charts", "golive");
const examples = join(root, "examples");

type Doc = Record<string, any>;
const docsOf = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter((d) => d && typeof d === "object");
const find = (docs: Doc[], kind: string, name?: string): Doc => {
  const found = docs.find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ""} among ${docs.map((d) => `${d.kind}/${d.metadata?.name}`).join(", ")}`);
  return found;
};
const container = (deployment: Doc): Doc => deployment.spec.template.spec.containers[0] as Doc;
const envOf = (c: Doc): Record<string, Doc> => Object.fromEntries((c.env as Doc[]).map((e) => [e.name as string, e]));

describe("helm lint and helm template", () => {
  it("lints clean (strict) with the defaults and with every option on", async () => {
    expect(await helm(["lint", "--strict", chart])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    const all = ["--set", "serviceMonitor.enabled=true", "--set", "governedNamespaces={team-a,team-b}", "--set", `image.digest=sha256:${"a".repeat(64)}`, "--set", "webhook.scopes[0].name=level3", "--set-string", "webhook.scopes[0].selector.matchLabels.golive\\.dev/governed=true", "--set", "operator.audit.existingClaim=golive-audit", "--set", "operator.evidenceSigner.secretName=golive-evidence-key", "--set", "networkPolicy.egress.extraEgress[0].ports[0].port=9090"];
    expect(await helm(["lint", "--strict", chart, ...all])).toMatch(/0 chart\(s\) failed/);
  });

  it("rejects values outside values.schema.json, naming the value", async () => {
    for (const [set, what] of [
      ["webhook.replicas=1", "webhook.replicas"],
      ["logLevel=loud", "logLevel"],
      ["operator.leaderElection.leaseDuration=15", "leaseDuration"],
      ["webhook.failurePolicy=Maybe", "failurePolicy"],
      ["governedNamespaces={Not_A_Namespace}", "governedNamespaces"],
      ["image.digest=latest", "digest"],
      ["webhok.replicas=3", "webhok"],
    ] as const) {
      const r = await helmResult(["template", "golive", chart, "--set", set]);
      expect(r.status, set).not.toBe(0);
      expect(r.stderr, set).toMatch(new RegExp(what));
    }
  });

  it("ships CRDs identical to crds/ (regenerate with npm run crds, then copy)", () => {
    const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
    const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
    expect(files(join(chart, "crds"))).toEqual(files(join(root, "crds")));
    for (const f of files(join(root, "crds"))) expect(sha(join(chart, "crds", f)), `charts/golive/crds/${f} differs from crds/${f}: cp crds/*.yaml charts/golive/crds/`).toBe(sha(join(root, "crds", f)));
  });

  it("renders a highly available webhook, a leader-elected operator and restricted pods", async () => {
    const docs = docsOf(await helm(["template", "golive", chart, "-n", "golive-system"]));
    const webhook = find(docs, "Deployment", "golive-webhook");
    const operator = find(docs, "Deployment", "golive-operator");
    expect(webhook.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(webhook.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const spread = webhook.spec.template.spec.topologySpreadConstraints as Doc[];
    expect(spread.find((s) => s.topologyKey === "kubernetes.io/hostname")).toMatchObject({ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" });
    const pdb = find(docs, "PodDisruptionBudget", "golive-webhook");
    expect(pdb.spec.selector.matchLabels).toEqual(webhook.spec.selector.matchLabels);
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(envOf(container(operator)).GOLIVE_LEADER_ELECT?.value).toBe("true");
    // The heap bound issue 20 measured its 10,000-release RSS with (cli/commands/operator.ts).
    expect(envOf(container(operator)).GOLIVE_HEAP_GROWING_PERCENT?.value).toBe("50");
    expect(operator.spec.replicas).toBe(2);
    for (const d of [webhook, operator]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(container(d).securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } });
      expect(container(d).volumeMounts.map((m: Doc) => m.mountPath as string)).toContain("/tmp");
      expect(container(d).resources.requests).toBeDefined();
      expect(envOf(container(d)).GOLIVE_NAMESPACE?.valueFrom.fieldRef.fieldPath).toBe("metadata.namespace");
    }
    expect(container(operator).volumeMounts.map((m: Doc) => m.mountPath as string)).toContain("/var/lib/golive");
    expect(docs.filter((d) => d.kind === "NetworkPolicy").map((d) => d.metadata.name as string).sort()).toEqual(["golive-operator", "golive-webhook"]);
    expect(docs.some((d) => d.kind === "ServiceMonitor")).toBe(false);
    expect(docs.some((d) => d.kind === "Secret")).toBe(false); // the webhook owns its TLS Secret

    const monitored = docsOf(await helm(["template", "golive", chart, "-n", "golive-system", "--set", "serviceMonitor.enabled=true", "--set", `image.digest=sha256:${"b".repeat(64)}`]));
    const monitors = monitored.filter((d) => d.kind === "ServiceMonitor");
    expect(monitors.map((m) => m.metadata.name as string).sort()).toEqual(["golive-operator", "golive-webhook"]);
    for (const m of monitors) {
      const service = monitored.find((d) => d.kind === "Service" && Object.entries(m.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => d.metadata.labels[k] === v));
      expect(service?.spec.ports.map((p: Doc) => p.name as string)).toContain(m.spec.endpoints[0].port);
    }
    expect(container(find(monitored, "Deployment", "golive-webhook")).image).toBe(`ghcr.io/golive-dev/golive@sha256:${"b".repeat(64)}`);

    // The operator's Prometheus: its settings reach the pod and its port is let out.
    const egressPorts = (ds: Doc[]) => (find(ds, "NetworkPolicy", "golive-operator").spec.egress as Doc[]).flatMap((e) => (e.ports as Doc[]).map((p) => p.port as number));
    expect(egressPorts(docs)).not.toContain(9090);
    const withPrometheus = docsOf(await helm(["template", "golive", chart, "-n", "golive-system", "--set", "operator.monitoring.prometheusUrl=http://prometheus-operated.monitoring:9090"]));
    expect(egressPorts(withPrometheus)).toContain(9090);
    expect(envOf(container(find(withPrometheus, "Deployment", "golive-operator")))).toMatchObject({ GOLIVE_PROMETHEUS_URL: { value: "http://prometheus-operated.monitoring:9090" }, GOLIVE_CAPACITY_REPORT_INTERVAL: { value: "1h" }, GOLIVE_CAPACITY_HISTORY: { value: "14d" } });
  });

  it("keeps the audit trail on a PersistentVolumeClaim both the operator and the webhook mount; an emptyDir only when asked", async () => {
    const docs = docsOf(await helm(["template", "t", chart, "-n", "golive-system", "--set", "operator.audit.size=50Gi", "--set", "operator.audit.storageClass=fast"]));
    const pvc = find(docs, "PersistentVolumeClaim", "t-golive-audit");
    expect(pvc.spec).toEqual({ accessModes: ["ReadWriteMany"], storageClassName: "fast", resources: { requests: { storage: "50Gi" } } });
    for (const name of ["t-golive-operator", "t-golive-webhook"]) {
      const d = find(docs, "Deployment", name);
      expect((d.spec.template.spec.volumes as Doc[]).find((v) => v.name === "audit")).toEqual({ name: "audit", persistentVolumeClaim: { claimName: "t-golive-audit" } });
      expect((container(d).volumeMounts as Doc[]).find((m) => m.name === "audit")).toEqual({ name: "audit", mountPath: "/var/lib/golive" });
      expect(envOf(container(d)).GOLIVE_AUDIT_FILE).toEqual({ name: "GOLIVE_AUDIT_FILE", value: "/var/lib/golive/audit.jsonl" });
    }
    const ephemeral = docsOf(await helm(["template", "t", chart, "-n", "golive-system", "--set", "operator.audit.storage=emptyDir"]));
    expect(ephemeral.some((d) => d.kind === "PersistentVolumeClaim")).toBe(false);
    expect((find(ephemeral, "Deployment", "t-golive-webhook").spec.template.spec.volumes as Doc[]).find((v) => v.name === "audit")).toEqual({ name: "audit", emptyDir: { sizeLimit: "1Gi" } });
  });

  it("renders the ValidatingWebhookConfiguration webhook/configuration.ts builds", async () => {
    const scopes = [
      { name: "level3", selector: { matchLabels: { "golive.dev/governed": "true" } } },
      { name: "batch", selector: { matchExpressions: [{ key: "team", operator: "In", values: ["batch"] }] } },
    ];
    const values = JSON.stringify({ webhook: { scopes } });
    for (const [args, opts] of [
      [[], {}],
      [["-f", "-"], { scopes }],
    ] as const) {
      const docs = docsOf(await helm(["template", "golive", chart, "-n", "golive-system", ...args], { input: values }));
      const rendered = find(docs, "ValidatingWebhookConfiguration");
      const built = webhookConfiguration({ ownNamespace: "golive-system", client: { service: { name: "golive-webhook", namespace: "golive-system" } }, ...opts });
      expect(rendered.metadata.name).toBe(built.metadata!.name);
      expect(rendered.webhooks).toEqual(JSON.parse(JSON.stringify(built.webhooks)));
    }
  });

  it("grants Secret read only in golive's namespace (by name) and the governed namespaces listed", async () => {
    const docs = docsOf(await helm(["template", "golive", chart, "-n", "golive-system", "--set", "governedNamespaces={team-a,team-b}"]));
    const secretRules = docs
      .filter((d) => d.kind === "Role" || d.kind === "ClusterRole")
      .flatMap((r) => (r.rules as Doc[]).filter((rule) => rule.resources.includes("secrets")).map((rule) => ({ kind: r.kind, namespace: r.metadata.namespace, verbs: rule.verbs, names: rule.resourceNames })));
    expect(secretRules.filter((r) => r.kind === "ClusterRole")).toEqual([]);
    expect(secretRules.sort((a, b) => `${a.namespace}${a.verbs.join()}`.localeCompare(`${b.namespace}${b.verbs.join()}`))).toEqual([
      { kind: "Role", namespace: "golive-system", verbs: ["create"], names: undefined },
      { kind: "Role", namespace: "golive-system", verbs: ["get", "update"], names: ["golive-webhook-tls"] },
      { kind: "Role", namespace: "team-a", verbs: ["get"], names: undefined }, // operator: the verification users' Secret
      { kind: "Role", namespace: "team-a", verbs: ["get", "list", "watch"], names: undefined }, // webhook: sealed Secrets
      { kind: "Role", namespace: "team-b", verbs: ["get"], names: undefined },
      { kind: "Role", namespace: "team-b", verbs: ["get", "list", "watch"], names: undefined },
    ]);
    const bindings = docs.filter((d) => d.kind === "RoleBinding" && d.metadata.name === "golive-sealed-configuration");
    expect(bindings.map((b) => [b.metadata.namespace, b.subjects[0].name, b.subjects[0].namespace] as string[])).toEqual([
      ["team-a", "golive-webhook", "golive-system"],
      ["team-b", "golive-webhook", "golive-system"],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// On the real control plane.

const own = useNamespace("golive-chart", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });
const apps = useNamespace("chart-apps");
/** Governed by the test's ReleasePolicy, but not listed in governedNamespaces. */
const unlisted = useNamespace("chart-unlisted");
const other = useNamespace("chart-other");
const release = `golive-${own.name.slice(-6)}`;
const id = own.name.slice(-6);
const policyName = `chart-${id}`;
const work = tempDir("chart");
const children: ChildProcess[] = [];
let installed = false;

/** Values for the test install: the VWC is scoped to a label no namespace carries (nothing in this shared cluster can reach the webhook Service: there is no kube-proxy). */
const installValues = () => ({
  governedNamespaces: [apps.name],
  // kwok's nodes have no storage provisioner: a claim would never bind.
  operator: { audit: { storage: "emptyDir" } },
  webhook: { scopes: [{ name: "chart-test", selector: { matchLabels: { "golive.dev/chart-test-webhook": id } } }] },
});

function saKubeconfig(sa: string): string {
  const token = kubectl(["create", "token", sa, "-n", own.name, "--duration", "2h"]).trim();
  const admin = parse(readFileSync(inject("kubeconfig"), "utf8")) as Doc;
  const cluster = admin.clusters[0].cluster as Doc;
  const file = join(work.path, `${sa}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cluster.server, "certificate-authority-data": cluster["certificate-authority-data"] } }],
      users: [{ name: sa, user: { token } }],
      contexts: [{ name: sa, context: { cluster: "c", user: sa, namespace: own.name } }],
      "current-context": sa,
    }),
    { mode: 0o600 },
  );
  return file;
}

function asSa(kubeconfig: string, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  // The admin kubeconfig of kubectlResult is replaced: the last --kubeconfig wins in kubectl.
  return kubectlResult([...args, "--kubeconfig", kubeconfig], input);
}

function canI(sa: string, args: string[]): boolean {
  const r = kubectlResult(["auth", "can-i", ...args, `--as=system:serviceaccount:${own.name}:${sa}`]);
  if (r.status !== 0 && r.stdout.trim() !== "no") throw new Error(`kubectl auth can-i ${args.join(" ")}: ${r.stderr}`);
  return r.status === 0;
}

/** Env of a rendered container with the downward API resolved as the kubelet would. */
function podEnv(c: Doc, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env as Doc[]) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[e.name] = own.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = podName;
    else throw new Error(`cannot resolve env ${e.name}`);
  }
  return env;
}

/** Run a rendered container's args with `golive` (the image's entrypoint) as a local process. */
function startContainer(c: Doc, podName: string, kubeconfig: string, overrides: Record<string, string>): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work.path, ...podEnv(c, podName), GOLIVE_KUBECONFIG: kubeconfig, ...overrides };
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...(c.args as string[])], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

/** The shared poll, with this file's longer default (helm installs, pods on kwok nodes). */
const until = <T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> => waitUntil(what, f, timeoutMs);

function manifest(file: string): Doc {
  const doc = parse(readFileSync(file, "utf8")) as Doc;
  delete doc.metadata.namespace;
  return doc;
}

async function applyAdmin(doc: object, namespace = apps.name): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", namespace, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}

const TLS_SECRET = "golive-webhook-tls"; // webhook/tls.ts: one golive per cluster
const CONFIGURATION = "golive-webhook"; // webhook/configuration.ts

async function applyPolicy(): Promise<void> {
  const policy = manifest(join(examples, "policy.yaml"));
  policy.metadata.name = policyName;
  policy.spec.namespaceSelector = { matchLabels: { "golive.dev/chart-test": id } };
  policy.spec.images = { requireDigest: true, requireSignature: false };
  await applyAdmin(policy);
}

/** The webhook's certificate and the caBundle of every webhook in its configuration. */
function tlsState(): { secret: string; caBundles: string[] } {
  return {
    secret: kubectl(["get", "secret", TLS_SECRET, "-n", own.name, "-o", "jsonpath={.data.tls\\.crt}"]),
    caBundles: (JSON.parse(kubectl(["get", "validatingwebhookconfiguration", CONFIGURATION, "-o", "json"])) as Doc).webhooks.map((w: Doc) => (w.clientConfig.caBundle as string | undefined) ?? ""),
  };
}

/** One webhook "pod": the rendered container as a local process on free ports, until /readyz answers. */
async function startWebhookPod(suffix: string): Promise<{ port: number; output: () => string }> {
  const webhook = container(JSON.parse(kubectl(["get", "deployment", `${release}-webhook`, "-n", own.name, "-o", "json"])) as Doc);
  const [port, health, metrics] = [await freePort(), await freePort(), await freePort()];
  const proc = startContainer(webhook, `${release}-webhook-${suffix}`, saKubeconfig(`${release}-webhook`), { GOLIVE_WEBHOOK_PORT: String(port), GOLIVE_HEALTH_PORT: String(health), GOLIVE_METRICS_PORT: String(metrics) });
  await until("the webhook to be ready", async () => ((await httpOk(`http://127.0.0.1:${health}/readyz`)) ? true : undefined), 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${proc.output().slice(-3000)}`);
  });
  return { port, output: proc.output };
}

/** POST an AdmissionReview as the API server does: HTTPS to the Service's name, trusting the caBundle. */
function admissionReview(port: number, ca: string, request: object): Promise<Doc> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });
    const req = httpsRequest({ host: "127.0.0.1", port, path: "/validate", method: "POST", ca, servername: `${release}-webhook.${own.name}.svc`, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        try {
          resolve(JSON.parse(text) as Doc);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(text)));
        }
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** An AdmissionRequest creating a Deployment (labelled with its Release when given) that reads Secret db-credentials. */
function deploymentReview(namespace: string, name: string, release?: string): object {
  const labels = { app: name, ...(release ? { "golive.dev/release": release } : {}) };
  const object = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: `registry.example.com/${name}@sha256:${"e".repeat(64)}`, envFrom: [{ secretRef: { name: "db-credentials" } }] }] } } },
  };
  return { uid: `${namespace}-${name}`, kind: { group: "apps", version: "v1", kind: "Deployment" }, resource: { group: "apps", version: "v1", resource: "deployments" }, namespace, name, operation: "CREATE", userInfo: { username: "developer" }, object };
}

async function stopChildren(): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
        }),
    ),
  );
}

beforeAll(() => {
  for (const ns of [apps.name, unlisted.name]) kubectl(["label", "namespace", ns, `golive.dev/chart-test=${id}`]);
});

let web: { port: number; output: () => string; ca: string } | undefined;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  // Releases go first, so no operator elsewhere in the run still sees them while the namespaces terminate.
  for (const ns of [apps.name, unlisted.name]) kubectlResult(["delete", "releases.golive.dev", "--all", "-n", ns]);
  if (installed) await helmResult(["uninstall", release, "-n", own.name, "--wait", "--timeout", "60s"], { kubeconfig: inject("kubeconfig") });
  kubectlResult(["delete", "releasepolicy", policyName, "--wait=false"]);
  work.remove();
});

describe("on the real control plane", () => {
  it("passes server-side dry-run, admitted by the restricted Pod Security Standard", async () => {
    const rendered = await helm(["template", release, chart, "-n", own.name, "-f", "-"], { input: JSON.stringify(installValues()) });
    const r = kubectlResult(["apply", "--dry-run=server", "-f", "-"], rendered);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const kinds = r.stdout.trim().split("\n").map((l) => l.replace(/ .*/, "").replace(/\/.*/, "")).sort();
    expect(new Set(kinds)).toEqual(new Set(["clusterrole.rbac.authorization.k8s.io", "clusterrolebinding.rbac.authorization.k8s.io", "deployment.apps", "networkpolicy.networking.k8s.io", "poddisruptionbudget.policy", "role.rbac.authorization.k8s.io", "rolebinding.rbac.authorization.k8s.io", "service", "serviceaccount", "validatingwebhookconfiguration.admissionregistration.k8s.io"]));
  });

  it("installs with helm (CRDs already present) and its pods roll out on the kwok nodes", async () => {
    const out = await helm(["install", release, chart, "-n", own.name, "--skip-crds", "--wait", "--timeout", "120s", "-f", "-"], { kubeconfig: inject("kubeconfig"), input: JSON.stringify(installValues()), timeoutMs: 180_000 });
    installed = true;
    expect(out).toMatch(/STATUS: deployed/);
    expect(out).toContain("WARNING: the audit trail (JR/T 0179 8.3) is on an emptyDir");
    expect(out).toContain(`Governed namespaces (rollout rights for the operator, sealed-Secret read for the webhook): ${apps.name}.`);
    const pods = JSON.parse(kubectl(["get", "pods", "-n", own.name, "-o", "json"])) as { items: Doc[] };
    const nodesOf = (component: string) => pods.items.filter((p) => p.metadata.labels["app.kubernetes.io/component"] === component).map((p) => p.spec.nodeName as string);
    expect(new Set(nodesOf("webhook")).size).toBe(3); // one webhook replica per node
    expect(nodesOf("operator")).toHaveLength(2);
  });

  it("refuses, by the API server, what golive must never do", () => {
    const op = `${release}-operator`;
    const wh = `${release}-webhook`;
    const allowed: [string, string[]][] = [
      [op, ["list", "releases.golive.dev", "-A"]],
      [op, ["watch", "releaseevidences.golive.dev", "-A"]],
      [op, ["watch", "releasepolicies.golive.dev"]],
      [op, ["patch", "releases.golive.dev", "--subresource=status", "-n", apps.name]],
      [op, ["watch", "namespaces"]],
      [op, ["create", "events", "-n", apps.name]],
      [op, ["create", "leases.coordination.k8s.io", "-n", own.name]],
      [op, ["update", "leases.coordination.k8s.io/golive-operator", "-n", own.name]],
      [op, ["watch", "deployments.apps", "-A"]],
      [op, ["watch", "jobs.batch", "-A"]],
      [op, ["watch", "pods", "-A"]], // drift: the image digests pods report
      [op, ["watch", "networkpolicies.networking.k8s.io", "-A"]], // NetworkIsolated (8.7 e after admission)
      [op, ["get", "configmaps", "-n", apps.name]], // drift: sealed ConfigMaps by name
      // The rollout, in governed namespaces only.
      [op, ["patch", "deployments.apps", "-n", apps.name]],
      [op, ["create", "jobs.batch", "-n", apps.name]],
      [op, ["patch", "services", "-n", apps.name]],
      [op, ["patch", "daemonsets.apps", "-n", apps.name]], // the DaemonSet canary's OnDelete hold and rollback
      [op, ["patch", "statefulsets.apps", "-n", apps.name]], // the StatefulSet canary's partition
      [op, ["patch", "ingresses.networking.k8s.io", "-n", apps.name]], // (no Gateway API CRDs in the test cluster for httproutes)
      [op, ["create", "releaseevidences.golive.dev", "-n", apps.name]],
      [op, ["get", "secrets", "-n", apps.name]],
      // Monitoring enrollment: listed by label, pruned; owner references that block deletion.
      [op, ["list", "configmaps", "-n", apps.name]],
      [op, ["delete", "services", "-n", apps.name]],
      [op, ["update", "releases.golive.dev", "--subresource=finalizers", "-n", apps.name]],
      [op, ["patch", "pods", "--subresource=status", "-n", apps.name]], // a StatefulSet canary's readiness gate golive.dev/verified
      [wh, ["watch", "releases.golive.dev", "-A"]],
      [wh, ["list", "poddisruptionbudgets.policy", "-A"]],
      [wh, ["watch", "networkpolicies.networking.k8s.io", "-A"]], // 8.7 e
      [wh, ["watch", "configmaps", "-A"]],
      [wh, ["watch", "secrets", "-n", apps.name]],
      [wh, ["get", `secrets/${TLS_SECRET}`, "-n", own.name]],
      [wh, ["update", `secrets/${TLS_SECRET}`, "-n", own.name]],
      [wh, ["create", "secrets", "-n", own.name]],
      [wh, ["patch", `validatingwebhookconfigurations/${CONFIGURATION}`]],
      [wh, ["create", "events", "-n", apps.name]],
      // 4.4 c: the RBAC informers behind the admin ServiceAccount rule.
      [wh, ["list", "roles.rbac.authorization.k8s.io", "-A"]],
      [wh, ["watch", "rolebindings.rbac.authorization.k8s.io", "-A"]],
      [wh, ["list", "clusterroles.rbac.authorization.k8s.io"]],
      [wh, ["watch", "clusterrolebindings.rbac.authorization.k8s.io"]],
    ];
    const refused: [string, string[]][] = [
      [op, ["get", "secrets", "-A"]],
      [op, ["get", "secrets", "-n", own.name]],
      [op, ["list", "secrets", "-n", apps.name]],
      [op, ["update", "releases.golive.dev", "-n", apps.name]], // the spec belongs to the application team
      [op, ["create", "releaseevidences.golive.dev", "-n", other.name]],
      [op, ["update", "releaseevidences.golive.dev", "-n", apps.name]], // evidence is immutable
      [op, ["patch", "deployments.apps", "-n", other.name]],
      [op, ["patch", "deployments.apps", "-n", unlisted.name]],
      [op, ["create", "jobs.batch", "-n", other.name]],
      [op, ["delete", "configmaps", "-n", other.name]],
      [op, ["create", "pods", "-n", apps.name]],
      [op, ["patch", "pods", "--subresource=status", "-n", other.name]], // the StatefulSet readiness gate: governed namespaces only
      [op, ["get", "configmaps", "-n", other.name]],
      [op, ["patch", "daemonsets.apps", "-n", other.name]], // only in governed namespaces
      [op, ["delete", "pods", "-n", other.name]],
      [op, ["update", "leases.coordination.k8s.io/kube-scheduler", "-n", own.name]],
      [op, ["delete", "leases.coordination.k8s.io/golive-operator", "-n", own.name]],
      [op, ["patch", "validatingwebhookconfigurations"]],
      [op, ["create", "clusterrolebindings.rbac.authorization.k8s.io"]],
      [op, ["impersonate", "serviceaccounts"]],
      [wh, ["list", "secrets", "-A"]],
      [wh, ["get", "secrets", "-n", other.name]],
      [wh, ["watch", "secrets", "-n", unlisted.name]], // governed by a policy, but not in governedNamespaces
      [wh, ["get", "secrets/other", "-n", own.name]],
      [wh, ["list", "secrets", "-n", own.name]],
      [wh, ["delete", `secrets/${TLS_SECRET}`, "-n", own.name]],
      [wh, ["patch", "validatingwebhookconfigurations/someone-elses"]],
      [wh, ["delete", `validatingwebhookconfigurations/${CONFIGURATION}`]],
      [wh, ["create", "validatingwebhookconfigurations"]],
      [wh, ["patch", "releases.golive.dev", "--subresource=status", "-n", apps.name]], // only the operator writes status
      [wh, ["update", "deployments.apps", "-n", other.name]],
      [wh, ["create", "pods", "-n", apps.name]],
      // Reading RBAC is all it may do with it.
      [wh, ["create", "clusterrolebindings.rbac.authorization.k8s.io"]],
      [wh, ["create", "rolebindings.rbac.authorization.k8s.io", "-n", apps.name]],
      [wh, ["bind", "clusterroles.rbac.authorization.k8s.io"]],
      [wh, ["escalate", "roles.rbac.authorization.k8s.io", "-n", apps.name]],
      [wh, ["get", "clusterroles.rbac.authorization.k8s.io/cluster-admin"]],
    ];
    const wrong = [...allowed.filter(([sa, a]) => !canI(sa, a)).map(([sa, a]) => `${sa} cannot ${a.join(" ")}`), ...refused.filter(([sa, a]) => canI(sa, a)).map(([sa, a]) => `${sa} can ${a.join(" ")}`)];
    expect(wrong).toEqual([]);
  });

  it("with the operator's token, real calls outside its rights are Forbidden", async () => {
    const op = saKubeconfig(`${release}-operator`);
    const wh = saKubeconfig(`${release}-webhook`);
    await applyAdmin({ apiVersion: "v1", kind: "Secret", metadata: { name: "db-password" }, stringData: { password: "s3cret" } }, other.name);
    await applyAdmin({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "unrelated" }, spec: { replicas: 1, selector: { matchLabels: { app: "unrelated" } }, template: { metadata: { labels: { app: "unrelated" } }, spec: { containers: [{ name: "c", image: "registry.example.com/unrelated@sha256:" + "c".repeat(64) }] } } } }, other.name);
    const forbidden = (r: { status: number; stderr: string }) => r.status !== 0 && /forbidden/i.test(r.stderr);
    expect(forbidden(asSa(op, ["get", "secrets", "-A"]))).toBe(true);
    expect(forbidden(asSa(op, ["get", "secret", "db-password", "-n", other.name]))).toBe(true);
    expect(forbidden(asSa(wh, ["get", "secret", "db-password", "-n", other.name]))).toBe(true);
    expect(forbidden(asSa(wh, ["get", "secrets", "-A"]))).toBe(true);
    expect(forbidden(asSa(op, ["scale", "deployment", "unrelated", "--replicas=0", "-n", other.name]))).toBe(true);
    expect(forbidden(asSa(op, ["label", "deployment", "unrelated", "hijacked=yes", "-n", other.name]))).toBe(true);
    expect(forbidden(asSa(wh, ["delete", "deployment", "unrelated", "-n", other.name]))).toBe(true);
    expect(kubectl(["get", "deployment", "unrelated", "-n", other.name, "-o", "jsonpath={.spec.replicas} {.metadata.labels.hijacked}"])).toBe("1 ");
    // What it is allowed to read, it reads.
    expect(asSa(op, ["get", "releases.golive.dev", "-A"]).status).toBe(0);
    expect(asSa(wh, ["get", "secrets", "-n", apps.name]).status).toBe(0);
  });

  it("runs golive webhook with the chart's ServiceAccount token: it makes its TLS Secret, publishes its CA and answers admission", async () => {
    await applyPolicy(); // apps is governed: the webhook watches Secrets there (governedNamespaces)
    const started = await startWebhookPod("a");
    expect(kubectl(["get", "secret", TLS_SECRET, "-n", own.name, "-o", "jsonpath={.type}"])).toBe("kubernetes.io/tls");
    const { caBundles } = tlsState();
    expect(caBundles).toHaveLength(5);
    expect(new Set(caBundles).size).toBe(1);
    web = { ...started, ca: Buffer.from(caBundles[0]!, "base64").toString() };
    // The API server's view of it: HTTPS to the Service's DNS name, trusting the caBundle.
    const review = await admissionReview(web.port, web.ca, deploymentReview(apps.name, "ungated"));
    expect(review.response).toMatchObject({ uid: `${apps.name}-ungated`, allowed: false });
    expect(review.response.status.message).toMatch(/no golive\.dev\/release label/);
    // Everything it asked the API server for was granted, but Secrets where nobody granted them.
    const refused = web.output().split("\n").filter((l) => /forbidden|cannot watch Secrets/i.test(l));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((l) => !l.includes(`secrets in ${unlisted.name}`) && !l.includes(`"namespace":"${unlisted.name}"`))).toEqual([]);
  });

  it("reads Secrets for sealed configuration only in governedNamespaces", async () => {
    const sealedDigest = `sha256:${"0".repeat(64)}`;
    for (const ns of [apps.name, unlisted.name]) {
      await applyAdmin({ apiVersion: "v1", kind: "Secret", metadata: { name: "db-credentials" }, stringData: { password: "chart-test-password" } }, ns);
      await applyAdmin({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: "sealed-demo" }, spec: { application: "sealed-demo", version: "1.0.0", workloads: [{ kind: "Deployment", name: "sealed-demo" }], images: [{ name: "registry.example.com/sealed-demo", digest: `sha256:${"e".repeat(64)}` }], configuration: [{ kind: "Secret", name: "db-credentials", digest: sealedDigest }] } }, ns);
    }
    const message = async (ns: string) => ((await admissionReview(web!.port, web!.ca, deploymentReview(ns, "sealed-demo", "sealed-demo"))).response.status?.message as string | undefined) ?? "";
    // Listed: the webhook read the live Secret and compared its digest.
    await until("the webhook to compare the sealed Secret", async () => ((await message(apps.name)).includes("Secret db-credentials does not match the digest sealed in Release sealed-demo") ? true : undefined), 30_000);
    // Not listed: the API server refused the webhook the Secret, so admission fails closed.
    await until("the webhook to deny for the unreadable Secret", async () => ((await message(unlisted.name)).includes(`Secret db-credentials, sealed in Release sealed-demo, does not exist in namespace ${unlisted.name}`) ? true : undefined), 30_000);
    expect(web!.output()).not.toContain("chart-test-password");
    expect(web!.output()).not.toContain(Buffer.from("chart-test-password").toString("base64"));
  });

  it("keeps the webhook's TLS Secret and caBundle across helm upgrade and rollback", async () => {
    const before = tlsState();
    expect(before.caBundles.every((b) => b.length > 0)).toBe(true);
    const kubeconfig = inject("kubeconfig");
    await helm(["upgrade", release, chart, "-n", own.name, "--skip-crds", "--reuse-values", "--set", "logLevel=debug"], { kubeconfig });
    expect(tlsState()).toEqual(before);
    // A scope added by an upgrade: the existing webhooks keep their caBundle; the new ones get it
    // from the webhook pods, which the upgrade restarts (the configuration's checksum is on their
    // pod template) and which publish their CA when they start.
    const checksum = () => (JSON.parse(kubectl(["get", "deployment", `${release}-webhook`, "-n", own.name, "-o", "json"])) as Doc).spec.template.metadata.annotations["checksum/webhook-configuration"] as string;
    const oldChecksum = checksum();
    const scoped = { ...installValues(), webhook: { scopes: [...installValues().webhook.scopes, { name: "second", selector: { matchLabels: { "golive.dev/chart-test-webhook": `${id}-2` } } }] } };
    await helm(["upgrade", release, chart, "-n", own.name, "--skip-crds", "-f", "-"], { kubeconfig, input: JSON.stringify(scoped) });
    const widened = tlsState();
    expect(widened.secret).toBe(before.secret);
    expect(widened.caBundles.filter((b) => b !== "")).toEqual(before.caBundles);
    expect(checksum()).not.toBe(oldChecksum);
    await stopChildren();
    await startWebhookPod("b");
    expect(tlsState()).toEqual({ secret: before.secret, caBundles: [...before.caBundles, ...before.caBundles] });
    await helm(["rollback", release, "1", "-n", own.name], { kubeconfig });
    expect(tlsState()).toEqual(before);
    expect(kubectl(["get", "deployment", `${release}-operator`, "-n", own.name, "-o", "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"GOLIVE_LOG_LEVEL\")].value}"])).toBe("info");
    await stopChildren();
  });

  it("runs golive operator with the chart's ServiceAccount token: a Release goes Pending → Blocked → Approved", async () => {
    const operator = container(JSON.parse(kubectl(["get", "deployment", `${release}-operator`, "-n", own.name, "-o", "json"])) as Doc);
    const kubeconfig = saKubeconfig(`${release}-operator`);
    // The pod's volumes and network namespace, as a local process sees them: the audit volume is
    // a temp dir, the health port a free one.
    const env = podEnv(operator, `${release}-operator-local`);
    expect(env.GOLIVE_AUDIT_FILE).toBe("/var/lib/golive/audit.jsonl");
    const auditFile = join(work.path, "audit.jsonl");
    const proc = startContainer(operator, `${release}-operator-local`, kubeconfig, { GOLIVE_AUDIT_FILE: auditFile, GOLIVE_HEALTH_PORT: String(await freePort()) });
    const holder = await until("the operator to lead", () => {
      const r = kubectlResult(["get", "lease", "golive-operator", "-n", own.name, "-o", "jsonpath={.spec.holderIdentity}"]);
      return r.status === 0 && r.stdout.startsWith(`${release}-operator-local_`) ? r.stdout : undefined;
    });
    expect(holder).toMatch(/^golive-.*-operator-local_[0-9a-f]{8}$/);

    await applyPolicy();
    // The sealed ConfigMap the Release names, as GitOps syncs it with the Release: without it an
    // Approved release reports Drifted (the operator reads it by name with the chart's rights).
    const sealedConfig = parseAllDocuments(readFileSync(join(examples, "workload.yaml"), "utf8")).map((d) => d.toJS() as Doc).find((d) => d.kind === "ConfigMap")!;
    delete sealedConfig.metadata.namespace;
    await applyAdmin(sealedConfig);
    await applyAdmin(manifest(join(examples, "release.yaml")));
    const get = async () => JSON.parse((await kubectlAsync(["get", "release", "underwriting-api-2-4-1", "-n", apps.name, "-o", "json"])).stdout) as Doc;
    const blocked = await until("Blocked", async () => ((await get()).status?.phase === "Blocked" ? get() : undefined));
    expect(blocked.status.message).toMatch(/gate unit-tests Pending: waiting for UnitTestReport evidence/);
    for (const f of readdirSync(join(examples, "evidence")).filter((f) => f.endsWith(".yaml"))) await applyAdmin(manifest(join(examples, "evidence", f)));
    const approved = await until("Approved", async () => {
      const r = await get();
      return r.status?.phase === "Approved" ? r : undefined;
    });
    expect(approved.status.conditions.find((c: Doc) => c.type === "Ready").status).toBe("True");
    // Enrolled in monitoring with the chart's rights: no "forbidden" in status.monitoring.
    expect(approved.status.monitoring).toMatchObject({ mode: expect.stringMatching(/^(Annotations|PodMonitor)$/) });
    expect(approved.status.monitoring.problem).toBeUndefined();
    const events = kubectl(["get", "events", "-n", apps.name, "--field-selector", "involvedObject.kind=Release", "-o", "jsonpath={range .items[*]}{.reason}{\" \"}{end}"]);
    expect(events.split(" ")).toEqual(expect.arrayContaining(["Pending", "Blocked", "Approved"]));
    const audit = readFileSync(auditFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; result: string; object: string });
    expect(audit.filter((a) => a.type === "transition" && a.object === `${apps.name}/Release/underwriting-api-2-4-1`).map((a) => a.result)).toEqual(["Pending", "Blocked", "Approved"]);
    // Nothing it tried was refused.
    expect(proc.output()).not.toMatch(/forbidden|\b403\b/i);
    proc.child.kill("SIGTERM");
    await new Promise((r) => proc.child.once("exit", r));
    // On SIGTERM the leader hands the Lease back.
    expect(kubectl(["get", "lease", "golive-operator", "-n", own.name, "-o", "jsonpath={.spec.holderIdentity}"])).toBe("");
  });
});
