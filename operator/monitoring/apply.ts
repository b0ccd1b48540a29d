// The I/O edge of enrollment: find out whether the Prometheus Operator's kinds are served, apply
// the planned objects with server-side apply (field manager golive-operator), and prune what
// an earlier plan created but this one no longer wants. Objects whose applied digest is unchanged
// and whose fields nobody edited are not sent again, so a resync of many releases costs only the
// list calls; an edit (say, someone silencing an alert in the PrometheusRule) is undone.
import { RELEASE_LABEL, type Phase, type Release } from "../../api/index.js";
import { canonicalJson, sha256Hex } from "../../gates/canonical-json.js";
import { KubeError, type KubeClient } from "../runtime/kube-client.js";
import { ENROLLED_PHASES, MONITORING_API, planEnrollment, type DesiredObject, type EnrollmentMode, type EnrollmentOptions } from "./enrollment.js";
import { COMPONENT_LABEL, ENROLLMENT_HASH_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, MONITORING_COMPONENT } from "./names.js";

export const FIELD_MANAGER = "golive-operator";

/** What the enrollment needs of the Kubernetes client. */
export type EnrollmentKube = Pick<KubeClient, "get" | "patch" | "delete">;

interface Resource {
  prefix: string;
  plural: string;
  operatorKind: boolean;
}
const RESOURCES: Record<string, Resource> = {
  "v1/Service": { prefix: "/api/v1", plural: "services", operatorKind: false },
  "v1/ConfigMap": { prefix: "/api/v1", plural: "configmaps", operatorKind: false },
  [`${MONITORING_API}/PodMonitor`]: { prefix: `/apis/${MONITORING_API}`, plural: "podmonitors", operatorKind: true },
  [`${MONITORING_API}/ServiceMonitor`]: { prefix: `/apis/${MONITORING_API}`, plural: "servicemonitors", operatorKind: true },
  [`${MONITORING_API}/PrometheusRule`]: { prefix: `/apis/${MONITORING_API}`, plural: "prometheusrules", operatorKind: true },
};
const OPERATOR_PLURALS = ["podmonitors", "servicemonitors", "prometheusrules"];

function resourceOf(apiVersion: string, kind: string): Resource {
  const r = RESOURCES[`${apiVersion}/${kind}`];
  if (!r) throw new Error(`enrollment does not manage ${apiVersion} ${kind}`);
  return r;
}
const collectionPath = (r: Resource, namespace: string) => `${r.prefix}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
const objectPath = (r: Resource, namespace: string, name: string) => `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;

const isNotFound = (e: unknown) => e instanceof KubeError && e.code === 404;

/**
 * Whether the Prometheus Operator's PodMonitor, ServiceMonitor and PrometheusRule kinds are
 * served (GET /apis/monitoring.coreos.com/v1). Only "not found" means no; any other error is
 * thrown, so a flaky API server never flips a release to the annotation convention.
 */
export async function detectPrometheusOperator(client: Pick<KubeClient, "get">): Promise<boolean> {
  try {
    const list = await client.get<{ resources?: { name: string }[] }>(`/apis/${MONITORING_API}`);
    const served = new Set((list.resources ?? []).map((r) => r.name));
    return OPERATOR_PLURALS.every((p) => served.has(p));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** detectPrometheusOperator, asked at most once per `ttlMs` (CRDs come and go rarely). */
export class PrometheusOperatorDetector {
  private known: { value: boolean; at: number } | undefined;
  private pending: Promise<boolean> | undefined;
  constructor(
    private readonly client: Pick<KubeClient, "get">,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async installed(): Promise<boolean> {
    if (this.known && this.now() - this.known.at < this.ttlMs) return this.known.value;
    this.pending ??= detectPrometheusOperator(this.client)
      .then((value) => {
        this.known = { value, at: this.now() };
        return value;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}

interface ObservedObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string; controller?: boolean }[] };
  [field: string]: unknown;
}

/**
 * Every field of `want` is in `have` with the same value (objects recursively, arrays element by
 * element): the API server's defaults (clusterIPs, sessionAffinity...) do not count as a change,
 * an edit of a field golive set does.
 */
export function containsFields(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => containsFields(have[i], w));
  if (want !== null && typeof want === "object") {
    if (have === null || typeof have !== "object" || Array.isArray(have)) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => w === undefined || containsFields((have as Record<string, unknown>)[k], w));
  }
  return have === want;
}

/** Unchanged: the same digest as planned, and nobody edited what golive set (drift is undone). */
function inPlace(seen: ObservedObject, o: DesiredObject): boolean {
  if (seen.metadata.annotations?.[ENROLLMENT_HASH_ANNOTATION] !== o.metadata.annotations?.[ENROLLMENT_HASH_ANNOTATION]) return false;
  const { metadata, apiVersion: _a, kind: _k, ...body } = o;
  return containsFields(seen.metadata.labels, metadata.labels) && containsFields(seen.metadata.annotations, metadata.annotations) && containsFields(seen, body);
}

export const enrollmentSelector = (release: Release): string => `${MANAGED_BY_LABEL}=${MANAGED_BY},${RELEASE_LABEL}=${release.metadata.name},${COMPONENT_LABEL}=${MONITORING_COMPONENT}`;

const ownedBy = (o: ObservedObject, uid: string | undefined) => uid !== undefined && (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true);
const idOf = (kind: string, name: string) => `${kind}/${name}`;

/** The object with the digest of its own content, as applied. */
export function withHash(o: DesiredObject): DesiredObject {
  const hash = sha256Hex(canonicalJson(o)).slice(0, 32);
  return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [ENROLLMENT_HASH_ANNOTATION]: hash } } };
}

