// ReleasePolicy (cluster-scoped): what a release in the governed namespaces must prove before
// it may go live, who may sign and approve, and when changes are allowed.
import { z } from "zod";
import { API_VERSION, cel, DnsLabel, Duration, LabelSelector, ObjectName, Timestamp, TimeZone, withUniqueNames } from "./common.js";
import { EvidenceType } from "./evidence-types.js";
import { DesignRules } from "./workload-design.js";
import { isPlainHttp, POLICY_HTTPS_RULE, Safeguards } from "./safeguards.js";

export const DefectSeverity = z.enum(["Critical", "Major", "Minor", "Trivial"]).describe("Defect severity, from the worst: Critical, Major, Minor, Trivial.");
export type DefectSeverity = z.infer<typeof DefectSeverity>;
export const FindingSeverity = z.enum(["critical", "high", "medium", "low"]).describe("Security finding severity: critical, high, medium or low (SARIF security-severity 9+, 7+, 4+, above 0).");
export type FindingSeverity = z.infer<typeof FindingSeverity>;
export const Permission = z.enum(["Approve", "Abort", "Promote", "BreakGlass"]).describe("Something a role may do: Approve a stage, Abort (roll back) a release, Promote it past a pause, or BreakGlass (admit despite a failed gate, recorded).");
export type Permission = z.infer<typeof Permission>;
export const ApprovalStage = z
  .enum(["Release", "Verification", "Promotion", "Closing"])
  .describe("A stage needing sign-off: Release (go-live approval before admission, 4.2 b), Verification (acceptance of post-release verification, 4.7 f), Promotion (end of the trial run, 4.9), Closing (the sign-off at the end of the go-live, after Released, 4.3 l).");
export type ApprovalStage = z.infer<typeof ApprovalStage>;

export const GatePhase = z.enum(["GoLive", "Verification", "Promotion", "Closing"]).describe("The lifecycle point a gate guards.");
export type GatePhase = z.infer<typeof GatePhase>;

const TestEvidenceType = z
  .enum(["UnitTestReport", "IntegrationTestReport", "FunctionalTestReport", "NonFunctionalTestReport", "BatchTestReport", "VerificationReport"])
  .describe("Which test report this gate reads.");

const TestsGate = z
  .object({
    evidenceType: TestEvidenceType,
    requireAllPlannedExecuted: z.boolean().default(true).describe("Fail when fewer cases ran than were planned (skipped cases count as not executed)."),
    allowFailuresMappedToAcceptedDefects: z.boolean().default(true).describe("A failed case passes when it maps to a defect the business owner accepted; otherwise any failure fails the gate."),
    minCases: z.int().min(0).max(10_000_000).default(1).describe("The fewest cases the report must contain."),
  })
  .describe("Test exit criteria (7.1.1, 7.1.2): every planned case executed, no unaccepted failure.");

const DefectsGate = z
  .object({
    convergenceWindowDays: z.int().min(1).max(90).default(3).describe("New defects per day must fall to zero over this many most recent days."),
    maxUnacceptedSeverity: DefectSeverity.default("Trivial").describe("Open or deferred defects more severe than this need business-owner acceptance."),
  })
  .describe("Defect convergence and disposition (7.1.2 a, 7.3, 4.3 b, 4.4 d).");

const PerformanceGate = z
  .object({
    headroom: z.number().min(1).max(100).default(1.2).describe("The measured maximum of each key capacity metric must reach its declared peak times this factor."),
    maxP95LatencyMs: z.number().min(0).max(3_600_000).optional().describe("Highest acceptable p95 latency in milliseconds."),
    maxErrorRate: z.number().min(0).max(1).default(0.01).describe("Highest acceptable error rate, from 0 to 1."),
    requiredForEveryRelease: z.boolean().default(false).describe("Require performance evidence for every release; otherwise only for a first full release (7.1.2 c)."),
  })
  .describe("Performance and capacity (6.1.3, 7.1.2 c).");

