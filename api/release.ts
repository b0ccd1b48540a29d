// Release (namespaced): one version of one application going live, what it is made of, how it
// is rolled out, and — in status — where it stands. The operator alone writes status.
import { z } from "zod";
import { API_VERSION, cel, Condition, DnsLabel, Duration, ObjectName, SecretKeyRef, Sha256Digest, Timestamp, WorkloadKind, withUniqueNames } from "./common.js";
import { ObjectMeta } from "./release-policy.js";
import { PeakCapacity, WorkloadDesign } from "./workload-design.js";
import { LogShipping } from "./safeguards.js";

export const RELEASE_LABEL = "golive.dev/release";
export const BATCH_CLASS_LABEL = "golive.dev/batch-class";
export const BREAK_GLASS_ANNOTATION = "golive.dev/break-glass";
/**
 * The readiness gate a StatefulSet of a Release with spec.strategy declares in its pod template
 * (spec.template.spec.readinessGates): golive sets the pod condition of that type, so a candidate
 * ordinal stays out of every Service's endpoints until its verification passes.
 */
export const VERIFIED_GATE = "golive.dev/verified";

export const Change = z
  .object({
    id: z.string().min(1).max(128).describe("The change or requirement id in the team's tracker."),
    title: z.string().max(512).optional().describe("A short description of the change."),
  })
  .describe("A change included in this version (4.2 d).");

export const GovernedWorkload = z
  .object({
    kind: WorkloadKind,
    name: ObjectName.describe("The workload's name in the Release's namespace."),
  })
  .describe("A workload this Release governs. It must carry the label golive.dev/release=<release name>.");

export const SealedImage = z
  .object({
    name: z.string().min(1).max(512).regex(/^[^@\s]+$/, { message: "must be an image repository without tag or digest, such as registry.example.com/team/app" }).describe("The image repository, without tag or digest."),
    digest: Sha256Digest.describe("The manifest digest that was tested and signed."),
  })
  .describe("An image sealed into this release: only this digest may run (4.1 d, 4.6 a).");

export const SealedConfiguration = z
  .object({
    kind: z.enum(["ConfigMap", "Secret"]).describe("ConfigMap or Secret."),
    name: ObjectName.describe("The object's name in the Release's namespace."),
    digest: Sha256Digest.describe("Canonical digest of the object's data, as `golive seal-config` computes it."),
  })
  .describe("Configuration sealed into this release: its live data must match the digest (8.4).");

export const DeclaredArchitecture = z
  .object({
    replicas: z.int().min(1).max(10000).describe("Replicas the design calls for (5.2)."),
    highAvailability: z.boolean().default(true).describe("Whether the design calls for pods spread across nodes and a PodDisruptionBudget."),
    resources: z
      .object({
        cpu: z.string().max(32).optional().describe('CPU request per pod, such as "500m".'),
        memory: z.string().max(32).optional().describe('Memory request per pod, such as "512Mi".'),
      })
      .optional()
      .describe("Resources each pod requests, as designed."),
    scaling: cel(
      z
        .object({
          minReplicas: z.int().min(0).max(10000).describe("The fewest replicas any workload of the release may be scaled to (kubectl scale, an HPA); never below the policy's minimum."),
          maxReplicas: z.int().min(1).max(10000).describe("The most replicas any workload of the release may be scaled to: the capacity the performance evidence speaks for."),
        })
        .refine((b) => b.minReplicas <= b.maxReplicas, { message: "minReplicas must not exceed maxReplicas" })
        .describe("Scaling bounds as approved: the scale subresource (kubectl scale, HorizontalPodAutoscaler) is admitted only within them (5.1 b, 5.2 c)."),
      { rule: "self.minReplicas <= self.maxReplicas", message: "minReplicas must not exceed maxReplicas" },
    ).optional(),
  })
  .describe("The deployment architecture as designed; admission compares the workload with it (5.2 a,b,c).");

export const CapacityMetric = cel(
  z
    .object({
      name: DnsLabel.describe('The key business capacity metric, such as "policies-issued-per-second" (6.1.1).'),
      query: z.string().min(1).max(4096).describe("PromQL returning the metric's current value."),
      unit: z.string().max(32).optional().describe('Unit for display, such as "policies/s".'),
      launch: z.number().min(0).describe("Requirement at launch (6.1.2)."),
      idle: z.number().min(0).optional().describe("Expected level in idle hours (6.1.2)."),
      peak: z.number().min(0).describe("Requirement at peak (6.1.2)."),
      campaign: z.number().min(0).optional().describe("Requirement during campaigns or promotions (6.1.2)."),
      testedLimit: z.number().min(0).optional().describe("The measured maximum from the limit test (6.1.3); filled from PerformanceTestReport evidence when unset."),
      lowerBound: z.number().min(0).optional().describe("Alert when the metric falls below this (6.3.2)."),
      upperBound: z.number().min(0).optional().describe("Alert when the metric rises above this (6.3.2); defaults to the tested limit."),
    })
    .refine((m) => m.peak >= m.launch, { message: "peak must be at least the launch requirement" })
    .describe("A key capacity metric and its requirements (clause 6)."),
  { rule: "self.peak >= self.launch", message: "peak must be at least the launch requirement" },
);
export type CapacityMetric = z.infer<typeof CapacityMetric>;

