// golive on a real node (test/cluster/real-node.ts): the Helm chart installed with the image the
// suite built (test/cluster/build-image.sh), operator and webhook as real pods (uid 65532,
// read-only root, no capabilities), and the API server calling the webhook through its ClusterIP
// Service (kube-proxy), failing closed: one create admitted, one denied, and the webhook's own
// /metrics counting both.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { onRealNode, startRealNode, REAL_NODE, type RealNode } from "./cluster/real-node.js";
import { buildImages, type BuiltImages } from "./cluster/real-node-image.js";
import { helmResult } from "./services/helm.js";
import { kubectl, kubectlResult, useNamespace } from "./support/cluster.js";
import { namespacePolicy } from "./support/policy.js";
import { until } from "./support/wait.js";

const root = join(import.meta.dirname, "..");
const chart = join(root, "charts", "golive");
type Doc = Record<string, any>;

let node: RealNode | undefined;
let images: BuiltImages;
const golive = useNamespace("rn-golive");
const apps = useNamespace("rn-apps");
const release = "golive";

beforeAll(async () => {
  images = buildImages();
  node = await startRealNode({ kubeconfig: inject("kubeconfig"), server: inject("server"), binDir: inject("binDir"), kubectl }, images, (l) => console.log(`[real node] ${l}`));
}, 900_000);

afterAll(async () => {
  await helmResult(["uninstall", release, "-n", golive.name, "--wait", "--timeout", "60s"], { kubeconfig: inject("kubeconfig"), timeoutMs: 90_000 });
  kubectlResult(["delete", "releasepolicy", `${apps.name}-policy`, "--ignore-not-found"]);
  await node?.stop();
}, 180_000);

/** Sum of golive_webhook_decisions_total{allowed=...} over every webhook pod, read from the pods' own /metrics. */
async function decisions(allowed: "true" | "false"): Promise<number> {
  const pods = JSON.parse(kubectl(["get", "pods", "-n", golive.name, "-l", "app.kubernetes.io/component=webhook", "-o", "json"])) as Doc;
  let sum = 0;
  for (const pod of pods.items as Doc[]) {
    const text = await (await fetch(`http://${pod.status.podIP as string}:8080/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    for (const m of text.matchAll(/^golive_webhook_decisions_total\{([^}]*)\} (\S+)$/gm)) if (m[1]!.includes(`allowed="${allowed}"`)) sum += Number(m[2]);
  }
  return sum;
}

describe("the chart on the real node, with golive's own image", () => {
  it("installs: operator and two webhook pods Ready on the real node, running as 65532 with a read-only root", async () => {
    kubectl(["label", "namespace", apps.name, `golive.dev/governed=${apps.name}`, `golive.dev/test-policy=${apps.name}`]);
    const [repository, tag] = images.image.split(":") as [string, string];
    const values = {
      image: { repository, tag, pullPolicy: "Never" },
      operator: { replicas: 1, ...onRealNode, audit: { storage: "emptyDir" }, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "1Gi" } } },
      webhook: { replicas: 2, ...onRealNode, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "512Mi" } }, scopes: [{ name: "realnode", selector: { matchLabels: { "golive.dev/governed": apps.name } } }] },
      governedNamespaces: [apps.name],
    };
    const t = Date.now();
    const r = await helmResult(["install", release, chart, "-n", golive.name, "--skip-crds", "--wait", "--timeout", "240s", "-f", "-"], { kubeconfig: inject("kubeconfig"), input: JSON.stringify(values), timeoutMs: 300_000 });
    expect(r.stderr + r.stdout).toMatch(/STATUS: deployed/);
    console.log(`[real node] helm install --wait took ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const pods = (JSON.parse(kubectl(["get", "pods", "-n", golive.name, "-o", "json"])) as Doc).items as Doc[];
    expect(pods.map((p) => String(p.metadata.labels["app.kubernetes.io/component"])).sort()).toEqual(["operator", "webhook", "webhook"]);
    for (const p of pods) {
      expect(p.spec.nodeName).toBe(REAL_NODE);
      expect(p.status.podIP).toMatch(/^10\.244\.0\./);
      expect(p.spec.containers[0].image).toBe(images.image);
      expect(p.status.conditions.find((c: Doc) => c.type === "Ready")?.status).toBe("True");
      const sc = { ...p.spec.securityContext, ...p.spec.containers[0].securityContext } as Doc;
      expect([sc.runAsUser, sc.runAsGroup, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities?.drop]).toEqual([65532, 65532, true, false, ["ALL"]]);
    }
    // The webhook wrote its CA into the configuration: nothing in the chart carries it.
    const config = JSON.parse(kubectl(["get", "validatingwebhookconfiguration", "golive-webhook", "-o", "json"])) as Doc;
    expect((config.webhooks as Doc[]).every((w) => (w.clientConfig.caBundle as string | undefined)?.length)).toBe(true);
    expect((config.webhooks as Doc[]).every((w) => w.failurePolicy === "Fail" && w.clientConfig.service.port === 443)).toBe(true);
  }, 360_000);

  it("the API server calls the webhook through its Service: a create is admitted, then, under a policy, one is denied; /metrics counts both", async () => {
    const [allowedBefore, deniedBefore] = [await decisions("true"), await decisions("false")];
    // Governed by the webhook's scope, but no ReleasePolicy yet: admitted (the webhook is called).
    const admitted = kubectlResult(["create", "deployment", "first", "-n", apps.name, `--image=${images.echo_image}`]);
    expect(admitted.stderr).toBe("");
    await until("the admission counted", async () => ((await decisions("true")) > allowedBefore ? true : undefined), 30_000);

    const policy = parse(readFileSync(join(root, "examples", "policy.yaml"), "utf8")) as Doc;
    const { namespaceSelector: _ignored, ...spec } = policy.spec as Doc;
    kubectl(["apply", "-f", "-"], JSON.stringify(namespacePolicy(apps.name, spec)));
    // The webhook's informer sees the policy shortly after it is written.
    const denied = await until("a denial", () => {
      const r = kubectlResult(["create", "deployment", "second", "-n", apps.name, `--image=${images.echo_image}`]);
      return r.status !== 0 ? r : (kubectlResult(["delete", "deployment", "second", "-n", apps.name]), undefined);
    }, 30_000, 1_000);
    expect(denied.stderr).toMatch(/admission webhook "workloads\.realnode\.golive\.dev" denied the request/);
    expect(await decisions("false")).toBeGreaterThan(deniedBefore);
  }, 120_000);

  it("fails closed: with no webhook pod behind the Service, the same create is refused", async () => {
    kubectl(["scale", "deployment", `${release}-webhook`, "-n", golive.name, "--replicas=0"]);
    try {
      const r = await until("the create to be refused", () => {
        const res = kubectlResult(["create", "deployment", "third", "-n", apps.name, `--image=${images.echo_image}`]);
        return res.status !== 0 && /failed calling webhook/.test(res.stderr) ? res : (kubectlResult(["delete", "deployment", "third", "-n", apps.name, "--ignore-not-found"]), undefined);
      }, 60_000, 1_000);
      expect(r.stderr).toMatch(/failed calling webhook "workloads\.realnode\.golive\.dev".*connection refused/s);
    } finally {
      kubectl(["scale", "deployment", `${release}-webhook`, "-n", golive.name, "--replicas=2"]);
    }
  }, 120_000);
});
