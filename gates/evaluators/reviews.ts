// Review records (7.2): the test review (7.2.1: every test document reviewed, with a record) and
// the release review (7.2.2: counts of projects, requirements and related systems; interface
// changes, code comparison, source archiving, configuration, database scripts and batch changes
// checked). Each is the newest record of its type in its JSON form; a rejected document or a
// failed check fails the gate with what it names.
import { RELEASE_REVIEW_CHECKS, ReleaseReviewRecord, TestReviewRecord } from "../parsers/records.js";
import { evidenceOf, failed, latestOrOutcome, passed, pending, type GateContext, type GateOutcome } from "../gate-context.js";

export function evaluateReviews(ctx: GateContext): GateOutcome {
  const cfg = ctx.gate.reviews!;
  const used: string[] = [];
  const problems: string[] = [];
  const waiting: string[] = [];
  const done: string[] = [];
  if (cfg.testReview) {
    const found = latestOrOutcome(ctx, "TestReviewRecord");
    if ("outcome" in found) (found.outcome.status === "Failed" ? problems : waiting).push(found.outcome.reason);
    else {
      used.push(found.evidence.name);
      const rec = TestReviewRecord.safeParse(found.evidence.predicate.summary);
      if (!rec.success) problems.push(`${found.evidence.name} carries no test review record: sign its JSON form with golive evidence create --type TestReviewRecord --file review.json`);
      else {
        const listed = new Map(rec.data.documents.map((d) => [d.name.toLowerCase(), d]));
        const missing = cfg.testDocuments.filter((d) => !listed.has(d.toLowerCase()));
        const rejected = rec.data.documents.filter((d) => d.conclusion === "rejected");
        if (missing.length) problems.push(`test review ${found.evidence.name} has no review of ${missing.join(", ")}`);
        if (rejected.length) problems.push(`test review ${found.evidence.name}: ${rejected.map((d) => `${d.name} rejected by ${d.reviewedBy} on ${d.date}${d.note ? ` (${d.note})` : ""}`).join("; ")}`);
        if (!missing.length && !rejected.length) done.push(`${rec.data.documents.length} test document(s) reviewed`);
      }
    }
  }
  if (cfg.releaseReview) {
    const found = latestOrOutcome(ctx, "ReleaseReviewRecord");
    if ("outcome" in found) (found.outcome.status === "Failed" ? problems : waiting).push(found.outcome.reason);
    else {
      used.push(found.evidence.name);
      const rec = ReleaseReviewRecord.safeParse(found.evidence.predicate.summary);
      if (!rec.success) problems.push(`${found.evidence.name} carries no release review record: sign its JSON form with golive evidence create --type ReleaseReviewRecord --file release-review.json`);
      else {
        const failedChecks = RELEASE_REVIEW_CHECKS.filter((c) => rec.data.checks[c].result === "failed");
        const c = rec.data.counts;
        if (failedChecks.length)
          problems.push(`release review ${found.evidence.name} by ${rec.data.reviewedBy}: ${failedChecks.map((k) => `${k} failed${rec.data.checks[k].note ? ` (${rec.data.checks[k].note})` : ""}`).join(", ")}`);
        else done.push(`release review by ${rec.data.reviewedBy} on ${rec.data.date}: ${c.projects} project(s), ${c.requirements} requirement(s), ${c.relatedSystems} related system(s), every check passed or not applicable`);
        if (cfg.requireDependencies) dependencyOutcome(ctx, found.evidence.name, rec.data.dependencies, used, problems, waiting, done);
      }
    }
  }
  if (problems.length) return failed(problems.join("; "), used);
  if (waiting.length) return pending(waiting.join("; "), used);
  return passed(done.join("; "), used);
}

/**
 * 4.4 d: the release review declares the system dependencies, and every signed integration test
 * report's suites together name each one (compared on letters and digits only, without case:
 * "claims-api" is named by "com.example.ClaimsApiContractIT"), so no dependency goes live untested.
 */
function dependencyOutcome(ctx: GateContext, review: string, deps: ReleaseReviewRecord["dependencies"], used: string[], problems: string[], waiting: string[], done: string[]): void {
  if (deps === undefined) {
    problems.push(`release review ${review} declares no system dependencies (4.4 d): list them in "dependencies" (an empty list when there are none)`);
    return;
  }
  if (deps.length === 0) {
    done.push("no system dependencies declared");
    return;
  }
  const reports = evidenceOf(ctx, "IntegrationTestReport");
  if (reports.length === 0) {
    waiting.push(`waiting for an IntegrationTestReport naming the dependencies ${deps.map((d) => d.name).join(", ")}`);
    return;
  }
  used.push(...reports.map((r) => r.name));
  const names = reports.flatMap((r) => ((r.predicate.summary as { suites?: { name?: unknown }[] } | undefined)?.suites ?? []).map((s) => squash(typeof s.name === "string" ? s.name : "")));
  const untested = deps.filter((d) => !names.some((n) => n.includes(squash(d.name))));
  const label = (d: NonNullable<typeof deps>[number]) => `${d.name} (${d.direction}${d.version ? ` ${d.version}` : ""}${d.contract ? `, ${d.contract}` : ""})`;
  if (untested.length) problems.push(`no integration test suite names the dependency ${untested.map(label).join(", ")}: test it and sign the report, or correct the release review`);
  else done.push(`${deps.length} system dependenc${deps.length === 1 ? "y" : "ies"}, each named by an integration test suite: ${deps.map(label).join(", ")}`);
}

const squash = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