export const JobSpec = z
  .object({
    image: z.string().min(1).max(1024).describe("Container image, pinned by digest."),
    command: z.array(z.string().max(4096).describe("An argument.")).max(64).optional().describe("Entrypoint."),
    args: z.array(z.string().max(4096).describe("An argument.")).max(256).optional().describe("Arguments."),
    env: z
      .array(
        z
          .object({
            name: z.string().min(1).max(256).describe("Variable name."),
            value: z.string().max(32768).optional().describe("Literal value."),
            secretKeyRef: SecretKeyRef.optional(),
          })
          .describe("An environment variable."),
      )
      .max(128)
      .optional()
      .describe("Environment variables; secrets by reference only."),
    serviceAccountName: ObjectName.optional(),
    timeout: Duration.default("10m").describe("How long the Job may run before it counts as failed."),
    backoffLimit: z.int().min(0).max(10).default(0).describe("Retries before the Job counts as failed."),
  })
  .describe("A Job the operator runs: one container, its result is its exit status.");

export const NamedJob = z
  .object({
    name: DnsLabel.describe("The Job's name; the operator prefixes it with the release name."),
    job: JobSpec,
  })
  .describe("A named Job.");

export const AnalysisMetric = z
  .object({
    name: DnsLabel.describe("The metric's name."),
    query: z.string().min(1).max(4096).describe("PromQL returning one number; {{canary}} and {{stable}} are replaced with the pod-template hashes."),
    interval: Duration.default("30s").describe("Time between measurements."),
    count: z.int().min(1).max(1000).default(5).describe("Measurements per analysis."),
    successCondition: z.string().min(1).max(256).describe('A condition on "result", such as "result < 0.01".'),
    failureCondition: z.string().max(256).optional().describe('A condition on "result" that fails the measurement; when unset, any measurement not meeting successCondition fails.'),
    failureLimit: z.int().min(0).max(1000).default(0).describe("Failed measurements tolerated before the analysis fails."),
    inconclusiveLimit: z.int().min(0).max(1000).default(0).describe("Inconclusive measurements (neither success nor failure) tolerated before the rollout pauses for a person."),
    consecutiveErrorLimit: z.int().min(0).max(1000).default(4).describe("Measurement errors in a row (Prometheus unreachable, bad query) tolerated before the analysis counts as errored."),
  })
  .describe("A metric measured during analysis (4.3 c, 4.8).");
export type AnalysisMetric = z.infer<typeof AnalysisMetric>;

export const CanaryStep = cel(
  z
    .object({
      name: DnsLabel.describe("The step's name, unique within the steps."),
      setWeight: z.int().min(0).max(100).optional().describe("Percent of ordinary traffic sent to the new version."),
      pause: z
        .object({
          duration: Duration.optional().describe("Wait this long; when unset, wait for a signed Promotion approval by a role with the Promote permission."),
        })
        .optional()
        .describe("Wait before the next step."),
      analysis: z
        .object({
          metrics: z.array(DnsLabel.describe("A metric name from spec.strategy.analysis.metrics.")).min(1).max(16).describe("Metrics to measure in this step."),
        })
        .optional()
        .describe("Measure these metrics; a failure is a decision point that rolls back (4.3 c)."),
    })
    .refine((s) => [s.setWeight !== undefined, s.pause !== undefined, s.analysis !== undefined].filter(Boolean).length === 1, {
      message: "a step sets exactly one of setWeight, pause, analysis",
    })
    .describe("One step of the trial run (4.8)."),
  { rule: "[has(self.setWeight), has(self.pause), has(self.analysis)].filter(x, x).size() == 1", message: "a step sets exactly one of setWeight, pause, analysis" },
);
export type CanaryStep = z.infer<typeof CanaryStep>;

const stepsRules = (steps: CanaryStep[]): string | undefined => {
  let last = 0;
  for (const s of steps) {
    if (s.setWeight === undefined) continue;
    if (s.setWeight < last) return `canary weights must not decrease: step "${s.name}" sets ${s.setWeight} after ${last}`;
    last = s.setWeight;
  }
  return undefined;
};

