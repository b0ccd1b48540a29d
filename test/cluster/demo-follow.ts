// Follows a Release as the quick start's reader would watch it: one line whenever its phase, its
// canary step or the traffic on the HTTPRoute changes (the weights read from the route object
// itself, not from the Release), and one per analysis run that ends. Reading is polling the API
// server every 200 ms, which is enough to see every step of a demo rollout.
import type { Release } from "../../api/index.js";
import type { HTTPRoute, RouteRule } from "../../operator/routers/gateway-api.js";
import type { KubeClient } from "../../operator/runtime/kube-client.js";

export interface Follow {
  namespace: string;
  release: string;
  route: string;
  service: string;
}

/** "stable 90 % / canary 10 %, verification users → canary" from the route's rules. Pure. */
export function describeRoute(rules: readonly RouteRule[], service: string): string {
  const stable = `${service}-stable`;
  const canary = `${service}-canary`;
  const routed = rules.find((r) => !r.name?.startsWith("golive-verification") && (r.backendRefs ?? []).some((b) => [service, stable, canary].includes(b.name)));
  const refs = routed?.backendRefs ?? [];
  const weight = (name: string) => refs.filter((b) => b.name === name).reduce((s, b) => s + (b.weight ?? 1), 0);
  const total = weight(service) + weight(stable) + weight(canary);
  const pct = (n: number) => (total === 0 ? 0 : Math.round((100 * n) / total));
  const target = weight(service) > 0 ? service : stable;
  const verification = rules.filter((r) => r.name?.startsWith("golive-verification"));
  const header = verification[0]?.matches?.[0]?.headers?.at(-1)?.name;
  return `${target} ${pct(weight(service) + weight(stable))} % / ${canary} ${pct(weight(canary))} %${verification.length ? `, and verification users (header ${header ?? "?"}) → ${canary}` : ""}`;
}

const clock = (ms: number) => `${(ms / 1000).toFixed(1).padStart(5)} s`;

/**
 * Prints the release's progress until `until` holds for it (or the timeout passes, which throws
 * with the last status). `act` runs after each look, to act as a person would (once per cause: it is
 * called again until the status moves on).
 */
export async function follow(client: KubeClient, f: Follow, write: (line: string) => void, until: (r: Release) => boolean, act: (r: Release) => Promise<void> | void = () => {}, timeoutMs = 300_000): Promise<Release> {
  const started = Date.now();
  let last = "";
  let lastPhase = "";
  const ended = new Set<string>();
  for (;;) {
    const r = await client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${f.namespace}/releases/${f.release}`);
    const route = await client.get<HTTPRoute>(`/apis/gateway.networking.k8s.io/v1/namespaces/${f.namespace}/httproutes/${f.route}`);
    const s = r.status;
    for (const run of s?.analysis ?? []) {
      const id = `${run.stepIndex}/${run.step}`;
      if (run.phase === "Running" || ended.has(id)) continue;
      ended.add(id);
      const metrics = run.metrics.map((m) => `${m.name} ${m.measurements.map((x) => (x.value === undefined ? x.phase : Number(x.value).toFixed(3))).join(", ")}`).join("; ");
      write(`  ${clock(Date.now() - started)}  analysis ${run.step}: ${run.phase} (${metrics})`);
    }
    const step = s?.canary?.stepName ? `step ${s.canary.stepIndex + 1}/${r.spec.strategy?.steps.length ?? "?"} ${s.canary.stepName}` : "";
    const now = `${s?.phase ?? "(new)"}|${step}|${describeRoute(route.spec?.rules ?? [], f.service)}`;
    if (now !== last) {
      const [phase, , traffic] = now.split("|");
      write(`  ${clock(Date.now() - started)}  ${phase!.padEnd(12)} ${step.padEnd(30)} HTTPRoute: ${traffic}`);
      if (phase !== lastPhase && s?.message) write(`  ${" ".repeat(7)}  ${" ".repeat(12)} ${s.message}`);
      last = now;
      lastPhase = phase!;
    }
    await act(r);
    if (until(r)) return r;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s following Release ${f.release}; last status: ${JSON.stringify(s).slice(0, 3000)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
