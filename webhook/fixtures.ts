// Fixtures shared by the webhook's unit tests, integration tests and bench: a governed
// namespace, its policy, an approved Release with sealed image and configuration, and
// compliant workloads of every pod-producing kind.
// Manifests here are loose JSON that tests reshape freely (as the API server would send them):
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */
import { generateKeyPairSync } from "node:crypto";
import type { V1ConfigMap, V1Namespace, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { Release, ReleasePolicy, type GateResult, type ReleaseStatus, type WorkloadKind } from "../api/index.js";
import type { AdmissionRequest } from "./admission.js";
import { configDigest } from "../images/config-digest.js";
import { MemoryView } from "./memory-view.js";

export const NS = "shop";
export const IMAGE = "registry.example.com/shop/web";
export const DIGEST = `sha256:${"a".repeat(64)}`;
export const OTHER_DIGEST = `sha256:${"b".repeat(64)}`;
export const IMAGE_REF = `${IMAGE}@${DIGEST}`;
export const RELEASE = "web-1-2-0";
export const OPERATOR = "system:serviceaccount:golive-system:golive-operator";
export const GOVERNED_LABEL = "golive.dev/governed";
export const CONFIG_DATA = { MODE: "production", TTL: "60s" };

const publicKey = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();

/** The raw (pre-default) policy spec, for tests to adjust before parsing. */
export function policySpec(selectorValue = "true"): Record<string, unknown> {
  return {
    namespaceSelector: { matchLabels: { [GOVERNED_LABEL]: selectorValue } },
    protectionLevel: 3,
    gates: [
      { name: "unit-tests", clause: "7.1.1", tests: { evidenceType: "UnitTestReport" } },
      { name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } },
      { name: "batch-tests", clause: "7.1.9", tests: { evidenceType: "BatchTestReport" } },
    ],
    signers: [
      { name: "image-signer", publicKey: publicKey(), images: true },
      { name: "approver", publicKey: publicKey(), evidenceTypes: ["Approval", "UnitTestReport", "BatchTestReport"] },
    ],
    roles: [
      { name: "owner", groups: ["shop:owners"], signers: ["approver"], permissions: ["Approve"] },
      { name: "ops-on-call", groups: ["shop:ops"], users: ["carol"], permissions: ["Approve", "BreakGlass"] },
    ],
    approvals: [{ stage: "Release", roles: ["owner"] }],
    batch: { gate: "batch-tests" },
    evidenceMaxAge: "30d",
  };
}

export function fixturePolicy(name = "shop-policy", spec: Record<string, unknown> = policySpec()): ReleasePolicy {
  return ReleasePolicy.parse({ apiVersion: "golive.dev/v1alpha1", kind: "ReleasePolicy", metadata: { name }, spec });
}

export function releaseSpec(): Record<string, unknown> {
  return {
    application: "web",
    version: "1.2.0",
    workloads: [
      { kind: "Deployment", name: "web" },
      { kind: "StatefulSet", name: "web-db" },
      { kind: "DaemonSet", name: "web-agent" },
      { kind: "ReplicaSet", name: "web-rs" },
      { kind: "ReplicationController", name: "web-rc" },
      { kind: "Job", name: "nightly" },
      { kind: "CronJob", name: "nightly" },
      { kind: "Pod", name: "web-debug" },
    ],
    images: [{ name: IMAGE, digest: DIGEST }],
    configuration: [{ kind: "ConfigMap", name: "web-config", digest: configDigest("ConfigMap", { data: CONFIG_DATA }) }],
    architecture: { replicas: 3, resources: { cpu: "500m", memory: "256Mi" } },
  };
}

export function gateResults(now: Date, statuses: Record<string, GateResult["status"]> = {}, evidence: Record<string, string[]> = {}): GateResult[] {
  return ["unit-tests", "go-live-approval", "batch-tests"].map((name) => ({
    name,
    status: statuses[name] ?? "Passed",
    reason: (statuses[name] ?? "Passed") === "Passed" ? "evidence verified" : `no ${name} evidence yet`,
    evidence: evidence[name] ?? [],
    evaluatedAt: now.toISOString(),
  }));
}

/** Status as the operator writes it for an approved release. */
export function approvedStatus(now: Date, generation = 1, gates = gateResults(now)): ReleaseStatus {
  const t = now.toISOString();
  return {
    phase: "Approved",
    observedGeneration: generation,
    conditions: [
      { type: "Ready", status: "True", observedGeneration: generation, lastTransitionTime: t, reason: "Approved", message: "" },
      { type: "GatesPassed", status: "True", observedGeneration: generation, lastTransitionTime: t, reason: "AllGatesPassed", message: "3 gate(s) passed" },
      { type: "Sealed", status: "True", observedGeneration: generation, lastTransitionTime: t, reason: "ImagesSealed", message: "1 image(s) sealed" },
    ],
    gates,
    message: "every gate passed and every image is sealed: the workloads may be admitted",
  };
}

export function fixtureRelease(now: Date, opts: { name?: string; namespace?: string; spec?: Record<string, unknown>; status?: ReleaseStatus | null; generation?: number } = {}): Release {
  const generation = opts.generation ?? 1;
  const status = opts.status === null ? undefined : (opts.status ?? approvedStatus(now, generation));
  return Release.parse({
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: opts.name ?? RELEASE, namespace: opts.namespace ?? NS, generation },
    spec: opts.spec ?? releaseSpec(),
    ...(status ? { status } : {}),
  });
}