export const TrafficRouting = cel(
  z
    .object({
      gatewayAPI: z
        .object({
          httpRoute: ObjectName.describe("The HTTPRoute whose rules point at the stable Service."),
        })
        .optional()
        .describe("Route with a Gateway API HTTPRoute: weighted backendRefs and a header-match rule for verification users."),
      nginx: z
        .object({
          ingress: ObjectName.describe("The Ingress serving the stable Service; the operator adds a canary Ingress beside it."),
        })
        .optional()
        .describe("Route with ingress-nginx canary annotations."),
      service: ObjectName.describe("The Service ordinary clients use; the operator adds <service>-canary and <service>-stable beside it."),
      // Optional with the default in the operator, not in the schema: a schema default would add
      // the field to every stored Release and change the plan digest its approvals signed.
      scaleDownDelay: Duration.optional().describe(
        "With gatewayAPI or nginx: how long the candidate keeps its pods once the route sends all traffic to stable (after a rollback) or to the updated stable copy (after a promotion), before golive scales it to 0; default 30s. The gateway applies a route moments after golive writes it, and a request it still sends to a pod already gone fails. Replica ratio ignores it: there the scaling is the switch.",
      ),
    })
    .refine((t) => !(t.gatewayAPI && t.nginx), { message: "set at most one of gatewayAPI and nginx" })
    .describe("How traffic reaches the two versions. With neither gatewayAPI nor nginx, traffic is split by replica ratio behind the Service."),
  { rule: "!(has(self.gatewayAPI) && has(self.nginx))", message: "set at most one of gatewayAPI and nginx" },
);

export const VerificationUsers = cel(
  z
    .object({
      header: z.string().min(1).max(128).optional().describe('HTTP header that marks a verification user, such as "X-Golive-Verify".'),
      cookie: z.string().min(1).max(128).optional().describe("Cookie that marks a verification user."),
      valueFrom: SecretKeyRef.describe("The Secret holding the header or cookie value; only verification users know it."),
    })
    .refine((v) => Boolean(v.header) !== Boolean(v.cookie), { message: "set exactly one of header and cookie" })
    .describe("How verification users are recognised (4.6 c)."),
  { rule: "has(self.header) != has(self.cookie)", message: "set exactly one of header and cookie" },
);

export const WaveWorkload = z
  .object({
    name: ObjectName.describe("A Deployment listed in spec.workloads."),
    trafficRouting: TrafficRouting.optional().describe(
      "How traffic reaches this Deployment's two versions. Unset: the first Deployment of spec.workloads uses spec.strategy.trafficRouting; any other is split by replica ratio with no Service of its own (a worker: its new pods get no share until the canary steps give them one, and no verification copy).",
    ),
  })
  .describe("A Deployment rolled out in this wave.");

export const Wave = z
  .object({
    name: DnsLabel.describe("The wave's name, unique within the waves."),
    workloads: z.array(WaveWorkload).min(1).max(32).describe("The Deployments this wave rolls out together."),
  })
  .describe("One wave: its Deployments are verified, canaried and analysed together, before the next wave starts (4.3 c).");

