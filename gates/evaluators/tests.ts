// Test exit (7.1.1, 7.1.2): every planned case executed; no failure unless it maps to a defect
// the business owner accepted (the case's name or message carries the defect id).
import { z } from "zod";
import { evidenceOf, failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";
import { acceptedDefectIds } from "./defects.js";

const TestSummary = z.object({
  totals: z.object({ planned: z.number(), executed: z.number(), passed: z.number(), failed: z.number(), errored: z.number(), skipped: z.number() }),
  failures: z.array(z.object({ suite: z.string().optional(), name: z.string(), classname: z.string().optional(), message: z.string().optional() })).default([]),
});

export function evaluateTests(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.tests!;
  const found = latestOrOutcome(ctx, cfg.evidenceType);
  if ("outcome" in found) return found.outcome;
  const ev = found.evidence;
  const summary = TestSummary.safeParse(ev.predicate.summary);
  if (!summary.success) return failed(`evidence ${ev.name} carries no test report summary (create it from a JUnit XML file)`, [ev.name]);
  const { totals, failures } = summary.data;

  if (totals.planned < cfg.minCases) return failed(`${ev.name}: ${totals.planned} case(s), fewer than the ${cfg.minCases} required`, [ev.name]);
  if (cfg.requireAllPlannedExecuted && totals.executed < totals.planned)
    return failed(`${ev.name}: ${totals.executed} of ${totals.planned} planned cases executed (${totals.skipped} skipped); every planned case must run`, [ev.name]);

  const unmapped = failures.length;
  if (totals.failed + totals.errored === 0) return passed(`${totals.executed} of ${totals.planned} cases executed, all passed (${ev.name})`, [ev.name]);
  if (!cfg.allowFailuresMappedToAcceptedDefects) return failed(`${ev.name}: ${totals.failed} failed and ${totals.errored} errored case(s)`, [ev.name]);

  const defectList = evidenceOf(ctx, "DefectList")[0];
  const accepted = defectList ? acceptedDefectIds(defectList) : new Set<string>();
  const notAccepted = failures.filter((f) => ![...accepted].some((id) => `${f.name} ${f.message ?? ""}`.includes(id)));
  if (unmapped < totals.failed + totals.errored)
    return failed(`${ev.name}: ${totals.failed + totals.errored} failing case(s) but only ${unmapped} listed; cannot map every failure to a defect`, [ev.name]);
  if (notAccepted.length > 0) {
    const names = notAccepted.slice(0, 5).map((f) => `"${f.name}"`).join(", ");
    return failed(`${ev.name}: ${notAccepted.length} failing case(s) not mapped to an accepted defect: ${names}${notAccepted.length > 5 ? ", ..." : ""}`, [ev.name, ...(defectList ? [defectList.name] : [])]);
  }
  return passed(`${totals.executed} of ${totals.planned} cases executed; ${failures.length} failure(s), each mapped to an accepted defect`, [ev.name, defectList!.name]);
}
