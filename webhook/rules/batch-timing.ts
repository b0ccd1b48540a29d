// When the Jobs and CronJobs of a release may run (4.6 c: no user but the verifiers reaches the
// new version before verification passes, whatever its kind). A Deployment of a release with
// spec.strategy goes live through the rollout (verification-only access, canary, rollback), but
// a Job or a CronJob has no traffic to route: once admitted it acts for every user at once. So,
// with spec.strategy:
//   - a Job of the release is admitted once the release's verification passed
//     (status.verification.passedAt, or the phases after it: CleaningUp, Progressing, Released);
//   - a CronJob only once the release is Released: its scheduled runs act past any canary, and a
//     rollback could not take back what a run did.
// The operator's own verification, cleanup and rollback Jobs (its identity, managed-by golive)
// and what the built-in controllers stamp out of an admitted Job or CronJob never get here
// (decide.ts). Without spec.strategy every workload goes as applied once the release is Approved,
// Jobs included: there is no verification-only access to wait for.
import type { Phase, Release } from "../../api/index.js";
import type { Findings } from "../findings.js";
import { clip } from "../object.js";

const VERIFIED_PHASES: ReadonlySet<Phase> = new Set(["CleaningUp", "Progressing", "Released"]);

/** Whether the release's verification has passed. */
export function verificationPassed(release: Release): boolean {
  const status = release.status;
  return status?.verification?.passedAt !== undefined || (status?.phase !== undefined && VERIFIED_PHASES.has(status.phase));
}

export function checkBatchTiming(kind: "Job" | "CronJob", name: string, release: Release, f: Findings): void {
  if (!release.spec.strategy) return;
  const rel = release.metadata.name;
  const phase = release.status?.phase ?? "not evaluated";
  const see = `kubectl get release ${rel} -n ${release.metadata.namespace ?? ""}`;
  const what = `${kind} ${clip(name, 120)} belongs to Release ${rel}, which is ${phase}`;
  if (kind === "Job" && !verificationPassed(release))
    f.deny(
      `${what}: a Job of a release with spec.strategy is admitted only once its verification passed (status.verification.passedAt: CleaningUp, Progressing or Released), so it reaches no one but the verifiers before (4.6 c); run database migrations and other work the new version needs as spec.strategy.verification.jobs, or in a Release before this one, and apply this Job again once Release ${rel} passed verification (${see})`,
    );
  if (kind === "CronJob" && release.status?.phase !== "Released")
    f.deny(`${what}: a CronJob of a release with spec.strategy is admitted only once the release is Released, because its scheduled runs act for every user, past the canary, and a rollback cannot take them back (4.6 c); apply it again when Release ${rel} is Released (${see})`);
}
