// What `golive dr status` shows, from objects already read (pure): per DR target in sync or not
// and what differs, whether Released waits for it, and the last DR drill from the release's
// DRDrillReport evidence (9.2 c,d: when, what it measured against what was declared).
import { InTotoStatement, type Release, type ReleaseEvidence, type ReleasePolicySpec } from "../../api/index.js";
import { decodeBase64 } from "../../gates/dsse.js";
import { verifyEvidence } from "../../gates/evidence.js";
import { DRDrillRecord } from "../../gates/parsers/records.js";
import { DR_CONSISTENT } from "../../operator/dr/report.js";
import { waitsForConsistency } from "../../operator/dr/hold.js";
import { table } from "../output.js";

const DAY_MS = 86_400_000;

export interface DrillSeen {
  evidence: string;
  /** The signer whose signature the policy trusts; undefined when the policy could not be read (not verified). */
  signer?: string;
  issuedAt?: string;
  record?: DRDrillRecord;
  /** Why the newest report could not be used. */
  problem?: string;
}

/**
 * The newest DRDrillReport of the release. With the policy, only evidence that verifies as the
 * operator verifies it (signature, subject, age) counts; without it (the user may not read
 * ReleasePolicies) the newest report is shown, marked as not verified.
 */
export function lastDrill(evidence: readonly ReleaseEvidence[], release: Release, policy: ReleasePolicySpec | undefined, now: Date): DrillSeen | undefined {
  const drills = evidence.filter((e) => e.spec.type === "DRDrillReport" && e.spec.release === release.metadata.name);
  if (drills.length === 0) return undefined;
  if (policy) {
    const verdicts = drills.map((e) => verifyEvidence(e, release, policy, now));
    const ok = verdicts.flatMap((v) => (v.ok ? [v] : [])).sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime());
    const newest = ok[0];
    if (!newest) return { evidence: verdicts[0]!.name, problem: verdicts.map((v) => (v.ok ? "" : v.reason)).join("; ") };
    const record = DRDrillRecord.safeParse(newest.predicate.summary);
    return { evidence: newest.name, signer: newest.signer, issuedAt: newest.issuedAt.toISOString(), ...(record.success ? { record: record.data } : { problem: "carries no DR drill record (drill date, declared and achieved RTO/RPO)" }) };
  }
  const issued = (st: InTotoStatement | undefined): string => (typeof st?.predicate.issuedAt === "string" ? st.predicate.issuedAt : "");
  const read = drills.map((e) => ({ e, statement: unverifiedStatement(e) })).sort((a, b) => issued(b.statement).localeCompare(issued(a.statement)));
  const newest = read[0]!;
  const record = DRDrillRecord.safeParse(newest.statement?.predicate.summary);
  const issuedAt = issued(newest.statement);
  return { evidence: newest.e.metadata.name, ...(issuedAt ? { issuedAt } : {}), ...(record.success ? { record: record.data } : { problem: "carries no readable DR drill record" }) };
}

function unverifiedStatement(e: ReleaseEvidence): InTotoStatement | undefined {
  const payload = decodeBase64(e.spec.envelope.payload);
  if (!payload) return undefined;
  try {
    const s = InTotoStatement.safeParse(JSON.parse(payload.toString("utf8")));
    return s.success ? s.data : undefined;
  } catch {
    return undefined;
  }
}

export interface DrStatusInput {
  release: Release;
  /** The governing policy's spec, when this user may read it. */
  policy: ReleasePolicySpec | undefined;
  drill: DrillSeen | undefined;
}

