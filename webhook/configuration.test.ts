import { describe, expect, it } from "vitest";
import { webhookConfiguration } from "./configuration.js";

describe("the ValidatingWebhookConfiguration", () => {
  const config = webhookConfiguration({ ownNamespace: "golive-system", client: { service: {} }, caBundle: "PEM", timeoutSeconds: 10 });

  it("fails closed, honours dry-run, and speaks v1", () => {
    expect(config.metadata?.name).toBe("golive-webhook");
    expect(config.webhooks?.map((w) => w.name)).toEqual(["workloads.golive.dev", "releases.golive.dev", "evidence.golive.dev"]);
    for (const w of config.webhooks ?? []) {
      expect(w).toMatchObject({ failurePolicy: "Fail", sideEffects: "None", matchPolicy: "Equivalent", admissionReviewVersions: ["v1"], timeoutSeconds: 10 });
      expect(w.clientConfig).toEqual({ service: { name: "golive-webhook", namespace: "golive-system", path: "/validate", port: 443 }, caBundle: Buffer.from("PEM").toString("base64") });
      expect(w.namespaceSelector).toEqual({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "golive-system"] }] });
    }
  });

  it("matches every pod-producing kind, releases with their status, and evidence — never Leases", () => {
    const resources = (config.webhooks ?? []).flatMap((w) => (w.rules ?? []).flatMap((r) => (r.resources ?? []).map((res) => `${r.apiGroups?.[0]}/${res}`)));
    expect(resources.sort()).toEqual(
      ["/pods", "/pods/ephemeralcontainers", "apps/daemonsets", "apps/deployments", "apps/replicasets", "apps/statefulsets", "batch/cronjobs", "batch/jobs", "golive.dev/releaseevidences", "golive.dev/releases", "golive.dev/releases/status"].sort(),
    );
    for (const rule of (config.webhooks ?? []).flatMap((w) => w.rules ?? [])) {
      expect(rule.apiGroups).not.toContain("coordination.k8s.io");
      expect(rule.apiGroups).not.toContain("*");
      expect(rule.resources).not.toContain("*");
      expect(rule.operations).toEqual(["CREATE", "UPDATE"]);
    }
  });

  it("scopes to governed namespaces, by URL, or through cert-manager", () => {
    const scoped = webhookConfiguration({
      ownNamespace: "golive",
      client: { url: "https://127.0.0.1:9443/validate" },
      scopes: [{ name: "level3", selector: { matchLabels: { "golive.dev/governed": "true" }, matchExpressions: [{ key: "tier", operator: "In", values: ["prod"] }] } }],
      certManagerCertificate: "golive/golive-webhook",
    });
    expect(scoped.metadata?.annotations).toEqual({ "cert-manager.io/inject-ca-from": "golive/golive-webhook" });
    expect(scoped.webhooks?.map((w) => w.name)).toEqual(["workloads.level3.golive.dev", "releases.level3.golive.dev", "evidence.level3.golive.dev"]);
    expect(scoped.webhooks?.[0]?.clientConfig).toEqual({ url: "https://127.0.0.1:9443/validate" });
    expect(scoped.webhooks?.[0]?.namespaceSelector).toEqual({
      matchLabels: { "golive.dev/governed": "true" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["prod"] },
        { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "golive"] },
      ],
    });
  });
});
