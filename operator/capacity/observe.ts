// From the objects the operator's informers hold (the release's Deployments and their stable
// copies, the namespace's ResourceQuotas and HorizontalPodAutoscalers) to the figures capacityFit
// judges. Pure: operator/release/gather.ts looks the objects up.
//
// The peak: with spec.strategy golive runs each Deployment twice, the user's Deployment as the
// candidate and <name>-stable. Both are at full size at once (a router keeps the candidate at the
// declared replicas during the canary; the promotion rolls the stable copy while the candidate
// still serves), and the copy that rolls adds its rolling update's surge. So each Deployment
// counts 2 × replicas + surge pods, each pod the larger of the two versions' requests and the
// release's declared spec.architecture.resources (the new template may not be applied yet).
import type { Release } from "../../api/index.js";
import { stableName } from "../rollout/names.js";
import type { CapacityInput, HpaView, PodFacts, QuotaView, RolledWorkload } from "./fit.js";
import { maxAmounts, podAmounts, type Amounts } from "./pod-amounts.js";
import { parseQuantity } from "./quantity.js";

type Obj = Record<string, unknown>;

export interface DeploymentObject {
  metadata?: { name?: string };
  spec?: { replicas?: number; strategy?: unknown; template?: { spec?: unknown }; [k: string]: unknown };
  status?: { replicas?: number; [k: string]: unknown };
}

export interface QuotaObject {
  metadata?: { name?: string };
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: { matchExpressions?: { scopeName: string; operator: string; values?: string[] }[] } };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export interface HpaObject {
  metadata?: { name?: string };
  spec?: { scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number };
}

/** Extra pods of a rolling update: maxSurge as a count, or a percentage of the replicas rounded up (the default 25 %). */
export function surgeOf(strategy: unknown, replicas: number): number {
  const s = (strategy ?? {}) as Obj;
  if (s.type === "Recreate") return 0;
  const raw = ((s.rollingUpdate ?? {}) as Obj).maxSurge ?? "25%";
  if (typeof raw === "number") return Math.max(0, Math.floor(raw));
  if (typeof raw !== "string") return Math.ceil(replicas / 4);
  const m = /^(\d+)%$/.exec(raw);
  if (m) return Math.ceil((replicas * Number(m[1])) / 100);
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : Math.ceil(replicas / 4);
}

function podFacts(podSpec: unknown, amounts: Amounts): PodFacts {
  const spec = (podSpec ?? {}) as Obj;
  const pc = typeof spec.priorityClassName === "string" && spec.priorityClassName ? spec.priorityClassName : undefined;
  return { ...(pc ? { priorityClassName: pc } : {}), terminating: typeof spec.activeDeadlineSeconds === "number", bestEffort: amounts.size === 0 };
}

function declaredAmounts(release: Release): Amounts {
  const out: Amounts = new Map();
  const r = release.spec.architecture?.resources;
  const cpu = parseQuantity(r?.cpu);
  const memory = parseQuantity(r?.memory);
  if (cpu !== undefined) out.set("requests.cpu", cpu);
  if (memory !== undefined) out.set("requests.memory", memory);
  return out;
}

function rolledWorkload(release: Release, name: string, lookup: (name: string) => DeploymentObject | undefined): RolledWorkload {
  const candidate = lookup(name);
  const stable = lookup(stableName(name));
  const verify = lookup(`${name}-verify`);
  const live = [candidate, stable].map((d) => d?.spec?.replicas ?? 0);
  const replicas = Math.max(release.spec.architecture?.replicas ?? 1, ...live);
  const templates = [candidate, stable].filter((d): d is DeploymentObject => d !== undefined).map((d) => d.spec?.template?.spec);
  const perPod = maxAmounts(...templates.map(podAmounts), declaredAmounts(release));
  const current = [candidate, stable, verify]
    .filter((d): d is DeploymentObject => d !== undefined)
    .map((d) => {
      const amounts = podAmounts(d.spec?.template?.spec);
      // The larger of the pods asked for and those that exist: spec.replicas counts pods about to be
      // created (the quota's used may already count them), status.replicas a rolling update's surge.
      return { pods: Math.max(d.status?.replicas ?? 0, d.spec?.replicas ?? 0), perPod: amounts, pod: podFacts(d.spec?.template?.spec, amounts) };
    });
  return { kind: "Deployment", name, replicas, surge: surgeOf(candidate?.spec?.strategy, replicas), perPod, pod: podFacts(templates[0], perPod), current };
}

function quotaView(q: QuotaObject): QuotaView {
  return {
    name: q.metadata?.name ?? "",
    // spec.hard is what the owner set; status.hard follows it once the quota controller syncs.
    hard: { ...(q.status?.hard ?? {}), ...(q.spec?.hard ?? {}) },
    used: q.status?.used ?? {},
    scopes: q.spec?.scopes ?? [],
    scopeSelector: q.spec?.scopeSelector?.matchExpressions ?? [],
  };
}

/** The capacity check's input for a release, from the objects of its namespace. */
export function capacityInput(release: Release, lookup: (name: string) => DeploymentObject | undefined, quotas: readonly QuotaObject[], hpas: readonly HpaObject[]): CapacityInput {
  const governed = new Set(release.spec.workloads.map((w) => `${w.kind}/${w.name}`));
  const deployments = release.spec.strategy ? release.spec.workloads.filter((w) => w.kind === "Deployment").map((w) => w.name) : [];
  const scaling = release.spec.architecture?.scaling;
  return {
    release: release.metadata.name,
    namespace: release.metadata.namespace ?? "",
    workloads: [...new Set(deployments)].map((name) => rolledWorkload(release, name, lookup)),
    quotas: quotas.map(quotaView),
    hpas: hpas
      .filter((h) => governed.has(`${h.spec?.scaleTargetRef?.kind ?? ""}/${h.spec?.scaleTargetRef?.name ?? ""}`))
      .map((h): HpaView => ({ name: h.metadata?.name ?? "", target: { kind: h.spec?.scaleTargetRef?.kind ?? "", name: h.spec?.scaleTargetRef?.name ?? "" }, minReplicas: h.spec?.minReplicas ?? 1, maxReplicas: h.spec?.maxReplicas ?? 0 })),
    ...(scaling ? { scaling: { minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas } } : {}),
  };
}