export const Strategy = z
  .object({
    trafficRouting: TrafficRouting.describe("How traffic reaches the first Deployment of spec.workloads (and any wave workload without its own trafficRouting that is that Deployment)."),
    waves: withUniqueNames(z.array(Wave).max(16), "wave")
      .optional()
      .describe("The order in which the Deployments go live, e.g. backends before frontends. Each wave passes its own verification, canary steps and analysis before the next starts; a failure rolls back every wave already moved, newest first; all are promoted together at the end. Unset: one wave of every Deployment in spec.workloads, in the listed order."),
    verification: z
      .object({
        users: VerificationUsers,
        jobs: withUniqueNames(z.array(NamedJob).max(32), "verification job").default([]).describe("Predefined verification cases run against the new version (4.7 c,d,e)."),
      })
      .optional()
      .describe("Verification before ordinary users reach the new version (4.6 c, 4.7)."),
    cleanup: NamedJob.optional().describe("A Job removing verification data before traffic opens (4.6 d)."),
    steps: cel(
      withUniqueNames(z.array(CanaryStep).max(64), "step").superRefine((steps, ctx) => {
        const problem = stepsRules(steps);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
      { rule: "self.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()", message: "canary weights must not decrease" },
    ).describe("Canary steps of the trial run, in order."),
    analysis: z
      .object({
        prometheus: z.object({ address: z.string().url().max(1024).describe("Prometheus base URL, such as http://prometheus.monitoring:9090.") }).describe("The Prometheus to query."),
        metrics: withUniqueNames(z.array(AnalysisMetric).min(1).max(32), "analysis metric").describe("Metrics steps can analyse."),
      })
      .optional()
      .describe("Metric analysis settings."),
    progressDeadline: Duration.default("10m").describe("A step not finished within this time counts as failed."),
  })
  .describe("How the new version is verified and rolled out.");

export const ReleaseSpec = cel(
  z
    .object({
      application: DnsLabel.describe("The application this release belongs to; versions are unique per application."),
      version: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { message: "must start with a letter or digit and contain only letters, digits, '.', '_', '+', '-'" }).describe("The unique identifier of this version (4.2 c), such as 2.4.1."),
      changes: z.array(Change).max(512).default([]).describe("Changes and requirements included (4.2 d)."),
      workloads: z.array(GovernedWorkload).min(1).max(32).describe("Workloads this release governs."),
      images: z.array(SealedImage).min(1).max(64).describe("Sealed images."),
      configuration: z.array(SealedConfiguration).max(64).default([]).describe("Sealed ConfigMaps and Secrets (8.4)."),
      architecture: DeclaredArchitecture.optional(),
      designs: z
        .array(WorkloadDesign)
        .max(32)
        .superRefine((ds, ctx) => {
          const seen = new Set<string>();
          for (const d of ds) {
            const key = `${d.kind}/${d.name}`;
            if (seen.has(key)) ctx.addIssue({ code: "custom", message: `designs must be unique per workload: ${key} appears more than once` });
            seen.add(key);
          }
        })
        .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["kind", "name"] })
        .optional()
        .describe("One design per workload (5.2): replicas, high availability and resources per component; admission compares each workload with its own."),
      peak: PeakCapacity.optional(),
      capacity: z
        .object({ metrics: withUniqueNames(z.array(CapacityMetric).max(32), "capacity metric").describe("Key capacity metrics.") })
        .optional()
        .describe("Key business capacity metrics and their requirements (6.1)."),
      strategy: Strategy.optional(),
      rollback: z
        .object({
          automatic: z.boolean().default(true).describe("Roll back automatically on failed analysis or exceeded deadline; pre-authorized by the approved rollback plan (4.10 a)."),
          hooks: withUniqueNames(z.array(NamedJob).max(16), "rollback hook").default([]).describe("Jobs run after traffic is back on stable, such as compensation of data passed to other systems (4.10 c,d)."),
        })
        .default({ automatic: true, hooks: [] })
        .describe("Rollback plan (4.3 f, 4.10)."),
      monitoring: z
        .object({
          enabled: z.boolean().default(true).describe("Enroll the workload in monitoring (4.7 b, 9.1)."),
          port: z.string().max(64).default("metrics").describe("Container port name or number serving metrics."),
          path: z.string().max(256).default("/metrics").describe("Metrics path."),
        })
        .default({ enabled: true, port: "metrics", path: "/metrics" })
        .describe("Monitoring enrollment."),
      firstFullRelease: z.boolean().default(false).describe("The first full release of the system: performance and capacity tests are mandatory (7.1.2 c)."),
      logShipping: LogShipping.optional(),
      internetFacing: z.boolean().default(false).describe("Reachable from the internet: a penetration test is required (8.6)."),
      notifications: z
        .array(
          z
            .object({
              url: z.string().url().max(1024).describe("Where to POST."),
              format: z.enum(["json", "text"]).default("json").describe("json: the full event; text: a chat-friendly line."),
            })
            .describe("An outbound webhook."),
        )
        .max(8)
        .default([])
        .describe("Outbound webhooks called on every phase change (4.3 h, 4.10 b)."),
    })
    .describe("ReleaseSpec: what goes live and how."),
  { rule: "!has(self.strategy) || !has(self.strategy.analysis) || self.strategy.steps.all(s, !has(s.analysis) || s.analysis.metrics.all(m, self.strategy.analysis.metrics.exists(a, a.name == m)))", message: "every metric a step analyses must be defined in spec.strategy.analysis.metrics" },
);
export type ReleaseSpec = z.infer<typeof ReleaseSpec>;

/** Phases reached only after approval: the whole spec is frozen in all of them. */
export const FROZEN_PHASES = ["Approved", "Verifying", "CleaningUp", "Progressing", "Released", "RollingBack", "RolledBack", "Failed"] as const;

const sameArtifact = ["application", "version", "images", "configuration"].map((k) => `(has(self.spec.${k}) ? self.spec.${k} == oldSelf.spec.${k} : !has(oldSelf.spec.${k}))`).join(" && ");

/**
 * Enforced by the API server itself (a root rule is the only place CEL can read status and spec
 * together): once a Release is approved its spec cannot change. The webhook enforces the same
 * with the changed fields named; this holds even when the webhook is not called.
 */
export const RELEASE_FROZEN_RULE = {
  rule: `!has(oldSelf.status) || !has(oldSelf.status.phase) || !(oldSelf.status.phase in [${FROZEN_PHASES.map((p) => `'${p}'`).join(", ")}]) || self.spec == oldSelf.spec`,
  message: "the spec of an approved Release is frozen: create a new Release (a new version) or, when only the plan changed, apply it again and sign fresh approvals",
  messageExpression: `'Release ' + self.metadata.name + ' is ' + oldSelf.status.phase + ': its spec is frozen once approved; ' + ((${sameArtifact}) ? 'only the plan changed (the artifact is the same, so its test and scan evidence still applies): delete this Release, apply it again with the new plan and sign fresh approvals for its new plan digest' : 'the artifact changed (application, version, images or configuration): create a new Release with a new version')`,
  reason: "FieldValueForbidden",
} as const;

