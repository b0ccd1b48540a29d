// Which ReleasePolicy governs a namespace: one whose namespaceSelector matches the namespace's
// labels. kube-system and golive's own namespace never are. Several matching policies, or a
// namespace golive has not seen yet while policies exist, fail closed.
import { matchesSelector, type ReleasePolicy } from "../api/index.js";
import { compilePolicy, type CompiledPolicy } from "./compiled.js";
import type { AdmissionView } from "./view.js";

export type Governance =
  | { kind: "ungoverned" }
  | { kind: "governed"; policy: CompiledPolicy }
  | { kind: "ambiguous"; policies: string[] }
  | { kind: "unknown-namespace" };

const UNGOVERNED: Governance = { kind: "ungoverned" };

export function isExempt(namespace: string, ownNamespace: string): boolean {
  return namespace === "kube-system" || namespace === ownNamespace;
}

export function governance(view: AdmissionView, namespace: string): Governance {
  if (isExempt(namespace, view.ownNamespace)) return UNGOVERNED;
  const policies = view.policies.list();
  if (policies.length === 0) return UNGOVERNED;
  const ns = view.namespaces.get(undefined, namespace);
  if (!ns) return { kind: "unknown-namespace" };
  const labels = ns.metadata?.labels ?? {};
  let found: ReleasePolicy | undefined;
  let others: string[] | undefined;
  for (const p of policies) {
    if (!matchesSelector(p.spec?.namespaceSelector, labels)) continue;
    if (!found) found = p;
    else (others ??= [found.metadata.name]).push(p.metadata.name);
  }
  if (others) return { kind: "ambiguous", policies: others.sort() };
  return found ? { kind: "governed", policy: compilePolicy(found) } : UNGOVERNED;
}
