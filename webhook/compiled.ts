// Per-policy and per-release data that admission needs on every request, computed once per
// object version (informers replace objects on change, so a WeakMap keyed by the object is
// invalidated exactly when the object changes).
import { parseDuration, type Release, type ReleasePolicy } from "../api/index.js";
import { evaluateChangeWindow, type ChangeWindowDecision } from "../gates/change-window.js";
import type { TrustedKey } from "../gates/dsse.js";
import { imageKeys } from "../gates/trusted-keys.js";
import { parseImageReference } from "../images/reference.js";

export interface CompiledPolicy {
  policy: ReleasePolicy;
  name: string;
  /** GoLive gates a Release must have Passed in its status (the batch gate binds only high-risk batch). */
  requiredGates: readonly string[];
  imageKeys: readonly TrustedKey[];
  breakGlassUsers: ReadonlyMap<string, string[]>;
  breakGlassGroups: ReadonlyMap<string, string[]>;
  breakGlassRoles: readonly string[];
  highRiskClasses: ReadonlySet<string>;
  evidenceMaxAgeMs: number | undefined;
  /** spec.images.sealGracePeriod: a stale seal stays in force this long while re-verification fails transiently. */
  sealGraceMs: number | undefined;
  changeWindow(now: Date): ChangeWindowDecision | undefined;
}

const policies = new WeakMap<ReleasePolicy, CompiledPolicy>();
const MINUTE = 60_000;

function addRole(map: Map<string, string[]>, key: string, role: string): void {
  const roles = map.get(key);
  if (roles) roles.push(role);
  else map.set(key, [role]);
}

export function compilePolicy(policy: ReleasePolicy): CompiledPolicy {
  let compiled = policies.get(policy);
  if (compiled) return compiled;
  const spec = policy.spec;
  const batchGate = spec.batch?.gate;
  const users = new Map<string, string[]>();
  const groups = new Map<string, string[]>();
  const roles: string[] = [];
  for (const role of spec.roles ?? []) {
    if (!role.permissions.includes("BreakGlass")) continue;
    roles.push(role.name);
    for (const u of role.users ?? []) addRole(users, u, role.name);
    for (const g of role.groups ?? []) addRole(groups, g, role.name);
  }
  // Change windows open and close on whole minutes and at freeze bounds; a decision is reused
  // until the next minute, its own opening or closing, whichever comes first.
  let cached: { from: number; until: number; decision: ChangeWindowDecision } | undefined;
  const windows = spec.changeWindows;
  const maxAge = spec.evidenceMaxAge ? parseDuration(spec.evidenceMaxAge) : undefined;
  compiled = {
    policy,
    name: policy.metadata.name,
    requiredGates: (spec.gates ?? []).filter((g) => (g.phase ?? "GoLive") === "GoLive" && g.name !== batchGate).map((g) => g.name),
    imageKeys: imageKeys(spec.signers ?? []),
    breakGlassUsers: users,
    breakGlassGroups: groups,
    breakGlassRoles: roles,
    highRiskClasses: new Set(spec.batch?.highRiskClasses ?? []),
    evidenceMaxAgeMs: maxAge,
    sealGraceMs: spec.images?.sealGracePeriod ? parseDuration(spec.images.sealGracePeriod) : undefined,
    changeWindow(now: Date) {
      if (!windows) return undefined;
      const t = now.getTime();
      if (cached && t >= cached.from && t < cached.until) return cached.decision;
      const decision = evaluateChangeWindow(windows, now);
      const edge = decision.open ? decision.closesAt : decision.opensAt;
      const nextMinute = Math.floor(t / MINUTE) * MINUTE + MINUTE;
      cached = { from: t, until: Math.min(nextMinute, edge?.getTime() ?? Infinity), decision };
      return decision;
    },
  };
  policies.set(policy, compiled);
  return compiled;
}

export interface CompiledRelease {
  /** Sealed digests by normalised image name (registry/repository). */
  images: ReadonlyMap<string, readonly string[]>;
  /** Sealed configuration digests by "ConfigMap/name" or "Secret/name". */
  configuration: ReadonlyMap<string, string>;
  /** "Kind/name" of the workloads the Release governs. */
  workloads: ReadonlySet<string>;
}

const releases = new WeakMap<Release, CompiledRelease>();

/** The normalised name of a sealed image entry; the raw name when it does not parse. */
function normalisedName(name: string): string {
  try {
    return parseImageReference(name).name;
  } catch {
    return name;
  }
}

export function compileRelease(release: Release): CompiledRelease {
  let compiled = releases.get(release);
  if (compiled) return compiled;
  const images = new Map<string, string[]>();
  for (const image of release.spec?.images ?? []) {
    const name = normalisedName(image.name);
    const digests = images.get(name);
    if (digests) digests.push(image.digest);
    else images.set(name, [image.digest]);
  }
  const configuration = new Map<string, string>();
  for (const c of release.spec?.configuration ?? []) configuration.set(`${c.kind}/${c.name}`, c.digest);
  const workloads = new Set<string>();
  for (const w of release.spec?.workloads ?? []) workloads.add(`${w.kind}/${w.name}`);
  compiled = { images, configuration, workloads };
  releases.set(release, compiled);
  return compiled;
}
