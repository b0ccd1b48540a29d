// Break glass: a holder of a BreakGlass role (by user name or group) may admit a workload that
// would be denied, by annotating it golive.dev/break-glass=<reason>. It passes with a warning
// and an audit record, never silently; the annotation from anyone else is denied.
import { BREAK_GLASS_ANNOTATION } from "../../api/index.js";
import type { AdmissionRequest, BreakGlassAudit } from "../admission.js";
import type { CompiledPolicy } from "../compiled.js";
import { clip } from "../object.js";

export function breakGlassRoles(policy: CompiledPolicy, user: string, groups: readonly string[]): string[] {
  const roles = new Set<string>(policy.breakGlassUsers.get(user) ?? []);
  for (const g of groups) for (const r of policy.breakGlassGroups.get(g) ?? []) roles.add(r);
  return [...roles].sort();
}

export interface BreakGlassInput {
  request: AdmissionRequest;
  policy: CompiledPolicy;
  kind: string;
  name: string;
  release: string | undefined;
  /** The annotation's value on the object, and on the old object for an UPDATE. */
  value: string;
  oldValue: string | undefined;
  problems: readonly string[];
  problemCount: number;
}

export type BreakGlassOutcome =
  | { allowed: true; warning: string; audit?: BreakGlassAudit }
  | { allowed: false; problem: string };

export function breakGlass(input: BreakGlassInput): BreakGlassOutcome {
  const { request, policy, kind, name } = input;
  const user = request.userInfo.username ?? "";
  const groups = request.userInfo.groups ?? [];
  const reason = input.value.trim();
  const carried = request.operation === "UPDATE" && input.oldValue === input.value;
  const roles = breakGlassRoles(policy, user, groups);
  const holders = policy.breakGlassRoles.length ? `roles with it: ${policy.breakGlassRoles.join(", ")}` : "the policy defines no such role";
  if (roles.length === 0) {
    if (carried && input.problemCount === 0)
      return { allowed: true, warning: `golive: the annotation ${BREAK_GLASS_ANNOTATION} on ${kind} ${name} is left from an earlier emergency: remove it` };
    return {
      allowed: false,
      problem: `break glass requested by ${clip(user || "an anonymous user", 200)}, who holds no role with the BreakGlass permission in ReleasePolicy ${policy.name} (${holders}): remove the annotation ${BREAK_GLASS_ANNOTATION}, or ask a holder to apply the change`,
    };
  }
  if (!reason) return { allowed: false, problem: `the annotation ${BREAK_GLASS_ANNOTATION} must carry the reason for the emergency change: set it to why this cannot wait` };
  if (carried && input.problemCount === 0)
    return { allowed: true, warning: `golive: the annotation ${BREAK_GLASS_ANNOTATION} on ${kind} ${name} is left from an earlier emergency: remove it` };
  const overridden = input.problems.slice();
  const summary = input.problemCount ? `admitted despite ${input.problemCount} problem(s): ${clip(overridden.join("; "), 240)}` : "nothing needed overriding";
  const audit: BreakGlassAudit = {
    type: "break-glass",
    object: `${request.namespace ?? ""}/${kind}/${name}`,
    user,
    result: "admitted",
    reason: clip(reason, 1024),
    dryRun: request.dryRun === true,
    details: {
      uid: request.uid,
      namespace: request.namespace ?? "",
      kind,
      name,
      ...(input.release !== undefined ? { release: input.release } : {}),
      operation: request.operation,
      groups: groups.slice(0, 64),
      roles,
      policy: policy.name,
      overridden,
    },
  };
  return { allowed: true, warning: `golive: BREAK GLASS by ${clip(user, 120)} (${roles.join(", ")}): ${summary}; recorded in the audit trail`, audit };
}
