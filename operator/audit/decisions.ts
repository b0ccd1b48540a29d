// The operator's decisions as audit records (JR/T 0179 8.3): besides the phase transition the
// reconcile records itself, every rollback and abort, every change of traffic a router is told to
// make, every replica change of a workload, every change to the monitoring enrollment and the
// check before Released, and the rollout's milestones (steps, promotion, Jobs, deadlines).
// Derived only from what one pass decided: the status before and after, the plan's transition,
// events and actions. Pure; the reconcile appends the entries with the status write.
import type { Phase, ReleaseStatus } from "../../api/index.js";
import type { AuditEntry } from "../../audit/chain.js";
import type { PlannedEvent } from "../release/plan.js";
import { stableName } from "../rollout/names.js";

/** A rollout action as far as the audit needs it (operator/rollout/types.ts RolloutAction). */
export type AuditedAction = { type: "route"; workload: string; weight: number; verification: boolean } | { type: "scaleCandidate"; workload: string; replicas: number } | { type: "ensureStable"; workload: string; replicas: number } | { type: string; workload?: string };

export interface DecisionInput {
  namespace: string;
  release: string;
  version: string;
  /** The operator's identity: the user of a decision nobody else signed. */
  identity: string;
  before: ReleaseStatus;
  after: ReleaseStatus;
  transition?: { from: Phase | undefined; to: Phase; reason: string; details?: Record<string, unknown> | undefined } | undefined;
  events: readonly PlannedEvent[];
  actions?: readonly AuditedAction[] | undefined;
  /** How traffic is split (gatewayAPI, nginx, replicaRatio); replica ratio changes replicas to route. */
  router?: string | undefined;
  /** A Deployment's spec.replicas as last observed, undefined when not known or absent. */
  replicasOf?: (deployment: string) => number | undefined;
  /** What this operator last recorded per action key (route/replicas of one Deployment); updated in place. */
  memo: Map<string, string>;
}

/** Plan events that are decisions of their own, by Event reason: the audit type and result. */
const MILESTONES: Record<string, { type: string; result: string }> = {
  StepCompleted: { type: "canary-step", result: "passed" },
  WavePassed: { type: "wave", result: "passed" },
  Promoting: { type: "promotion", result: "started" },
  JobSucceeded: { type: "job", result: "succeeded" },
  JobFailed: { type: "job", result: "failed" },
  ProgressDeadlineExceeded: { type: "deadline", result: "exceeded" },
  SignedOff: { type: "sign-off", result: "signed" },
  ClosingSignOffRefused: { type: "sign-off", result: "refused" },
};

