// Defect convergence and disposition (7.1.2 a, 7.3, 4.3 b, 4.4 d): no new defects over the last
// N days of the arrival curve, and no open or deferred defect above the allowed severity
// without the business owner's acceptance.
import { z } from "zod";
import type { DefectSeverity } from "../../api/index.js";
import type { VerifiedEvidence } from "../evidence.js";
import { failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";

const SEVERITY_RANK: Record<DefectSeverity, number> = { Critical: 4, Major: 3, Minor: 2, Trivial: 1 };

const DefectSummary = z.object({
  total: z.number(),
  unaccepted: z.array(z.object({ id: z.string(), severity: z.enum(["Critical", "Major", "Minor", "Trivial"]), status: z.string() })),
  accepted: z.array(z.object({ id: z.string(), acceptedBy: z.string() })).default([]),
  arrivals: z.array(z.object({ date: z.string(), opened: z.number(), closed: z.number() })),
});

export function acceptedDefectIds(ev: VerifiedEvidence): Set<string> {
  const s = DefectSummary.safeParse(ev.predicate.summary);
  return new Set(s.success ? s.data.accepted.map((d) => d.id) : []);
}

const DAY_MS = 86_400_000;

export function evaluateDefects(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.defects!;
  const found = latestOrOutcome(ctx, "DefectList");
  if ("outcome" in found) return found.outcome;
  const ev = found.evidence;
  const parsed = DefectSummary.safeParse(ev.predicate.summary);
  if (!parsed.success) return failed(`evidence ${ev.name} carries no defect list summary`, [ev.name]);
  const s = parsed.data;

  const limit = SEVERITY_RANK[cfg.maxUnacceptedSeverity];
  const blocking = s.unaccepted.filter((d) => SEVERITY_RANK[d.severity] > limit);
  if (blocking.length > 0) {
    const list = blocking.slice(0, 5).map((d) => `${d.id} (${d.severity}, ${d.status})`).join(", ");
    return failed(`${blocking.length} open or deferred defect(s) above ${cfg.maxUnacceptedSeverity} without business-owner acceptance: ${list}`, [ev.name]);
  }

  // The window ends on the day the list was signed: a list that stops early cannot hide arrivals.
  const end = Date.parse(ev.issuedAt.toISOString().slice(0, 10));
  const start = end - (cfg.convergenceWindowDays - 1) * DAY_MS;
  const recent = s.arrivals.filter((a) => Date.parse(a.date) >= start && Date.parse(a.date) <= end);
  const newDefects = recent.reduce((n, a) => n + a.opened, 0);
  if (newDefects > 0) {
    const days = recent.filter((a) => a.opened > 0).map((a) => `${a.date}: ${a.opened}`).join(", ");
    return failed(`defects have not converged: ${newDefects} new defect(s) in the last ${cfg.convergenceWindowDays} day(s) (${days}); the arrival curve must reach zero`, [ev.name]);
  }
  return passed(`${s.total} defect(s); none new in the last ${cfg.convergenceWindowDays} day(s); ${s.unaccepted.length} unaccepted, none above ${cfg.maxUnacceptedSeverity}`, [ev.name]);
}
