// Allowed but worth knowing: the change window closes soon, evidence is about to expire.
import type { Release } from "../../api/index.js";
import { closingSoon } from "../../gates/change-window.js";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import type { AdmissionView } from "../view.js";

export const CLOSING_SOON_MS = 30 * 60_000;
export const EVIDENCE_AGE_WARNING = 0.8;
const DAY = 86_400_000;

/** The change window: closed is a problem, closing within 30 minutes a warning. */
export function checkChangeWindow(policy: CompiledPolicy, now: Date, f: Findings): void {
  const decision = policy.changeWindow(now);
  if (!decision) return;
  if (!decision.open) {
    f.deny(`the change window is closed (ReleasePolicy ${policy.name}, 4.2 h): ${decision.reason}: deploy inside a window, or break glass with the annotation golive.dev/break-glass if you hold a BreakGlass role`);
    return;
  }
  if (decision.closesAt && closingSoon(decision, now, CLOSING_SOON_MS)) {
    const minutes = Math.max(0, Math.ceil((decision.closesAt.getTime() - now.getTime()) / 60_000));
    f.warn(`golive: the change window${decision.window ? ` "${decision.window}"` : ""} closes in ${minutes} min (${decision.closesAt.toISOString()}): finish the rollout before then`);
  }
}

function days(ms: number): string {
  return `${(ms / DAY).toFixed(ms < 10 * DAY ? 1 : 0)}d`;
}

/** Evidence the Release's gates passed on that is older than 80% of the policy's evidenceMaxAge. */
export function checkEvidenceAge(release: Release, policy: CompiledPolicy, view: AdmissionView, now: Date, f: Findings): void {
  const maxAge = policy.evidenceMaxAgeMs;
  if (maxAge === undefined || !release.status?.gates) return;
  const namespace = release.metadata.namespace;
  const seen = new Set<string>();
  let shown = 0;
  let more = 0;
  for (const gate of release.status.gates) {
    if (gate.status !== "Passed") continue;
    for (const name of gate.evidence ?? []) {
      if (seen.has(name)) continue;
      seen.add(name);
      // issuedAt was decoded from the signed statement when the object reached the cache (lean.ts).
      const evidence = view.evidence.get(namespace, name);
      const at = evidence?.issuedAt;
      if (!evidence || at === undefined) continue;
      const age = now.getTime() - at;
      if (age <= maxAge * EVIDENCE_AGE_WARNING) continue;
      if (shown++ >= 3) {
        more++;
        continue;
      }
      const expires = new Date(at + maxAge);
      f.warn(`golive: evidence ${name} (${evidence.spec.type}) is ${days(age)} old, over 80% of ReleasePolicy ${policy.name}'s evidenceMaxAge ${policy.policy.spec.evidenceMaxAge}: it stops counting at ${expires.toISOString()}; test again and sign new evidence before then`);
    }
  }
  if (more) f.warn(`golive: ${more} more evidence object(s) of Release ${release.metadata.name} are close to evidenceMaxAge`);
}