export const PHASES = ["Pending", "Blocked", "Approved", "Verifying", "CleaningUp", "Progressing", "Released", "RollingBack", "RolledBack", "Failed"] as const;
export const Phase = z.enum(PHASES).describe("Where the release stands: Pending, Blocked, Approved, Verifying, CleaningUp, Progressing, Released, RollingBack, RolledBack or Failed.");
export type Phase = z.infer<typeof Phase>;

export const GateStatus = z.enum(["Passed", "Failed", "Pending"]).describe("Passed, Failed, or Pending (evidence not there yet).");
export type GateStatus = z.infer<typeof GateStatus>;

export const GateResult = z
  .object({
    name: z.string().max(63).describe("The gate's name in the policy."),
    clause: z.string().max(64).optional().describe("The JR/T 0179 clause the gate implements."),
    status: GateStatus,
    reason: z.string().max(4096).describe("Why, in words a person understands."),
    evidence: z.array(z.string().max(253).describe("A ReleaseEvidence name.")).max(64).default([]).describe("The evidence the decision used."),
    signers: z
      .array(z.object({ evidence: z.string().max(253).describe("A ReleaseEvidence name among evidence."), signer: z.string().max(63).describe("The policy's signer whose key verified it.") }).describe("One evidence and its verified signer."))
      .max(64)
      .optional()
      .describe("Who signed each verified evidence the decision used (the console shows it: a viewer cannot read the policy's keys to check it)."),
    evaluatedAt: Timestamp.describe("When the gate was evaluated."),
  })
  .describe("The result of one gate.");
export type GateResult = z.infer<typeof GateResult>;

export const RolloutJobStatus = z
  .object({
    name: z.string().max(63).describe("The Job's name in the Release spec."),
    job: z.string().max(63).describe("The Kubernetes Job the operator created."),
    phase: z.enum(["Pending", "Running", "Succeeded", "Failed"]).describe("Pending (not created yet), Running, Succeeded or Failed."),
    reason: z.string().max(1024).optional().describe("Why it failed, from the Job's conditions."),
    startedAt: Timestamp.optional().describe("When the Job was created."),
    finishedAt: Timestamp.optional().describe("When the Job finished."),
  })
  .describe("A Job the operator ran for this release.");
export type RolloutJobStatus = z.infer<typeof RolloutJobStatus>;

export const MeasurementPhase = z.enum(["Successful", "Failed", "Inconclusive", "Error"]).describe("Successful, Failed (a bad value), Inconclusive (neither condition held) or Error (no value: Prometheus unreachable, bad query, no data).");
export type MeasurementPhase = z.infer<typeof MeasurementPhase>;

export const AnalysisPhase = z.enum(["Running", "Successful", "Failed", "Inconclusive", "Error"]).describe("Running, Successful, Failed, Inconclusive or Error.");
export type AnalysisPhase = z.infer<typeof AnalysisPhase>;

export const MetricRunStatus = z
  .object({
    name: z.string().max(63).describe("The metric's name."),
    phase: AnalysisPhase,
    measured: z.int().min(0).describe("Measurements with a value so far."),
    successful: z.int().min(0).describe("Successful measurements."),
    failed: z.int().min(0).describe("Failed measurements (bad values)."),
    inconclusive: z.int().min(0).describe("Inconclusive measurements."),
    errors: z.int().min(0).describe("Measurements that could not be taken."),
    consecutiveErrors: z.int().min(0).describe("Errors in a row, reset by a measurement with a value."),
    nextAt: Timestamp.optional().describe("When the next measurement is due."),
    message: z.string().max(1024).optional().describe("Why the metric ended as it did."),
    measurements: z
      .array(
        z
          .object({
            at: Timestamp.describe("When it was taken."),
            phase: MeasurementPhase,
            value: z.string().max(64).optional().describe("The value (as text, so NaN and infinities survive)."),
            error: z.string().max(512).optional().describe("Why no value could be taken."),
          })
          .describe("One measurement."),
      )
      .max(10)
      .default([])
      .describe("The latest measurements (at most 10)."),
  })
  .describe("The run of one metric in one analysis step.");
export type MetricRunStatus = z.infer<typeof MetricRunStatus>;

export const AnalysisRunStatus = z
  .object({
    step: z.string().max(63).describe("The analysis step's name."),
    stepIndex: z.int().min(0).describe("The step's index."),
    wave: z.int().min(0).max(15).optional().describe("The wave whose step this is (spec.strategy.waves); unset for the first."),
    phase: AnalysisPhase,
    startedAt: Timestamp.describe("When the analysis started."),
    finishedAt: Timestamp.optional().describe("When it reached a result."),
    message: z.string().max(2048).optional().describe("The result in words."),
    metrics: z.array(MetricRunStatus).max(16).describe("Per-metric results."),
  })
  .describe("One analysis step's run (4.3 c, 4.8).");
export type AnalysisRunStatus = z.infer<typeof AnalysisRunStatus>;

