// Replica-ratio router: no router in front, one Service selects both versions, so the share of
// ordinary traffic on the candidate is its share of the ready pods. golive owns spec.replicas of
// the candidate Deployment (and of its stable copy) in this mode.
// Verification-only access (4.6 c) cannot go through that Service, which would send ordinary
// clients to the candidate: during verification the candidate stays at 0 replicas and golive runs
// a verification copy, <candidate>-verify, whose pods carry none of the Service's selector labels.
// Only <service>-canary reaches it, and a NetworkPolicy admits only pods labelled
// golive.dev/verification-client=true (golive's verification Jobs carry it).
import { canonicalJson } from "../../gates/canonical-json.js";
import { KubeError } from "../runtime/kube-client.js";
import { applyPath, MANAGED_BY, ownerReference, paths, TRACK_LABEL, VERIFICATION_CLIENT_LABEL, type DesiredTraffic, type KubeObjectLike, type RouterContext, type TrafficObservation, type TrafficRouter } from "./types.js";

export interface DeploymentLike extends KubeObjectLike {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> }; [k: string]: unknown };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

const VERIFY_OF = "golive.dev/verify-of";

/** Candidate and stable replicas for a weight: the candidate gets round(N·w/100), at least 1 when w > 0. */
export function replicasFor(total: number, weight: number): { candidate: number; stable: number } {
  const n = Math.max(1, total);
  if (weight <= 0) return { candidate: 0, stable: n };
  if (weight >= 100) return { candidate: n, stable: 0 };
  const candidate = Math.min(Math.max(1, Math.round((n * weight) / 100)), Math.max(1, n - 1));
  return { candidate, stable: Math.max(1, n - candidate) };
}

export function verifySelector(candidate: string): Record<string, string> {
  return { [TRACK_LABEL]: "verification", [VERIFY_OF]: candidate };
}

/** The verification copy: the candidate's template without the Service's selector labels. Pure. */
export function verificationCopy(candidate: DeploymentLike, name: string, serviceSelector: Record<string, string>, release: string): DeploymentLike {
  const template = candidate.spec?.template ?? {};
  const labels = Object.fromEntries(Object.entries(template.metadata?.labels ?? {}).filter(([k]) => !(k in serviceSelector) && k !== "pod-template-hash"));
  const selector = verifySelector(candidate.metadata?.name ?? "");
  const owner = ownerReference(candidate);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: candidate.metadata?.namespace ?? "", labels: { ...MANAGED_BY, ...selector, "golive.dev/release": release }, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { replicas: 1, selector: { matchLabels: selector }, template: { ...template, metadata: { ...template.metadata, labels: { ...labels, ...selector } } } },
  };
}

