// Test exit (7.1.1, 7.1.2): every planned case executed; no failure unless the business owner
// accepted it in signed Acceptance evidence, by defect id (the case's name, message or failure
// text carries an accepted defect id) or by name (a known test failure, "Suite.case").
//
// Every valid report of the gate's evidence type counts, and their cases add up: a failing report
// cannot hide behind a newer passing one (Surefire writes one TEST-*.xml per class, and each may
// be signed on its own). Nothing replaces a report implicitly: a file name is no identity
// (pytest writes junit.xml with one suite "pytest" for every project), so a re-run replaces the
// earlier report only when that ReleaseEvidence is deleted, which is explicit and audited.
import { z } from "zod";
import type { VerifiedEvidence } from "../evidence.js";
import { evidenceOf, failed, latestOrOutcome, passed, type GateContext, type GateOutcome } from "../gate-context.js";
import { acceptancesOf, ignoredNote, mentionsId } from "./acceptance.js";

const TestSummary = z.object({
  totals: z.object({ planned: z.number(), executed: z.number(), passed: z.number(), failed: z.number(), errored: z.number(), skipped: z.number() }),
  failures: z
    .array(z.object({ suite: z.string().optional(), name: z.string(), classname: z.string().optional(), message: z.string().optional(), details: z.string().optional() }))
    .default([]),
});
type TestSummary = z.infer<typeof TestSummary>;
type Failure = TestSummary["failures"][number];

interface Report {
  ev: VerifiedEvidence;
  summary: TestSummary;
}

const listed = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", "));

/** How a user names a failing case in an Acceptance: "Suite.case", Suite being its classname (else its suite). */
export function caseName(f: Pick<Failure, "suite" | "classname" | "name">): string {
  return `${f.classname || f.suite || ""}.${f.name}`;
}

export function evaluateTests(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.tests!;
  const found = latestOrOutcome(ctx, cfg.evidenceType);
  if ("outcome" in found) return found.outcome;

  const reports: Report[] = [];
  for (const ev of evidenceOf(ctx, cfg.evidenceType)) {
    const summary = TestSummary.safeParse(ev.predicate.summary);
    if (!summary.success) return failed(`evidence ${ev.name} carries no test report summary (create it from a JUnit XML file)`, [ev.name]);
    reports.push({ ev, summary: summary.data });
  }
  const current = reports.reverse(); // oldest first
  const names = current.map((r) => r.ev.name);
  const of = current.length === 1 ? names[0]! : `${current.length} ${cfg.evidenceType} reports`;
  const sum = (k: keyof TestSummary["totals"]) => current.reduce((n, r) => n + r.summary.totals[k], 0);
  const totals = { planned: sum("planned"), executed: sum("executed"), failed: sum("failed"), errored: sum("errored"), skipped: sum("skipped") };

  if (totals.planned < cfg.minCases) return failed(`${of}: ${totals.planned} case(s), fewer than the ${cfg.minCases} required`, names);
  if (cfg.requireAllPlannedExecuted && totals.executed < totals.planned)
    return failed(`${of}: ${totals.executed} of ${totals.planned} planned cases executed (${totals.skipped} skipped); every planned case must run`, names);
  if (totals.failed + totals.errored === 0) return passed(`${totals.executed} of ${totals.planned} cases executed, all passed (${listed(names)})`, names);
  const failing = `${totals.failed} failed and ${totals.errored} errored case(s)`;
  if (!cfg.allowFailuresMappedToAcceptedDefects) return failed(`${of}: ${failing}`, names);

  const short = current.find((r) => r.summary.failures.length < r.summary.totals.failed + r.summary.totals.errored);
  if (short)
    return failed(`${short.ev.name}: ${short.summary.totals.failed + short.summary.totals.errored} failing case(s) but only ${short.summary.failures.length} listed; cannot map every failure to an accepted defect`, names);

  const acceptance = acceptancesOf(ctx);
  const used = new Set<string>();
  const notAccepted: (Failure & { report: string })[] = [];
  for (const f of current.flatMap((r) => r.summary.failures.map((f) => ({ ...f, report: r.ev.name })))) {
    const byName = acceptance.tests.get(caseName(f)) ?? (f.suite ? acceptance.tests.get(`${f.suite}.${f.name}`) : undefined);
    const text = `${f.name}\n${f.message ?? ""}\n${f.details ?? ""}`;
    const byDefect = byName ? undefined : [...acceptance.defects].find(([id]) => mentionsId(text, id))?.[1];
    const by = byName ?? byDefect;
    if (by) used.add(by);
    else notAccepted.push(f);
  }
  if (notAccepted.length > 0) {
    const list = notAccepted.slice(0, 5).map((f) => `"${caseName(f)}"${current.length > 1 ? ` (${f.report})` : ""}`).join(", ");
    return failed(
      `${of}: ${notAccepted.length} failing case(s) not accepted by the business owner (no signed Acceptance names the case or a defect id in its failure): ${list}${notAccepted.length > 5 ? ", ..." : ""}; accept with \`golive accept --tests 'Suite.case'\` or \`--defects ID\`${ignoredNote(acceptance)}`,
      names,
    );
  }
  return passed(`${totals.executed} of ${totals.planned} cases executed; ${failing}, each accepted by the business owner`, [...names, ...used]);
}
