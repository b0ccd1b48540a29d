// Checking an approval file a viewer pastes on a release page (pure). The console accepts only a
// ReleaseEvidence of type Approval for this very release, signed elsewhere (golive approve): it
// never signs and never verifies the signature itself (the operator does, with the policy's
// keys). What it sends on is created with the viewer's own token, so the API server's RBAC
// decides whether the viewer may add evidence; the console's ServiceAccount cannot.
import { parseAllDocuments } from "yaml";
import { evidenceTypeOfPredicate, ReleaseEvidence, type Release } from "../api/index.js";
import { releaseSubjectName, RELEASE_SUBJECT_PREFIX } from "../gates/statement.js";
import { readStatement } from "./evidence.js";

export type ApprovalFile = { ok: true; evidence: ReleaseEvidence; stage: string; role: string } | { ok: false; reason: string };

/** An approval file's text (YAML or JSON, as golive approve prints it) → the object to create, or why it is refused. */
export function checkApprovalFile(text: string, r: Release): ApprovalFile {
  const refuse = (reason: string): ApprovalFile => ({ ok: false, reason: `Refused: ${reason}` });
  const ns = r.metadata.namespace ?? "";
  const name = r.metadata.name;
  if (!text.trim()) return refuse("the approval file was empty: paste what golive approve printed");
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return refuse("the file is not YAML or JSON");
  const real = docs.filter((d) => d.contents !== null);
  if (real.length !== 1) return refuse(`the file holds ${real.length} documents: paste exactly one ReleaseEvidence`);
  const doc = real[0]!;
  if (doc.errors.length) return refuse(`the file is not YAML or JSON: ${doc.errors[0]!.message.split("\n")[0]}`);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    return refuse(`the file could not be read: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return refuse("the file is not an object");
  const o = raw as { apiVersion?: unknown; kind?: unknown; metadata?: { namespace?: unknown } };
  if (o.kind !== "ReleaseEvidence" || o.apiVersion !== "golive.dev/v1alpha1") return refuse(`the file is a ${typeof o.kind === "string" ? o.kind : "document without kind"} (${typeof o.apiVersion === "string" ? o.apiVersion : "no apiVersion"}), not a golive.dev/v1alpha1 ReleaseEvidence`);
  const parsed = ReleaseEvidence.safeParse(raw);
  if (!parsed.success) return refuse(`the ReleaseEvidence is malformed: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const e = parsed.data;
  if (e.spec.type !== "Approval") return refuse(`it is ${e.spec.type} evidence, not an Approval`);
  if (e.spec.release !== name) return refuse(`it approves release ${e.spec.release}, not ${name}`);
  if (e.metadata.namespace !== undefined && e.metadata.namespace !== ns) return refuse(`it is for namespace ${e.metadata.namespace}, not ${ns}`);
  const st = readStatement(e);
  if (typeof st === "string") return refuse(st);
  if (evidenceTypeOfPredicate(st.predicateType) !== "Approval") return refuse(`its statement's predicateType ${st.predicateType} is not that of an Approval`);
  const subject = st.subject.find((s) => s.name.startsWith(RELEASE_SUBJECT_PREFIX))?.name;
  if (subject !== releaseSubjectName(r.spec)) return refuse(`its statement is about ${subject?.slice(RELEASE_SUBJECT_PREFIX.length) ?? "no release"}, not ${r.spec.application}@${r.spec.version}`);
  const a = st.predicate.approval as { stage?: unknown; role?: unknown } | undefined;
  if (typeof a?.stage !== "string" || typeof a.role !== "string") return refuse("its statement names no approval stage and role");
  // Only what the author wrote and the API server accepts on create: no uid, resourceVersion or status.
  const labels = { ...(e.metadata.labels ?? {}), "golive.dev/release": name, "golive.dev/evidence-type": "Approval" };
  const evidence: ReleaseEvidence = { apiVersion: e.apiVersion, kind: e.kind, metadata: { name: e.metadata.name, namespace: ns, labels, ...(e.metadata.annotations ? { annotations: e.metadata.annotations } : {}) }, spec: e.spec };
  return { ok: true, evidence, stage: a.stage, role: a.role };
}