export const MonitoringStatus = z
  .object({
    mode: z.enum(["PodMonitor", "ServiceMonitor", "Annotations", "Disabled"]).describe("How the workload is enrolled: PodMonitor or ServiceMonitor (the Prometheus Operator is installed), Annotations (a headless Service with prometheus.io/* annotations), or Disabled (not enrolled in this phase)."),
    objects: z.array(z.string().max(320).describe("Kind/name.")).max(16).default([]).describe("The enrollment objects in place, owned by this Release."),
    conflicts: z.array(z.string().max(1024).describe("Kind/name and what to do.")).max(16).optional().describe("Enrollment objects not applied because an object of that name exists that this Release does not own."),
    problem: z.string().max(4096).optional().describe("Why the enrollment could not be brought up to date."),
    syncedAt: Timestamp.optional().describe("When the enrollment was last brought up to date."),
    ready: z.boolean().optional().describe("Result of the last check before Released: targets up, key metrics sampled, backups where required (4.7 b)."),
    reasons: z.array(z.string().max(1024).describe("One missing piece.")).max(32).optional().describe("What the last check found missing."),
    checkedAt: Timestamp.optional().describe("When the check last found what it reports."),
  })
  .describe("Monitoring enrollment (9.1) and the check before Released (4.7 b).");
export type MonitoringStatus = z.infer<typeof MonitoringStatus>;

export const CapacityForecastStatus = z
  .object({
    name: z.string().max(63).describe("The key capacity metric."),
    unit: z.string().max(32).optional().describe("Its unit."),
    current: z.number().optional().describe("The newest value in the history."),
    peak: z.number().describe("Declared peak requirement."),
    campaign: z.number().optional().describe("Declared campaign requirement."),
    testedLimit: z.number().optional().describe("Declared tested limit."),
    limit: z.number().describe("The limit forecast against."),
    limitSource: z.enum(["upperBound", "testedLimit", "peak"]).describe("Where the limit comes from: the alerting upper bound, the tested limit, or the peak requirement."),
    slopePerDay: z.number().optional().describe("Trend in units per day."),
    fitError: z.number().optional().describe("RMS of the fit's residuals, in units."),
    seasonal: z.boolean().optional().describe("Whether the fit has daily seasonality."),
    samples: z.int().min(0).describe("Samples the fit used."),
    crossesAt: Timestamp.optional().describe("When the forecast first reaches the limit, if within the horizon."),
    withinHorizon: z.boolean().describe("Whether that is within the policy's horizon."),
    message: z.string().max(1024).describe("The forecast in words."),
  })
  .describe("The forecast of one key capacity metric.");

export const CapacityReportStatus = z
  .object({
    generatedAt: Timestamp.describe("When the report was made."),
    observedGeneration: z.int().min(0).describe("The Release generation the report was made for."),
    horizon: z.string().max(32).describe("Forecast horizon."),
    history: z.string().max(32).describe("History read."),
    atRisk: z.int().min(0).describe("Metrics forecast to reach their limit within the horizon."),
    metrics: z.array(CapacityForecastStatus).max(32).describe("Per-metric forecasts."),
  })
  .describe("Capacity report (6.3.3): trend and forecast of each key capacity metric.");

