// Traffic routers: how ordinary and verification traffic reach the stable copy and the candidate.
// One small interface, three implementations: Gateway API HTTPRoute, ingress-nginx canary
// annotations, and replica ratio behind one Service. Routers are idempotent: `apply` makes the
// route match the desired state (and says whether it changed anything); `observe` reports what
// is in effect now.
import type { KubeClient } from "../runtime/kube-client.js";

/** How verification users are recognised, with the secret value read from the Release's Secret. */
export interface VerificationMatch {
  header?: string | undefined;
  cookie?: string | undefined;
  value: string;
}

export interface DesiredTraffic {
  /** Percent of ordinary traffic on the candidate (0–100). */
  weight: number;
  /** Verification-only access to the candidate; absent to remove it. */
  verification?: VerificationMatch | undefined;
}

export interface TrafficObservation {
  /** Percent of ordinary traffic the route sends to the candidate now. */
  weight: number;
  /** Whether verification-only access is in place. */
  verification: boolean;
  /** Whether what is in effect is exactly the desired state (nothing left to do or wait for). */
  settled: boolean;
  /** What is not yet as desired, for status messages. */
  message?: string;
}

export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface RouterContext {
  client: KubeClient;
  namespace: string;
  release: string;
  /** spec.strategy.trafficRouting.service: the Service ordinary clients use. */
  service: string;
  stableService: string;
  canaryService: string;
  /** The candidate Deployment (the user's) and its stable copy. */
  candidate: string;
  stable: string;
  /** Replicas the design calls for (replica-ratio router). */
  replicas: number;
  /**
   * The namespace's Deployments as the operator's informer holds them (those labelled
   * golive.dev/release: the candidate, its stable and verification copies). Observing reads
   * them here instead of asking the API server on every pass; absent, it asks.
   */
  deployment?: (name: string) => unknown;
}

export interface TrafficRouter {
  readonly name: "gatewayAPI" | "nginx" | "replicaRatio";
  /** The label selector of <service>-canary: which pods verification (and canary) traffic reaches. */
  canarySelector(ctx: RouterContext, serviceSelector: Record<string, string>, candidatePodTemplateHash: string | undefined): Record<string, string>;
  observe(ctx: RouterContext, desired: DesiredTraffic): Promise<TrafficObservation>;
  apply(ctx: RouterContext, desired: DesiredTraffic): Promise<boolean>;
}

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "golive" };
export const FIELD_MANAGER = "golive-operator";
export const VERIFICATION_CLIENT_LABEL = "golive.dev/verification-client";
export const TRACK_LABEL = "golive.dev/track";

export function ownerReference(o: KubeObjectLike, controller = false): Record<string, unknown> | undefined {
  if (!o.metadata?.uid || !o.metadata.name || !o.apiVersion || !o.kind) return undefined;
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller, blockOwnerDeletion: false };
}

/** Server-side apply of an object the operator owns (idempotent; force takes over our own fields). */
export function applyPath(collection: string, name: string): string {
  return `${collection}/${name}?fieldManager=${FIELD_MANAGER}&force=true`;
}

export const paths = {
  deployments: (ns: string) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  services: (ns: string) => `/api/v1/namespaces/${ns}/services`,
  ingresses: (ns: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
  networkPolicies: (ns: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
  httpRoutes: (ns: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`,
};
