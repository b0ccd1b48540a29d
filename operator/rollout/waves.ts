// The units of a rollout: every Deployment a Release with a strategy lists, each with the wave it
// goes live in and how its traffic is split. Pure: derived from the spec only, so a restarted
// operator finds the same units (and the same objects) again.
import type { Release, ReleaseSpec } from "../../api/index.js";
import { ACTIVE_PHASES } from "./types.js";

type Strategy = NonNullable<ReleaseSpec["strategy"]>;
export type TrafficRouting = Strategy["trafficRouting"];
/**
 * partition: a StatefulSet canaried by spec.updateStrategy.rollingUpdate.partition (no router);
 * nodes: a DaemonSet canaried on the nodes labelled golive.dev/canary-node=true, then the rest.
 */
export type Routing = "gatewayAPI" | "nginx" | "replicaRatio" | "worker" | "partition" | "nodes";

export interface RolloutUnit {
  /** The Deployment (the candidate; its stable copy is <name>-stable), the StatefulSet or the DaemonSet. */
  name: string;
  kind: RolloutKind;
  /** Index of its wave. */
  wave: number;
  waveName: string;
  /** The router's settings; undefined for a worker (replica ratio with no Service of its own). */
  trafficRouting: TrafficRouting | undefined;
  routing: Routing;
  /** The first Deployment of spec.workloads: spec.architecture.replicas is its design. */
  primary: boolean;
}

/** The name of the single wave of a strategy without spec.strategy.waves. */
export const DEFAULT_WAVE = "all";

export function routingOf(t: TrafficRouting | undefined): Routing {
  if (!t) return "worker";
  if (t.gatewayAPI) return "gatewayAPI";
  if (t.nginx) return "nginx";
  return "replicaRatio";
}

/** Kinds golive rolls out with a strategy. */
export type RolloutKind = "Deployment" | "StatefulSet" | "DaemonSet";
const ROLLOUT_KINDS: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet"];
/** Kinds rolled out in place, revision by revision (no stable copy, no router). */
const IN_PLACE: Record<string, Routing> = { StatefulSet: "partition", DaemonSet: "nodes" };

/**
 * In place: the workload itself moves between its stable and update revisions (a StatefulSet by
 * partition, a DaemonSet node by node); no stable copy, no router, no Services of golive's.
 */
export const inPlace = (r: Routing): boolean => r === "partition" || r === "nodes";

/**
 * No verification route: a worker has no Service. A StatefulSet's verification route is
 * <statefulset>-verify, to one candidate ordinal its readiness gate keeps out of every other
 * Service (statefulset-gate.ts); a DaemonSet's is its canary nodes (golive.dev/canary-node=true):
 * the candidate runs there, and only there, while its wave is Verifying (README, "What each kind
 * supports").
 */
export const noVerificationRoute = (r: Routing): boolean => r === "worker";

/** Behind golive's Services (stable, canary, verification): a Deployment with a Service; not a worker, a StatefulSet or a DaemonSet. */
export const hasServices = (r: Routing): boolean => r !== "worker" && !inPlace(r);

/** Replica ratio (with or without a Service): golive owns both sides' replicas. */
export const isRatio = (r: Routing): boolean => r === "replicaRatio" || r === "worker";

/**
 * Every Deployment of the Release in rollout order (wave, then as listed). Without waves, one wave
 * of all Deployments. Assumes wavesProblem(spec) is undefined; otherwise the units are partial.
 */
export function rolloutUnits(spec: ReleaseSpec): RolloutUnit[] {
  const strategy = spec.strategy;
  if (!strategy) return [];
  const deployments = spec.workloads.filter((w) => w.kind === "Deployment").map((w) => w.name);
  const kinds = new Map(spec.workloads.filter((w) => ROLLOUT_KINDS.includes(w.kind)).map((w) => [w.name, w.kind as RolloutKind]));
  const primary = deployments[0];
  const waves: NonNullable<Strategy["waves"]> = strategy.waves ?? [{ name: DEFAULT_WAVE, workloads: [...kinds.keys()].map((name) => ({ name })) }];
  const units: RolloutUnit[] = [];
  waves.forEach((wave, i) => {
    for (const w of wave.workloads) {
      const kind = kinds.get(w.name);
      if (!kind) continue;
      const own = IN_PLACE[kind];
      if (own) {
        // Its own pods by ordinal or node, no router: spec.strategy.trafficRouting is never its.
        units.push({ name: w.name, kind, wave: i, waveName: wave.name, trafficRouting: undefined, routing: own, primary: false });
        continue;
      }
      const trafficRouting = w.trafficRouting ?? (w.name === primary ? strategy.trafficRouting : undefined);
      units.push({ name: w.name, kind, wave: i, waveName: wave.name, trafficRouting, routing: routingOf(trafficRouting), primary: w.name === primary });
    }
  });
  return units;
}

