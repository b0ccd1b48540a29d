// The stable copy of a Deployment and how the planner sees Deployments. The stable copy,
// <name>-stable, runs the last released pod template; its pods carry golive.dev/track=stable
// (and its selector requires it), so <service>-stable reaches exactly them. It is owned by the
// user's Deployment (deleted with it) and carries none of the GitOps tracking labels of the
// original, so Argo CD and Flux never take it for something to prune.
import { RELEASE_LABEL, type Release } from "../../api/index.js";
import { canonicalJson, sha256Hex } from "../../gates/canonical-json.js";
import type { DeploymentLike } from "../routers/replica-ratio.js";
import { MANAGED_BY, ownerReference, TRACK_LABEL } from "../routers/types.js";
import { stableName } from "./names.js";
import type { WorkloadView } from "./types.js";

export const TEMPLATE_HASH_ANNOTATION = "golive.dev/template-hash";
export const STABLE_OF_LABEL = "golive.dev/stable-of";

/** Labels and annotations GitOps tools use to track what they applied: never copied. */
const GITOPS_LABELS = /^(app\.kubernetes\.io\/instance|argocd\.argoproj\.io\/.*|kustomize\.toolkit\.fluxcd\.io\/.*|helm\.toolkit\.fluxcd\.io\/.*)$/;
const GITOPS_ANNOTATIONS = /^(kubectl\.kubernetes\.io\/last-applied-configuration|argocd\.argoproj\.io\/.*|kustomize\.toolkit\.fluxcd\.io\/.*|deployment\.kubernetes\.io\/revision)$/;

type Template = NonNullable<NonNullable<DeploymentLike["spec"]>["template"]>;

/** golive's digest of a pod template (the API server's defaults included, as read back). */
export function templateHash(template: Template | undefined): string {
  return sha256Hex(canonicalJson(template ?? {})).slice(0, 16);
}

const filter = (m: Record<string, string> | undefined, re: RegExp) => Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !re.test(k)));

export function stableCopy(candidate: DeploymentLike, replicas: number, release: string): DeploymentLike {
  const name = candidate.metadata?.name ?? "";
  const spec = candidate.spec ?? {};
  const template = spec.template ?? {};
  const selector = (spec.selector ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  const owner = ownerReference(candidate);
  const { replicas: _r, selector: _s, template: _t, paused: _p, ...rest } = spec as Record<string, unknown>;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: stableName(name),
      namespace: candidate.metadata?.namespace ?? "",
      labels: { ...filter(candidate.metadata?.labels, GITOPS_LABELS), ...MANAGED_BY, [STABLE_OF_LABEL]: name, [RELEASE_LABEL]: release },
      annotations: { [TEMPLATE_HASH_ANNOTATION]: templateHash(template) },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec: {
      ...rest,
      replicas,
      selector: { ...selector, matchLabels: { ...(selector.matchLabels ?? {}), [TRACK_LABEL]: "stable" } },
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          labels: { ...filter(template.metadata?.labels, /^pod-template-hash$/), [TRACK_LABEL]: "stable" },
          ...(template.metadata?.annotations ? { annotations: filter(template.metadata.annotations, GITOPS_ANNOTATIONS) } : {}),
        },
      },
    },
  };
}

/** Whether the live stable copy already is what stableCopy() would apply. */
export function stableUpToDate(live: DeploymentLike | undefined, want: DeploymentLike): boolean {
  if (!live) return false;
  return live.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] === want.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] && live.spec?.replicas === want.spec?.replicas && live.metadata?.labels?.[RELEASE_LABEL] === want.metadata?.labels?.[RELEASE_LABEL];
}

export function imagesOf(d: DeploymentLike): string[] {
  const spec = (d.spec?.template?.spec ?? {}) as { containers?: { image?: string }[]; initContainers?: { image?: string }[] };
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.image ?? "");
}

/** The planner's view of a Deployment; the stable copy's template hash is the one it was copied from. */
export function workloadView(d: DeploymentLike, podTemplateHash: string | undefined, isStableCopy: boolean): WorkloadView {
  const s = d.status ?? {};
  return {
    name: d.metadata?.name ?? "",
    uid: d.metadata?.uid,
    generation: d.metadata?.generation ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    statusReplicas: s.replicas ?? 0,
    templateHash: isStableCopy ? (d.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] ?? "") : templateHash(d.spec?.template),
    podTemplateHash,
    releaseLabel: d.metadata?.labels?.[RELEASE_LABEL],
    images: imagesOf(d),
  };
}

/**
 * Whether a Deployment without a stable copy runs a Released release's version, so that copying
 * it restores what a rollback goes back to: labelled with that release (its pod template too),
 * which lists it. The caller checks that it runs only the images the release sealed.
 */
export function restorableStable(candidate: DeploymentLike, released: Release): boolean {
  const name = released.metadata.name;
  if (released.status?.phase !== "Released" || candidate.metadata?.labels?.[RELEASE_LABEL] !== name || candidate.spec?.template?.metadata?.labels?.[RELEASE_LABEL] !== name) return false;
  return released.spec.workloads.some((w) => w.kind === "Deployment" && w.name === candidate.metadata?.name);
}