export const ScanCategory = z.enum(["sast", "dast", "config"]).describe("A kind of security scan (8.6 a-c): sast (white box), dast (black box) or config (configuration check).");
export type ScanCategory = z.infer<typeof ScanCategory>;

const SecurityGate = z
  .object({
    failOnSeverity: FindingSeverity.default("high").describe("A finding at or above this severity fails the gate unless a signed Waiver accepts it."),
    requirePenetrationTestWhenInternetFacing: z.boolean().default(true).describe("Internet-facing releases also need a PenetrationTestReport."),
    requireCategories: z
      .array(ScanCategory)
      .max(3)
      .default([])
      .describe(
        "Kinds of scan that must each be present (8.6 a-c): sast (white box), dast (black box), config (configuration check). A scan's kind is the category declared when it was signed (golive evidence create --category), else its SARIF run's automationDetails.id prefix, else a well-known tool (ESLint, CodeQL, Semgrep: sast; ZAP, Burp, Nuclei: dast; Checkov, KICS, kube-score: config). Empty: any scan will do.",
      ),
  })
  .describe("Security testing (8.6): white box, black box and configuration scans as SARIF.");

const DocumentsGate = z
  .object({
    required: z.array(EvidenceType).min(1).max(32).describe("Evidence types that must be present and validly signed."),
  })
  .describe("Documents under configuration management (4.5).");

const ApprovalsGate = z
  .object({
    stage: ApprovalStage.describe("Which stage's approvals (from spec.approvals) this gate requires."),
  })
  .describe("Signed approvals by role (4.2 b, 4.7 f).");

const ChangeWindowGate = z.object({}).describe("The change must fall inside an allowed window and outside every freeze (4.2 h); windows are in spec.changeWindows.");

const ConfigurationBaselineGate = z
  .object({
    forbiddenComponents: z.array(z.string().min(1).max(256).describe("A component name, optionally name@version.")).max(256).optional().describe("Components that must not appear in the SBOM."),
  })
  .describe("Configuration baseline (4.4 a): an SBOM of the versions of software, middleware and OS.");

const DRDrillGate = z
  .object({
    maxAgeDays: z.int().min(1).max(3650).default(365).describe("The drill must have run within this many days; an older one blocks the gate with its date."),
    role: DnsLabel.optional().describe("The role (from spec.roles) that runs DR drills: the report must be signed by one of its signers. Unset: any signer trusted for DRDrillReport."),
    maxRtoMinutes: z.int().min(0).max(525_600).optional().describe("The highest recovery time objective the report may declare; unset: the report's declared RTO is the target."),
    maxRpoMinutes: z.int().min(0).max(525_600).optional().describe("The highest recovery point objective the report may declare; unset: the report's declared RPO is the target."),
  })
  .describe("Emergency and DR drills (9.2 c,d): a recent DRDrillReport, in its JSON form, signed by the role that ran it, whose achieved RTO and RPO meet the declared ones.");

const ReviewsGate = z
  .object({
    testReview: z.boolean().default(true).describe("Require a TestReviewRecord (7.2.1): every listed test document reviewed and approved."),
    testDocuments: z
      .array(z.string().min(1).max(256).describe("A test document's name, such as test plan."))
      .max(64)
      .default(["test plan", "test cases", "test report"])
      .describe("Test documents the TestReviewRecord must list as reviewed (names compared without case)."),
    requireDependencies: z
      .boolean()
      .default(false)
      .describe("4.4 d: the ReleaseReviewRecord must list the system dependencies (upstream and downstream; an empty list when there are none), and an IntegrationTestReport suite must name each one."),
    releaseReview: z.boolean().default(true).describe("Require a ReleaseReviewRecord (7.2.2): counts of projects, requirements and related systems, and every check (interface changes, code comparison, source archived, configuration, database scripts, batch changes) passed or not applicable."),
  })
  .describe("Review records (7.2): the test review and the release review, each in its JSON form.");

