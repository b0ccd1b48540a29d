// The NetworkIsolated condition (8.7 e after admission): pure, from a Release, its policy, its
// workloads' pod labels and the namespace's NetworkPolicies.
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Phase, Release } from "../../api/index.js";
import { networkIsolation, NETWORK_ISOLATED } from "./isolation.js";

const np = (name: string, spec: V1NetworkPolicy["spec"]): V1NetworkPolicy => ({ metadata: { name, namespace: "shop" }, spec });
const isolating = np("web-ingress", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ _from: [{ podSelector: { matchLabels: { app: "frontend" } } }] }] });
const openToAll = np("open", { podSelector: {}, ingress: [{}] });
const policy = { safeguards: { requireNetworkPolicy: true } } as never;

function release(phase: Phase, was?: "True" | "False"): Release {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: "web-2", namespace: "shop", generation: 1 },
    spec: { application: "web", version: "2.0.0", workloads: [{ kind: "Deployment", name: "web" }, { kind: "StatefulSet", name: "db" }], images: [] },
    status: { phase, ...(was ? { conditions: [{ type: NETWORK_ISOLATED, status: was, reason: "x", message: "x", lastTransitionTime: "2026-12-01T00:00:00Z" }] } : {}) },
  } as unknown as Release;
}
const labels = (kind: string, name: string) => (kind === "Deployment" && name === "web" ? { app: "web" } : kind === "StatefulSet" ? { app: "db" } : undefined);

describe("networkIsolation", () => {
  it("is True while every existing workload's pods are isolated, False naming the one that lost its NetworkPolicy, with a Warning Event once", () => {
    const dbPolicy = np("db-ingress", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] });
    expect(networkIsolation({ release: release("Released"), policy, podLabels: labels, networkPolicies: [isolating, dbPolicy] })).toEqual({ condition: { type: NETWORK_ISOLATED, status: "True", reason: "Isolated", message: "every one of 2 workload(s) is selected by a NetworkPolicy that isolates its Ingress" }, events: [] });
    const lost = networkIsolation({ release: release("Released", "True"), policy, podLabels: labels, networkPolicies: [isolating] });
    expect(lost.condition).toMatchObject({ status: "False", reason: "IsolationLost", message: "8.7 e: no NetworkPolicy in namespace shop selects the pods of StatefulSet db and isolates their Ingress any more: add one back whose podSelector matches its pod labels" });
    expect(lost.events).toEqual([{ type: "Warning", reason: "NetworkIsolationLost", message: `Release web-2: ${lost.condition!.message}` }]);
    // Still lost on the next pass: the condition stays, no second Event.
    expect(networkIsolation({ release: release("Released", "False"), policy, podLabels: labels, networkPolicies: [isolating] }).events).toEqual([]);
    // Put back: True again, with a Normal Event.
    expect(networkIsolation({ release: release("Released", "False"), policy, podLabels: labels, networkPolicies: [isolating, dbPolicy] }).events).toEqual([{ type: "Normal", reason: "NetworkIsolationRestored", message: "Release web-2: every one of 2 workload(s) is selected by a NetworkPolicy that isolates its Ingress" }]);
  });

  it("names a NetworkPolicy loosened to admit every source", () => {
    const d = networkIsolation({ release: release("Progressing"), policy, podLabels: (k) => (k === "Deployment" ? { app: "web" } : undefined), networkPolicies: [isolating, openToAll] });
    expect(d.condition).toMatchObject({ status: "False", message: "8.7 e: NetworkPolicy open now opens the pods of Deployment web to every source on every port (an ingress rule with neither from nor ports): name the allowed sources or ports" });
  });

  it("reports nothing without the policy switch, before Approved, after a rollback, or before the NetworkPolicies are listed", () => {
    expect(networkIsolation({ release: release("Released"), policy: {} as never, podLabels: labels, networkPolicies: [] })).toEqual({ events: [] });
    for (const phase of ["Pending", "Blocked", "RolledBack", "Failed"] as const) expect(networkIsolation({ release: release(phase), policy, podLabels: labels, networkPolicies: [] })).toEqual({ events: [] });
    expect(networkIsolation({ release: release("Released"), policy, podLabels: labels, networkPolicies: undefined })).toEqual({ events: [] });
  });

  it("is Unknown while no workload of the release exists", () => {
    expect(networkIsolation({ release: release("Approved"), policy, podLabels: () => undefined, networkPolicies: [] }).condition).toMatchObject({ status: "Unknown", reason: "NotRunning" });
  });
});
