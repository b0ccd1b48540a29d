// The ValidatingWebhookConfiguration golive installs (the Helm chart renders the same). It
// fails closed (failurePolicy Fail; evictions alone fail open, see EVICTION_RULES) and never sees kube-system, golive's own namespace or
// Leases; with scopes (one per ReleasePolicy's namespaceSelector) only governed namespaces are
// sent at all, so an outage of the webhook never blocks an ungoverned namespace.
import type { V1ValidatingWebhook, V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import type { ReleasePolicy } from "../api/index.js";
import { WEBHOOK_PATH } from "./server.js";

export const CONFIGURATION_NAME = "golive-webhook";
export const SERVICE_NAME = "golive-webhook";

export interface WebhookScope {
  /** A DNS label naming the scope in the webhook names (the policy's name). */
  name: string;
  /** A label selector (a ReleasePolicy's namespaceSelector). */
  selector: { matchLabels?: Record<string, string>; matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[] };
}

export interface ConfigurationOptions {
  name?: string;
  ownNamespace: string;
  client: { service: { name?: string; namespace?: string; port?: number } } | { url: string };
  /** PEM; omitted with cert-manager (its cainjector fills it). */
  caBundle?: string;
  timeoutSeconds?: number;
  /** "namespace/certificate" of a cert-manager Certificate whose CA cainjector injects. */
  certManagerCertificate?: string;
  /** Governed namespaces; by default every namespace except the excluded ones. */
  scopes?: readonly WebhookScope[];
  /** With no scope, register no webhook at all (nothing is governed) instead of every namespace. */
  noScopeMeansNone?: boolean;
}

/** One scope per ReleasePolicy: its name and namespaceSelector, in name order. */
export function policyScopes(policies: readonly ReleasePolicy[]): WebhookScope[] {
  return [...policies]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((p) => ({ name: p.metadata.name, selector: p.spec?.namespaceSelector ?? {} }));
}

const CREATE_UPDATE = ["CREATE", "UPDATE"];

export const WORKLOAD_RULES = [
  { apiGroups: [""], apiVersions: ["v1"], operations: CREATE_UPDATE, resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers", "replicationcontrollers/scale"], scope: "Namespaced" },
  { apiGroups: ["apps"], apiVersions: ["v1"], operations: CREATE_UPDATE, resources: ["deployments", "statefulsets", "daemonsets", "replicasets", "deployments/scale", "statefulsets/scale", "replicasets/scale"], scope: "Namespaced" },
  { apiGroups: ["batch"], apiVersions: ["v1"], operations: CREATE_UPDATE, resources: ["jobs", "cronjobs"], scope: "Namespaced" },
  // An HPA's maxReplicas is what its workload reaches at peak (6.2.1); v1 requests arrive as v2 (matchPolicy Equivalent).
  { apiGroups: ["autoscaling"], apiVersions: ["v2"], operations: CREATE_UPDATE, resources: ["horizontalpodautoscalers"], scope: "Namespaced" },
];
export const RELEASE_RULES = [{ apiGroups: ["golive.dev"], apiVersions: ["v1alpha1"], operations: CREATE_UPDATE, resources: ["releases", "releases/status"], scope: "Namespaced" }];
export const EVIDENCE_RULES = [{ apiGroups: ["golive.dev"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["releaseevidences"], scope: "Namespaced" }];
/** What a live release stands on: sealed ConfigMaps and Secrets, required PodDisruptionBudgets, stable copies, the HPAs its peak needs. */
export const PROTECTED_RULES = [
  { apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE", "DELETE"], resources: ["configmaps", "secrets"], scope: "Namespaced" },
  { apiGroups: ["policy"], apiVersions: ["v1"], operations: ["DELETE"], resources: ["poddisruptionbudgets"], scope: "Namespaced" },
  // A user's delete of a DaemonSet's pod: while golive holds the DaemonSet it replaces those pods
  // itself (webhook/rules/daemon-pod-delete.ts). MATCH_CONDITIONS.protected sends no other pod delete.
  { apiGroups: [""], apiVersions: ["v1"], operations: ["DELETE"], resources: ["pods"], scope: "Namespaced" },
  // golive's stable copies (the version a rollback goes back to) and the HPAs a declared peak relies on (6.2.1).
  { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["DELETE"], resources: ["deployments"], scope: "Namespaced" },
  { apiGroups: ["autoscaling"], apiVersions: ["v2"], operations: ["DELETE"], resources: ["horizontalpodautoscalers"], scope: "Namespaced" },
];

/**
 * An eviction deletes its pod without the delete reaching admission, so a held DaemonSet's pod is
 * judged as its eviction. Its own webhook fails open (failurePolicy Ignore): kubectl drain and the
 * autoscalers evict through the same path, and an outage of golive must never stop a node being
 * drained (the cluster healing itself). The request names only the pod, so the webhook cannot be
 * narrowed to DaemonSet pods before golive sees it.
 */
export const EVICTION_RULES = [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods/eviction"], scope: "Namespaced" }];

/** The built-in controllers' identities, in CEL (the same test as decide.ts isBuiltInController). */
const BUILT_IN_CONTROLLER = "(request.userInfo.username == 'system:kube-controller-manager' || request.userInfo.username.startsWith('system:serviceaccount:kube-system:'))";

const NOT_SCHEDULER_OR_KUBELET = "request.userInfo.username != 'system:kube-scheduler' && !request.userInfo.username.startsWith('system:node:')";

/** Owners whose objects the built-in controllers stamp out (webhook/workload.ts GOVERNED_OWNERS). */
const GOVERNED_OWNER_LIST = "['apps/v1/Deployment', 'apps/v1/ReplicaSet', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'v1/ReplicationController', 'batch/v1/Job', 'batch/v1/CronJob']";

/**
 * matchConditions: requests the API server decides without calling golive, so that an outage of
 * golive never stops the cluster healing itself. Each skips exactly what decide() would allow
 * anyway: a built-in controller stamping out (or scaling down, or restarting) the objects of a
 * governed owner, which golive judged when the owner was admitted. A pod of any other owner (a
 * custom controller) is still sent, and still judged.
 */
export const MATCH_CONDITIONS = {
  workloads: [
    {
      name: "not-stamped-out-from-an-admitted-owner",
      expression: `!${BUILT_IN_CONTROLLER} || object == null || !has(object.metadata.ownerReferences) || !object.metadata.ownerReferences.exists(r, has(r.controller) && r.controller == true && (r.apiVersion + '/' + r.kind) in ${GOVERNED_OWNER_LIST})`,
    },
  ],
  protected: [
    { name: "not-a-built-in-controller", expression: `!${BUILT_IN_CONTROLLER}` },
    // Of pod deletes only a person's or a tool's delete of a DaemonSet pod not yet terminating is
    // sent: never the scheduler (preemption) or a kubelet (evictions, the final delete of a
    // terminating pod), so golive can never stop a pod going away that the cluster removes.
    {
      name: "of-pods-only-a-users-delete-of-a-daemonset-pod",
      expression: `request.resource.resource != 'pods' || (oldObject != null && has(oldObject.metadata.ownerReferences) && oldObject.metadata.ownerReferences.exists(r, r.kind == 'DaemonSet') && !has(oldObject.metadata.deletionTimestamp) && ${NOT_SCHEDULER_OR_KUBELET})`,
    },
  ],
  // An eviction is sent unless a built-in controller, the scheduler or a kubelet asks.
  evictions: [{ name: "not-the-cluster-evicting", expression: `!${BUILT_IN_CONTROLLER} && ${NOT_SCHEDULER_OR_KUBELET}` }],
} as const;

export function webhookConfiguration(opts: ConfigurationOptions): V1ValidatingWebhookConfiguration {
  const exclude = { key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...new Set(["kube-system", opts.ownNamespace])] };
  const clientConfig =
    "url" in opts.client
      ? { url: opts.client.url }
      : { service: { name: opts.client.service.name ?? SERVICE_NAME, namespace: opts.client.service.namespace ?? opts.ownNamespace, path: WEBHOOK_PATH, port: opts.client.service.port ?? 443 } };
  const caBundle = opts.caBundle ? { caBundle: Buffer.from(opts.caBundle).toString("base64") } : {};
  const scopes = opts.scopes?.length ? opts.scopes : opts.noScopeMeansNone ? [] : [{ name: "", selector: {} }];
  const webhooks: V1ValidatingWebhook[] = [];
  for (const scope of scopes) {
    const namespaceSelector = {
      ...(scope.selector.matchLabels ? { matchLabels: scope.selector.matchLabels } : {}),
      matchExpressions: [...(scope.selector.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) })), exclude],
    };
    const prefix = scope.name ? `${scope.name}.` : "";
    for (const [what, rules] of [["workloads", WORKLOAD_RULES], ["releases", RELEASE_RULES], ["evidence", EVIDENCE_RULES], ["protected", PROTECTED_RULES], ["evictions", EVICTION_RULES]] as const) {
      const conditions = what === "workloads" || what === "protected" || what === "evictions" ? MATCH_CONDITIONS[what] : undefined;
      webhooks.push({
        name: `${what}.${prefix}golive.dev`,
        admissionReviewVersions: ["v1"],
        clientConfig: { ...clientConfig, ...caBundle },
        rules: rules.map((r) => ({ ...r, apiGroups: [...r.apiGroups], apiVersions: [...r.apiVersions], operations: [...r.operations], resources: [...r.resources] })),
        failurePolicy: what === "evictions" ? "Ignore" : "Fail",
        matchPolicy: "Equivalent",
        sideEffects: "None",
        timeoutSeconds: opts.timeoutSeconds ?? 10,
        namespaceSelector,
        ...(conditions ? { matchConditions: conditions.map((c) => ({ name: c.name, expression: c.expression })) } : {}),
      });
    }
  }
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: {
      name: opts.name ?? CONFIGURATION_NAME,
      labels: { "app.kubernetes.io/name": "golive", "app.kubernetes.io/component": "webhook" },
      ...(opts.certManagerCertificate ? { annotations: { "cert-manager.io/inject-ca-from": opts.certManagerCertificate } } : {}),
    },
    webhooks,
  };
}
