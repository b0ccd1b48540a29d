import { describe, expect, it } from "vitest";
import { desiredRules, normalizeRules, observeRules, verificationHeader, type RouteRule } from "./gateway-api.js";
import { canaryIngress, observeCanary, stableRules, type Ingress } from "./nginx.js";
import { replicasFor, replicaTraffic, verificationCopy, verificationPolicy } from "./replica-ratio.js";

const names = { namespace: "uw", service: "api", stableService: "api-stable", canaryService: "api-canary" };
const userRule: RouteRule = { matches: [{ path: { type: "PathPrefix", value: "/quotes" } }], backendRefs: [{ name: "api-stable", port: 8080 }] };
const other: RouteRule = { matches: [{ path: { type: "PathPrefix", value: "/docs" } }], backendRefs: [{ name: "docs", port: 80 }] };
const match = { header: "X-Golive-Verify", value: "s3cret" };

describe("Gateway API router", () => {
  it("splits the routed rule by weight and adds a header rule for verification users", () => {
    const rules = desiredRules([userRule, other], names, { weight: 10, verification: match });
    expect(rules[0]!.backendRefs).toEqual([
      { group: "", kind: "Service", name: "api-stable", port: 8080, weight: 90 },
      { group: "", kind: "Service", name: "api-canary", port: 8080, weight: 10 },
    ]);
    expect(rules[1]).toEqual(normalizeRules([other])[0]);
    expect(rules[2]).toMatchObject({
      name: "golive-verification-0",
      matches: [{ path: { type: "PathPrefix", value: "/quotes" }, headers: [{ type: "Exact", name: "X-Golive-Verify", value: "s3cret" }] }],
      backendRefs: [{ name: "api-canary", port: 8080, weight: 1 }],
    });
    expect(observeRules(rules, names)).toEqual({ weight: 10, verification: true, managed: 1 });
  });

  it("is idempotent and returns the route to exactly its Git form at weight 0", () => {
    const during = desiredRules([userRule, other], names, { weight: 50, verification: match });
    expect(desiredRules(during, names, { weight: 50, verification: match })).toEqual(during);
    const after = desiredRules(during, names, { weight: 0 });
    expect(after).toEqual(normalizeRules([userRule, other]));
    expect(observeRules(after, names)).toEqual({ weight: 0, verification: false, managed: 1 });
  });

  it("points a backend naming the Service itself at <service>-stable", () => {
    const rules = desiredRules([{ backendRefs: [{ name: "api", port: 8080 }] }], names, { weight: 0 });
    expect(rules[0]!.backendRefs).toEqual([{ group: "", kind: "Service", name: "api-stable", port: 8080, weight: 1 }]);
    expect(rules[0]!.matches).toEqual([{ path: { type: "PathPrefix", value: "/" } }]);
  });

  it("sends everything to the candidate at 100 and matches a cookie by regular expression", () => {
    const rules = desiredRules([userRule], names, { weight: 100 });
    expect(observeRules(rules, names).weight).toBe(100);
    expect(verificationHeader({ cookie: "golive.verify", value: "a+b" })).toEqual({ type: "RegularExpression", name: "Cookie", value: "(^|;\\s*)golive\\.verify=a\\+b(\\s*;|$)" });
  });
});

describe("ingress-nginx router", () => {
  const main: Ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "api", namespace: "uw", uid: "u1" },
    spec: { ingressClassName: "nginx", rules: [{ host: "api.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "api", port: { number: 8080 } } } }] } }] },
  };
  it("points the user's Ingress at <service>-stable and adds a canary Ingress with the annotations", () => {
    expect(stableRules(main.spec!.rules!, names)[0]!.http!.paths[0]!.backend.service!.name).toBe("api-stable");
    const canary = canaryIngress(main, names, "api-golive-canary", { weight: 20, verification: match })!;
    expect(canary.metadata?.annotations).toEqual({
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
      "nginx.ingress.kubernetes.io/canary-weight-total": "100",
      "nginx.ingress.kubernetes.io/canary-by-header": "X-Golive-Verify",
      "nginx.ingress.kubernetes.io/canary-by-header-value": "s3cret",
    });
    expect(canary.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name).toBe("api-canary");
    expect((canary.metadata as { ownerReferences?: unknown[] }).ownerReferences).toHaveLength(1);
    expect(observeCanary(canary)).toEqual({ weight: 20, verification: true });
  });
  it("needs no canary Ingress at weight 0 without verification", () => {
    expect(canaryIngress(main, names, "c", { weight: 0 })).toBeUndefined();
    expect(canaryIngress(main, names, "c", { weight: 0, verification: { cookie: "verify", value: "v" } })?.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary-by-cookie"]).toBe("verify-v");
  });
});

describe("replica-ratio router", () => {
  it.each([
    [3, 0, 0, 3],
    [3, 10, 1, 2],
    [3, 50, 2, 1],
    [3, 90, 2, 1],
    [3, 100, 3, 0],
    [10, 25, 3, 7],
    [1, 50, 1, 1],
  ])("%i replicas at %i%%: %i candidate, %i stable", (total, weight, candidate, stable) => {
    expect(replicasFor(total, weight)).toEqual({ candidate, stable });
  });

  it("runs a verification copy that the Service does not select, behind a NetworkPolicy", () => {
    const copy = verificationCopy({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "uw", uid: "u" }, spec: { template: { metadata: { labels: { app: "api", tier: "web" } }, spec: { containers: [] } } } }, "api-verify", { app: "api" }, "rel");
    expect(copy.spec?.template?.metadata?.labels).toEqual({ tier: "web", "golive.dev/track": "verification", "golive.dev/verify-of": "api" });
    expect(copy.spec?.selector?.matchLabels).toEqual({ "golive.dev/track": "verification", "golive.dev/verify-of": "api" });
    expect(verificationPolicy("uw", "api").spec).toEqual({ podSelector: { matchLabels: { "golive.dev/track": "verification", "golive.dev/verify-of": "api" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { "golive.dev/verification-client": "true" } } }] }] });
  });
});

describe("what the replica-ratio Deployments have in effect", () => {
  const d = (replicas: number, ready = replicas, generation = 1, observed = generation) => ({ metadata: { generation }, spec: { replicas }, status: { observedGeneration: observed, readyReplicas: ready, replicas } });
  it("weighs the ready pods and is settled only when each side runs what the weight asks for and the verification copy is up exactly while wanted", () => {
    expect(replicaTraffic(d(1), d(4), undefined, 5, { weight: 20 })).toEqual({ weight: 20, verification: false, settled: true });
    // Scaled but not observed by the controller yet: not settled (a cached copy lagging a write waits, never settles early).
    expect(replicaTraffic(d(1, 1, 2, 1), d(4), undefined, 5, { weight: 20 }).settled).toBe(false);
    expect(replicaTraffic(d(0), d(5), undefined, 5, { weight: 20 })).toMatchObject({ weight: 0, settled: false, message: "waiting for 1 candidate and 4 stable pod(s) to be ready" });
    expect(replicaTraffic(d(0), d(5), d(1), 5, { weight: 0, verification: { header: "X", value: "v" } })).toEqual({ weight: 0, verification: true, settled: true });
    expect(replicaTraffic(d(0), d(5), d(1), 5, { weight: 0 }).settled).toBe(false);
    expect(replicaTraffic(undefined, d(5), undefined, 5, { weight: 0 })).toEqual({ weight: 0, verification: false, settled: true });
  });
});
