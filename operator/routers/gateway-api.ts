// Gateway API router. The HTTPRoute named in the Release is the user's; golive changes only the
// backendRefs of the rules that point at the Service (or at <service>-stable) and adds its own
// verification rules, and puts both back when the rollout ends:
//   - ordinary traffic: backendRefs [<service>-stable weight 100-w, <service>-canary weight w];
//     at weight 0 the canary backend is removed and the stable backend loses its weight, so a
//     route that points at <service>-stable in Git is exactly as in Git between rollouts;
//   - verification users: one extra rule per such rule, the same matches plus a header match
//     (a cookie becomes a RegularExpression match on the Cookie header), to <service>-canary only.
//     Gateway API gives header matches precedence, so these rules win for verification users.
// A rule whose backendRefs all name <service>-canary is golive's: users never write such rules.
import { canonicalJson } from "../../gates/canonical-json.js";
import { KubeError } from "../runtime/kube-client.js";
import { paths, type DesiredTraffic, type KubeObjectLike, type RouterContext, type TrafficObservation, type TrafficRouter, type VerificationMatch } from "./types.js";

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [k: string]: unknown;
}
export interface HeaderMatch {
  type?: "Exact" | "RegularExpression";
  name: string;
  value: string;
}
export interface RouteMatch {
  path?: { type?: string; value?: string };
  headers?: HeaderMatch[];
  [k: string]: unknown;
}
export interface RouteRule {
  name?: string;
  matches?: RouteMatch[];
  filters?: unknown[];
  backendRefs?: BackendRef[];
  [k: string]: unknown;
}
export interface HTTPRoute extends KubeObjectLike {
  spec?: { rules?: RouteRule[]; [k: string]: unknown };
}

export const VERIFICATION_RULE_PREFIX = "golive-verification";

type Names = Pick<RouterContext, "service" | "stableService" | "canaryService" | "namespace">;

