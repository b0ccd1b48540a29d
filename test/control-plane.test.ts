// The real control plane does what the rest of the suite relies on: it serves golive's CRDs with
// their descriptions, accepts the examples, rolls out Deployments on kwok nodes, and calls a
// validating webhook registered by URL.
import { createServer, type Server } from "node:https";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "./cluster/pki.js";
import { kubectl, kubectlAsync, kubectlResult, useNamespace } from "./support/cluster.js";

const examples = join(import.meta.dirname, "..", "examples");

describe("CRDs on a real kube-apiserver", () => {
  it("are served, with their descriptions in kubectl explain", () => {
    const out = kubectl(["explain", "release.spec"]);
    expect(out).toMatch(/GROUP:\s+golive\.dev/);
    expect(out).toMatch(/ReleaseSpec: what goes live and how/);
    expect(out).toMatch(/application\s+<string> -required-/);
    expect(kubectl(["explain", "release.spec.strategy.steps.setWeight"])).toMatch(/Percent of ordinary traffic sent to the new version/);
  });

  it("list all three kinds under the golive category", () => {
    const out = kubectl(["api-resources", "--categories=golive", "-o", "name"]);
    expect(out.split("\n").filter(Boolean).sort()).toEqual(["releaseevidences.golive.dev", "releasepolicies.golive.dev", "releases.golive.dev"]);
  });
});

describe("examples", () => {
  const ns = "underwriting";
  afterAll(() => {
    kubectlResult(["delete", "namespace", ns, "--wait=false"]);
    kubectlResult(["delete", "releasepolicy", "insurance-level3"]);
  });

  it("apply with kubectl apply --server-side", () => {
    const files = ["namespace.yaml", "policy.yaml", "release.yaml", "workload.yaml"].map((f) => join(examples, f));
    const evidence = join(examples, "evidence");
    const args = ["apply", "--server-side", ...files.flatMap((f) => ["-f", f]), ...(readdirSync(examples).includes("evidence") ? ["-f", evidence] : [])];
    const out = kubectl(args);
    expect(out).toMatch(/release\.golive\.dev\/underwriting-api-2-4-1 serverside-applied/);
    expect(out).toMatch(/releasepolicy\.golive\.dev\/insurance-level3 serverside-applied/);
    expect(kubectl(["get", "releases", "-n", ns, "-o", "jsonpath={.items[0].spec.version}"])).toBe("2.4.1");
  });

  it("are rejected by the API server's own validation when broken (CEL and schema)", () => {
    const broken = {
      apiVersion: "golive.dev/v1alpha1",
      kind: "Release",
      metadata: { name: "broken", namespace: ns },
      spec: {
        application: "underwriting-api",
        version: "9.9.9",
        workloads: [{ kind: "Deployment", name: "x" }],
        images: [{ name: "registry.example.com/x", digest: "sha256:" + "a".repeat(64) }],
        strategy: { trafficRouting: { service: "x" }, steps: [{ name: "a", setWeight: 50 }, { name: "b", setWeight: 20 }] },
      },
    };
    const r = kubectlResult(["apply", "--server-side", "-f", "-"], JSON.stringify(broken));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/canary weights must not decrease/);
  });

  it("keep evidence immutable in the API server", () => {
    const name = kubectl(["get", "releaseevidences", "-n", ns, "-o", "jsonpath={.items[0].metadata.name}"]);
    expect(name).not.toBe("");
    const r = kubectlResult(["patch", "releaseevidence", name, "-n", ns, "--type=merge", "-p", '{"spec":{"type":"SLA"}}']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ReleaseEvidence is immutable/);
  });
});

describe("workloads on kwok nodes", () => {
  const ns = useNamespace("rollout");

  it("a Deployment rolls out and its pods become Ready", () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns.name },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "registry.example.com/web@sha256:" + "b".repeat(64) }] } },
      },
    };
    kubectl(["apply", "-f", "-"], JSON.stringify(deployment));
    kubectl(["rollout", "status", "deployment/web", "-n", ns.name, "--timeout=90s"]);
    const ready = kubectl(["get", "pods", "-n", ns.name, "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]);
    const lines = ready.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^kwok-node-\d+ True$/);
  });
});

describe("a validating webhook registered by URL", () => {
  const ns = useNamespace("webhook");
  const seen: string[] = [];
  let server: Server;
  let caBundle = "";
  let url = "";

  beforeAll(async () => {
    const ca = issueCertificate({ commonName: "test-webhook-ca", usage: "ca" });
    const leaf = issueCertificate({ commonName: "127.0.0.1", issuer: { cert: ca.cert, key: ca.key }, usage: "server", ips: ["127.0.0.1"] });
    caBundle = Buffer.from(ca.pem.cert).toString("base64");
    server = createServer({ cert: leaf.pem.cert, key: leaf.pem.key }, (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const review = JSON.parse(body) as { request: { uid: string; name: string; object: { metadata: { labels?: Record<string, string> } } } };
        seen.push(review.request.name);
        const deny = review.request.object.metadata.labels?.deny === "true";
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: review.request.uid, allowed: !deny, status: deny ? { code: 403, message: "denied by the test webhook" } : undefined } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    url = `https://127.0.0.1:${port}/validate`;
  });
  afterAll(async () => {
    kubectlResult(["delete", "validatingwebhookconfiguration", ns.name]);
    await new Promise((r) => server.close(r));
  });

  it("is called by the API server, which enforces its answer", async () => {
    kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: ns.name },
      webhooks: [{
        name: "test.golive.dev",
        clientConfig: { url, caBundle },
        rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns.name } },
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        timeoutSeconds: 5,
      }],
    }));
    // The API server picks up webhook configurations asynchronously: retry the allowed create.
    let allowed = await kubectlAsync(["create", "configmap", "ok", "-n", ns.name]);
    for (let i = 0; i < 40 && !seen.includes("ok"); i++) {
      if (allowed.status === 0) await kubectlAsync(["delete", "configmap", "ok", "-n", ns.name]);
      await new Promise((r) => setTimeout(r, 250));
      allowed = await kubectlAsync(["create", "configmap", "ok", "-n", ns.name]);
    }
    expect(allowed.stderr).toBe("");
    expect(allowed.status).toBe(0);
    expect(seen).toContain("ok");
    const denied = await kubectlAsync(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bad", namespace: ns.name, labels: { deny: "true" } } }));
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/admission webhook "test.golive.dev" denied the request: denied by the test webhook/);
  });
});
