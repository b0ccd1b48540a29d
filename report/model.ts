// What a conformance report says about one release, computed (purely, the clock injected) from
// what the cluster holds: the Release with its status, its ReleasePolicy and its ReleaseEvidence.
// Gate verdicts are golive's own (evaluateGates); this module only arranges them clause by clause.
import { createPublicKey } from "node:crypto";
import { gateKind, type EvidenceType, type Gate, type GateResult, type Release, type ReleasePolicy } from "../api/index.js";
import type { AuditRecord, ChainVerdict } from "../audit/chain.js";
import { queryTrail } from "../audit/query.js";
import { summarizeChains, type ChainSummary } from "../audit/trail.js";
import { canonicalJson, sha256Hex } from "../gates/canonical-json.js";
import { keyIdOf } from "../gates/dsse.js";
import { statementDigestOf, type EvidenceObject } from "../gates/opened-evidence.js";
import { evaluateGates } from "../gates/evaluate.js";
import { evaluateClosingGates } from "../gates/closing.js";
import { acceptancesOf } from "../gates/evaluators/acceptance.js";
import { artifactDigest, planDigest } from "../gates/statement.js";
import clauses from "./clauses.json" with { type: "json" };
import { clauseTokens, type ClauseText } from "./extract-clauses.js";

export const CLAUSES: readonly ClauseText[] = clauses;

export type Verdict = "met" | "notMet" | "notApplicable";

export interface EvidenceRow {
  name: string;
  type: EvidenceType;
  signer: string;
  keyFingerprint: string;
  contentDigest: string;
  statementDigest: string;
  issuedAt: string;
}

export interface ClauseRow extends ClauseText {
  verdict: Verdict;
  why: string;
  /** The same in Chinese, where the report words it itself (gate reasons are golive's, in English). */
  whyZh?: string;
  decidedBy: string[];
  evidence: EvidenceRow[];
}

export interface TestTypeRow {
  type: EvidenceType;
  reports: number;
  planned: number;
  executed: number;
  passed: number;
  failed: number;
  skipped: number;
}

export interface AcceptedDefect {
  id: string;
  severity?: string;
  status?: string;
  evidence: string;
  signer: string;
  role: string;
  at: string;
  reason: string;
}

export interface MissingItem {
  gate: string;
  clause: string;
  status: string;
  reason: string;
  missingTypes: EvidenceType[];
}

export interface ReportModel {
  generatedAt: string;
  release: { name: string; namespace?: string | undefined; application: string; version: string };
  artifactDigest: string;
  planDigest: string;
  /** The sealed images (spec.images): the summary names each, and `golive report attest` attaches it to each. */
  images: { name: string; digest: string }[];
  statusDigests: { artifact?: string | undefined; plan?: string | undefined };
  policy: { name: string; level: number | undefined; digest: string };
  phase: string;
  phaseAt?: string | undefined;
  verdict: "PASSED" | "FAILED";
  gates: GateResult[];
  clauses: ClauseRow[];
  rejected: { name: string; type: EvidenceType; reason: string }[];
  missing: MissingItem[];
  tests: TestTypeRow[];
  defects?: {
    evidence: string;
    total: number;
    bySeverity: Record<string, number>;
    byStatus: Record<string, number>;
    arrivals: { date: string; opened: number; closed: number }[];
    unaccepted: { id: string; severity?: string; status?: string }[];
  };
  accepted: AcceptedDefect[];
  approvals: { stage: string; roles: string[]; signed: { role: string; signer: string; at: string; comment?: string | undefined; evidence: string }[] }[];
  status: NonNullable<Release["status"]>;
  /** The audit trail's records about this release, when the trail was given (golive report --audit). */
  audit?: AuditSection;
  /** Why the audit section is missing, when the reader asked for it and could not have it (the console). */
  auditNote?: string;
}