/** The report of one release. */
export function formatDrStatus({ release, policy, drill }: DrStatusInput, now: Date): string {
  const s = release.status ?? {};
  const lines: string[] = [`Release ${release.metadata.namespace ?? ""}/${release.metadata.name}: ${release.spec.application} ${release.spec.version}   phase ${s.phase ?? "(not evaluated yet)"}`];
  const declared = policy?.disasterRecovery?.targets.map((t) => t.name) ?? [];
  const recorded = s.disasterRecovery ?? [];
  const names = [...new Set([...declared, ...recorded.map((t) => t.target)])];
  if (names.length === 0) lines.push(policy ? "DR targets: none (the policy's spec.disasterRecovery names none)" : "DR targets: none recorded in status (the governing ReleasePolicy could not be read; a release is checked only while live)");
  else {
    lines.push("", "DR targets (4.3 g):");
    const rows = names.map((n) => {
      const t = recorded.find((x) => x.target === n);
      if (!t) return [n, "not read yet", "", "", ""];
      return [n, t.state, t.since, t.checkedAt, t.state === "InSync" ? "runs the sealed images and configuration" : t.state === "Drifted" ? `${t.differences?.length ?? 0} difference(s)` : (t.reason ?? "")];
    });
    lines.push(indent(table(["TARGET", "STATE", "SINCE", "CHECKED", "DETAIL"], rows)));
    for (const t of recorded) if (t.state === "Drifted") for (const d of t.differences ?? []) lines.push(`  ${t.target} differs: ${d}`);
  }
  const c = s.conditions?.find((x) => x.type === DR_CONSISTENT);
  if (c) lines.push(`${DR_CONSISTENT}=${c.status} (${c.reason})${c.status === "True" ? "" : `: ${c.message}`}`);
  if (policy?.disasterRecovery) {
    const waits = waitsForConsistency(policy);
    const why = policy.disasterRecovery.releasedWaitsForConsistency === undefined ? ` (protection level ${policy.protectionLevel} default)` : " (releasedWaitsForConsistency)";
    lines.push(waits ? `Released waits for every target InSync${why}, Stalled after ${policy.disasterRecovery.deadlineSeconds} s` : `Released does not wait: an inconsistent DR site only warns${why}`);
  }
  const hold = s.disasterRecoveryHold;
  if (hold) lines.push(`Held:     Released waits for DR consistency since ${hold.since}${hold.stalledAt ? `; Stalled since ${hold.stalledAt} (DisasterRecoveryDeadlineExceeded)` : ""}`);
  lines.push("", formatDrill(drill, now));
  const gate = s.gates?.find((g) => policy?.gates.find((p) => p.name === g.name)?.drDrill !== undefined);
  if (gate) lines.push(`  gate ${gate.name}: ${gate.status}: ${gate.reason}`);
  return lines.join("\n") + "\n";
}

function formatDrill(drill: DrillSeen | undefined, now: Date): string {
  if (!drill) return "Last DR drill (9.2 c,d): none (no DRDrillReport evidence for this release)";
  if (!drill.record) return `Last DR drill (9.2 c,d): evidence ${drill.evidence} cannot be used: ${drill.problem ?? "unknown"}`;
  const r = drill.record;
  const days = Math.floor((now.getTime() - Date.parse(r.drillDate)) / DAY_MS);
  const met = (achieved: number, declared: number) => (achieved <= declared ? "met" : "NOT met");
  return [
    `Last DR drill (9.2 c,d): ${r.drillDate} (${days} day(s) ago), ${r.scenario}${r.site ? ` at ${r.site}` : ""}, run by ${r.ranBy}`,
    `  RTO achieved ${r.achieved.rtoMinutes} min, declared ${r.declared.rtoMinutes} min: ${met(r.achieved.rtoMinutes, r.declared.rtoMinutes)}`,
    `  RPO achieved ${r.achieved.rpoMinutes} min, declared ${r.declared.rpoMinutes} min: ${met(r.achieved.rpoMinutes, r.declared.rpoMinutes)}`,
    `  evidence ${drill.evidence}${drill.signer ? `, signed by ${drill.signer}` : " (signature not verified: the governing ReleasePolicy could not be read)"}${drill.issuedAt ? ` at ${drill.issuedAt}` : ""}`,
  ].join("\n");
}

const indent = (text: string) => text.trimEnd().split("\n").map((l) => `  ${l}`).join("\n");
