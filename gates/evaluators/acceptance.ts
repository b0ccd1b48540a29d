// The business owner's signed acceptance (4.3 b, 7.1.2 a, 7.3). A deferred defect or a known
// test failure passes its gate only when valid Acceptance evidence names it, signed with a key
// bound to the business-owner role in spec.roles. Nothing else accepts: the free-text
// `acceptedBy` column of a defect list is something QA wrote, not the owner's signature.
import type { GateContext } from "../gate-context.js";

/** The role whose signed Acceptance evidence counts. */
export const ACCEPTANCE_ROLE = "business-owner";

export interface Acceptances {
  /** Accepted defect id -> the Acceptance evidence naming it. */
  defects: Map<string, string>;
  /** Accepted test case ("Suite.case") -> the Acceptance evidence naming it. */
  tests: Map<string, string>;
  /** Why Acceptance evidence did not count (wrong role, expired, rejected), to show in a reason. */
  ignored: string[];
}

export function acceptancesOf(ctx: Pick<GateContext, "policy" | "verified" | "rejected" | "now">): Acceptances {
  const owners = new Set(ctx.policy.roles.find((r) => r.name === ACCEPTANCE_ROLE)?.signers ?? []);
  const out: Acceptances = { defects: new Map(), tests: new Map(), ignored: [] };
  for (const ev of ctx.verified) {
    if (ev.type !== "Acceptance") continue;
    const a = ev.predicate.acceptance;
    if (!a) {
      out.ignored.push(`${ev.name} carries no acceptance (sign it with golive accept)`);
      continue;
    }
    if (a.role !== ACCEPTANCE_ROLE || !owners.has(ev.signer)) {
      out.ignored.push(`${ev.name} is signed by ${ev.signer}, whose key is not bound to the ${ACCEPTANCE_ROLE} role in spec.roles`);
      continue;
    }
    if (a.expires && Date.parse(a.expires) <= ctx.now.getTime()) {
      out.ignored.push(`${ev.name} expired at ${a.expires}`);
      continue;
    }
    for (const id of a.defects) if (!out.defects.has(id)) out.defects.set(id, ev.name);
    for (const t of a.tests) if (!out.tests.has(t)) out.tests.set(t, ev.name);
  }
  for (const r of ctx.rejected) if (r.type === "Acceptance") out.ignored.push(r.reason);
  return out;
}

/** "; acceptance not counted: ..." or "", to append to a failing reason. */
export function ignoredNote(a: Acceptances): string {
  return a.ignored.length ? `; Acceptance not counted: ${a.ignored.join("; ")}` : "";
}

const ID_CHAR = /[A-Za-z0-9_]/;

/**
 * Whether `text` names the defect `id` as a whole token: "UW-1" is in "fails [UW-1]" but not in
 * "UW-11" or "XUW-1", so one accepted id cannot cover another defect's failures.
 */
export function mentionsId(text: string, id: string): boolean {
  if (id === "") return false;
  for (let at = text.indexOf(id); at !== -1; at = text.indexOf(id, at + 1)) {
    const before = at === 0 ? "" : text[at - 1]!;
    const after = text[at + id.length] ?? "";
    if (!ID_CHAR.test(before) && !ID_CHAR.test(after)) return true;
  }
  return false;
}
