// Security testing (8.6): no finding at or above the policy's severity unless a signed Waiver
// names its fingerprint; internet-facing releases also need a penetration test. A scan that did
// not run (no runs, a run without results or tool, a failed invocation) is not clean: the gate
// fails with "scan incomplete". Waivers count only against scans whose fingerprints include the
// finding's location (fingerprintBasis, see parsers/sarif.ts): a tool's own fingerprint can be a
// placeholder repeated on every result, and a waiver must never cover a finding elsewhere.
import { z } from "zod";
import type { FindingSeverity } from "../../api/index.js";
import { evidenceOf, failed, latestOrOutcome, passed, pending, type GateContext, type GateOutcome } from "../gate-context.js";
import { SCAN_CATEGORY_WORDS, scanCategories, type ScanCategory } from "../scan-category.js";

const RANK: Record<FindingSeverity | "none", number> = { critical: 4, high: 3, medium: 2, low: 1, none: 0 };
const SEVERITIES = ["critical", "high", "medium", "low"] as const;

const ScanSummary = z.object({
  findings: z.object({ critical: z.number(), high: z.number(), medium: z.number(), low: z.number() }).partial(),
  findingsList: z.array(z.object({ ruleId: z.string(), severity: z.enum(["critical", "high", "medium", "low", "none"]), fingerprint: z.string(), location: z.string().optional() })).default([]),
  tools: z.array(z.string()).default([]),
  incompleteRuns: z.number().default(0),
  runs: z.array(z.object({ tool: z.string(), rules: z.number(), results: z.number().nullable(), incomplete: z.string().optional(), category: z.string().optional() })).optional(),
  category: z.string().optional(),
  fingerprintBasis: z.string().optional(),
});

export function evaluateSecurity(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.security!;
  const scans = evidenceOf(ctx, "SecurityScan");
  if (scans.length === 0) {
    const found = latestOrOutcome(ctx, "SecurityScan");
    if ("outcome" in found) return found.outcome;
  }
  const limit = RANK[cfg.failOnSeverity];
  const waived = new Set(
    evidenceOf(ctx, "Waiver")
      .filter((w) => !w.predicate.waiver?.expires || Date.parse(w.predicate.waiver.expires) > ctx.now.getTime())
      .flatMap((w) => w.predicate.waiver?.fingerprints ?? []),
  );
  const used = scans.map((s) => s.name);
  const problems: string[] = [];
  const ran: string[] = [];
  let total = 0;
  const categories = new Set<ScanCategory>();
  // A scan that does not verify (altered after signing, an untrusted signer) fails the gate even
  // when others verify: the altered one may be the scan that found something.
  for (const r of ctx.rejected.filter((x) => x.type === "SecurityScan")) {
    problems.push(r.reason);
    used.push(r.name);
  }
  for (const scan of scans) {
    const parsed = ScanSummary.safeParse(scan.predicate.summary);
    if (!parsed.success) {
      problems.push(`${scan.name} carries no SARIF summary`);
      continue;
    }
    const runs = parsed.data.runs;
    if ((runs !== undefined && runs.length === 0) || (runs === undefined && parsed.data.tools.length === 0)) {
      problems.push(`${scan.name}: scan incomplete: the SARIF log has no runs, so no scanner ran`);
      continue;
    }
    const incomplete = (runs ?? []).filter((r) => r.incomplete !== undefined);
    if (incomplete.length > 0 || parsed.data.incompleteRuns > 0) {
      const why = incomplete.length ? incomplete.map((r) => `${r.tool}: ${r.incomplete}`).join("; ") : `${parsed.data.incompleteRuns} run(s) without results or with a failed invocation`;
      problems.push(`${scan.name}: scan incomplete (${why}); fix the scan and sign its log again`);
      continue;
    }
    ran.push(...(runs ?? []).map((r) => `${r.tool} (${r.rules} rule(s) listed, ${r.results} result(s))`));
    for (const c of scanCategories(parsed.data)) categories.add(c);
    const trusted = parsed.data.fingerprintBasis === "rule+location+tool";
    const counted = SEVERITIES.filter((s) => RANK[s] >= limit).reduce((n, s) => n + (parsed.data.findings[s] ?? 0), 0);
    const listed = parsed.data.findingsList.filter((f) => RANK[f.severity] >= limit);
    total += counted;
    const open = listed.filter((f) => !trusted || !waived.has(f.fingerprint));
    const note = !trusted && open.some((f) => waived.has(f.fingerprint)) ? "; its fingerprints do not include the finding's location, so no waiver applies: summarise and sign the scan again with this golive" : "";
    if (listed.length < counted) problems.push(`${scan.name}: ${counted} finding(s) at or above ${cfg.failOnSeverity} but only ${listed.length} listed, so they cannot all be waived`);
    else if (open.length > 0)
      problems.push(`${scan.name}: ${open.length} finding(s) at or above ${cfg.failOnSeverity} without a signed waiver (${open
          .slice(0, 5)
          .map((f) => `${f.ruleId}${f.location ? ` at ${f.location}` : ""} [${f.fingerprint}]`)
          .join(", ")})${note}`);
  }
  // 8.6 a-c: each required kind of scan separately; one linter's SARIF is not all three.
  const missing = cfg.requireCategories.filter((c) => !categories.has(c));
  const missingNote = missing.length
    ? `no ${missing.map((c) => `${SCAN_CATEGORY_WORDS[c]}`).join(", ")} scan (${missing.length === 1 ? "a category" : "categories"} ${missing.join(", ")} required${categories.size ? `; the scans present are ${[...categories].join(", ")}` : ""}): sign each scan's SARIF with golive evidence create --type SecurityScan --category ${missing[0]}, or set its run's automationDetails.id to "${missing[0]}/..."`
    : "";
  if (cfg.requirePenetrationTestWhenInternetFacing && ctx.release.spec.internetFacing) {
    const pen = latestOrOutcome(ctx, "PenetrationTestReport");
    if ("outcome" in pen) {
      if (problems.length === 0 && pen.outcome.status === "Pending")
        return { ...pen.outcome, reason: `internet-facing release: ${pen.outcome.reason}${missingNote ? `; waiting for security scans: ${missingNote}` : ""}` };
      problems.push(`internet-facing release: ${pen.outcome.reason}`);
    } else used.push(pen.evidence.name);
  }
  if (problems.length) return failed([...problems, ...(missingNote ? [missingNote] : [])].join("; "), used);
  if (missingNote) return pending(`waiting for security scans: ${missingNote}`, used);
  const findings = total === 0 ? `no finding at or above ${cfg.failOnSeverity}` : `${total} finding(s) at or above ${cfg.failOnSeverity}, each waived`;
  const kinds = cfg.requireCategories.length ? `; ${cfg.requireCategories.join(", ")} each present` : "";
  return passed(`${scans.length} scan(s)${ran.length ? ` by ${ran.join(", ")}` : ""}; ${findings}${kinds}`, used);
}