const GATE_BLOCKS = ["tests", "defects", "performance", "security", "documents", "approvals", "changeWindow", "configurationBaseline", "drDrill", "reviews"] as const;
export type GateKind = (typeof GATE_BLOCKS)[number];

export const Gate = cel(
  z
    .object({
      name: DnsLabel.describe("The gate's name, unique in the policy; reported in Release status."),
      clause: z.string().min(1).max(64).describe('The JR/T 0179-2019 clause the gate implements, such as "7.1.2 a".'),
      description: z.string().max(1024).optional().describe("What the gate checks, in words for the people who read the status."),
      phase: GatePhase.default("GoLive").describe("When the gate applies: GoLive gates decide admission (phase Approved); Verification gates must pass before ordinary traffic opens (after verification, 4.7); Promotion gates before the release is promoted (4.9); Closing gates after Released, for the release to be complete (4.3 l): they never decide admission or the rollout."),
      tests: TestsGate.optional(),
      defects: DefectsGate.optional(),
      performance: PerformanceGate.optional(),
      security: SecurityGate.optional(),
      documents: DocumentsGate.optional(),
      approvals: ApprovalsGate.optional(),
      changeWindow: ChangeWindowGate.optional(),
      configurationBaseline: ConfigurationBaselineGate.optional(),
      drDrill: DRDrillGate.optional(),
      reviews: ReviewsGate.optional(),
    })
    .superRefine((gate, ctx) => {
      const set = GATE_BLOCKS.filter((k) => gate[k] !== undefined);
      if (set.length !== 1) ctx.addIssue({ code: "custom", message: `gate "${gate.name}" must set exactly one of ${GATE_BLOCKS.join(", ")} (found ${set.length ? set.join(", ") : "none"})` });
    }),
  { rule: `[${GATE_BLOCKS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`, message: `a gate must set exactly one of ${GATE_BLOCKS.join(", ")}` },
).describe("A go-live gate: a decision computed from signed evidence. Exactly one of the gate blocks is set.");
export type Gate = z.infer<typeof Gate>;

/** Which block a gate sets (validated to be exactly one). */
export function gateKind(gate: Gate): GateKind {
  const kind = GATE_BLOCKS.find((k) => gate[k] !== undefined);
  if (!kind) throw new Error(`gate "${gate.name}" sets no gate block`);
  return kind;
}

export const Signer = z
  .object({
    name: DnsLabel.describe("The signer's name; roles and status refer to it."),
    publicKey: z.string().min(1).max(16384).regex(/-----BEGIN PUBLIC KEY-----/, { message: "must be a PEM-encoded public key (-----BEGIN PUBLIC KEY-----)" }).describe("PEM-encoded public key (ECDSA P-256, Ed25519 or RSA)."),
    evidenceTypes: z.array(EvidenceType).max(32).optional().describe("Evidence types this signer may attest (Approval included). Empty: none."),
    images: z.boolean().default(false).describe("Whether this key's image signatures seal images."),
  })
  .describe("A trusted signing key and what it may sign.");
export type Signer = z.infer<typeof Signer>;

export const Role = z
  .object({
    name: DnsLabel.describe('The role\'s name, such as "business-owner" or "release-manager".'),
    users: z.array(z.string().min(1).max(256).describe("A Kubernetes user name.")).max(256).optional().describe("Kubernetes users who hold the role."),
    groups: z.array(z.string().min(1).max(256).describe("A Kubernetes group name.")).max(256).optional().describe("Kubernetes groups whose members hold the role."),
    signers: z.array(DnsLabel.describe("A signer name from spec.signers.")).max(64).optional().describe("Signers whose signatures count for this role."),
    permissions: z.array(Permission).min(1).max(4).describe("What holders of the role may do."),
  })
  .describe("A role of the go-live process (4.2 a): who holds it and what it may do.");
export type Role = z.infer<typeof Role>;