export interface AuditSection {
  /** Every chain file of the trail, verified on its own (audit/trail.ts). */
  chains: ChainSummary[];
  /** Records whose object is this Release, or whose details name it (admissions, break-glass). */
  records: Pick<AuditRecord, "time" | "source" | "seq" | "type" | "object" | "user" | "result" | "reason">[];
}

/** The part of a verified trail about one release: chain verdicts and the matching records. */
export function auditSection(chains: readonly { file: string; verdict: ChainVerdict }[], records: readonly AuditRecord[], release: { name: string; namespace?: string | undefined }): AuditSection {
  return {
    chains: summarizeChains(chains),
    records: queryTrail(records, { release: release.name, ...(release.namespace ? { namespace: release.namespace } : {}) }).map((r) => ({ time: r.time, source: r.source, seq: r.seq, type: r.type, object: r.object, user: r.user, result: r.result, reason: r.reason })),
  };
}

const TEST_TYPES: EvidenceType[] = ["UnitTestReport", "IntegrationTestReport", "FunctionalTestReport", "NonFunctionalTestReport", "BatchTestReport", "VerificationReport"];

/** The evidence types a gate reads, for naming what is missing when it has not passed. */
function typesOf(gate: Gate, release: Release): EvidenceType[] {
  switch (gateKind(gate)) {
    case "tests":
      return [gate.tests!.evidenceType];
    case "defects":
      return ["DefectList"];
    case "performance":
      return ["PerformanceTestReport"];
    case "security":
      return release.spec.internetFacing && gate.security!.requirePenetrationTestWhenInternetFacing ? ["SecurityScan", "PenetrationTestReport"] : ["SecurityScan"];
    case "documents":
      return gate.documents!.required;
    case "approvals":
      return ["Approval"];
    case "configurationBaseline":
      return ["ConfigurationBaseline"];
    case "changeWindow":
      return [];
    case "drDrill":
      return ["DRDrillReport"];
    case "reviews":
      return [...(gate.reviews!.testReview ? (["TestReviewRecord"] as const) : []), ...(gate.reviews!.releaseReview ? (["ReleaseReviewRecord"] as const) : [])];
  }
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Whether a gate's clause ("7.1.2 a, 7.3") speaks of a map row's clause ("7.2, 7.3, 7.4"). */
export function clauseMatches(gateClause: string, rowClause: string): boolean {
  const row = clauseTokens(rowClause).flatMap((t) => (t.items.length ? t.items.map((i) => ({ s: t.section, i })) : [{ s: t.section, i: "" }]));
  for (const g of clauseTokens(gateClause)) {
    const items = g.items.length ? g.items : [""];
    for (const i of items) if (row.some((r) => r.s === g.section && (r.i === i || r.i === "" || i === ""))) return true;
  }
  return false;
}

/** Clauses met exactly when every go-live gate passed (the entry and acceptance criteria as a whole). */
const ALL_GATES_CLAUSES = new Set(["4.1 d", "4.2 g"]);

const HOW_WORDS_ZH: Record<string, string> = { W: "准入控制 Webhook", O: "运维控制器（operator）", G: "基于证据的关卡", C: "命令行工具", R: "报告", P: "策略", all: "所有组件" };
const HOW_WORDS: Record<string, string> = { W: "the admission webhook", O: "the operator", G: "gates over evidence", C: "the CLI", R: "reports", P: "the policy", all: "every component" };

export function buildReport(release: Release, policy: ReleasePolicy, evidence: readonly EvidenceObject[], now: Date): ReportModel {
  const spec = policy.spec;
  const evaluation = evaluateGates(release, spec, evidence, now, spec.gates);
  const status = release.status ?? {};
  // Verification and Promotion gates decided by the operator: its recorded results win.
  const recorded = new Map<string, GateResult>([...(status.verification?.gates ?? []), ...(status.promotion?.gates ?? [])].map((g) => [g.name, g]));
  // Closing gates (4.3 l) of a Released release: approvals count only when signed after Released.
  const closing = status.phase === "Released" && status.releasedAt ? new Map(evaluateClosingGates(release, spec, evidence, now, new Date(status.releasedAt)).results.map((r) => [r.name, r])) : undefined;
  const results = evaluation.results.map((r) => recorded.get(r.name) ?? closing?.get(r.name) ?? r);
  const byName = new Map(evidence.map((e) => [e.metadata.name, e]));
  const fingerprints = new Map<string, string>();
  for (const s of spec.signers) {
    try {
      fingerprints.set(s.name, keyIdOf(createPublicKey(s.publicKey)));
    } catch {
      fingerprints.set(s.name, "(unreadable key)");
    }
  }
  const evidenceRow = (name: string): EvidenceRow | undefined => {
    const v = evaluation.verified.find((x) => x.name === name);
    if (!v) return undefined;
    const e = byName.get(name);
    const statement = e ? statementDigestOf(e) : undefined;
    return {
      name,
      type: v.type,
      signer: v.signer,
      keyFingerprint: fingerprints.get(v.signer) ?? "",
      contentDigest: e?.spec.source?.digest ?? v.predicate.source?.digest ?? "",
      statementDigest: statement ? `sha256:${statement}` : "",
      issuedAt: v.issuedAt.toISOString(),
    };
  };
  const batchGate = spec.batch.gate;

  const phase = status.phase ?? (evaluation.allPassed ? "Pending" : "Blocked");
  // The verdict covers the gates due by this phase: at Approved the GoLive gates (the Verification
  // and Promotion gates cannot have passed yet, and the image must run to be verified), from
  // Progressing on the Verification gates too, at Released all of them.
  const due = gatePhasesDue(phase);
  // The closing sign-off (4.3 l) is due once Released, but the go-live verdict does not wait for it:
  // a Released release's summary says PASSED, and the one signed at SignedOff covers the Closing gates.
  const signedOff = (status.conditions ?? []).some((c) => c.type === "SignedOff" && c.status === "True");
  if (phase === "Released" && signedOff) due.add("Closing");
  const clauses: ClauseRow[] = CLAUSES.map((c) => {
    const gates = spec.gates.filter((g) => clauseMatches(g.clause, c.clause));
    if (gates.length) {
      const rs = gates.map((g) => results.find((r) => r.name === g.name)!).filter(Boolean);
      const binding = rs.filter((r) => r.name !== batchGate);
      const names = [...new Set(rs.flatMap((r) => r.evidence))];
      const ev = names.map(evidenceRow).filter((x): x is EvidenceRow => x !== undefined);
      const decidedBy = rs.map((r) => `${r.name} (${r.clause ?? ""})`);
      if (binding.length === 0) return { ...c, verdict: "notApplicable", why: `gate ${rs.map((r) => r.name).join(", ")} binds only high-risk batch Jobs, checked at their admission: ${rs.map((r) => r.reason).join("; ")}`, decidedBy, evidence: ev };
      // A gate of a later phase than the release has reached is not failed: it is not due yet.
      const notDue = binding.filter((r) => !due.has(spec.gates.find((g) => g.name === r.name)?.phase ?? "GoLive"));
      if (notDue.length === binding.length && phase === "Released" && notDue.every((r) => spec.gates.find((g) => g.name === r.name)?.phase === "Closing"))
        return { ...c, verdict: "notApplicable", why: `Released; waiting for the closing sign-off: ${binding.map((r) => `${r.name} (Closing gate): ${r.status}: ${r.reason}`).join("; ")}`, whyZh: `已上线；等待上线结束签署：${binding.map((r) => `${r.name}：${r.status}`).join("；")}`, decidedBy, evidence: ev };
      if (notDue.length === binding.length) return { ...c, verdict: "notApplicable", why: `not due yet at phase ${phase}: ${binding.map((r) => `${r.name} (${spec.gates.find((g) => g.name === r.name)?.phase} gate): ${r.status}`).join("; ")}`, decidedBy, evidence: ev };
      const bad = binding.filter((r) => r.status !== "Passed" && !notDue.includes(r));
      return {
        ...c,
        verdict: bad.length ? "notMet" : "met",
        why: (bad.length ? bad : binding).map((r) => `${r.name}: ${r.status}: ${r.reason}`).join("; "),
        decidedBy,
        evidence: ev,
      };
    }
    if (ALL_GATES_CLAUSES.has(c.clause)) {
      const binding = results.filter((r) => r.name !== batchGate && (spec.gates.find((g) => g.name === r.name)?.phase ?? "GoLive") === "GoLive");
      const bad = binding.filter((r) => r.status !== "Passed");
      return {
        ...c,
        verdict: bad.length ? "notMet" : "met",
        why: bad.length ? `not every go-live gate passed: ${bad.map((r) => `${r.name} ${r.status}`).join(", ")}` : `all ${binding.length} go-live gates of policy ${policy.metadata.name} passed on signed evidence; admission lets only such a release's sealed images run`,
        whyZh: bad.length ? `并非所有上线关卡均已通过：${bad.map((r) => `${r.name} ${r.status}`).join("，")}` : `策略 ${policy.metadata.name} 的全部 ${binding.length} 个上线关卡均凭已签名证据通过；准入只允许这样的发布的封存镜像运行`,
        decidedBy: binding.map((r) => r.name),
        evidence: [],
      };
    }
    const fromStatus = statusVerdict(c.clause, release);
    if (fromStatus) return { ...c, ...fromStatus, evidence: fromStatus.evidence.map(evidenceRow).filter((x): x is EvidenceRow => x !== undefined) };
    const how = c.how.split(/\s+/).map((h) => HOW_WORDS[h]).filter(Boolean);
    const howZh = c.how.split(/\s+/).map((h) => HOW_WORDS_ZH[h]).filter(Boolean);
    return {
      ...c,
      verdict: "notApplicable",
      why: how.length ? `no gate of policy ${policy.metadata.name} names this clause; it is enforced by ${how.join(" and ")} (docs/JRT0179-MAP.md), not decided from this release's evidence` : "outside the product's scope: recorded as a document only",
      whyZh: howZh.length ? `策略 ${policy.metadata.name} 没有关卡对应本条款；由${howZh.join("和")}执行（docs/JRT0179-MAP.md），不依据本发布的证据判定` : "不在产品范围内：仅作为文档记录",
      decidedBy: [],
      evidence: [],
    };
  });

  const missing: MissingItem[] = spec.gates
    .map((g) => ({ g, r: results.find((r) => r.name === g.name)! }))
    .filter(({ g, r }) => r && r.status !== "Passed" && g.name !== batchGate)
    .map(({ g, r }) => ({ gate: g.name, clause: g.clause, status: r.status, reason: r.reason, missingTypes: typesOf(g, release).filter((t) => !evaluation.verified.some((v) => v.type === t)) }));

  const tests: TestTypeRow[] = TEST_TYPES.map((type) => {
    const reports = evaluation.verified.filter((v) => v.type === type);
    const row: TestTypeRow = { type, reports: reports.length, planned: 0, executed: 0, passed: 0, failed: 0, skipped: 0 };
    for (const r of reports) {
      const t = (r.predicate.summary?.totals ?? {}) as Record<string, unknown>;
      row.planned += num(t.planned);
      row.executed += num(t.executed);
      row.passed += num(t.passed);
      row.failed += num(t.failed) + num(t.errored);
      row.skipped += num(t.skipped);
    }
    return row;
  }).filter((r) => r.reports > 0);

  const defectList = evaluation.verified.filter((v) => v.type === "DefectList").sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime())[0];
  const ds: Record<string, unknown> = defectList?.predicate.summary ?? {};
  const asRecord = (v: unknown) => (v && typeof v === "object" ? (v as Record<string, number>) : {});
  const asList = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  const listed = new Map([...asList<{ id: string; severity?: string; status?: string }>(ds.accepted), ...asList<{ id: string; severity?: string; status?: string }>(ds.unaccepted)].map((d) => [d.id, d]));

  const acceptances = acceptancesOf({ policy: spec, verified: evaluation.verified, rejected: evaluation.rejected, now });
  const accepted: AcceptedDefect[] = [...acceptances.defects].flatMap(([id, evName]) => {
    const v = evaluation.verified.find((x) => x.name === evName);
    if (!v) return [];
    return { id, severity: listed.get(id)?.severity, status: listed.get(id)?.status, evidence: evName, signer: v.signer, role: v.predicate.acceptance?.role ?? "", at: v.issuedAt.toISOString(), reason: v.predicate.acceptance?.reason ?? "" };
  });

  const approvals = spec.approvals.map((a) => ({
    stage: a.stage,
    roles: a.roles,
    signed: evaluation.verified
      .filter((v) => v.type === "Approval" && v.predicate.approval?.stage === a.stage)
      .map((v) => ({ role: v.predicate.approval!.role, signer: v.signer, at: v.issuedAt.toISOString(), comment: v.predicate.approval!.comment, evidence: v.name })),
  }));

  const duePassed = spec.gates.filter((g) => due.has(g.phase) && g.name !== spec.batch.gate).every((g) => results.find((r) => r.name === g.name)?.status === "Passed");
  const verdict = duePassed && !clauses.some((c) => c.verdict === "notMet") && !["Blocked", "Failed", "RolledBack"].includes(phase) ? "PASSED" : "FAILED";
  return {
    generatedAt: now.toISOString(),
    release: { name: release.metadata.name, namespace: release.metadata.namespace, application: release.spec.application, version: release.spec.version },
    artifactDigest: `sha256:${artifactDigest(release.spec)}`,
    images: release.spec.images.map((i) => ({ name: i.name, digest: i.digest })),
    planDigest: `sha256:${planDigest(release.spec)}`,
    statusDigests: { artifact: status.artifactDigest, plan: status.planDigest },
    policy: { name: policy.metadata.name, level: spec.protectionLevel, digest: `sha256:${policyDigest(policy)}` },
    phase,
    phaseAt: phaseTime(release),
    verdict,
    gates: results,
    clauses,
    rejected: evaluation.rejected,
    missing,
    tests,
    ...(defectList
      ? {
          defects: {
            evidence: defectList.name,
            total: num(ds.total),
            bySeverity: asRecord(ds.bySeverity),
            byStatus: asRecord(ds.byStatus),
            arrivals: asList<{ date: string; opened: number; closed: number }>(ds.arrivals),
            unaccepted: asList<{ id: string; severity?: string; status?: string }>(ds.unaccepted),
          },
        }
      : {}),
    accepted,
    approvals,
    status,
  };
}

