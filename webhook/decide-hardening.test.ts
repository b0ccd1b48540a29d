// Pod hardening and the admin ServiceAccount rule (4.4 c) through decide(): every pod-producing
// kind goes through both, and so does an ephemeral container added through its subresource.
import { describe, expect, it } from "vitest";
import type { WorkloadKind } from "../api/index.js";
import { decide } from "./decide.js";
import { fixturePolicy, fixtureView, NS, policySpec, podSpec, request, workload } from "./fixtures.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const KINDS: WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"];
const level3Switches = { restrictCapabilities: true, allowedCapabilities: [], forbidHostPath: true, forbidHostPorts: true, requireNoPrivilegeEscalation: true, forbidUnconfinedSeccomp: true, requireSeccompProfile: true, forbidClusterAdminServiceAccount: true };
const strict = () => fixtureView(NOW, fixturePolicy("shop-policy", { ...policySpec(), architecture: level3Switches }));

function violating(): Record<string, any> {
  const spec = podSpec();
  spec.serviceAccountName = "web";
  spec.volumes = [{ name: "host", hostPath: { path: "/etc" } }];
  delete spec.securityContext.seccompProfile;
  spec.containers[0].ports = [{ containerPort: 8080, hostPort: 8080 }];
  spec.containers[0].securityContext = { capabilities: { add: ["NET_ADMIN"] } };
  return spec;
}

describe("decide: pod hardening and admin ServiceAccounts (4.4 c)", () => {
  it.each(KINDS)("denies a %s breaking each rule, naming every one", (kind) => {
    const view = strict();
    view.rbac.clusterRoleBindings.put({ metadata: { name: "web-admin" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "ServiceAccount", name: "web", namespace: NS }] });
    const d = decide(request(workload(kind, { spec: violating() })), view);
    expect(d.allowed).toBe(false);
    const message = d.status?.message ?? "";
    for (const expected of [
      "volume host mounts the node's path /etc (hostPath)",
      "container web adds the capabilities NET_ADMIN",
      "container web binds the node's port(s) 8080 (hostPort)",
      "container web does not set securityContext.allowPrivilegeEscalation: false",
      "container web runs without a seccomp profile",
      "the pods run as ServiceAccount shop/web, which is an admin: ClusterRoleBinding web-admin binds it to ClusterRole cluster-admin",
    ])
      expect(message).toContain(expected);
    // Compliant: admitted under the same switches.
    expect(decide(request(workload(kind)), strict())).toEqual({ allowed: true, warnings: [] });
  });

  it("judges an ephemeral container added through pods/ephemeralcontainers", () => {
    const pod = workload("Pod");
    const old = structuredClone(pod);
    pod.spec.ephemeralContainers = [{ name: "debugger", image: pod.spec.containers[0].image, securityContext: { capabilities: { add: ["SYS_PTRACE"] } } }];
    const d = decide(request(pod, { operation: "UPDATE", oldObject: old, subResource: "ephemeralcontainers" }), strict());
    expect(d.status?.message).toContain("ephemeral container debugger adds the capabilities SYS_PTRACE");
    expect(d.status?.message).toContain("ephemeral container debugger does not set securityContext.allowPrivilegeEscalation: false");
  });

  it("fails closed in a governed namespace while the RBAC caches have not synced, and never outside one", () => {
    const view = strict();
    view.rbac.isSynced = false;
    expect(decide(request(workload("Deployment")), view).status?.message).toContain("golive's caches of Roles, RoleBindings, ClusterRoles and ClusterRoleBindings have not synced");
    expect(decide(request(workload("Deployment", { namespace: "free", release: null })), view).allowed).toBe(true);
  });
});