export const ApprovalRequirement = cel(
  z
    .object({
      stage: ApprovalStage,
      roles: z.array(DnsLabel.describe("A role name from spec.roles.")).min(1).max(16).describe("Each of these roles must sign an Approval for the stage."),
      distinctSigners: z.boolean().default(true).describe("One signer cannot fill two of these roles (separation of duties)."),
    })
    .describe("Approvals a stage needs."),
  { rule: "self.roles.all(r, self.roles.exists_one(s, s == r))", message: "roles of an approval requirement must be unique" },
);
export type ApprovalRequirement = z.infer<typeof ApprovalRequirement>;

const CRON_RE = /^\s*(\S+\s+){4}\S+\s*$/;
export const ChangeWindow = z
  .object({
    name: DnsLabel.describe("The window's name."),
    schedule: z.string().regex(CRON_RE, { message: 'must be a five-field cron expression such as "0 22 * * 1-5"' }).max(128).describe('When the window opens, as a five-field cron expression ("minute hour day-of-month month day-of-week"), in spec.changeWindows.timeZone.'),
    duration: Duration.describe("How long the window stays open after each opening."),
  })
  .describe("A recurring period in which changes may go live.");

export const Freeze = cel(
  z
    .object({
      name: DnsLabel.describe("The freeze's name."),
      start: Timestamp.describe("When the freeze begins."),
      end: Timestamp.describe("When the freeze ends."),
      reason: z.string().max(1024).optional().describe("Why changes are frozen (year-end closing, a campaign, ...)."),
    })
    .refine((f) => Date.parse(f.end) > Date.parse(f.start), { message: "a freeze must end after it starts" })
    .describe("A period in which no change may go live, whatever the windows say."),
  { rule: "timestamp(self.end) > timestamp(self.start)", message: "a freeze must end after it starts" },
);

export const ChangeWindows = z
  .object({
    timeZone: TimeZone.default("UTC").describe("The time zone of the schedules, such as Asia/Shanghai."),
    windows: withUniqueNames(z.array(ChangeWindow).max(32), "change window").optional().describe("Allowed windows; when empty, changes may go live at any time outside freezes."),
    freezes: withUniqueNames(z.array(Freeze).max(64), "freeze").optional().describe("Freeze periods."),
  })
  .describe("Release cycle and change windows (4.2 h).");