function isService(ref: BackendRef, routeNamespace: string): boolean {
  return (ref.group ?? "") === "" && (ref.kind ?? "Service") === "Service" && (ref.namespace ?? routeNamespace) === routeNamespace;
}
function refersTo(ref: BackendRef, name: string, ns: string): boolean {
  return isService(ref, ns) && ref.name === name;
}
function isOurs(rule: RouteRule, n: Names): boolean {
  const refs = rule.backendRefs ?? [];
  return (rule.name?.startsWith(VERIFICATION_RULE_PREFIX) ?? false) || (refs.length > 0 && refs.every((r) => refersTo(r, n.canaryService, n.namespace)));
}
/** A user rule golive routes: it points at the Service, <service>-stable or <service>-canary. */
function isManaged(rule: RouteRule, n: Names): boolean {
  return !isOurs(rule, n) && (rule.backendRefs ?? []).some((r) => [n.service, n.stableService, n.canaryService].some((name) => refersTo(r, name, n.namespace)));
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function verificationHeader(v: VerificationMatch): HeaderMatch {
  if (v.header) return { type: "Exact", name: v.header, value: v.value };
  return { type: "RegularExpression", name: "Cookie", value: `(^|;\\s*)${escapeRegex(v.cookie ?? "")}=${escapeRegex(v.value)}(\\s*;|$)` };
}

/**
 * The rules with the API server's defaults filled in (backendRef group "", kind Service, weight 1;
 * a rule without matches matches PathPrefix /; header matches are Exact), so what golive writes
 * reads back unchanged and comparisons do not see a difference that is only a default.
 */
export function normalizeRules(rules: readonly RouteRule[]): RouteRule[] {
  return rules.map((rule) => ({
    ...rule,
    matches: (rule.matches?.length ? rule.matches : [{ path: { type: "PathPrefix", value: "/" } }]).map((m) => ({
      ...m,
      ...(m.path ? { path: { type: "PathPrefix", value: "/", ...m.path } } : {}),
      ...(m.headers ? { headers: m.headers.map((h) => ({ ...h, type: h.type ?? "Exact" })) } : {}),
    })),
    ...(rule.backendRefs ? { backendRefs: rule.backendRefs.map((r) => ({ ...r, group: r.group ?? "", kind: r.kind ?? "Service", weight: r.weight ?? 1 })) } : {}),
  }));
}

/** The rules the route should have for the desired traffic. Pure. */
export function desiredRules(rules: readonly RouteRule[], n: Names, desired: DesiredTraffic): RouteRule[] {
  const w = Math.max(0, Math.min(100, Math.round(desired.weight)));
  const userRules = rules.filter((r) => !isOurs(r, n));
  const out: RouteRule[] = [];
  const verification: RouteRule[] = [];
  let managed = 0;
  for (const rule of userRules) {
    if (!isManaged(rule, n)) {
      out.push(rule);
      continue;
    }
    const refs = rule.backendRefs ?? [];
    const ours = refs.filter((r) => [n.service, n.stableService, n.canaryService].some((name) => refersTo(r, name, n.namespace)));
    const others = refs.filter((r) => !ours.includes(r));
    const template = ours.find((r) => r.name !== n.canaryService) ?? ours[0]!;
    const { weight: _w, name: _n, ...rest } = template;
    const stable: BackendRef = { ...rest, name: n.stableService };
    const backendRefs: BackendRef[] = [...others];
    if (w === 0) backendRefs.push({ ...stable, weight: 1 });
    else if (w === 100) backendRefs.push({ ...stable, weight: 0 }, { ...rest, name: n.canaryService, weight: 100 });
    else backendRefs.push({ ...stable, weight: 100 - w }, { ...rest, name: n.canaryService, weight: w });
    out.push({ ...rule, backendRefs });
    if (desired.verification) {
      const header = verificationHeader(desired.verification);
      const matches = rule.matches?.length ? rule.matches : [{ path: { type: "PathPrefix", value: "/" } }];
      const { name: _ruleName, backendRefs: _refs, ...ruleRest } = rule;
      verification.push({
        ...ruleRest,
        name: `${VERIFICATION_RULE_PREFIX}-${managed}`,
        matches: matches.map((m) => ({ ...m, headers: [...(m.headers ?? []).filter((h) => h.name.toLowerCase() !== header.name.toLowerCase()), header] })),
        backendRefs: [{ ...rest, name: n.canaryService }],
      });
    }
    managed++;
  }
  return normalizeRules([...out, ...verification]);
}

/** What the route does now: the candidate's share of the first routed rule, and verification rules. */
export function observeRules(rules: readonly RouteRule[], n: Names): { weight: number; verification: boolean; managed: number } {
  const managed = rules.filter((r) => isManaged(r, n));
  const first = managed[0];
  let weight = 0;
  if (first) {
    const refs = first.backendRefs ?? [];
    const sum = (name: string) => refs.filter((r) => refersTo(r, name, n.namespace)).reduce((s, r) => s + (r.weight ?? 1), 0);
    const canary = sum(n.canaryService);
    const total = canary + sum(n.stableService) + sum(n.service);
    weight = total === 0 ? 0 : Math.round((100 * canary) / total);
  }
  return { weight, verification: rules.some((r) => isOurs(r, n)), managed: managed.length };
}

export class GatewayAPIRouter implements TrafficRouter {
  readonly name = "gatewayAPI" as const;
  constructor(private readonly routeName: string) {}

  canarySelector(_ctx: RouterContext, serviceSelector: Record<string, string>, hash: string | undefined): Record<string, string> {
    return { ...serviceSelector, "pod-template-hash": hash ?? "" };
  }

  private path(ctx: RouterContext): string {
    return `${paths.httpRoutes(ctx.namespace)}/${this.routeName}`;
  }

  private async get(ctx: RouterContext): Promise<HTTPRoute> {
    try {
      return await ctx.client.get<HTTPRoute>(this.path(ctx));
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) throw new Error(`HTTPRoute ${ctx.namespace}/${this.routeName} not found (or the Gateway API CRDs are not installed)`, { cause: e });
      throw e;
    }
  }

  async observe(ctx: RouterContext, desired: DesiredTraffic): Promise<TrafficObservation> {
    const route = await this.get(ctx);
    const rules = route.spec?.rules ?? [];
    const seen = observeRules(rules, ctx);
    if (seen.managed === 0) return { ...seen, settled: false, message: `HTTPRoute ${this.routeName} has no rule with a backendRef to Service ${ctx.service} or ${ctx.stableService}` };
    const settled = canonicalJson(desiredRules(rules, ctx, desired)) === canonicalJson(normalizeRules(rules));
    return { weight: seen.weight, verification: seen.verification, settled, ...(settled ? {} : { message: `HTTPRoute ${this.routeName} not yet at weight ${desired.weight}` }) };
  }

  async apply(ctx: RouterContext, desired: DesiredTraffic): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const route = await this.get(ctx);
      const rules = route.spec?.rules ?? [];
      if (observeRules(rules, ctx).managed === 0) throw new Error(`HTTPRoute ${ctx.namespace}/${this.routeName} has no rule with a backendRef to Service ${ctx.service} or ${ctx.stableService}`);
      const next = desiredRules(rules, ctx, desired);
      if (canonicalJson(next) === canonicalJson(normalizeRules(rules))) return false;
      try {
        // A merge patch replaces the (atomic) rules list; resourceVersion makes it conditional.
        await ctx.client.patch(`${this.path(ctx)}?fieldManager=golive-operator`, { metadata: { resourceVersion: route.metadata?.resourceVersion }, spec: { rules: next } }, "merge");
        return true;
      } catch (e) {
        if (e instanceof KubeError && e.code === 409 && attempt < 5) continue;
        throw e;
      }
    }
  }
}
