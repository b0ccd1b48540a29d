// No governed pod runs as a cluster admin (4.4 c): the pods' ServiceAccount must not be bound,
// by a RoleBinding in its namespace or a ClusterRoleBinding, to cluster-admin or to any Role or
// ClusterRole granting verbs * on resources *. Pure: the RBAC objects come from the view's
// informer caches; when those have not listed yet the rule fails closed.
import type { V1ClusterRole, V1PolicyRule, V1Role, V1RoleRef, RbacV1Subject as V1Subject } from "@kubernetes/client-node";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import { asStr, clip, type Obj } from "../object.js";
import type { RbacStores } from "../view.js";

const CLAUSE = "4.4 c";

/** The ServiceAccount the pods run as (spec.serviceAccount is its deprecated alias). */
export function podServiceAccount(spec: Obj): string {
  return asStr(spec.serviceAccountName) || asStr(spec.serviceAccount) || "default";
}

/** Does the subject include ServiceAccount namespace/name (itself, its user name or one of its groups)? */
function names(subject: V1Subject, namespace: string, name: string, bindingNamespace: string | undefined): boolean {
  if (subject.kind === "ServiceAccount") return subject.name === name && (subject.namespace || bindingNamespace) === namespace;
  if (subject.kind === "User") return subject.name === `system:serviceaccount:${namespace}:${name}`;
  if (subject.kind === "Group") return subject.name === "system:serviceaccounts" || subject.name === `system:serviceaccounts:${namespace}` || subject.name === "system:authenticated";
  return false;
}

function grantsEverything(rules: readonly V1PolicyRule[] | undefined): boolean {
  return (rules ?? []).some((r) => (r.verbs ?? []).includes("*") && (r.resources ?? []).includes("*"));
}

/** Why the role a binding refers to makes its subjects admins; undefined when it does not (or does not exist: RBAC then grants nothing). */
function adminRole(ref: V1RoleRef, bindingNamespace: string | undefined, rbac: RbacStores): string | undefined {
  if (ref.kind === "ClusterRole") {
    if (ref.name === "cluster-admin") return "ClusterRole cluster-admin";
    const role: V1ClusterRole | undefined = rbac.clusterRoles.get(undefined, ref.name);
    return role && grantsEverything(role.rules) ? `ClusterRole ${ref.name}, which grants verbs * on resources *` : undefined;
  }
  if (ref.kind === "Role" && bindingNamespace !== undefined) {
    const role: V1Role | undefined = rbac.roles.get(bindingNamespace, ref.name);
    return role && grantsEverything(role.rules) ? `Role ${bindingNamespace}/${ref.name}, which grants verbs * on resources *` : undefined;
  }
  return undefined;
}

/** Every binding that makes ServiceAccount namespace/name an admin, each as "<binding> binds it to <role>". */
export function adminBindings(namespace: string, serviceAccount: string, rbac: RbacStores): string[] {
  const found: string[] = [];
  for (const b of rbac.clusterRoleBindings.list()) {
    if (!(b.subjects ?? []).some((s) => names(s, namespace, serviceAccount, undefined))) continue;
    const role = adminRole(b.roleRef, undefined, rbac);
    if (role) found.push(`ClusterRoleBinding ${b.metadata?.name ?? "?"} binds it to ${role}`);
  }
  for (const b of rbac.roleBindings.list(namespace)) {
    if (!(b.subjects ?? []).some((s) => names(s, namespace, serviceAccount, namespace))) continue;
    const role = adminRole(b.roleRef, namespace, rbac);
    if (role) found.push(`RoleBinding ${namespace}/${b.metadata?.name ?? "?"} binds it to ${role}`);
  }
  return found.sort();
}

export function checkServiceAccountPrivilege(spec: Obj, namespace: string, policy: CompiledPolicy, rbac: RbacStores, f: Findings): void {
  if ((policy.policy.spec.architecture?.forbidClusterAdminServiceAccount ?? true) === false) return;
  const sa = podServiceAccount(spec);
  const rule = `ReleasePolicy ${policy.name} spec.architecture.forbidClusterAdminServiceAccount, ${CLAUSE}`;
  if (!rbac.synced()) {
    f.deny(`golive's caches of Roles, RoleBindings, ClusterRoles and ClusterRoleBindings have not synced, so it cannot tell whether ServiceAccount ${namespace}/${clip(sa, 80)} is an admin (${rule}): retry in a moment; if this lasts, grant golive's webhook list and watch on them (the chart does)`);
    return;
  }
  const bindings = adminBindings(namespace, sa, rbac);
  if (bindings.length)
    f.deny(`the pods run as ServiceAccount ${namespace}/${clip(sa, 80)}, which is an admin: ${clip(bindings.join("; "), 300)}: bind it only to a role with the rights it needs (or set spec.serviceAccountName to such an account) (${rule})`);
}
