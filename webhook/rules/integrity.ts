// Integrity of the record (4.1 d, 4.2 c, 8.3): evidence never changes after creation, a
// Release's sealed fields never change once approved, versions are unique per application,
// and Release status is written by the operator alone.
import type { AdmissionRequest } from "../admission.js";
import { asObj, asStr, clip, jsonEqual } from "../object.js";
import type { AdmissionView } from "../view.js";
import type { Findings } from "../findings.js";
import { SEALED_PHASES } from "./release-state.js";
import type { Phase } from "../../api/index.js";

const SEALED_FIELDS = ["application", "version", "images", "configuration"] as const;

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
      const oldSpec = asObj(old?.spec);
      const changed = SEALED_FIELDS.filter((k) => !jsonEqual(oldSpec?.[k], spec?.[k]));
      if (changed.length)
        f.deny(`Release ${clip(name)} is ${oldPhase}: its sealed fields cannot change once approved (spec.${changed.join(", spec.")} changed): create a new Release with a new version`);
    }
  }
  const application = asStr(spec?.application);
  const version = asStr(spec?.version);
  if (application === undefined || version === undefined) return;
  for (const other of view.releases.list()) {
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
