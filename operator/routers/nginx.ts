// ingress-nginx router. The Ingress named in the Release is the user's and serves the stable
// Service (a backend naming <service> is pointed at <service>-stable once, at the first rollout);
// golive adds a canary Ingress of its own, <ingress>-golive-canary, with the same hosts and paths
// pointing at <service>-canary and ingress-nginx's canary annotations: canary-weight for ordinary
// traffic, canary-by-header (+ -value) or canary-by-cookie for verification users. The canary
// Ingress exists only while a rollout needs it. Note: ingress-nginx's canary-by-cookie routes on
// the cookie's *name* with the value "always", so with nginx the header form is the one that keeps
// the value secret; golive uses the cookie named `<cookie>-<secret value>` set to "always".
import { canonicalJson } from "../../gates/canonical-json.js";
import { KubeError } from "../runtime/kube-client.js";
import { applyPath, MANAGED_BY, ownerReference, paths, type DesiredTraffic, type KubeObjectLike, type RouterContext, type TrafficObservation, type TrafficRouter } from "./types.js";

const A = "nginx.ingress.kubernetes.io/";

interface IngressBackend {
  service?: { name: string; port?: { number?: number; name?: string } };
  [k: string]: unknown;
}
interface IngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}
interface IngressRule {
  host?: string;
  http?: { paths: IngressPath[] };
}
export interface Ingress extends KubeObjectLike {
  spec?: { ingressClassName?: string; defaultBackend?: IngressBackend; rules?: IngressRule[]; tls?: unknown[] };
}

type Names = Pick<RouterContext, "service" | "stableService" | "canaryService">;

/** The user's rules with backends that name <service> pointed at <service>-stable. Pure. */
export function stableRules(rules: readonly IngressRule[], n: Names): IngressRule[] {
  return rules.map((r) => ({
    ...r,
    ...(r.http ? { http: { paths: r.http.paths.map((p) => (p.backend.service?.name === n.service ? { ...p, backend: { ...p.backend, service: { ...p.backend.service, name: n.stableService } } } : p)) } } : {}),
  }));
}

/** The canary Ingress for the desired traffic, or undefined when none is needed. Pure. */
export function canaryIngress(main: Ingress, n: Names & { namespace: string }, name: string, desired: DesiredTraffic): Ingress | undefined {
  if (desired.weight === 0 && !desired.verification) return undefined;
  const rules = (main.spec?.rules ?? [])
    .map((r) => ({
      ...(r.host ? { host: r.host } : {}),
      http: { paths: (r.http?.paths ?? []).filter((p) => [n.service, n.stableService].includes(p.backend.service?.name ?? "")).map((p) => ({ ...p, backend: { service: { ...p.backend.service!, name: n.canaryService } } })) },
    }))
    .filter((r) => r.http.paths.length > 0);
  const annotations: Record<string, string> = { [`${A}canary`]: "true", [`${A}canary-weight`]: String(desired.weight), [`${A}canary-weight-total`]: "100" };
  const v = desired.verification;
  if (v?.header) Object.assign(annotations, { [`${A}canary-by-header`]: v.header, [`${A}canary-by-header-value`]: v.value });
  else if (v?.cookie) annotations[`${A}canary-by-cookie`] = `${v.cookie}-${v.value}`;
  const owner = ownerReference(main);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: n.namespace, labels: { ...MANAGED_BY, "golive.dev/canary-of": main.metadata?.name ?? "" }, annotations, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { ...(main.spec?.ingressClassName ? { ingressClassName: main.spec.ingressClassName } : {}), rules },
  };
}

export function observeCanary(canary: Ingress | undefined): { weight: number; verification: boolean } {
  const a = canary?.metadata?.annotations ?? {};
  return { weight: canary ? Number(a[`${A}canary-weight`] ?? "0") : 0, verification: Boolean(a[`${A}canary-by-header`] ?? a[`${A}canary-by-cookie`]) };
}

export class NginxRouter implements TrafficRouter {
  readonly name = "nginx" as const;
  constructor(private readonly ingressName: string) {}

  canarySelector(_ctx: RouterContext, serviceSelector: Record<string, string>, hash: string | undefined): Record<string, string> {
    return { ...serviceSelector, "pod-template-hash": hash ?? "" };
  }

  private get canaryName(): string {
    return `${this.ingressName}-golive-canary`.slice(0, 253);
  }

  private async get(ctx: RouterContext, name: string): Promise<Ingress | undefined> {
    try {
      return await ctx.client.get<Ingress>(`${paths.ingresses(ctx.namespace)}/${name}`);
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return undefined;
      throw e;
    }
  }

  private async main(ctx: RouterContext): Promise<Ingress> {
    const main = await this.get(ctx, this.ingressName);
    if (!main) throw new Error(`Ingress ${ctx.namespace}/${this.ingressName} not found`);
    return main;
  }

  async observe(ctx: RouterContext, desired: DesiredTraffic): Promise<TrafficObservation> {
    const main = await this.main(ctx);
    const canary = await this.get(ctx, this.canaryName);
    const seen = observeCanary(canary);
    const want = canaryIngress(main, { ...ctx }, this.canaryName, desired);
    const mainSettled = canonicalJson(stableRules(main.spec?.rules ?? [], ctx)) === canonicalJson(main.spec?.rules ?? []);
    const canarySettled = want ? canary !== undefined && sameCanary(canary, want) : canary === undefined;
    const settled = mainSettled && canarySettled;
    return { ...seen, settled, ...(settled ? {} : { message: `Ingress ${this.canaryName} not yet at weight ${desired.weight}` }) };
  }

  async apply(ctx: RouterContext, desired: DesiredTraffic): Promise<boolean> {
    const main = await this.main(ctx);
    let changed = false;
    const rules = main.spec?.rules ?? [];
    const next = stableRules(rules, ctx);
    if (canonicalJson(next) !== canonicalJson(rules)) {
      await ctx.client.patch(`${paths.ingresses(ctx.namespace)}/${this.ingressName}?fieldManager=golive-operator`, { metadata: { resourceVersion: main.metadata?.resourceVersion }, spec: { rules: next } }, "merge");
      changed = true;
    }
    const want = canaryIngress(main, { ...ctx }, this.canaryName, desired);
    const have = await this.get(ctx, this.canaryName);
    if (want && !(have && sameCanary(have, want))) {
      await ctx.client.patch(applyPath(paths.ingresses(ctx.namespace), this.canaryName), want, "apply");
      changed = true;
    } else if (!want && have) {
      await ctx.client.delete(`${paths.ingresses(ctx.namespace)}/${this.canaryName}`).catch((e: unknown) => {
        if (!(e instanceof KubeError && e.code === 404)) throw e;
      });
      changed = true;
    }
    return changed;
  }
}

function sameCanary(have: Ingress, want: Ingress): boolean {
  const pick = (i: Ingress) => {
    const annotations = Object.fromEntries(Object.entries(i.metadata?.annotations ?? {}).filter(([k]) => k.startsWith(A)));
    return canonicalJson({ annotations, rules: i.spec?.rules ?? [], cls: i.spec?.ingressClassName ?? null });
  };
  return pick(have) === pick(want);
}
