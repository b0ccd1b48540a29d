// Integrity of the record (4.1 d, 4.2 c, 8.3): evidence never changes after creation, a
// Release's spec — the artifact and the plan the approvers signed — never changes once approved,
// versions are unique per application, and Release status is written by the operator alone.
import type { AdmissionRequest } from "../admission.js";
import { asObj, asStr, clip, jsonEqual } from "../object.js";
import type { AdmissionView } from "../view.js";
import type { Findings } from "../findings.js";
import { SEALED_PHASES } from "./release-state.js";
import type { Phase } from "../../api/index.js";
import { ARTIFACT_FIELDS } from "../../gates/statement.js";

export function checkReleaseStatusWriter(request: AdmissionRequest, view: AdmissionView, f: Findings): void {
  const user = request.userInfo.username ?? "";
  if (user === view.operatorIdentity) return;
  f.deny(`the status of Release ${clip(request.name ?? "")} is written only by the golive operator (${view.operatorIdentity}), not by ${clip(user || "an anonymous user", 200)}: status is computed from signed evidence; provide evidence instead`);
}

export function checkReleaseSpec(request: AdmissionRequest, view: AdmissionView, f: Findings): void {
  const object = asObj(request.object);
  const spec = asObj(object?.spec);
  const name = asStr(asObj(object?.metadata)?.name) ?? request.name ?? "";
  const namespace = request.namespace ?? "";
  if (request.operation === "UPDATE") {
    const old = asObj(request.oldObject);
    const oldPhase = asStr(asObj(old?.status)?.phase) as Phase | undefined;
    if (oldPhase && SEALED_PHASES.has(oldPhase)) {
      const oldSpec = asObj(old?.spec) ?? {};
      const newSpec = spec ?? {};
      const changed = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].filter((k) => !jsonEqual(oldSpec[k], newSpec[k])).sort();
      if (changed.length) {
        const artifact = changed.filter((k) => (ARTIFACT_FIELDS as readonly string[]).includes(k));
        const what = `spec.${changed.map((k) => clip(k, 40)).join(", spec.")} changed`;
        f.deny(
          artifact.length
            ? `Release ${clip(name)} is ${oldPhase}: its spec is frozen once approved (${what}); the artifact changed (spec.${artifact.join(", spec.")}), so this is another release: create a new Release with a new version`
            : `Release ${clip(name)} is ${oldPhase}: its spec is frozen once approved (${what}); only the plan changed, which the approvers signed (approvals sign the plan digest): the test and scan evidence still applies, so delete this Release, apply it again with the new plan and sign fresh approvals (golive approve)`,
        );
      }
    }
  }
  const application = asStr(spec?.application);
  const version = asStr(spec?.version);
  if (application === undefined || version === undefined) return;
  // Only this application's releases (the index), not every release in the cluster.
  for (const other of view.releases.byApplication(application)) {
    if (other.spec?.application !== application || other.spec?.version !== version) continue;
    if (other.metadata.name === name && other.metadata.namespace === namespace) continue;
    f.deny(`version ${clip(version, 128)} of application ${application} already exists as Release ${other.metadata.namespace ?? ""}/${other.metadata.name}: versions are unique per application (4.2 c); choose a new version`);
    return;
  }
}

export function checkEvidenceImmutable(request: AdmissionRequest, f: Findings): void {
  if (request.operation !== "UPDATE") return;
  const spec = asObj(request.object)?.spec;
  const oldSpec = asObj(request.oldObject)?.spec;
  if (!jsonEqual(spec, oldSpec))
    f.deny(`ReleaseEvidence ${clip(request.name ?? "")} is immutable: its spec cannot change after creation; create a new ReleaseEvidence instead`);
}
