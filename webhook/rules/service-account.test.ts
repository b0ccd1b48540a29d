// No governed pod runs as an admin ServiceAccount (4.4 c): the RBAC objects read from memory,
// every way a binding can name the account, roles that grant * on *, and failing closed while
// the RBAC caches have not synced.
import type { RbacV1Subject as V1Subject, V1ClusterRoleBinding, V1RoleBinding } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../compiled.js";
import { Findings } from "../findings.js";
import { fixturePolicy, NS, policySpec } from "../fixtures.js";
import { MemoryRbac } from "../memory-view.js";
import { adminBindings, checkServiceAccountPrivilege, podServiceAccount } from "./service-account.js";

const policy = compilePolicy(fixturePolicy());
const sa = (name: string, namespace?: string): V1Subject => ({ kind: "ServiceAccount", name, ...(namespace ? { namespace } : {}) });
const crb = (name: string, role: string, subjects: V1Subject[]): V1ClusterRoleBinding => ({ metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role }, subjects });
const rb = (name: string, kind: "Role" | "ClusterRole", role: string, subjects: V1Subject[], namespace = NS): V1RoleBinding => ({ metadata: { name, namespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: role }, subjects });
const everything = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];

function rbac(): MemoryRbac {
  return new MemoryRbac({
    clusterRoles: [
      { metadata: { name: "cluster-admin" }, rules: everything },
      { metadata: { name: "super" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }, { apiGroups: ["apps"], resources: ["*"], verbs: ["*"] }] },
      { metadata: { name: "view" }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }] },
    ],
    roles: [
      { metadata: { name: "ns-admin", namespace: NS }, rules: everything },
      { metadata: { name: "reader", namespace: NS }, rules: [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }] },
    ],
  });
}

function check(spec: Record<string, unknown>, view: MemoryRbac, p = policy): string[] {
  const f = new Findings();
  checkServiceAccountPrivilege(spec, NS, p, view, f);
  return f.problems;
}

describe("the pods' ServiceAccount is no admin (4.4 c)", () => {
  it("admits an account with no admin binding, denies one bound to cluster-admin by a ClusterRoleBinding", () => {
    const view = rbac();
    view.clusterRoleBindings.put(crb("readers", "view", [sa("web", NS)]));
    expect(check({ serviceAccountName: "web" }, view)).toEqual([]);
    view.clusterRoleBindings.put(crb("web-admin", "cluster-admin", [sa("web", NS)]));
    expect(check({ serviceAccountName: "web" }, view)).toEqual([
      "the pods run as ServiceAccount shop/web, which is an admin: ClusterRoleBinding web-admin binds it to ClusterRole cluster-admin: bind it only to a role with the rights it needs (or set spec.serviceAccountName to such an account) (ReleasePolicy shop-policy spec.architecture.forbidClusterAdminServiceAccount, 4.4 c)",
    ]);
    // Another account, or the same name in another namespace, is not affected.
    expect(check({ serviceAccountName: "other" }, view)).toEqual([]);
    view.clusterRoleBindings.replace([crb("elsewhere", "cluster-admin", [sa("web", "other-ns")])]);
    expect(check({ serviceAccountName: "web" }, view)).toEqual([]);
  });

  it("finds RoleBindings in the namespace to cluster-admin, to a ClusterRole or a Role granting * on *", () => {
    const view = rbac();
    view.roleBindings.replace([
      rb("a", "ClusterRole", "cluster-admin", [sa("web")]), // namespace omitted: the binding's
      rb("b", "ClusterRole", "super", [sa("web", NS)]),
      rb("c", "Role", "ns-admin", [sa("web", NS)]),
      rb("d", "Role", "reader", [sa("web", NS)]),
      rb("e", "ClusterRole", "view", [sa("web", NS)]),
      rb("f", "ClusterRole", "cluster-admin", [sa("web", NS)], "other-ns"),
      rb("g", "Role", "missing", [sa("web", NS)]),
    ]);
    expect(adminBindings(NS, "web", view)).toEqual([
      "RoleBinding shop/a binds it to ClusterRole cluster-admin",
      "RoleBinding shop/b binds it to ClusterRole super, which grants verbs * on resources *",
      "RoleBinding shop/c binds it to Role shop/ns-admin, which grants verbs * on resources *",
    ]);
  });

  it("finds the account through its user name and its groups", () => {
    const view = rbac();
    for (const subject of [
      { kind: "User", name: `system:serviceaccount:${NS}:web` },
      { kind: "Group", name: `system:serviceaccounts:${NS}` },
      { kind: "Group", name: "system:serviceaccounts" },
      { kind: "Group", name: "system:authenticated" },
    ]) {
      view.clusterRoleBindings.replace([crb("wide", "cluster-admin", [subject])]);
      expect(adminBindings(NS, "web", view), subject.name).toEqual(["ClusterRoleBinding wide binds it to ClusterRole cluster-admin"]);
    }
    view.clusterRoleBindings.replace([crb("wide", "cluster-admin", [{ kind: "Group", name: "system:serviceaccounts:other-ns" }, { kind: "User", name: "alice" }])]);
    expect(adminBindings(NS, "web", view)).toEqual([]);
  });

  it("judges the default ServiceAccount when the pod names none", () => {
    expect(podServiceAccount({})).toBe("default");
    expect(podServiceAccount({ serviceAccount: "legacy" })).toBe("legacy");
    const view = rbac();
    view.clusterRoleBindings.put(crb("default-admin", "cluster-admin", [sa("default", NS)]));
    expect(check({}, view)).toEqual([expect.stringContaining("ServiceAccount shop/default, which is an admin: ClusterRoleBinding default-admin")]);
  });

  it("fails closed while the RBAC caches have not synced, saying what to do", () => {
    const view = rbac();
    view.isSynced = false;
    expect(check({ serviceAccountName: "web" }, view)).toEqual([
      "golive's caches of Roles, RoleBindings, ClusterRoles and ClusterRoleBindings have not synced, so it cannot tell whether ServiceAccount shop/web is an admin (ReleasePolicy shop-policy spec.architecture.forbidClusterAdminServiceAccount, 4.4 c): retry in a moment; if this lasts, grant golive's webhook list and watch on them (the chart does)",
    ]);
  });

  it("is switched off by forbidClusterAdminServiceAccount: false", () => {
    const view = rbac();
    view.clusterRoleBindings.put(crb("web-admin", "cluster-admin", [sa("web", NS)]));
    view.isSynced = false;
    const off = compilePolicy(fixturePolicy("shop-policy", { ...policySpec(), architecture: { forbidClusterAdminServiceAccount: false } }));
    expect(check({ serviceAccountName: "web" }, view, off)).toEqual([]);
  });
});