export const ReleaseStatus = z
  .object({
    phase: Phase.optional(),
    observedGeneration: z.int().min(0).optional().describe("The .metadata.generation this status reflects."),
    conditions: z.array(Condition).max(16).optional().describe("Ready, Reconciling and Stalled (kstatus), plus GatesPassed, Sealed and Verified."),
    gatesSummary: z.string().max(32).optional().describe('Passed gates over required gates, such as "7/9".'),
    artifactDigest: Sha256Digest.optional().describe("Digest of what was built and tested (application, version, images, configuration): the subject test and scan evidence sign."),
    planDigest: Sha256Digest.optional().describe("Digest of the whole plan the approvers judged (the artifact digest and every other spec field): the subject approvals sign."),
    gates: z.array(GateResult).max(64).optional().describe("Per-gate results."),
    seals: z
      .array(
        z
          .object({
            image: z.string().max(512).describe("Image repository."),
            digest: Sha256Digest,
            status: z.enum(["Verified", "Failed", "Pending"]).describe("Seal verification result."),
            reason: z.string().max(1024).describe("Why."),
            signer: z.string().max(63).optional().describe("The signer whose signature verified."),
          })
          .describe("Seal verification of one image."),
      )
      .max(64)
      .optional()
      .describe("Seal verification results."),
    canary: z
      .object({
        stepIndex: z.int().min(0).describe("Index of the current step."),
        weight: z.int().min(0).max(100).describe("Percent of ordinary traffic on the new version."),
        stepStartedAt: Timestamp.optional().describe("When the current step started."),
        stableTemplateHash: z.string().max(64).optional().describe("Hash of the stable pod template."),
        candidateTemplateHash: z.string().max(64).optional().describe("Hash of the candidate pod template."),
        stepName: z.string().max(63).optional().describe("Name of the current step; empty before the first step and after the last."),
        workload: z.string().max(253).optional().describe("The Deployment being rolled out (the candidate); its stable copy is <workload>-stable."),
        stablePodTemplateHash: z.string().max(63).optional().describe("The pod-template-hash label of the stable copy's pods: what {{stable}} expands to in analysis queries."),
        candidatePodTemplateHash: z.string().max(63).optional().describe("The pod-template-hash label of the candidate's pods: what {{canary}} expands to in analysis queries."),
        startedAt: Timestamp.optional().describe("When the rollout started."),
        pause: z
          .object({
            reason: z.enum(["Approval", "Inconclusive"]).describe("Approval: a pause step waits for a signed Promotion approval; Inconclusive: an analysis was inconclusive and waits for a person."),
            since: Timestamp.describe("When the pause began; an approval counts when it was signed after this (or names this pause)."),
          })
          .optional()
          .describe("Set while the rollout waits for a person."),
        initialising: z.boolean().optional().describe("True during the first release of a workload: its current template becomes the stable copy directly."),
        routeMovedToStable: z
          .object({ settledAt: Timestamp.optional().describe("When the route was seen sending all traffic to the stable copy.") })
          .optional()
          .describe("Set during a first release when golive found a route not on the stable copy and moved it; the Deployment keeps its pods trafficRouting.scaleDownDelay after settledAt while the gateway switches."),
        wave: z.int().min(0).max(15).optional().describe("Index of the wave being rolled out (spec.strategy.waves); the step, weight and verification are this wave's."),
      })
      .optional()
      .describe("Position of the rollout."),
    waves: z
      .array(
        z
          .object({
            name: z.string().max(63).describe("The wave's name."),
            phase: z.enum(["Pending", "Verifying", "CleaningUp", "Progressing", "Passed", "Promoted", "RollingBack", "RolledBack", "Skipped"]).describe("Where this wave stands: Pending (held: no ordinary traffic on its new version), the phase it is in, Passed (its steps done, holding its last weight until every wave passed), Promoted, RollingBack, RolledBack, or Skipped (none of its Deployments changed)."),
            weight: z.int().min(0).max(100).describe("Percent of ordinary traffic on the new version of this wave's Deployments."),
            verifiedAt: Timestamp.optional().describe("When this wave's verification passed."),
            passedAt: Timestamp.optional().describe("When this wave's canary steps were all done."),
            workloads: z
              .array(
                z
                  .object({
                    kind: z.string().max(63).describe("The workload's kind."),
                    name: z.string().max(253).describe("The workload's name."),
                    routing: z.enum(["gatewayAPI", "nginx", "replicaRatio", "worker", "partition", "nodes"]).describe("How its traffic is split: an HTTPRoute, an ingress-nginx canary, replica ratio behind its Service, replica ratio with no Service (a worker), a StatefulSet's rolling-update partition (candidate ordinals >= partition), or a DaemonSet's nodes (those labelled golive.dev/canary-node=true first, then all)."),
                    changed: z.boolean().describe("Whether its pod template differs from its stable copy's (false: nothing to roll out)."),
                    replicas: z.int().min(0).max(10000).optional().describe("Replicas the rollout keeps for it (with replica ratio: candidate and stable together), fixed when the rollout started: spec.architecture.replicas for the first Deployment, else what its stable copy ran (the candidate's for a first release)."),
                    candidateTemplateHash: z.string().max(64).optional().describe("Hash of the candidate pod template when the rollout started."),
                    stableTemplateHash: z.string().max(64).optional().describe("Hash of the stable copy's pod template."),
                    candidatePods: z.int().min(0).optional().describe("Ready pods of the new version, as last observed."),
                    stablePods: z.int().min(0).optional().describe("Ready pods of the stable copy, as last observed."),
                    rolledBackAt: Timestamp.optional().describe("When this workload was seen back on its stable version: 0 % ordinary traffic, no verification route, no candidate pods."),
                  })
                  .describe("One workload's position."),
              )
              .max(32)
              .describe("Its workloads, each with its position."),
          })
          .describe("One wave's position."),
      )
      .max(16)
      .optional()
      .describe("Every wave of the rollout and each workload's position in it (Release status and golive status show them)."),
    verification: z
      .object({
        startedAt: Timestamp.describe("When verification started."),
        candidateReadyAt: Timestamp.optional().describe("When the candidate's pods were all available."),
        jobs: z.array(RolloutJobStatus).max(32).default([]).describe("The verification Jobs and their results (4.7 c,d,e)."),
        evidence: z.string().max(253).optional().describe("The VerificationReport ReleaseEvidence the operator signed from the Jobs' results."),
        gates: z.array(GateResult).max(64).default([]).describe("Results of the Verification-phase gates (4.7 f)."),
        passedAt: Timestamp.optional().describe("When verification passed."),
        cleanup: RolloutJobStatus.optional().describe("The cleanup Job that removes verification data (4.6 d)."),
      })
      .optional()
      .describe("Verification before ordinary users reach the new version (4.6 c,d, 4.7)."),
    analysis: z.array(AnalysisRunStatus).max(64).optional().describe("Analysis runs of the canary steps, oldest first."),
    promotion: z
      .object({
        gates: z.array(GateResult).max(64).default([]).describe("Results of the Promotion-phase gates (4.9)."),
        startedAt: Timestamp.optional().describe("When the stable copy started taking the candidate's template."),
        promotedAt: Timestamp.optional().describe("When all traffic was back on the (now updated) stable copy."),
      })
      .optional()
      .describe("Promotion to production (4.9)."),
    rollback: z
      .object({
        trigger: z.enum(["AnalysisFailed", "AnalysisError", "ProgressDeadlineExceeded", "VerificationFailed", "Aborted"]).describe("What started the rollback."),
        reason: z.string().max(4096).describe("Why, in words."),
        decidedAt: Timestamp.describe("When the deciding fact was observed (the failing measurement, the deadline, the abort)."),
        startedAt: Timestamp.describe("When the operator began rolling back."),
        abortedBy: z.string().max(256).optional().describe("For an abort: the signer and role of the signed abort."),
        trafficOnStableAt: Timestamp.optional().describe("When the router was seen sending all traffic to stable."),
        candidateGoneAt: Timestamp.optional().describe("When the candidate was scaled to zero and none of its pods remained."),
        hooks: z.array(RolloutJobStatus).max(16).default([]).describe("The rollback hook Jobs (4.10 c,d)."),
        verifiedAt: Timestamp.optional().describe("When the rollback was verified complete (4.10 e)."),
      })
      .optional()
      .describe("Rollback record (4.10)."),
    stall: z
      .object({
        since: Timestamp.describe("When golive first could not act on the rollout (the router or an object it needs failed); cleared by a pass that can act, or a phase change."),
        reason: z.string().max(1024).describe("The error that stops the rollout, such as the router's \"HTTPRoute shop/web not found\"."),
        stalledAt: Timestamp.optional().describe("When the progress deadline passed with the error still there: from then on Stalled=True (reason ProgressDeadlineExceeded) and Ready=False, and one Warning Event was recorded."),
      })
      .optional()
      .describe("A rollout that cannot proceed: what stops it and since when (the phase stays; golive keeps retrying and continues once the cause is fixed)."),
    releasedAt: Timestamp.optional().describe("When the release reached Released."),
    disasterRecovery: z
      .array(
        z
          .object({
            target: z.string().max(63).describe("The policy's DR target."),
            state: z.enum(["InSync", "Drifted", "Unreachable"]).describe("InSync: the DR cluster runs the sealed images and configuration; Drifted: something differs; Unreachable: the DR API server could not be read."),
            since: Timestamp.describe("When the target entered this state."),
            differences: z.array(z.string().max(1024).describe("One difference, naming the object.")).max(20).optional().describe("What differs, object by object (Drifted)."),
            reason: z.string().max(1024).optional().describe("Why it could not be read (Unreachable; credentials never appear)."),
            checkedAt: Timestamp.describe("When the target was last compared."),
          })
          .describe("One DR target's consistency with the release."),
      )
      .max(8)
      .optional()
      .describe("Per DR target: does the standby cluster run this release's sealed bits (4.3 g)."),
    disasterRecoveryHold: z
      .object({
        since: Timestamp.describe("When Released was first held because a DR target was not InSync."),
        stalledAt: Timestamp.optional().describe("When disasterRecovery.deadlineSeconds passed with a target still not InSync: from then on Stalled=True (reason DisasterRecoveryDeadlineExceeded) and Ready=False, and one Warning Event was recorded."),
      })
      .optional()
      .describe("Set while Released waits for DR consistency (4.3 g, the policy's disasterRecovery.releasedWaitsForConsistency); cleared when the release goes Released."),
    monitoring: MonitoringStatus.optional(),
    capacity: CapacityReportStatus.optional(),
    inventory: z
      .object({
        configMap: z.string().max(253).describe("The per-namespace inventory ConfigMap."),
        key: z.string().max(253).describe("The key holding this workload's record."),
        recordedAt: Timestamp.describe("When the record was written."),
      })
      .optional()
      .describe("Where the configuration-management record of this release was written (4.9)."),
    message: z.string().max(4096).optional().describe("What the release is waiting for or why it stopped."),
    audit: z
      .object({
        head: Sha256Digest.describe("Hash of the newest audit record about this release."),
        sequence: z.int().min(0).describe("Sequence number of that record."),
      })
      .optional()
      .describe("Audit chain head (8.3)."),
  })
  .describe("ReleaseStatus is written by the golive operator only.");
export type ReleaseStatus = z.infer<typeof ReleaseStatus>;

export const Release = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("Release"),
    metadata: ObjectMeta,
    spec: ReleaseSpec,
    status: ReleaseStatus.optional(),
  })
  .describe("Release is one version of one application going live under a ReleasePolicy.");
export type Release = z.infer<typeof Release>;
export type ReleaseInput = z.input<typeof Release>;