/** Why spec.strategy.waves cannot be rolled out as written, if it cannot. */
export function wavesProblem(spec: ReleaseSpec): string | undefined {
  const strategy = spec.strategy;
  if (!strategy) return undefined;
  const deployments = spec.workloads.filter((w) => w.kind === "Deployment").map((w) => w.name);
  const rolled = spec.workloads.filter((w) => ROLLOUT_KINDS.includes(w.kind)).map((w) => w.name);
  const problems: string[] = [];
  if (strategy.waves) {
    const seen = new Map<string, string>();
    for (const wave of strategy.waves) {
      for (const w of wave.workloads) {
        const other = spec.workloads.find((x) => x.name === w.name);
        if (!rolled.includes(w.name)) problems.push(`wave ${wave.name} lists ${w.name}, which is ${other ? `a ${other.kind}, not a Deployment, StatefulSet or DaemonSet` : "not in spec.workloads"}`);
        else if (seen.get(w.name) === wave.name) problems.push(`wave ${wave.name} lists ${other!.kind} ${w.name} twice: list it once`);
        else if (seen.has(w.name)) problems.push(`${other!.kind} ${w.name} is in waves ${seen.get(w.name)} and ${wave.name}: list it once`);
        else if (IN_PLACE[other!.kind] && w.trafficRouting) problems.push(`${other!.kind} ${w.name} in wave ${wave.name} has a trafficRouting: golive canaries a ${other!.kind} ${other!.kind === "StatefulSet" ? "by its partition" : "node by node"}, with no router; remove it`);
        seen.set(w.name, wave.name);
      }
    }
    const missing = rolled.filter((d) => !seen.has(d));
    if (missing.length) problems.push(`${missing.map((d) => `${spec.workloads.find((w) => w.name === d)!.kind} ${d}`).join(", ")} ${missing.length > 1 ? "are" : "is"} in no wave: add ${missing.length > 1 ? "them" : "it"} to spec.strategy.waves`);
  }
  const primary = deployments[0];
  const own = strategy.waves?.flatMap((w) => w.workloads).find((w) => w.name === primary && w.trafficRouting);
  if (own) problems.push(`spec.strategy.trafficRouting (Service ${strategy.trafficRouting.service}) routes no Deployment: it is for the first Deployment of spec.workloads, ${primary}, which has its own trafficRouting in its wave; list the Deployment it is for first, or remove the wave's trafficRouting`);
  // Two units behind one Service or route would fight over its weights.
  const routes = new Map<string, string>();
  for (const u of rolloutUnits(spec)) {
    const t = u.trafficRouting;
    if (!t) continue;
    for (const key of [`Service ${t.service}`, t.gatewayAPI ? `HTTPRoute ${t.gatewayAPI.httpRoute}` : "", t.nginx ? `Ingress ${t.nginx.ingress}` : ""].filter(Boolean)) {
      const other = routes.get(key);
      if (other) problems.push(`Deployments ${other} and ${u.name} are both routed through ${key}: give each its own`);
      routes.set(key, u.name);
    }
  }
  return problems.length ? `spec.strategy.waves: ${problems.join("; ")}` : undefined;
}

/**
 * Another release of the namespace still rolling out one of these workloads, in any of its waves
 * (not only the one it is on now: a later wave's workload is still to be moved, an earlier one's
 * would be rolled back), if one is.
 */
export function otherActiveRelease(release: Release, releases: readonly Release[], workloads: Iterable<string>): string | undefined {
  const mine = new Set(workloads);
  return releases.find((r) => r.metadata.name !== release.metadata.name && ACTIVE_PHASES.includes(r.status?.phase ?? "Pending") && (mine.has(r.status?.canary?.workload ?? "") || (r.status?.waves ?? []).some((w) => w.workloads.some((x) => mine.has(x.name)))))?.metadata.name;
}
