import type { V1Namespace } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ReleasePolicy } from "../api/index.js";
import { webhookConfiguration } from "./configuration.js";
import { coverageMessage, uncoveredNamespaces, workloadSelectors } from "./coverage.js";
import { MemoryStore } from "./memory-view.js";

const namespace = (name: string, labels: Record<string, string> = {}): V1Namespace => ({ metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } });
const policy = (name: string, matchLabels: Record<string, string>) => ({ apiVersion: "golive.dev/v1alpha1", kind: "ReleasePolicy", metadata: { name }, spec: { namespaceSelector: { matchLabels } } }) as unknown as ReleasePolicy;
const view = (policies: ReleasePolicy[]) => ({
  ownNamespace: "golive-system",
  namespaces: new MemoryStore([namespace("kube-system"), namespace("golive-system", { level: "3" }), namespace("underwriting", { level: "3" }), namespace("claims", { level: "2" }), namespace("sandbox")]),
  policies: new MemoryStore(policies),
});
const selectors = (scopes?: { name: string; selector: { matchLabels: Record<string, string> } }[]) => workloadSelectors(webhookConfiguration({ ownNamespace: "golive-system", client: { url: "https://golive.example:9443/validate" }, ...(scopes ? { scopes } : {}) }));

describe("uncoveredNamespaces", () => {
  const policies = [policy("level3", { level: "3" }), policy("level2", { level: "2" })];

  it("finds nothing without scopes: every namespace but kube-system and golive's own is sent", () => {
    expect(uncoveredNamespaces(view(policies), selectors())).toEqual([]);
  });

  it("finds nothing when each policy has its scope", () => {
    expect(uncoveredNamespaces(view(policies), selectors([{ name: "level3", selector: { matchLabels: { level: "3" } } }, { name: "level2", selector: { matchLabels: { level: "2" } } }]))).toEqual([]);
  });

  it("names the namespaces of a policy added after the scopes, and the policy", () => {
    const uncovered = uncoveredNamespaces(view(policies), selectors([{ name: "level3", selector: { matchLabels: { level: "3" } } }]));
    expect(uncovered).toEqual([{ namespace: "claims", policy: "level2" }]);
    expect(coverageMessage(uncovered, "golive-webhook")).toBe(
      "workloads in 1 governed namespace(s) are not sent to golive for admission: claims (ReleasePolicy level2). No webhook of ValidatingWebhookConfiguration golive-webhook selects them: add a scope with the policy's namespaceSelector (Helm value webhook.scopes) or remove the scopes to cover every namespace",
    );
  });

  it("ignores golive's own namespace and kube-system even when a policy selects them, and ungoverned namespaces", () => {
    const uncovered = uncoveredNamespaces(view([policy("everything", {})]), selectors([{ name: "level3", selector: { matchLabels: { level: "3" } } }]));
    expect(uncovered.map((u) => u.namespace)).toEqual(["claims", "sandbox"]);
  });
});
