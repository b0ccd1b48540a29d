// Reading a pod-producing object: where its pod template is for each kind, its containers
// (init and ephemeral too), and the ConfigMaps and Secrets its pods mount or reference.
import type { WorkloadKind } from "../api/index.js";
import { asArr, asObj, asStr, asStrMap, type Obj } from "./object.js";

export interface WorkloadResource {
  kind: WorkloadKind;
  group: string;
  /** Kinds with spec.replicas: architecture minimums apply. */
  replicated: boolean;
}

/** Pod-producing resources by "group/resource" (the core group is ""). */
export const WORKLOAD_RESOURCES: ReadonlyMap<string, WorkloadResource> = new Map([
  ["/pods", { kind: "Pod", group: "", replicated: false }],
  ["apps/deployments", { kind: "Deployment", group: "apps", replicated: true }],
  ["apps/statefulsets", { kind: "StatefulSet", group: "apps", replicated: true }],
  ["apps/daemonsets", { kind: "DaemonSet", group: "apps", replicated: false }],
  ["apps/replicasets", { kind: "ReplicaSet", group: "apps", replicated: true }],
  ["/replicationcontrollers", { kind: "ReplicationController", group: "", replicated: true }],
  ["batch/jobs", { kind: "Job", group: "batch", replicated: false }],
  ["batch/cronjobs", { kind: "CronJob", group: "batch", replicated: false }],
]);

export interface Workload {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pod template (or the Pod's spec): a change here is a go-live. */
  template: unknown;
  podLabels: Record<string, string>;
  podSpec: Obj | undefined;
  replicas: number | undefined;
  /** Has an ownerReference with controller: true. */
  controlled: boolean;
  /** "apiVersion/Kind" of the controlling owner, when there is one. */
  controller: string | undefined;
}

/**
 * The owners whose objects the built-in controllers stamp out: every one of them is a governed
 * kind, judged by golive when it was created or its template changed. Any other owner (a custom
 * resource, a kind golive does not see) does not vouch for what it owns.
 */
export const GOVERNED_OWNERS: ReadonlySet<string> = new Set(["apps/v1/Deployment", "apps/v1/ReplicaSet", "apps/v1/StatefulSet", "apps/v1/DaemonSet", "v1/ReplicationController", "batch/v1/Job", "batch/v1/CronJob"]);

export function readWorkload(kind: WorkloadKind, object: unknown): Workload {
  const o = asObj(object) ?? {};
  const metadata = asObj(o.metadata) ?? {};
  const spec = asObj(o.spec);
  let template: Obj | undefined;
  if (kind === "Pod") template = undefined;
  else if (kind === "CronJob") template = asObj(asObj(asObj(spec?.jobTemplate)?.spec)?.template);
  else template = asObj(spec?.template);
  const podSpec = kind === "Pod" ? spec : asObj(template?.spec);
  const podLabels = kind === "Pod" ? asStrMap(metadata.labels) : asStrMap(asObj(template?.metadata)?.labels);
  const replicas = spec?.replicas;
  const controllerRef = asArr(metadata.ownerReferences).map(asObj).find((r) => r?.controller === true);
  return {
    name: asStr(metadata.name) ?? (asStr(metadata.generateName) !== undefined ? `${asStr(metadata.generateName)}<generated>` : ""),
    labels: asStrMap(metadata.labels),
    annotations: asStrMap(metadata.annotations),
    template: kind === "Pod" ? spec : kind === "CronJob" ? asObj(spec?.jobTemplate) : template,
    podLabels,
    podSpec,
    replicas: typeof replicas === "number" ? replicas : replicas === undefined || replicas === null ? undefined : NaN,
    controlled: controllerRef !== undefined,
    controller: controllerRef ? `${asStr(controllerRef.apiVersion) ?? ""}/${asStr(controllerRef.kind) ?? ""}` : undefined,
  };
}

export type ContainerKind = "container" | "init container" | "ephemeral container";

export interface ContainerVisitor {
  (container: Obj, name: string, kind: ContainerKind): void;
}

const CONTAINER_FIELDS: readonly [string, ContainerKind][] = [
  ["initContainers", "init container"],
  ["containers", "container"],
  ["ephemeralContainers", "ephemeral container"],
];

export function forEachContainer(podSpec: Obj | undefined, visit: ContainerVisitor): void {
  if (!podSpec) return;
  for (const [field, kind] of CONTAINER_FIELDS) {
    const list = asArr(podSpec[field]);
    for (let i = 0; i < list.length; i++) {
      const c = asObj(list[i]);
      if (!c) continue;
      visit(c, asStr(c.name) ?? `#${i}`, kind);
    }
  }
}

export type ConfigKind = "ConfigMap" | "Secret";

/** ConfigMaps and Secrets the pods mount (volumes, projected) or reference (env, envFrom, imagePullSecrets). */
export function forEachConfigReference(podSpec: Obj | undefined, visit: (kind: ConfigKind, name: string) => void): void {
  if (!podSpec) return;
  for (const v of asArr(podSpec.volumes)) {
    const volume = asObj(v);
    if (!volume) continue;
    const cm = asStr(asObj(volume.configMap)?.name);
    if (cm) visit("ConfigMap", cm);
    const secret = asStr(asObj(volume.secret)?.secretName);
    if (secret) visit("Secret", secret);
    for (const s of asArr(asObj(volume.projected)?.sources)) {
      const source = asObj(s);
      const pcm = asStr(asObj(source?.configMap)?.name);
      if (pcm) visit("ConfigMap", pcm);
      const ps = asStr(asObj(source?.secret)?.name);
      if (ps) visit("Secret", ps);
    }
  }
  for (const p of asArr(podSpec.imagePullSecrets)) {
    const name = asStr(asObj(p)?.name);
    if (name) visit("Secret", name);
  }
  forEachContainer(podSpec, (c) => {
    for (const e of asArr(c.envFrom)) {
      const from = asObj(e);
      const cm = asStr(asObj(from?.configMapRef)?.name);
      if (cm) visit("ConfigMap", cm);
      const secret = asStr(asObj(from?.secretRef)?.name);
      if (secret) visit("Secret", secret);
    }
    for (const e of asArr(c.env)) {
      const valueFrom = asObj(asObj(e)?.valueFrom);
      if (!valueFrom) continue;
      const cm = asStr(asObj(valueFrom.configMapKeyRef)?.name);
      if (cm) visit("ConfigMap", cm);
      const secret = asStr(asObj(valueFrom.secretKeyRef)?.name);
      if (secret) visit("Secret", secret);
    }
  });
}
