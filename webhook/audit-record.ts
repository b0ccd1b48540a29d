// What the webhook puts in the audit trail (8.3) for one admission decision in a governed
// namespace: every denial, every admitted workload (with its release and images), every
// break-glass admission. Pure: the server hands the entry to its onDecision sink after answering.
import { RELEASE_LABEL } from "../api/release.js";
import type { AuditEntry } from "../audit/chain.js";
import type { AdmissionRequest, Decision } from "./admission.js";
import { governance } from "./governance.js";
import type { AdmissionView } from "./view.js";
import { forEachContainer, readWorkload, WORKLOAD_RESOURCES } from "./workload.js";

export function admissionAuditEntry(r: AdmissionRequest, decision: Decision, view: AdmissionView): AuditEntry | undefined {
  if (decision.audit) return decision.audit;
  const namespace = r.namespace;
  if (!namespace) return undefined;
  const gov = governance(view, namespace);
  if (gov.kind === "ungoverned") return undefined;
  const key = `${r.resource.group}/${r.resource.resource}`;
  const workload = WORKLOAD_RESOURCES.get(key);
  if (decision.allowed && !workload) return undefined; // admitted non-workloads (Services, ...) are not security events
  const object = r.object ?? r.oldObject;
  const details: Record<string, unknown> = {
    uid: r.uid,
    namespace,
    kind: r.kind.kind,
    name: r.name ?? "",
    operation: r.operation,
    groups: r.userInfo.groups ?? [],
    ...(r.subResource ? { subResource: r.subResource } : {}),
    ...(gov.kind === "governed" ? { policy: gov.policy.name } : {}),
  };
  let name = r.name ?? "";
  if (workload && object !== undefined) {
    const w = readWorkload(workload.kind, object);
    name ||= w.name;
    const release = w.labels[RELEASE_LABEL] ?? w.podLabels[RELEASE_LABEL];
    if (release !== undefined) details.release = release;
    const images: string[] = [];
    forEachContainer(w.podSpec, (c) => {
      if (typeof c.image === "string") images.push(c.image);
    });
    if (images.length) details.images = images;
  }
  return {
    type: "admission",
    object: `${namespace}/${r.kind.kind}/${name}`,
    user: r.userInfo.username ?? "",
    result: decision.allowed ? "allowed" : "denied",
    reason: decision.allowed ? (decision.warnings.length ? decision.warnings.join("; ") : "admitted") : (decision.status?.message ?? "denied"),
    ...(r.dryRun ? { dryRun: true } : {}),
    details,
  };
}
