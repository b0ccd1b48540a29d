// 8.7 e at admission, the pure rule and through decide(): a governed workload's pods must be
// selected by a NetworkPolicy isolating Ingress, with no allow-all ingress rule.
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { WorkloadKind } from "../../api/index.js";
import { decide } from "../decide.js";
import { Findings } from "../findings.js";
import { fixturePolicy, fixtureView, NS, policySpec, request, workload } from "../testdata/fixtures.js";
import { MemoryNetworkPolicies } from "../memory-view.js";
import { isolatesIngress, opensIngressToAll, selectsPods } from "../../operator/network/isolation.js";
import { checkNetworkIsolation } from "./network-isolation.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const required = () => fixturePolicy("shop-policy", { ...policySpec(), safeguards: { requireNetworkPolicy: true } });
const np = (name: string, spec: V1NetworkPolicy["spec"], namespace = NS): V1NetworkPolicy => ({ metadata: { name, namespace }, spec });
const allowFromFrontend = { ingress: [{ _from: [{ podSelector: { matchLabels: { app: "frontend" } } }] }] };

function problems(store: MemoryNetworkPolicies, labels = { app: "web" }, policy = required()): string[] {
  const f = new Findings();
  checkNetworkIsolation("Deployment", "web", NS, labels, policy, store, f);
  return f.problems;
}

describe("the NetworkPolicy rule (8.7 e)", () => {
  it("reads policyTypes as Kubernetes does: unset or empty means Ingress; Egress alone does not isolate Ingress", () => {
    expect(isolatesIngress(np("a", { podSelector: {} }))).toBe(true);
    expect(isolatesIngress(np("a", { podSelector: {}, policyTypes: [] }))).toBe(true);
    expect(isolatesIngress(np("a", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }))).toBe(true);
    expect(isolatesIngress(np("a", { podSelector: {}, policyTypes: ["Egress"] }))).toBe(false);
  });

  it("an empty podSelector selects every pod; matchLabels and matchExpressions must hold", () => {
    expect(selectsPods(np("a", { podSelector: {} }), { app: "web" })).toBe(true);
    expect(selectsPods(np("a", { podSelector: { matchLabels: { app: "web" } } }), { app: "web", tier: "api" })).toBe(true);
    expect(selectsPods(np("a", { podSelector: { matchLabels: { app: "db" } } }), { app: "web" })).toBe(false);
    expect(selectsPods(np("a", { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] } }), { app: "web" })).toBe(true);
    expect(selectsPods(np("a", { podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] } }), { app: "web" })).toBe(false);
  });

  it("an ingress rule with neither from nor ports opens the pods to everything, in the typed or the JSON spelling", () => {
    expect(opensIngressToAll(np("a", { podSelector: {}, ingress: [{}] }))).toBe(true);
    expect(opensIngressToAll(np("a", { podSelector: {}, ...allowFromFrontend }))).toBe(false);
    expect(opensIngressToAll(np("a", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] } as never] }))).toBe(false);
    expect(opensIngressToAll(np("a", { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] }))).toBe(false);
    expect(opensIngressToAll(np("a", { podSelector: {} }))).toBe(false); // deny-all
  });

  it("denies with what to add when no NetworkPolicy selects the pods, naming their labels", () => {
    const store = new MemoryNetworkPolicies([np("db-only", { podSelector: { matchLabels: { app: "db" } } }), np("other-ns", { podSelector: {} }, "elsewhere"), np("egress", { podSelector: {}, policyTypes: ["Egress"] })]);
    expect(problems(store)).toEqual([expect.stringMatching(/^no NetworkPolicy in namespace shop selects the pods of Deployment web and isolates their Ingress \(8\.7 e, required by ReleasePolicy shop-policy spec\.safeguards\.requireNetworkPolicy\): add a NetworkPolicy with policyTypes \[Ingress\] whose podSelector matches the pod template's labels \(app: web\)/)]);
  });

  it("admits pods selected by a default-deny (empty podSelector) or a matching policy", () => {
    expect(problems(new MemoryNetworkPolicies([np("default-deny", { podSelector: {}, policyTypes: ["Ingress"] })]))).toEqual([]);
    expect(problems(new MemoryNetworkPolicies([np("web", { podSelector: { matchLabels: { app: "web" } }, ...allowFromFrontend })]))).toEqual([]);
  });

  it("denies when a selecting policy admits every source on every port, since policies add up", () => {
    const store = new MemoryNetworkPolicies([np("default-deny", { podSelector: {} }), np("open", { podSelector: { matchLabels: { app: "web" } }, ingress: [{}] })]);
    expect(problems(store)).toEqual([expect.stringContaining("NetworkPolicy open in namespace shop selects the pods of Deployment web but has an ingress rule with neither from nor ports, which admits every source on every port (8.7 e)")]);
  });

  it("fails closed while the NetworkPolicies have not been listed, and does nothing with the switch off", () => {
    const store = new MemoryNetworkPolicies([np("default-deny", { podSelector: {} })]);
    store.isSynced = false;
    expect(problems(store)).toEqual([expect.stringContaining("golive has not yet listed the NetworkPolicies (8.7 e")]);
    expect(problems(new MemoryNetworkPolicies(), { app: "web" }, fixturePolicy())).toEqual([]);
  });
});

describe("decide: a NetworkPolicy must select governed pods (8.7 e)", () => {
  const KINDS: WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"];
  it.each(KINDS)("denies a %s until a NetworkPolicy selects its pods, then admits it", (kind) => {
    const view = fixtureView(NOW, required());
    const denied = decide(request(workload(kind)), view);
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toContain("no NetworkPolicy in namespace shop selects the pods of");
    view.networkPolicies.put(np("web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] }));
    expect(decide(request(workload(kind)), view)).toEqual({ allowed: true, warnings: [] });
  });

  it("judges the new template's labels: a label change that leaves the policy's selector is denied", () => {
    const view = fixtureView(NOW, required());
    view.networkPolicies.put(np("web", { podSelector: { matchLabels: { app: "web" } } }));
    const old = workload("Deployment");
    const moved = workload("Deployment", { labels: { app: "web-v2" } });
    const d = decide(request(moved, { operation: "UPDATE", oldObject: old }), view);
    expect(d.allowed).toBe(false);
    expect(d.status?.message).toContain("(app: web-v2, golive.dev/release: web-1-2-0)");
  });
});
