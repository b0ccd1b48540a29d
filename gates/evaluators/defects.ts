// Defect convergence and disposition (7.1.2 a, 7.3, 4.3 b, 4.4 d): no new defects over the last
// N days of the arrival curve, and no open or deferred defect above the allowed severity
// without the business owner's acceptance. Acceptance comes only from signed Acceptance evidence
// by the business-owner role (./acceptance.ts); a defect list's `acceptedBy` column is QA's note,
// signed by QA, so it accepts nothing (the reason says so when it is filled in).
import { z } from "zod";
import type { DefectSeverity } from "../../api/index.js";
import { failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";
import { acceptancesOf, ACCEPTANCE_ROLE, ignoredNote } from "./acceptance.js";

const SEVERITY_RANK: Record<DefectSeverity, number> = { Critical: 4, Major: 3, Minor: 2, Trivial: 1 };

const DefectSummary = z.object({
  total: z.number(),
  unaccepted: z.array(z.object({ id: z.string(), severity: z.enum(["Critical", "Major", "Minor", "Trivial"]), status: z.string() })),
  unacceptedTruncated: z.boolean().default(false),
  accepted: z.array(z.object({ id: z.string(), severity: z.enum(["Critical", "Major", "Minor", "Trivial"]), status: z.string(), acceptedBy: z.string() })).default([]),
  acceptedTruncated: z.boolean().default(false),
  arrivals: z.array(z.object({ date: z.string(), opened: z.number(), closed: z.number() })),
});

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
  const acceptance = acceptancesOf(ctx);
  // Open or deferred defects, with or without an acceptedBy note: only a signature accepts them.
  const pending = [...s.unaccepted, ...s.accepted.map((d) => ({ ...d, note: d.acceptedBy }))].filter((d) => SEVERITY_RANK[d.severity] > limit);
  const blocking = pending.filter((d) => !acceptance.defects.has(d.id));
  if (blocking.length > 0) {
    const list = blocking
      .slice(0, 5)
      .map((d) => `${d.id} (${d.severity}, ${d.status}${"note" in d ? `; acceptedBy ${JSON.stringify(d.note)} in the defect list is not a signature` : ""})`)
      .join(", ");
    return failed(
      `${blocking.length} open or deferred defect(s) above ${cfg.maxUnacceptedSeverity} without business-owner acceptance: ${list}${blocking.length > 5 ? ", ..." : ""}; the ${ACCEPTANCE_ROLE} accepts them with \`golive accept --defects ${blocking.map((d) => d.id).slice(0, 5).join(",")}\`${ignoredNote(acceptance)}`,
      [ev.name],
    );
  }
  if (s.unacceptedTruncated || s.acceptedTruncated)
    return failed(`${ev.name}: the defect list summary lists only some open or deferred defects, so none above ${cfg.maxUnacceptedSeverity} can be ruled out; split the list or raise maxListEntries`, [ev.name]);

  // The window ends on the day the list was signed: a list that stops early cannot hide arrivals.
  const end = Date.parse(ev.issuedAt.toISOString().slice(0, 10));
  const start = end - (cfg.convergenceWindowDays - 1) * DAY_MS;
  const recent = s.arrivals.filter((a) => Date.parse(a.date) >= start && Date.parse(a.date) <= end);
  const newDefects = recent.reduce((n, a) => n + a.opened, 0);
  if (newDefects > 0) {
    const days = recent.filter((a) => a.opened > 0).map((a) => `${a.date}: ${a.opened}`).join(", ");
    return failed(`defects have not converged: ${newDefects} new defect(s) in the last ${cfg.convergenceWindowDays} day(s) (${days}); the arrival curve must reach zero`, [ev.name]);
  }
  const used = [...new Set(pending.map((d) => acceptance.defects.get(d.id)!))];
  const accepted = pending.length ? `${pending.length} above ${cfg.maxUnacceptedSeverity}, each accepted by the ${ACCEPTANCE_ROLE} (${pending.map((d) => d.id).join(", ")})` : `none open above ${cfg.maxUnacceptedSeverity}`;
  return passed(`${s.total} defect(s); none new in the last ${cfg.convergenceWindowDays} day(s); ${accepted}`, [ev.name, ...used]);
}