export const ArchitectureMinimums = z
  .object({
    minReplicas: z.int().min(1).max(1000).default(2).describe("The fewest replicas a governed Deployment or StatefulSet may run (5.1 b)."),
    requirePodDisruptionBudget: z.boolean().default(true).describe("A PodDisruptionBudget must cover the workload."),
    requireResourceRequests: z.boolean().default(true).describe("Every container sets CPU and memory requests (6.2.1)."),
    requireResourceLimits: z.boolean().default(true).describe("Every container sets a memory limit (6.2.1)."),
    requireRunAsNonRoot: z.boolean().default(true).describe("Pods run as non-root (4.4 c)."),
    forbidPrivileged: z.boolean().default(true).describe("No privileged containers or privilege escalation (4.4 c)."),
    forbidHostNamespaces: z.boolean().default(true).describe("No hostNetwork, hostPID or hostIPC (4.4 c)."),
    restrictCapabilities: z.boolean().default(true).describe("Containers (init and ephemeral too) add no Linux capability outside allowedCapabilities (securityContext.capabilities.add, 4.4 c)."),
    allowedCapabilities: z
      .array(
        z
          .string()
          .regex(/^[A-Z][A-Z0-9_]*$/, { message: "must be a capability name in capitals without the CAP_ prefix, such as NET_BIND_SERVICE" })
          .max(64)
          .describe("A Linux capability, such as NET_BIND_SERVICE."),
      )
      .max(64)
      .default(["NET_BIND_SERVICE"])
      .describe("The capabilities a container may add when restrictCapabilities is on; default NET_BIND_SERVICE only (as the Pod Security Standards' restricted profile). Names without the CAP_ prefix; a CAP_ prefix in a workload is ignored when comparing."),
    forbidHostPath: z.boolean().default(true).describe("No hostPath volumes (4.4 c)."),
    forbidHostPorts: z.boolean().default(true).describe("No container port with a hostPort (4.4 c)."),
    requireNoPrivilegeEscalation: z
      .boolean()
      .default(false)
      .describe("Every container sets securityContext.allowPrivilegeEscalation: false; unset counts as allowed, as the kernel defaults to it (4.4 c). Off by default because most manifests leave it unset; on in the level-3 bundle. An explicit true is denied by forbidPrivileged either way."),
    forbidUnconfinedSeccomp: z.boolean().default(true).describe("No seccomp profile other than RuntimeDefault or Localhost (such as Unconfined) on the pod or a container (4.4 c)."),
    requireSeccompProfile: z
      .boolean()
      .default(false)
      .describe("Every container runs under a RuntimeDefault or Localhost seccomp profile, set on the pod or on the container: unset counts as not compliant, since the runtime then runs it Unconfined (4.4 c). Off by default; on in the level-3 bundle."),
    forbidClusterAdminServiceAccount: z
      .boolean()
      .default(true)
      .describe("The pods' ServiceAccount is bound (by a RoleBinding in the namespace or a ClusterRoleBinding, directly or through its groups) to no cluster-admin and no Role or ClusterRole granting verbs * on resources * (4.4 c). Read from the webhook's RBAC caches; while they have not synced, governed workloads are denied."),
    requireTopologySpread: z.boolean().default(false).describe("Pods spread across nodes or zones (topologySpreadConstraints or pod anti-affinity)."),
  })
  .describe("Architecture and security minimums checked at admission (4.4 b, 4.4 c, 5.1 b, 5.2).");
export type ArchitectureMinimums = z.infer<typeof ArchitectureMinimums>;

export const ImageRules = z
  .object({
    requireDigest: z.boolean().default(true).describe("Images must be referenced by digest (4.6 a)."),
    requireSignature: z.boolean().default(true).describe("Images must carry a valid signature by a signer with images: true (4.1 d)."),
    sealGracePeriod: Duration.default("24h").describe("How long a verified seal stays in force past the seal cache's lifetime (12 h) while its re-verification fails for registry trouble (Auth, Throttled, RegistryDown, Timeout); a definitive failure unseals at once."),
    allowedRegistries: z.array(z.string().min(1).max(256).describe('A registry or repository prefix, such as "registry.example.com/insurance/".')).max(64).optional().describe("Image references must start with one of these prefixes; empty allows any."),
  })
  .describe("Sealed image rules.");

export const BatchRules = z
  .object({
    highRiskClasses: z.array(DnsLabel.describe("A batch class, such as funds or sms.")).max(32).default(["funds", "policy-template", "printing", "sms"]).describe("Values of the golive.dev/batch-class label that mark a high-risk batch job (7.1.9)."),
    gate: DnsLabel.optional().describe("The gate (a tests gate reading BatchTestReport) high-risk batch Jobs and CronJobs need."),
  })
  .describe("High-risk batch jobs (7.1.9).");

