// Emergency and DR drills (9.2 c,d): the newest DRDrillReport in its JSON form must be recent
// (run within the gate's maxAgeDays), signed by the role that runs drills, and show the achieved
// RTO and RPO within the declared ones (and the declared ones within the policy's caps). A stale
// report blocks the gate with its date, so the drill plan is kept, not filed once.
import { DRDrillRecord } from "../parsers/records.js";
import { failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";

const DAY_MS = 86_400_000;

export function evaluateDrDrill(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.drDrill!;
  const found = latestOrOutcome(ctx, "DRDrillReport");
  if ("outcome" in found) return found.outcome;
  const ev = found.evidence;
  const used = [ev.name];
  if (cfg.role) {
    const role = ctx.policy.roles.find((r) => r.name === cfg.role);
    if (!role?.signers?.includes(ev.signer))
      return failed(`${ev.name} is signed by ${ev.signer}, not by a signer of role ${cfg.role}, which runs DR drills: have that role sign the drill report`, used);
  }
  const record = DRDrillRecord.safeParse(ev.predicate.summary);
  if (!record.success)
    return failed(`${ev.name} carries no DR drill record (drill date, declared and achieved RTO/RPO): sign the report's JSON form with golive evidence create --type DRDrillReport --file drill.json`, used);
  const r = record.data;
  const ageDays = Math.floor((ctx.now.getTime() - Date.parse(r.drillDate)) / DAY_MS);
  if (ageDays > cfg.maxAgeDays)
    return failed(`the last DR drill ran on ${r.drillDate.slice(0, 10)}, ${ageDays} days ago; the policy allows ${cfg.maxAgeDays}: run a drill and sign its report (${ev.name})`, used);
  if (ageDays < -1) return failed(`${ev.name}: the drill date ${r.drillDate} is in the future`, used);
  const problems: string[] = [];
  if (cfg.maxRtoMinutes !== undefined && r.declared.rtoMinutes > cfg.maxRtoMinutes) problems.push(`declared RTO ${r.declared.rtoMinutes} min exceeds the policy's ${cfg.maxRtoMinutes} min`);
  if (cfg.maxRpoMinutes !== undefined && r.declared.rpoMinutes > cfg.maxRpoMinutes) problems.push(`declared RPO ${r.declared.rpoMinutes} min exceeds the policy's ${cfg.maxRpoMinutes} min`);
  if (r.achieved.rtoMinutes > r.declared.rtoMinutes) problems.push(`achieved RTO ${r.achieved.rtoMinutes} min is above the declared ${r.declared.rtoMinutes} min`);
  if (r.achieved.rpoMinutes > r.declared.rpoMinutes) problems.push(`achieved RPO ${r.achieved.rpoMinutes} min is above the declared ${r.declared.rpoMinutes} min`);
  if (problems.length) return failed(`DR drill of ${r.drillDate.slice(0, 10)} (${r.scenario}): ${problems.join("; ")}`, used);
  return passed(
    `DR drill of ${r.drillDate.slice(0, 10)} (${r.scenario}${r.site ? `, ${r.site}` : ""}), ${ageDays} day(s) old: RTO ${r.achieved.rtoMinutes}/${r.declared.rtoMinutes} min, RPO ${r.achieved.rpoMinutes}/${r.declared.rpoMinutes} min achieved/declared`,
    used,
  );
}
