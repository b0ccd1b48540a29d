// What the release page shows of a release's evidence and approvals (pure). The console reads
// only what the viewer may read: the Release's status (where the operator names the signer whose
// key verified each evidence a gate used) and the ReleaseEvidence objects themselves (whose
// statement gives the issued time, content digest and, for an approval, stage and role). The
// console does not verify signatures: it cannot read the policy's keys as the viewer, and the
// operator already did. A statement's contents are shown as claimed until the operator names a
// signer for it.
import { ApprovalStage, InTotoStatement, type Release, type ReleaseEvidence } from "../api/index.js";
import { decodeBase64 } from "../gates/dsse.js";

export interface EvidenceFacts {
  name: string;
  type: string;
  /** The policy signer whose key verified it, as the operator recorded in a gate result. */
  signer: string | undefined;
  /** The signatures' key ids (sha256 of the public key, as golive and cosign write them): a hint until verified. */
  keyIds: string[];
  issuedAt: string | undefined;
  /** sha256 of the original file (spec.source, else the signed statement's source). */
  digest: string | undefined;
  approval: { stage: string; role: string; comment?: string | undefined } | undefined;
  /** Why the statement could not be read, when it could not. */
  problem: string | undefined;
}

/** Evidence name → verified signer, from every gate result in the status. */
export function verifiedSigners(r: Release): Map<string, string> {
  const s = r.status;
  const out = new Map<string, string>();
  for (const g of [...(s?.gates ?? []), ...(s?.verification?.gates ?? []), ...(s?.promotion?.gates ?? [])]) for (const x of g.signers ?? []) out.set(x.evidence, x.signer);
  return out;
}

/** The statement inside an envelope, without checking its signature. */
export function readStatement(e: ReleaseEvidence): InTotoStatement | string {
  const payload = decodeBase64(e.spec.envelope.payload);
  if (!payload) return "the envelope's payload is not base64";
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch {
    return "the signed payload is not JSON";
  }
  const st = InTotoStatement.safeParse(json);
  return st.success ? st.data : "the signed payload is not an in-toto Statement v1";
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function evidenceFacts(e: ReleaseEvidence, signers: ReadonlyMap<string, string>): EvidenceFacts {
  const st = readStatement(e);
  const p = typeof st === "string" ? {} : st.predicate;
  const source = p.source as { digest?: unknown } | undefined;
  const a = p.approval as { stage?: unknown; role?: unknown; comment?: unknown } | undefined;
  return {
    name: e.metadata.name,
    type: e.spec.type,
    signer: signers.get(e.metadata.name),
    keyIds: e.spec.envelope.signatures.map((s) => s.keyid ?? "").filter(Boolean),
    issuedAt: str(p.issuedAt),
    digest: e.spec.source?.digest ?? str(source?.digest),
    approval: a && str(a.stage) && str(a.role) ? { stage: str(a.stage)!, role: str(a.role)!, ...(str(a.comment) ? { comment: str(a.comment) } : {}) } : undefined,
    problem: typeof st === "string" ? st : undefined,
  };
}

/** The release's evidence, by name. */
export function releaseEvidence(r: Release, all: readonly ReleaseEvidence[]): Map<string, EvidenceFacts> {
  const signers = verifiedSigners(r);
  const out = new Map<string, EvidenceFacts>();
  for (const e of all) if (e.metadata.namespace === r.metadata.namespace && e.spec.release === r.metadata.name) out.set(e.metadata.name, evidenceFacts(e, signers));
  return out;
}

export interface StageApprovals {
  stage: string;
  approvals: EvidenceFacts[];
}

/** Approvals grouped by stage in lifecycle order (Release, Verification, Promotion, Closing), oldest first. */
export function approvalsByStage(evidence: Iterable<EvidenceFacts>): StageApprovals[] {
  const approvals = [...evidence].filter((f) => f.type === "Approval");
  const order = ApprovalStage.options as readonly string[];
  const stages = [...new Set(approvals.map((f) => f.approval?.stage ?? "unreadable"))].sort((x, y) => (order.indexOf(x) + 1 || 99) - (order.indexOf(y) + 1 || 99));
  return stages.map((stage) => ({
    stage,
    approvals: approvals.filter((f) => (f.approval?.stage ?? "unreadable") === stage).sort((x, y) => (x.issuedAt ?? "").localeCompare(y.issuedAt ?? "") || x.name.localeCompare(y.name)),
  }));
}
