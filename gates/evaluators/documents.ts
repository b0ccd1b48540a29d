// Documents under configuration management (4.5): every required type present and validly signed.
import { failed, latestOrOutcome, passed, pending, type GateContext, type GateOutcome } from "../gate-context.js";

export function evaluateDocuments(ctx: GateContext): GateOutcome {
  const used: string[] = [];
  const missing: string[] = [];
  const rejected: string[] = [];
  for (const type of ctx.gate.documents!.required) {
    const found = latestOrOutcome(ctx, type);
    if ("evidence" in found) used.push(found.evidence.name);
    else if (found.outcome.status === "Failed") rejected.push(found.outcome.reason);
    else missing.push(type);
  }
  if (rejected.length) return failed(rejected.join("; "), used);
  if (missing.length) return pending(`missing document(s): ${missing.join(", ")}`, used);
  return passed(`all ${used.length} required documents present and signed`, used);
}