export function verificationPolicy(namespace: string, candidate: string): KubeObjectLike {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${candidate}-verify`, namespace, labels: { ...MANAGED_BY } },
    spec: { podSelector: { matchLabels: verifySelector(candidate) }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { [VERIFICATION_CLIENT_LABEL]: "true" } } }] }] },
  };
}

function getter(ctx: RouterContext) {
  return async <T>(path: string): Promise<T | undefined> => {
    try {
      return await ctx.client.get<T>(path);
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return undefined;
      throw e;
    }
  };
}

function ready(d: DeploymentLike | undefined, replicas: number): boolean {
  if (!d) return replicas === 0;
  const s = d.status ?? {};
  return (d.spec?.replicas ?? 1) === replicas && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.readyReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas;
}

/**
 * What the three Deployments have in effect: the weight is the candidate's share of the ready
 * pods; settled when each side runs exactly the replicas the weight asks for, all ready, and the
 * verification copy is up exactly while verification is wanted. Pure.
 */
export function replicaTraffic(candidate: DeploymentLike | undefined, stable: DeploymentLike | undefined, verify: DeploymentLike | undefined, replicas: number, desired: DesiredTraffic): TrafficObservation {
  const c = candidate?.status?.readyReplicas ?? 0;
  const s = stable?.status?.readyReplicas ?? 0;
  const weight = c + s === 0 ? 0 : Math.round((100 * c) / (c + s));
  const want = replicasFor(replicas, desired.weight);
  const verification = verify !== undefined && (verify.status?.readyReplicas ?? 0) > 0;
  const settled = ready(candidate, want.candidate) && ready(stable, want.stable) && (desired.verification ? verification : verify === undefined);
  return { weight, verification, settled, ...(settled ? {} : { message: `waiting for ${want.candidate} candidate and ${want.stable} stable pod(s) to be ready${desired.verification && !verification ? " and the verification copy" : ""}` }) };
}

export class ReplicaRatioRouter implements TrafficRouter {
  readonly name = "replicaRatio" as const;

  canarySelector(ctx: RouterContext): Record<string, string> {
    return verifySelector(ctx.candidate);
  }


  private verifyName(ctx: RouterContext): string {
    return `${ctx.candidate}-verify`;
  }

  async observe(ctx: RouterContext, desired: DesiredTraffic): Promise<TrafficObservation> {
    const names = [ctx.candidate, ctx.stable, this.verifyName(ctx)] as const;
    let found: (DeploymentLike | undefined)[];
    if (ctx.deployment) found = names.map((n) => ctx.deployment!(n) as DeploymentLike | undefined);
    else {
      const get = getter(ctx);
      const deployments = paths.deployments(ctx.namespace);
      found = await Promise.all(names.map((n) => get<DeploymentLike>(`${deployments}/${n}`)));
    }
    return replicaTraffic(found[0], found[1], found[2], ctx.replicas, desired);
  }

  async apply(ctx: RouterContext, desired: DesiredTraffic): Promise<boolean> {
    const get = getter(ctx);
    const deployments = paths.deployments(ctx.namespace);
    const want = replicasFor(ctx.replicas, desired.weight);
    let changed = false;
    const candidate = await get<DeploymentLike>(`${deployments}/${ctx.candidate}`);
    if (!candidate) throw new Error(`Deployment ${ctx.namespace}/${ctx.candidate} not found`);
    const stable = await get<DeploymentLike>(`${deployments}/${ctx.stable}`);
    // Scale the side that grows first, so capacity never dips below the design while shifting.
    const scale = async (d: DeploymentLike | undefined, name: string, replicas: number) => {
      if (!d || (d.spec?.replicas ?? 1) === replicas) return;
      // Through the scale subresource, as an HPA does: admission judges workloads, not scales.
      await ctx.client.patch(`${deployments}/${name}/scale?fieldManager=golive-operator`, { spec: { replicas } }, "merge");
      changed = true;
    };
    const candidateGrows = want.candidate > (candidate.spec?.replicas ?? 0);
    if (candidateGrows) {
      await scale(candidate, ctx.candidate, want.candidate);
      await scale(stable, ctx.stable, want.stable);
    } else {
      await scale(stable, ctx.stable, want.stable);
      await scale(candidate, ctx.candidate, want.candidate);
    }

    const verifyPath = `${deployments}/${this.verifyName(ctx)}`;
    const policyPath = `${paths.networkPolicies(ctx.namespace)}/${this.verifyName(ctx)}`;
    if (desired.verification) {
      const service = await get<{ spec?: { selector?: Record<string, string> } }>(`${paths.services(ctx.namespace)}/${ctx.service}`);
      const copy = verificationCopy(candidate, this.verifyName(ctx), service?.spec?.selector ?? {}, ctx.release);
      const have = await get<DeploymentLike>(verifyPath);
      if (!have || canonicalJson(have.spec?.template?.spec ?? {}) !== canonicalJson(copy.spec?.template?.spec ?? {})) {
        // The NetworkPolicy first: the copy's pods must never be reachable without it.
        await ctx.client.patch(applyPath(paths.networkPolicies(ctx.namespace), this.verifyName(ctx)), verificationPolicy(ctx.namespace, ctx.candidate), "apply");
        await ctx.client.patch(applyPath(deployments, this.verifyName(ctx)), copy, "apply");
        changed = true;
      }
    } else {
      for (const path of [verifyPath, policyPath]) {
        try {
          await ctx.client.delete(path);
          changed = true;
        } catch (e) {
          if (!(e instanceof KubeError && e.code === 404)) throw e;
        }
      }
    }
    return changed;
  }
}
