// Documents under configuration management (4.5): every required type present and validly
// signed, and not empty: a document is kept by its digest, and the digest of zero bytes proves
// no document exists. Every valid evidence of a required type is checked, so an empty one is
// never hidden behind another.
import { evidenceOf, failed, latestOrOutcome, passed, pending, type GateContext, type GateOutcome } from "../gate-context.js";

/** sha256 of zero bytes. */
export const EMPTY_DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export function evaluateDocuments(ctx: GateContext): GateOutcome {
  const used: string[] = [];
  const missing: string[] = [];
  const problems: string[] = [];
  for (const type of ctx.gate.documents!.required) {
    const found = latestOrOutcome(ctx, type);
    if ("outcome" in found) {
      if (found.outcome.status === "Failed") problems.push(found.outcome.reason);
      else missing.push(type);
      continue;
    }
    for (const ev of evidenceOf(ctx, type)) {
      const digest = ev.predicate.source?.digest;
      if (digest === EMPTY_DIGEST)
        problems.push(`${type} evidence ${ev.name} is an empty (0-byte) document${ev.predicate.source?.filename ? ` (${ev.predicate.source.filename})` : ""}: delete it and sign the actual document`);
      else if (digest === undefined) problems.push(`${type} evidence ${ev.name} names no document digest: sign the document with golive evidence create --file`);
    }
    used.push(found.evidence.name);
  }
  if (problems.length) return failed(problems.join("; "), used);
  if (missing.length) return pending(`missing document(s): ${missing.join(", ")}`, used);
  return passed(`all ${used.length} required documents present and signed`, used);
}