/** sha256 of the policy's spec in canonical JSON: what the verdicts were judged against. */
export function policyDigest(policy: ReleasePolicy): string {
  return sha256Hex(canonicalJson(policy.spec));
}

function phaseTime(release: Release): string | undefined {
  const s = release.status;
  if (!s) return undefined;
  if (s.phase === "Released" && s.releasedAt) return s.releasedAt;
  if (s.phase === "RolledBack" && s.rollback?.verifiedAt) return s.rollback.verifiedAt;
  const times = (s.conditions ?? []).map((c) => c.lastTransitionTime).sort();
  return times.at(-1);
}

/** Which gate phases a release in `phase` must have passed (every one once Released or beyond). */
export function gatePhasesDue(phase: string): Set<string> {
  if (["Pending", "Approved", "Verifying", "CleaningUp"].includes(phase)) return new Set(["GoLive"]);
  if (phase === "Progressing") return new Set(["GoLive", "Verification"]);
  return new Set(["GoLive", "Verification", "Promotion"]);
}

/** Clauses the operator's record (Release status) decides when no gate names them. */
function statusVerdict(clause: string, release: Release): { verdict: Verdict; why: string; decidedBy: string[]; evidence: string[] } | undefined {
  const s = release.status ?? {};
  const by = ["operator (Release status)"];
  const na = (why: string) => ({ verdict: "notApplicable" as const, why, decidedBy: by, evidence: [] });
  const v = s.verification;
  switch (clause) {
    case "4.6 c":
      if (!v) return na(`verification has not started (phase ${s.phase ?? "none"})`);
      return v.passedAt ? { verdict: "met", why: `only verification users reached the new version until verification passed at ${v.passedAt}`, decidedBy: by, evidence: [] } : { verdict: "notMet", why: "verification has not passed: ordinary users are kept off the new version", decidedBy: by, evidence: [] };
    case "4.6 d":
      if (!v?.cleanup) return na("no cleanup Job ran (none declared, or verification not reached)");
      return { verdict: v.cleanup.phase === "Succeeded" ? "met" : "notMet", why: `cleanup Job ${v.cleanup.name}: ${v.cleanup.phase}${v.cleanup.reason ? ` (${v.cleanup.reason})` : ""}`, decidedBy: by, evidence: [] };
    case "4.6 a": {
      const seals = s.seals ?? [];
      if (seals.length === 0) return na("no image seal verification is recorded in the Release status");
      const bad = seals.filter((x) => x.status !== "Verified");
      return { verdict: bad.length ? "notMet" : "met", why: seals.map((x) => `${x.image}@${x.digest}: ${x.status}${x.signer ? ` (signed by ${x.signer})` : ""}`).join("; "), decidedBy: by, evidence: [] };
    }
    case "4.7 b":
      if (s.monitoring?.ready === undefined) return na("no monitoring check before Released is recorded yet");
      return { verdict: s.monitoring.ready ? "met" : "notMet", why: s.monitoring.ready ? `monitoring checked ready (${s.monitoring.mode})` : `monitoring not ready: ${(s.monitoring.reasons ?? []).join("; ")}`, decidedBy: by, evidence: [] };
    case "4.7 c,d,e": {
      if (!v || v.jobs.length === 0) return na("no verification Jobs ran (none declared, or verification not reached)");
      const bad = v.jobs.filter((j) => j.phase !== "Succeeded");
      return { verdict: bad.length ? "notMet" : "met", why: v.jobs.map((j) => `${j.name}: ${j.phase}${j.reason ? ` (${j.reason})` : ""}`).join("; "), decidedBy: by, evidence: v.evidence ? [v.evidence] : [] };
    }
    case "4.8":
    case "4.3 c": {
      const runs = s.analysis ?? [];
      if (runs.length === 0) return na("no canary analysis ran");
      const bad = runs.filter((r) => r.phase !== "Successful");
      return { verdict: bad.length ? "notMet" : "met", why: runs.map((r) => `${r.step}: ${r.phase}`).join("; "), decidedBy: by, evidence: [] };
    }
    case "4.9":
      if (s.phase === "Released") return { verdict: "met", why: `Released at ${s.releasedAt ?? "?"}${s.inventory ? `; configuration-management record ${s.inventory.configMap}/${s.inventory.key} at ${s.inventory.recordedAt}` : ""}`, decidedBy: by, evidence: [] };
      return na(`not promoted to production (phase ${s.phase ?? "none"})`);
    case "4.10 e":
      if (!s.rollback) return na("no rollback happened");
      return { verdict: s.rollback.verifiedAt ? "met" : "notMet", why: s.rollback.verifiedAt ? `rollback (${s.rollback.trigger}) verified complete at ${s.rollback.verifiedAt}` : `rollback (${s.rollback.trigger}) not verified complete`, decidedBy: by, evidence: [] };
    default:
      return undefined;
  }
}
