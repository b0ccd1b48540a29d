// What the rollout planner observes and what it asks the executor to do. The planner is pure;
// these types are the boundary between it and the I/O at the edges (gather, execute).
import type { EvidenceObject } from "../../gates/opened-evidence.js";
import type { Phase, Release, ReleasePolicySpec, ReleaseStatus, RolloutJobStatus } from "../../api/index.js";
import type { Measurement } from "../analysis/run.js";
import type { PlannedEvent } from "../release/plan.js";
import type { TrafficObservation } from "../routers/types.js";
import type { RolloutKind, Routing } from "./waves.js";

/** A Deployment as the planner needs it. */
export interface WorkloadView {
  name: string;
  uid?: string | undefined;
  generation: number;
  observedGeneration: number;
  /** spec.replicas */
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  /** status.replicas: every pod of the Deployment, old and new. */
  statusReplicas: number;
  /** golive's digest of the pod template (for the stable copy: of the template it was copied from). */
  templateHash: string;
  /** The pod-template-hash label of the current ReplicaSet's pods, once known. */
  podTemplateHash?: string | undefined;
  /** The golive.dev/release label of the Deployment. */
  releaseLabel?: string | undefined;
  /** Container images of the pod template (init containers included). */
  images: string[];
}

export type JobPurpose = "verify" | "cleanup" | "rollback";

export interface JobView {
  name: string;
  phase: "Running" | "Succeeded" | "Failed";
  reason?: string | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
}

/** One Deployment of a rollout as observed this pass (operator/rollout/waves.ts RolloutUnit). */
export interface UnitObserved {
  name: string;
  /** Deployment when unset. */
  kind?: RolloutKind | undefined;
  wave: number;
  waveName: string;
  routing: Routing;
  primary: boolean;
  candidate: WorkloadView | undefined;
  stable: WorkloadView | undefined;
  /** What its router has in effect, against the desired state of the current status. */
  traffic?: TrafficObservation | undefined;
  trafficError?: string | undefined;
  /** Its candidate's pods still present (counted while rolling back; a StatefulSet's: pods off the stable revision). */
  candidatePods?: number | undefined;
}

export interface RolloutObserved {
  release: Release;
  /** The status the gate reconcile produced this pass (for rollout phases: the previous status). */
  base: ReleaseStatus;
  policy: ReleasePolicySpec | undefined;
  evidence: readonly EvidenceObject[];
  /**
   * A release with spec.strategy: every Deployment it rolls out, in rollout order. When unset, one
   * unit is made of candidate, stable, traffic, trafficError and candidatePods (a Release of one
   * Deployment, as the planner's unit tests describe it).
   */
  units?: readonly UnitObserved[] | undefined;
  /** A release without spec.strategy: its first Deployment. */
  candidate: WorkloadView | undefined;
  /** A release without spec.strategy: every Deployment it lists that exists (no candidate/stable pair). */
  deployments?: readonly WorkloadView[] | undefined;
  /** A release without spec.strategy: every StatefulSet and DaemonSet it lists that exists, as it runs. */
  controllers?: readonly (WorkloadView & { kind: "StatefulSet" | "DaemonSet" })[] | undefined;
  stable: WorkloadView | undefined;
  /** What the router has in effect, measured against the desired state of the current status. */
  traffic?: TrafficObservation | undefined;
  /** Why the router could not be observed (route missing, Secret missing, API error). */
  trafficError?: string | undefined;
  /** Why the last execution of this release's actions failed (in memory: the controller's last attempt), if it did. */
  actionError?: string | undefined;
  /** Jobs the operator created for this release, by Kubernetes name. */
  jobs: ReadonlyMap<string, JobView>;
  /** Pods of the candidate still present (counted while rolling back); undefined when not counted. */
  candidatePods?: number | undefined;
  /** Measurements taken this pass, by metric name. */
  measurements: ReadonlyMap<string, Measurement>;
  /** Another release already rolling out the same Deployment. */
  otherActive?: string | undefined;
  /**
   * The monitoring check before Released (4.7 b): taken only when a first plan of this pass asked
   * for it (RolloutPlan.checkMonitoring); undefined otherwise.
   */
  monitoring?: { ready: boolean; reasons: string[] } | undefined;
  /**
   * 4.6 c: why verification is not the only way to the new version (another NetworkPolicy of the
   * namespace opens the pods verification reaches); verification is held until it is undefined.
   */
  verificationExposed?: string | undefined;
  /** Whether the operator has a key to sign verification results as evidence. */
  canSign: boolean;
  now: Date;
}

/** Actions on one Deployment of the rollout name it (`workload`); the others are the release's. */
export type RolloutAction =
  | { type: "ensureServices"; workload: string }
  /** Make <workload>-stable run the candidate's current template with these replicas. */
  | { type: "ensureStable"; workload: string; replicas: number }
  | { type: "scaleCandidate"; workload: string; replicas: number }
  | { type: "route"; workload: string; weight: number; verification: boolean }
  /** A stopped (Failed) rollout puts a StatefulSet's or DaemonSet's stable template back, as a rollback does. */
  | { type: "restoreStable"; workload: string }
  | { type: "createJob"; purpose: JobPurpose; name: string; job: string }
  | { type: "signVerificationReport"; evidenceName: string; jobs: RolloutJobStatus[] }
  | { type: "recordInventory"; workload: string; how: "initialised" | "promoted" | "unchanged" | "applied" };

export interface RolloutPlan {
  status: ReleaseStatus;
  transition?: { from: Phase | undefined; to: Phase; reason: string; details?: Record<string, unknown> };
  events: PlannedEvent[];
  actions: RolloutAction[];
  requeueAfterMs: number;
  /** The pass would reach Released: check the monitoring (RolloutObserved.monitoring) and plan again. */
  checkMonitoring?: boolean;
}

/** Phases the rollout drives (the gate reconcile owns Pending, Blocked and Approved). */
export const ACTIVE_PHASES: readonly Phase[] = ["Verifying", "CleaningUp", "Progressing", "RollingBack"];
export const ROLLOUT_PHASES: readonly Phase[] = [...ACTIVE_PHASES, "Released", "RolledBack", "Failed"];