export const MonitoringRules = z
  .object({
    requireReady: z.boolean().default(true).describe("Before Released, confirm through Prometheus that the new version's scrape targets are up and every key capacity metric has samples; a release whose monitoring is missing waits with the reason (4.7 b)."),
    requireBackup: z.boolean().default(false).describe("Before Released, also require an active Velero Schedule that backs up the release's namespace (4.7 b: backups enabled)."),
    prometheus: z.string().url().max(1024).regex(/^https?:\/\//, { message: "must be an http:// or https:// URL" }).optional().describe("The Prometheus that scrapes the governed namespaces, for the readiness check and the capacity report; default: the operator's --prometheus-url, else the release's analysis Prometheus."),
    monitorKind: z.enum(["PodMonitor", "ServiceMonitor"]).default("PodMonitor").describe("With the Prometheus Operator installed: scrape through a PodMonitor, or a ServiceMonitor and a headless Service."),
    alertFor: Duration.default("5m").describe("How long an alert condition must hold before it fires (the rules' for)."),
    capacityHorizon: Duration.default("30d").describe("A key capacity metric forecast to reach its limit within this time raises the CapacityAtRisk condition and alert (6.3.3)."),
    ruleLabels: z.record(z.string().max(63), z.string().max(63).describe("A label value.")).optional().describe("Labels added to every enrollment object, such as what a Prometheus' ruleSelector or podMonitorSelector asks for."),
  })
  .describe("Monitoring enrollment, the checks before Released, and capacity management (4.7 b, 6.3, 9.1).");
export type MonitoringRules = z.infer<typeof MonitoringRules>;

export const DisasterRecoveryTarget = z
  .object({
    name: DnsLabel.describe("The target's name, as status, Events and golive dr status show it."),
    kubeconfigSecret: z
      .object({
        name: DnsLabel.describe("A Secret in golive's own namespace (as Argo CD keeps cluster credentials)."),
        key: z.string().min(1).max(253).default("kubeconfig").describe("The Secret's key holding the kubeconfig."),
      })
      .describe("Where the credentials of the DR cluster are; golive reads only this Secret and never writes its contents anywhere."),
    namespaceMapping: z.record(z.string().max(63), z.string().max(63).describe("The namespace on the DR cluster.")).optional().describe("A release in namespace <key> runs in namespace <value> on the DR cluster; unmapped namespaces keep their name."),
  })
  .describe("A disaster-recovery cluster that must run the same sealed version (4.3 g).");
export type DisasterRecoveryTarget = z.infer<typeof DisasterRecoveryTarget>;

export const DisasterRecoveryRules = z
  .object({
    targets: withUniqueNames(z.array(DisasterRecoveryTarget).min(1).max(8), "target").describe("The DR clusters compared with each live release."),
    releasedWaitsForConsistency: z.boolean().optional().describe("Whether Released waits until every target is InSync. Unset: waits at protection level 3 and above, only warns below (the DisasterRecoveryConsistent condition, a Warning Event ReleasedWithDisasterRecoveryInconsistent, the metric and its alert). While it waits the phase stays (Verifying or Progressing), status.disasterRecoveryHold records since when, and the message names each target not InSync and what differs."),
    deadlineSeconds: z.int().min(1).max(604800).default(1800).describe("How long Released waits for DR consistency: past it the release is Stalled (reason DisasterRecoveryDeadlineExceeded, Ready=False) with the targets and what differs, and keeps waiting; it goes Released by itself once every target is InSync."),
  })
  .describe("Disaster-recovery consistency: each target runs the release's sealed images and configuration (JR/T 0179 4.3 g, 9.2 c, d).");
export type DisasterRecoveryRules = z.infer<typeof DisasterRecoveryRules>;

/** Names that point at nothing: a role's unknown signer, an approval's unknown role, a gate's missing stage. */
function policyReferenceProblems(spec: {
  gates: Gate[];
  signers: { name: string }[];
  roles: { name: string; signers?: string[] | undefined }[];
  approvals: { stage: string; roles: string[] }[];
  batch: { gate?: string | undefined };
}): string[] {
  const problems: string[] = [];
  const signers = new Set(spec.signers.map((s) => s.name));
  const roles = new Set(spec.roles.map((r) => r.name));
  for (const role of spec.roles)
    for (const s of role.signers ?? []) if (!signers.has(s)) problems.push(`role "${role.name}" names signer "${s}", which is not in spec.signers`);
  for (const a of spec.approvals)
    for (const r of a.roles) if (!roles.has(r)) problems.push(`approvals for stage ${a.stage} name role "${r}", which is not in spec.roles`);
  for (const g of spec.gates)
    if (g.approvals && !spec.approvals.some((a) => a.stage === g.approvals?.stage))
      problems.push(`gate "${g.name}" requires ${g.approvals.stage} approvals, but spec.approvals has no entry for that stage`);
  for (const g of spec.gates)
    if (g.approvals?.stage === "Closing" && g.phase !== "Closing") problems.push(`gate "${g.name}" requires Closing approvals, which are signed after Released: set its phase to Closing`);
  for (const g of spec.gates)
    if (g.drDrill?.role && !roles.has(g.drDrill.role)) problems.push(`gate "${g.name}" says DR drills are run by role "${g.drDrill.role}", which is not in spec.roles`);
  if (spec.batch.gate && !spec.gates.some((g) => g.name === spec.batch.gate)) problems.push(`batch.gate "${spec.batch.gate}" is not a gate of this policy`);
  return problems;
}

export const ReleasePolicySpec = cel(
  z
  .object({
    namespaceSelector: LabelSelector.describe("Namespaces governed by this policy. kube-system and golive's own namespace are never governed."),
    protectionLevel: z.int().min(1).max(5).describe("The classified protection level (等保, 8.8) the policy implements; level 3 requires more gates than level 2."),
    gates: withUniqueNames(z.array(Gate).min(1).max(64), "gate").describe("The gates every release must pass."),
    signers: withUniqueNames(z.array(Signer).max(64), "signer").default([]).describe("Trusted keys for evidence, approvals and images."),
    roles: withUniqueNames(z.array(Role).max(32), "role").default([]).describe("Roles of the go-live process."),
    approvals: z.array(ApprovalRequirement).max(8).default([]).describe("Approvals required per stage."),
    changeWindows: ChangeWindows.optional(),
    architecture: ArchitectureMinimums.default(ArchitectureMinimums.parse({})),
    design: DesignRules.default(DesignRules.parse({})),
    images: ImageRules.default(ImageRules.parse({})),
    batch: BatchRules.default(BatchRules.parse({})),
    monitoring: MonitoringRules.default(MonitoringRules.parse({})),
    safeguards: Safeguards.default(Safeguards.parse({})),
    disasterRecovery: DisasterRecoveryRules.optional(),
    evidenceMaxAge: Duration.optional().describe("Evidence older than this no longer counts (re-test needed); unset: no limit."),
    audit: z
      .object({
        retentionDays: z.int().min(180).max(36500).default(180).describe("Days the audit trail is kept; at least 180 (six months, 8.3)."),
      })
      .default({ retentionDays: 180 })
      .describe("Audit trail settings (8.3)."),
    report: z
      .object({
        language: z.enum(["zh-CN", "en"]).optional().describe("The language of `golive report` for releases under this policy when --lang is not given: zh-CN or en (unset: en)."),
      })
      .optional()
      .describe("Conformance report settings (7.1.6)."),
  })
  .superRefine((spec, ctx) => {
    for (const problem of policyReferenceProblems(spec)) ctx.addIssue({ code: "custom", message: problem });
    if (spec.safeguards.requireHttps && spec.monitoring.prometheus && isPlainHttp(spec.monitoring.prometheus)) ctx.addIssue({ code: "custom", path: ["monitoring", "prometheus"], message: POLICY_HTTPS_RULE.message });
  })
  .describe("ReleasePolicySpec: the go-live requirements for the governed namespaces."),
  POLICY_HTTPS_RULE,
);
export type ReleasePolicySpec = z.infer<typeof ReleasePolicySpec>;

export const ObjectMeta = z
  .object({
    name: ObjectName,
    namespace: z.string().optional(),
    uid: z.string().optional(),
    generation: z.int().optional(),
    resourceVersion: z.string().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose()
  .describe("Standard object metadata.");

export const ReleasePolicy = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("ReleasePolicy"),
    metadata: ObjectMeta,
    spec: ReleasePolicySpec,
  })
  .describe("ReleasePolicy says what releases in the governed namespaces must prove before they go live (JR/T 0179-2019).");
export type ReleasePolicy = z.infer<typeof ReleasePolicy>;
