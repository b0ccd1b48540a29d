// Jobs and CronJobs of a release with spec.strategy (issue 15, 4.6 c): a Job waits for the
// release's verification, a CronJob for Released; the operator's own Jobs and what the built-in
// controllers stamp out of admitted ones are not held; without a strategy nothing changes.
import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../api/index.js";
import type { AdmissionRequest, Decision } from "./admission.js";
import { decide } from "./decide.js";
import { approvedStatus, fixtureRelease, fixtureView, NS, OPERATOR, RELEASE, releaseSpec, request, workload } from "./testdata/fixtures.js";
import type { MemoryView } from "./memory-view.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const CONTROLLER = "system:kube-controller-manager";
const STRATEGY = { trafficRouting: { service: "web" }, steps: [{ name: "all", setWeight: 100 }] };

function view(phase: ReleaseStatus["phase"], extra: Partial<ReleaseStatus> = {}, strategy: boolean = true): MemoryView {
  const v = fixtureView(NOW);
  const spec = releaseSpec() as Record<string, any>;
  if (strategy) spec.strategy = STRATEGY;
  v.releases.put(fixtureRelease(NOW, { spec, status: { ...approvedStatus(NOW), phase, ...extra } }));
  return v;
}
const run = (req: AdmissionRequest, v: MemoryView): Decision => decide(req, v);
function denied(d: Decision): string {
  expect(d.allowed).toBe(false);
  return d.status?.message ?? "";
}
const started = { startedAt: NOW.toISOString(), jobs: [], gates: [] };
const see = `kubectl get release ${RELEASE} -n ${NS}`;

describe("a Job of a release with spec.strategy waits for its verification", () => {
  it.each(["Approved", "Verifying"] as const)("denied while the release is %s, naming the release, its phase and what to do", (phase) => {
    const message = denied(run(request(workload("Job")), view(phase, phase === "Verifying" ? { verification: started } : {})));
    expect(message).toBe(
      `golive denied Job ${NS}/nightly (Release ${RELEASE}): Job nightly belongs to Release ${RELEASE}, which is ${phase}: a Job of a release with spec.strategy is admitted only once its verification passed (status.verification.passedAt: CleaningUp, Progressing or Released), so it reaches no one but the verifiers before (4.6 c); run database migrations and other work the new version needs as spec.strategy.verification.jobs, or in a Release before this one, and apply this Job again once Release ${RELEASE} passed verification (${see})`,
    );
  });

  it.each(["CleaningUp", "Progressing", "Released"] as const)("admitted once the release is %s", (phase) => {
    expect(run(request(workload("Job")), view(phase)).allowed).toBe(true);
  });

  it("admitted in Verifying once status.verification.passedAt is set", () => {
    expect(run(request(workload("Job")), view("Verifying", { verification: { ...started, passedAt: NOW.toISOString() } })).allowed).toBe(true);
  });

  it("the operator's own verification, cleanup and rollback Jobs stay admitted", () => {
    const job = workload("Job", { name: `${RELEASE}-verify-smoke`, labels: { "app.kubernetes.io/managed-by": "golive" } });
    expect(run(request(job, { user: OPERATOR }), view("Verifying", { verification: started })).allowed).toBe(true);
    // The label alone vouches for nothing.
    expect(run(request(job, { user: "alice" }), view("Verifying", { verification: started })).allowed).toBe(false);
  });

  it("the pods the Job controller creates keep the owner shortcut", () => {
    const pod = workload("Pod", { name: "nightly-x1" });
    pod.metadata.ownerReferences = [{ apiVersion: "batch/v1", kind: "Job", name: "nightly", uid: "u", controller: true }];
    expect(run(request(pod, { user: CONTROLLER }), view("Verifying", { verification: started })).allowed).toBe(true);
  });
});

describe("a CronJob of a release with spec.strategy waits for Released", () => {
  it.each(["Approved", "Verifying", "CleaningUp", "Progressing"] as const)("denied while the release is %s", (phase) => {
    expect(denied(run(request(workload("CronJob")), view(phase, { verification: { ...started, passedAt: NOW.toISOString() } })))).toBe(
      `golive denied CronJob ${NS}/nightly (Release ${RELEASE}): CronJob nightly belongs to Release ${RELEASE}, which is ${phase}: a CronJob of a release with spec.strategy is admitted only once the release is Released, because its scheduled runs act for every user, past the canary, and a rollback cannot take them back (4.6 c); apply it again when Release ${RELEASE} is Released (${see})`,
    );
  });

  it("admitted once Released; the Jobs its controller creates keep the owner shortcut", () => {
    expect(run(request(workload("CronJob")), view("Released")).allowed).toBe(true);
    const job = workload("Job", { name: "nightly-29000000" });
    job.metadata.ownerReferences = [{ apiVersion: "batch/v1", kind: "CronJob", name: "nightly", uid: "u", controller: true }];
    expect(run(request(job, { user: CONTROLLER }), view("Progressing")).allowed).toBe(true);
  });

  it("a metadata-only update of an admitted CronJob (suspend, a label) is not held", () => {
    const old = workload("CronJob");
    const next = workload("CronJob");
    next.metadata.labels = { ...next.metadata.labels, team: "shop" };
    next.spec.suspend = true;
    expect(run(request(next, { operation: "UPDATE", oldObject: old }), view("Progressing")).allowed).toBe(true);
  });
});

describe("rolled back or failed releases, and releases without spec.strategy", () => {
  it.each(["RollingBack", "RolledBack", "Failed"] as const)("a Job of a %s release is denied as before, with the roll-forward advice", (phase) => {
    expect(denied(run(request(workload("Job")), view(phase)))).toContain(`Release ${RELEASE} is ${phase}: its workloads cannot be admitted any more; roll forward with a new Release`);
  });

  it.each(["Job", "CronJob"] as const)("without spec.strategy a %s goes as applied once the release is Approved, like its Deployments", (kind) => {
    expect(run(request(workload(kind)), view("Approved", {}, false)).allowed).toBe(true);
  });
});
