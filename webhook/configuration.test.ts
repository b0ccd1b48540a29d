import { describe, expect, it } from "vitest";
import { webhookConfiguration } from "./configuration.js";

describe("the ValidatingWebhookConfiguration", () => {
  const config = webhookConfiguration({ ownNamespace: "golive-system", client: { service: {} }, caBundle: "PEM", timeoutSeconds: 10 });

  it("fails closed (evictions alone fail open, so that a drain never waits on golive), honours dry-run, and speaks v1", () => {
    expect(config.metadata?.name).toBe("golive-webhook");
    expect(config.webhooks?.map((w) => w.name)).toEqual(["workloads.golive.dev", "releases.golive.dev", "evidence.golive.dev", "protected.golive.dev", "evictions.golive.dev"]);
    for (const w of config.webhooks ?? []) {
      expect(w.failurePolicy, w.name).toBe(w.name.startsWith("evictions.") ? "Ignore" : "Fail");
      expect(w).toMatchObject({ sideEffects: "None", matchPolicy: "Equivalent", admissionReviewVersions: ["v1"], timeoutSeconds: 10 });
      expect(w.clientConfig).toEqual({ service: { name: "golive-webhook", namespace: "golive-system", path: "/validate", port: 443 }, caBundle: Buffer.from("PEM").toString("base64") });
      expect(w.namespaceSelector).toEqual({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "golive-system"] }] });
    }
  });

  it("matches every pod-producing kind and their scale, HPAs (their maxReplicas is the peak, 6.2.1), releases with their status, evidence and what live releases stand on — never Leases", () => {
    const rules = (config.webhooks ?? []).flatMap((w) => (w.rules ?? []).flatMap((r) => (r.resources ?? []).map((res) => `${r.apiGroups?.[0]}/${res} ${(r.operations ?? []).join(",")}`)));
    expect(rules.sort()).toEqual(
      [
        "/pods CREATE,UPDATE",
        "/pods/ephemeralcontainers CREATE,UPDATE",
        "/replicationcontrollers CREATE,UPDATE",
        "/replicationcontrollers/scale CREATE,UPDATE",
        "apps/daemonsets CREATE,UPDATE",
        "apps/deployments CREATE,UPDATE",
        "apps/deployments/scale CREATE,UPDATE",
        "apps/replicasets CREATE,UPDATE",
        "apps/replicasets/scale CREATE,UPDATE",
        "apps/statefulsets CREATE,UPDATE",
        "apps/statefulsets/scale CREATE,UPDATE",
        "batch/cronjobs CREATE,UPDATE",
        "batch/jobs CREATE,UPDATE",
        "autoscaling/horizontalpodautoscalers CREATE,UPDATE",
        "golive.dev/releaseevidences CREATE,UPDATE,DELETE",
        "golive.dev/releases CREATE,UPDATE",
        "golive.dev/releases/status CREATE,UPDATE",
        "/configmaps UPDATE,DELETE",
        "/secrets UPDATE,DELETE",
        "policy/poddisruptionbudgets DELETE",
        "apps/deployments DELETE",
        "autoscaling/horizontalpodautoscalers DELETE",
        "/pods DELETE",
        "/pods/eviction CREATE",
      ].sort(),
    );
    for (const rule of (config.webhooks ?? []).flatMap((w) => w.rules ?? [])) {
      expect(rule.apiGroups).not.toContain("coordination.k8s.io");
      expect(rule.apiGroups).not.toContain("*");
      expect(rule.resources).not.toContain("*");
    }
  });

  it("lets the API server skip, without calling golive, only what a built-in controller stamps out from a governed owner", () => {
    const workloads = config.webhooks?.find((w) => w.name === "workloads.golive.dev");
    expect(workloads?.matchConditions?.map((c) => c.name)).toEqual(["not-stamped-out-from-an-admitted-owner"]);
    const expression = workloads?.matchConditions?.[0]?.expression ?? "";
    for (const owner of ["apps/v1/ReplicaSet", "v1/ReplicationController", "batch/v1/Job"]) expect(expression).toContain(`'${owner}'`);
    // Pod deletes (protected): only a DaemonSet's pod, not yet terminating, deleted by someone other than a cluster component.
    const protectedHook = config.webhooks?.find((w) => w.name === "protected.golive.dev");
    expect(protectedHook?.matchConditions?.map((c) => c.name)).toEqual(["not-a-built-in-controller", "of-pods-only-a-users-delete-of-a-daemonset-pod"]);
    const pods = protectedHook?.matchConditions?.[1]?.expression ?? "";
    for (const part of ["request.resource.resource != 'pods'", "r.kind == 'DaemonSet'", "!has(oldObject.metadata.deletionTimestamp)", "'system:kube-scheduler'", "'system:node:'"]) expect(pods).toContain(part);
    // Evictions: none the cluster itself asks for (a built-in controller, the scheduler, a kubelet).
    const evictions = config.webhooks?.find((w) => w.name === "evictions.golive.dev");
    expect(evictions?.rules?.map((r) => r.resources)).toEqual([["pods/eviction"]]);
    expect(evictions?.matchConditions?.map((c) => c.name)).toEqual(["not-the-cluster-evicting"]);
    for (const part of ["system:kube-controller-manager", "'system:kube-scheduler'", "'system:node:'"]) expect(evictions?.matchConditions?.[0]?.expression).toContain(part);
    expect(config.webhooks?.find((w) => w.name === "releases.golive.dev")?.matchConditions).toBeUndefined();
    expect(config.webhooks?.find((w) => w.name === "evidence.golive.dev")?.matchConditions).toBeUndefined();
  });

  it("scopes to governed namespaces, by URL, or through cert-manager", () => {
    const scoped = webhookConfiguration({
      ownNamespace: "golive",
      client: { url: "https://127.0.0.1:9443/validate" },
      scopes: [{ name: "level3", selector: { matchLabels: { "golive.dev/governed": "true" }, matchExpressions: [{ key: "tier", operator: "In", values: ["prod"] }] } }],
      certManagerCertificate: "golive/golive-webhook",
    });
    expect(scoped.metadata?.annotations).toEqual({ "cert-manager.io/inject-ca-from": "golive/golive-webhook" });
    expect(scoped.webhooks?.map((w) => w.name)).toEqual(["workloads.level3.golive.dev", "releases.level3.golive.dev", "evidence.level3.golive.dev", "protected.level3.golive.dev", "evictions.level3.golive.dev"]);
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
