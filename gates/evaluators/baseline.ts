// Configuration baseline (4.4 a): an SBOM listing the software, middleware and OS versions;
// forbidden components fail the gate.
import { z } from "zod";
import { failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";

const SbomSummary = z.object({
  componentCount: z.number(),
  components: z.array(z.object({ name: z.string(), version: z.string().nullish() })).default([]),
  componentsTruncated: z.boolean().default(false),
});

export function evaluateBaseline(ctx: GateContext): GateOutcome {
  const found = latestOrOutcome(ctx, "ConfigurationBaseline");
  if ("outcome" in found) return found.outcome;
  const ev = found.evidence;
  const s = SbomSummary.safeParse(ev.predicate.summary);
  if (!s.success) return failed(`evidence ${ev.name} carries no SBOM summary (create it from a CycloneDX or SPDX JSON file)`, [ev.name]);
  const forbidden = ctx.gate.configurationBaseline?.forbiddenComponents ?? [];
  if (forbidden.length && s.data.componentsTruncated)
    return failed(`${ev.name}: the SBOM summary lists only ${s.data.components.length} of ${s.data.componentCount} components, so forbidden components cannot be ruled out`, [ev.name]);
  const hits = s.data.components.filter((c) => forbidden.some((f) => f === c.name || f === `${c.name}@${c.version ?? ""}`));
  if (hits.length) return failed(`${ev.name}: forbidden component(s) ${hits.map((c) => `${c.name}@${c.version ?? "?"}`).join(", ")}`, [ev.name]);
  return passed(`configuration baseline of ${s.data.componentCount} component(s) recorded`, [ev.name]);
}
