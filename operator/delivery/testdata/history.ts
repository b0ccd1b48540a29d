// A scripted Release history for the delivery figures' and metrics' unit tests: one application
// over a 28-day window ending 2026-06-29T00:00Z, with known creation, evidence and release times.
import type { Release, ReleaseEvidence } from "../../../api/index.js";

export const NOW = new Date("2026-06-29T00:00:00Z");

export function release(ns: string, name: string, status: Release["status"] = undefined, extra: { application?: string; version?: string; createdAt?: string } = {}): Release {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { namespace: ns, name, creationTimestamp: extra.createdAt ?? "2026-06-01T00:00:00Z" },
    spec: { application: extra.application ?? name, version: extra.version ?? "1.0.0", workloads: [{ kind: "Deployment", name }], strategy: { steps: [{ name: "all", setWeight: 100 }] } },
    ...(status ? { status } : {}),
  } as unknown as Release;
}

export function evidence(ns: string, name: string, forRelease: string, createdAt: string): ReleaseEvidence {
  return { apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { namespace: ns, name, creationTimestamp: createdAt }, spec: { release: forRelease } } as unknown as ReleaseEvidence;
}

export const HISTORY: Release[] = [
  // Released 2 h after its first evidence (filed 1 h before the Release was created), in week 1.
  release("shop", "web-1", { phase: "Released", releasedAt: "2026-06-02T02:00:00Z" }, { application: "web", createdAt: "2026-06-02T01:00:00Z" }),
  // Released 6 h after creation (no evidence: counts from creation), in week 2.
  release("shop", "web-2", { phase: "Released", releasedAt: "2026-06-09T06:00:00Z" }, { application: "web", createdAt: "2026-06-09T00:00:00Z" }),
  // Released 1 day after its first of two evidences, in week 4.
  release("shop", "web-3", { phase: "Released", releasedAt: "2026-06-24T00:00:00Z" }, { application: "web", createdAt: "2026-06-23T06:00:00Z" }),
  // Rolled back: failure observed at 10:00, traffic back on stable 90 s later.
  release("shop", "web-4", { phase: "RolledBack", rollback: { trigger: "AnalysisFailed", reason: "error rate", decidedAt: "2026-06-25T10:00:00Z", startedAt: "2026-06-25T10:00:01Z", trafficOnStableAt: "2026-06-25T10:01:30Z", hooks: [] } }, { application: "web", createdAt: "2026-06-25T09:00:00Z" }),
  // Failed: restored in 30 s.
  release("shop", "web-5", { phase: "Failed", rollback: { trigger: "Aborted", reason: "x", decidedAt: "2026-06-26T10:00:00Z", startedAt: "2026-06-26T10:00:00Z", trafficOnStableAt: "2026-06-26T10:00:30Z", hooks: [] } }, { application: "web", createdAt: "2026-06-26T09:00:00Z" }),
  // Still progressing: counts nowhere.
  release("shop", "web-6", { phase: "Progressing" }, { application: "web", createdAt: "2026-06-28T09:00:00Z" }),
  // Released before the window: not counted.
  release("shop", "web-0", { phase: "Released", releasedAt: "2026-05-20T00:00:00Z" }, { application: "web", createdAt: "2026-05-19T00:00:00Z" }),
  release("claims", "api-1", { phase: "Released", releasedAt: "2026-06-10T00:30:00Z" }, { application: "claims-api", createdAt: "2026-06-10T00:00:00Z" }),
];

export const EVIDENCE: ReleaseEvidence[] = [
  evidence("shop", "web-1-tests", "web-1", "2026-06-02T00:00:00Z"),
  evidence("shop", "web-3-scan", "web-3", "2026-06-23T02:00:00Z"),
  evidence("shop", "web-3-tests", "web-3", "2026-06-23T00:00:00Z"),
  // Same release name in another namespace: not web-1's.
  evidence("other", "web-1-tests", "web-1", "2026-05-01T00:00:00Z"),
];