export function namespace(name: string, labels: Record<string, string> = {}): V1Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } };
}

export function pdb(name = "web", matchLabels: Record<string, string> = { app: "web" }, ns = NS): V1PodDisruptionBudget {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: ns }, spec: { minAvailable: 2, selector: { matchLabels } } };
}

export function configMap(data: Record<string, string> = CONFIG_DATA, ns = NS): V1ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: ns }, data };
}

/** A compliant pod spec (level 3 included): sealed image, requests and limits as declared, non-root, no escalation, seccomp RuntimeDefault, the sealed ConfigMap. */
export function podSpec(image = IMAGE_REF): Record<string, any> {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }],
    containers: [
      {
        name: "web",
        image,
        envFrom: [{ configMapRef: { name: "web-config" } }],
        resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { memory: "256Mi" } },
        securityContext: { allowPrivilegeEscalation: false },
      },
    ],
  };
}

const API: Record<WorkloadKind, string> = { Pod: "v1", Deployment: "apps/v1", StatefulSet: "apps/v1", DaemonSet: "apps/v1", ReplicaSet: "apps/v1", ReplicationController: "v1", Job: "batch/v1", CronJob: "batch/v1" };
const RESOURCE: Record<WorkloadKind, string> = { Pod: "pods", Deployment: "deployments", StatefulSet: "statefulsets", DaemonSet: "daemonsets", ReplicaSet: "replicasets", ReplicationController: "replicationcontrollers", Job: "jobs", CronJob: "cronjobs" };

/** A compliant object of the kind, labelled with the Release. */
export function workload(kind: WorkloadKind, opts: { name?: string; namespace?: string; release?: string | null; labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Record<string, any>; replicas?: number } = {}): Record<string, any> {
  const labels = { app: "web", ...(opts.release === null ? {} : { "golive.dev/release": opts.release ?? RELEASE }), ...opts.labels };
  const name = opts.name ?? defaultName(kind);
  const metadata = { name, namespace: opts.namespace ?? NS, labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) };
  const pod = opts.spec ?? podSpec();
  const template = { metadata: { labels }, spec: pod };
  const selector = { matchLabels: { app: "web" } };
  let spec: Record<string, any>;
  switch (kind) {
    case "Pod":
      spec = pod;
      break;
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
      spec = { replicas: opts.replicas ?? 3, selector, template };
      break;
    case "ReplicationController":
      spec = { replicas: opts.replicas ?? 3, selector: selector.matchLabels, template };
      break;
    case "DaemonSet":
      spec = { selector, template };
      break;
    case "Job":
      spec = { template: { ...template, spec: { ...pod, restartPolicy: "Never" } } };
      break;
    case "CronJob":
      spec = { schedule: "0 2 * * *", jobTemplate: { spec: { template: { ...template, spec: { ...pod, restartPolicy: "Never" } } } } };
      break;
  }
  return { apiVersion: API[kind], kind, metadata, spec };
}

function defaultName(kind: WorkloadKind): string {
  return { Pod: "web-debug", Deployment: "web", StatefulSet: "web-db", DaemonSet: "web-agent", ReplicaSet: "web-rs", ReplicationController: "web-rc", Job: "nightly", CronJob: "nightly" }[kind];
}

let uid = 0;

/** An admission request for the object; the user is alice unless given. */
export function request(object: Record<string, any>, opts: Partial<AdmissionRequest> & { oldObject?: unknown; user?: string; groups?: string[] } = {}): AdmissionRequest {
  const [group, version] = String(object.apiVersion).includes("/") ? String(object.apiVersion).split("/") : ["", String(object.apiVersion)];
  const kind = String(object.kind);
  const resource = (RESOURCE as Record<string, string | undefined>)[kind] ?? (kind === "Release" ? "releases" : kind === "ReleaseEvidence" ? "releaseevidences" : `${kind.toLowerCase()}s`);
  const { user, groups, ...rest } = opts;
  return {
    uid: `uid-${++uid}`,
    kind: { group: group!, version: version!, kind },
    resource: { group: group!, version: version!, resource },
    name: object.metadata?.name,
    namespace: object.metadata?.namespace ?? NS,
    operation: "CREATE",
    userInfo: { username: user ?? "alice", groups: groups ?? ["system:authenticated"] },
    object,
    ...rest,
  };
}

/** A view where the fixture workloads are admitted: governed namespace, approved release, PDB, sealed config and image. */
export function fixtureView(now: Date = new Date("2026-12-01T12:00:00Z"), policy = fixturePolicy()): MemoryView {
  const view = new MemoryView({
    namespaces: [namespace(NS, { [GOVERNED_LABEL]: "true" }), namespace("free"), namespace("kube-system"), namespace("golive-system")],
    policies: [policy],
    releases: [fixtureRelease(now)],
    pdbs: [pdb()],
    configMaps: [configMap()],
    now: () => now,
    operatorIdentity: OPERATOR,
    ownNamespace: "golive-system",
  });
  view.seals.sealed(IMAGE, DIGEST);
  return view;
}
