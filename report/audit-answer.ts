// The operator's GET /audit?verify=true answer as the report's audit section (8.3): the records
// about the release and every chain verified by the operator. Shared by `golive report --audit-url`
// and the console's report, both of which ask with the reader's own token. Pure.
import type { AuditRecord } from "../audit/chain.js";
import type { ChainSummary } from "../audit/trail.js";
import type { AuditSection } from "./model.js";

export type AuditAnswer = { section: AuditSection } | { problem: string; refused: boolean };

/** The query for one release's records with every chain verified. */
export function verifiedAuditQuery(release: { name: string; namespace?: string | undefined }): string {
  return new URLSearchParams({ release: release.name, namespace: release.namespace ?? "default", verify: "true" }).toString();
}

export function auditAnswer(status: number, body: string): AuditAnswer {
  let json: { error?: string; records?: AuditRecord[]; chains?: ChainSummary[] };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    return { problem: `answered ${status} with something that is not JSON: is it the operator's /audit?`, refused: false };
  }
  if (status !== 200) return { problem: `refused (${status}): ${json.error ?? "no reason given"}`, refused: status === 401 || status === 403 };
  if (!Array.isArray(json.records) || !Array.isArray(json.chains)) return { problem: "answered without verified chains: the operator is older than this golive (it needs GET /audit?verify=true)", refused: false };
  return { section: { chains: json.chains, records: json.records.map((r) => ({ time: r.time, source: r.source, seq: r.seq, type: r.type, object: r.object, user: r.user, result: r.result, reason: r.reason })) } };
}