export interface ApplyResult {
  /** Kind/name of every desired object now in place (applied or unchanged). */
  objects: string[];
  applied: string[];
  unchanged: string[];
  pruned: string[];
  /** Desired objects not applied because an object of that name exists that this Release does not own. */
  conflicts: string[];
}

/** The enrollment objects of the release that exist, by kind: operator kinds only when served. */
async function listOwned(client: EnrollmentKube, release: Release, operatorKinds: boolean): Promise<Map<string, { resource: Resource; object: ObservedObject }>> {
  const out = new Map<string, { resource: Resource; object: ObservedObject }>();
  const selector = encodeURIComponent(enrollmentSelector(release));
  const namespace = release.metadata.namespace ?? "";
  await Promise.all(
    Object.entries(RESOURCES).map(async ([key, resource]) => {
      if (resource.operatorKind && !operatorKinds) return;
      const kind = key.slice(key.lastIndexOf("/") + 1);
      try {
        const list = await client.get<{ items?: ObservedObject[] }>(`${collectionPath(resource, namespace)}?labelSelector=${selector}`);
        for (const object of list.items ?? []) out.set(idOf(kind, object.metadata.name), { resource, object });
      } catch (e) {
        if (!isNotFound(e)) throw e; // the kind went away with its CRD: nothing of it to prune
      }
    }),
  );
  return out;
}

/**
 * Bring the release's enrollment to `desired`: server-side apply what changed, delete enrollment
 * objects of this release that are no longer desired. Never takes over an object it does not own.
 */
export async function applyEnrollment(client: EnrollmentKube, release: Release, desired: readonly DesiredObject[], opts: { prometheusOperator: boolean }): Promise<ApplyResult> {
  const uid = release.metadata.uid;
  const namespace = release.metadata.namespace ?? "";
  const observed = await listOwned(client, release, opts.prometheusOperator);
  const result: ApplyResult = { objects: [], applied: [], unchanged: [], pruned: [], conflicts: [] };
  const wanted = new Set<string>();

  for (const o of desired.map(withHash)) {
    const id = idOf(o.kind, o.metadata.name);
    wanted.add(id);
    const resource = resourceOf(o.apiVersion, o.kind);
    const path = objectPath(resource, namespace, o.metadata.name);
    const seen = observed.get(id)?.object;
    if (seen && ownedBy(seen, uid) && inPlace(seen, o)) {
      result.unchanged.push(id);
      result.objects.push(id);
      continue;
    }
    if (!seen) {
      // Not among ours: is the name taken by someone else's object?
      try {
        const existing = await client.get<ObservedObject>(path);
        if (!ownedBy(existing, uid)) {
          result.conflicts.push(`${id} exists and is not owned by Release ${release.metadata.name}; rename or delete it`);
          continue;
        }
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    await client.patch(`${path}?fieldManager=${FIELD_MANAGER}&force=true`, o, "apply");
    result.applied.push(id);
    result.objects.push(id);
  }

  for (const [id, { resource, object }] of observed) {
    if (wanted.has(id) || !ownedBy(object, uid)) continue;
    try {
      await client.delete(objectPath(resource, namespace, object.metadata.name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    result.pruned.push(id);
  }
  return result;
}

export interface EnrollmentResult extends ApplyResult {
  mode: EnrollmentMode;
  problem?: string;
}

/**
 * One enrollment pass for the reconcile: detect the Prometheus Operator (cached), plan, apply,
 * prune. `phase` is the phase the reconcile is about to write: outside ENROLLED_PHASES the
 * enrollment is pruned. Options given here override the constructor's (per-policy thresholds).
 */
export class MonitoringEnrollment {
  private readonly detector: PrometheusOperatorDetector;
  constructor(
    private readonly client: EnrollmentKube,
    private readonly options: Omit<EnrollmentOptions, "prometheusOperator"> = {},
    detectTtlMs = 60_000,
  ) {
    this.detector = new PrometheusOperatorDetector(client, detectTtlMs);
  }

  async sync(release: Release, phase: Phase | undefined, options: Omit<EnrollmentOptions, "prometheusOperator"> = {}): Promise<EnrollmentResult> {
    const prometheusOperator = await this.detector.installed();
    const enrolled = phase !== undefined && ENROLLED_PHASES.includes(phase);
    const plan = enrolled ? planEnrollment(release, { ...this.options, ...options, prometheusOperator }) : { mode: "Disabled" as const, objects: [] };
    if (plan.problem) return { mode: plan.mode, problem: plan.problem, objects: [], applied: [], unchanged: [], pruned: [], conflicts: [] };
    const applied = await applyEnrollment(this.client, release, plan.objects, { prometheusOperator });
    return { mode: plan.mode, ...applied };
  }
}