export function decisionEntries(i: DecisionInput): AuditEntry[] {
  const release = `${i.namespace}/Release/${i.release}`;
  const base = { version: i.version };
  const out: AuditEntry[] = [];
  const t = i.transition;

  // Rollback and abort (4.10): who decided, why, on what trigger, and how it ended.
  const rb = i.after.rollback;
  if (t?.to === "RollingBack" && rb) {
    if (rb.trigger === "Aborted") out.push({ type: "abort", object: release, user: signerOf(rb.abortedBy) ?? i.identity, result: "accepted", reason: rb.reason, details: { ...base, from: t.from ?? null, abortedBy: rb.abortedBy ?? null, decidedAt: rb.decidedAt } });
    out.push({ type: "rollback", object: release, user: i.identity, result: "started", reason: rb.reason, details: { ...base, trigger: rb.trigger, decidedAt: rb.decidedAt, startedAt: rb.startedAt } });
  } else if (t?.to === "RolledBack") {
    out.push({ type: "rollback", object: release, user: i.identity, result: "verified", reason: t.reason, details: { ...base, ...(t.details ?? {}) } });
  } else if (t?.to === "Failed" && t.from === "RollingBack") {
    out.push({ type: "rollback", object: release, user: i.identity, result: "failed", reason: t.reason, details: base });
  } else if (t?.to === "Failed" && typeof t.details?.trigger === "string") {
    // Automatic rollback is off: the decision not to roll back is recorded as such.
    out.push({ type: "rollback", object: release, user: i.identity, result: "not-started", reason: t.reason, details: { ...base, trigger: t.details.trigger } });
  }

  // Traffic: the router told to send another share, or to add or remove the verification route.
  const weightEvent = i.events.find((e) => e.reason === "Weight")?.message;
  const decided = t !== undefined || (i.before.canary?.weight ?? 0) !== (i.after.canary?.weight ?? 0) || weightsOf(i.before) !== weightsOf(i.after);
  for (const a of i.actions ?? []) {
    if (a.type === "route" && "weight" in a) {
      const key = `route ${a.workload}`;
      const want = `${a.weight}${a.verification ? "+verification" : ""}`;
      const last = i.memo.get(key);
      // After a restart (nothing in the memo) a pass that decided nothing only re-asserts.
      if (last === want || (last === undefined && !decided)) {
        i.memo.set(key, want);
        continue;
      }
      i.memo.set(key, want);
      out.push({ type: "traffic", object: `${i.namespace}/Deployment/${a.workload}`, user: i.identity, result: `${a.weight}%`, reason: weightEvent ?? t?.reason ?? `router set to ${a.weight}% on the new version`, details: { ...base, release: i.release, weight: a.weight, verificationRoute: a.verification, ...(last !== undefined ? { previous: last } : {}), ...(i.router ? { router: i.router } : {}) } });
    } else if ((a.type === "scaleCandidate" || a.type === "ensureStable") && "replicas" in a) {
      const deployment = a.type === "ensureStable" ? stableName(a.workload) : a.workload;
      const key = `${a.type} ${deployment}`;
      const want = String(a.replicas);
      const seen = i.replicasOf?.(deployment);
      // ensureStable also rewrites the stable copy's template: always a change worth recording.
      const same = a.type === "scaleCandidate" ? seen === a.replicas : false;
      if (i.memo.get(key) === want || same) {
        i.memo.set(key, want);
        continue;
      }
      i.memo.set(key, want);
      out.push({
        type: "replicas",
        object: `${i.namespace}/Deployment/${deployment}`,
        user: i.identity,
        result: `${a.replicas}`,
        reason: a.type === "ensureStable" ? `stable copy ${deployment} takes the candidate's template with ${a.replicas} replica(s)` : `candidate ${deployment} scaled to ${a.replicas}`,
        details: { ...base, release: i.release, replicas: a.replicas, ...(seen !== undefined ? { from: seen } : {}), action: a.type },
      });
    }
  }

  for (const e of i.events) {
    const m = MILESTONES[e.reason];
    if (m) out.push({ type: m.type, object: release, user: i.identity, result: m.result, reason: e.message, details: { ...base, phase: i.after.phase ?? null } });
  }

  out.push(...monitoringEntries(i, release));
  return out;
}

/** Enrollment objects and the check before Released (4.7 b, 9.1), as they changed this pass. */
function monitoringEntries(i: DecisionInput, release: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  const was = i.before.monitoring;
  const now = i.after.monitoring;
  const before = new Set(was?.objects ?? []);
  const after = new Set(now?.objects ?? []);
  const added = [...after].filter((o) => !before.has(o));
  const removed = [...before].filter((o) => !after.has(o));
  if (now && (added.length || removed.length || (was?.mode ?? "Disabled") !== now.mode)) {
    const result = after.size === 0 ? "retired" : before.size === 0 ? "enrolled" : "changed";
    out.push({ type: "monitoring", object: release, user: i.identity, result, reason: `monitoring ${now.mode}: ${[...added.map((o) => `+${o}`), ...removed.map((o) => `-${o}`)].join(", ") || "mode changed"}`, details: { version: i.version, mode: now.mode, added, removed, ...(now.conflicts?.length ? { conflicts: now.conflicts } : {}) } });
  } else if (!now && was && before.size) {
    out.push({ type: "monitoring", object: release, user: i.identity, result: "retired", reason: `monitoring enrollment removed: ${[...before].join(", ")}`, details: { version: i.version, removed: [...before] } });
  }
  if (now?.ready !== undefined && (now.ready !== was?.ready || (now.ready === false && (now.reasons ?? []).join("\n") !== (was?.reasons ?? []).join("\n")))) {
    out.push({ type: "monitoring-check", object: release, user: i.identity, result: now.ready ? "ready" : "not-ready", reason: now.ready ? "scrape targets up, key capacity metrics sampled, backups as required (4.7 b)" : (now.reasons ?? []).join("; ") || "monitoring not in place", details: { version: i.version, ...(now.checkedAt ? { checkedAt: now.checkedAt } : {}) } });
  }
  return out;
}

function weightsOf(s: ReleaseStatus): string {
  return (s.waves ?? []).map((w) => w.weight).join(",");
}

/** "alice (release-manager), evidence abort-1" → alice. */
function signerOf(abortedBy: string | undefined): string | undefined {
  return abortedBy?.split(" (")[0] || undefined;
}
