// 8.5 (https URLs) and 8.7 d (log shipping declared), the pure rule and through decide(): on a
// Release when it is applied, and on its workloads, so a Release applied before the switch was
// turned on cannot put pods live.
import { describe, expect, it } from "vitest";
import { ReleasePolicySpec } from "../../api/index.js";
import { decide } from "../decide.js";
import { Findings } from "../findings.js";
import { fixturePolicy, fixtureRelease, fixtureView, NS, policySpec, releaseSpec, request, workload } from "../testdata/fixtures.js";
import { checkReleaseSafeguards, plainHttpUrls } from "./release-safeguards.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const strict = () => fixturePolicy("shop-policy", { ...policySpec(), safeguards: { requireHttps: true, requireLogShipping: true } });
const shipping = { destination: "https://logs.example.com/ingest", agent: "fluent-bit" };
const withUrls = (prometheus: string, notify: string, destination = shipping.destination) => ({
  ...releaseSpec(),
  strategy: { trafficRouting: { service: "web" }, steps: [], analysis: { prometheus: { address: prometheus }, metrics: [{ name: "errors", query: "up", successCondition: "result > 0" }] } },
  notifications: [{ url: "https://chat.example.com/ok" }, { url: notify }],
  logShipping: { ...shipping, destination },
});
// Version 1.3.0: the fixture view already holds Release web-1-2-0 of version 1.2.0.
const releaseObject = (spec: Record<string, unknown>) => ({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: "web-1-3-0", namespace: NS }, spec: { ...spec, version: "1.3.0" } });

function problems(spec: unknown, policy = strict()): string[] {
  const f = new Findings();
  checkReleaseSafeguards("web-1-3-0", spec, policy, f);
  return f.problems;
}

describe("https URLs and log shipping in a Release (8.5, 8.7 d)", () => {
  it("finds every plain-http URL with its field, whatever the scheme's case; a syslog destination is not a URL", () => {
    expect(plainHttpUrls(withUrls("http://prometheus.monitoring:9090", "HTTP://chat.example.com/hook", "http://logs:8080"))).toEqual([
      { field: "spec.strategy.analysis.prometheus.address", url: "http://prometheus.monitoring:9090" },
      { field: "spec.notifications[1].url", url: "HTTP://chat.example.com/hook" },
      { field: "spec.logShipping.destination", url: "http://logs:8080" },
    ]);
    expect(plainHttpUrls(withUrls("https://prometheus.monitoring:9091", "https://chat.example.com/hook", "syslog.example.com:6514"))).toEqual([]);
    expect(plainHttpUrls(undefined)).toEqual([]);
  });

  it("refuses each http URL with the field and what to change, and a missing log-shipping declaration with an example", () => {
    const { logShipping: _, ...noShipping } = withUrls("http://prometheus.monitoring:9090", "https://chat.example.com/hook");
    expect(problems(noShipping)).toEqual([
      "Release web-1-3-0 spec.strategy.analysis.prometheus.address is http://prometheus.monitoring:9090, a plain http URL: ReleasePolicy shop-policy requires https for every URL golive uses (8.5, spec.safeguards.requireHttps): serve it over TLS and change it to https://",
      expect.stringMatching(/^Release web-1-3-0 declares no log shipping: ReleasePolicy shop-policy requires it \(8\.7 d, spec\.safeguards\.requireLogShipping\): add spec\.logShipping with the destination .* \{destination: https:\/\/logs\.example\.com\/ingest, agent: fluent-bit\}$/),
    ]);
    expect(problems(withUrls("https://prometheus.monitoring:9091", "https://chat.example.com/hook"))).toEqual([]);
  });

  it("with the switches off, http URLs and no log shipping are allowed", () => {
    expect(problems(releaseSpec(), fixturePolicy())).toEqual([]);
    expect(problems(withUrls("http://prometheus.monitoring:9090", "http://chat"), fixturePolicy())).toEqual([]);
  });

  it("decide refuses the Release when it is applied, and admits it once fixed", () => {
    const view = fixtureView(NOW, strict());
    const d = decide(request(releaseObject(withUrls("https://p:9091", "http://chat.example.com/hook"))), view);
    expect(d.allowed).toBe(false);
    expect(d.status?.message).toContain("Release web-1-3-0 spec.notifications[1].url is http://chat.example.com/hook, a plain http URL");
    expect(decide(request(releaseObject(withUrls("https://p:9091", "https://chat.example.com/hook"))), view).allowed).toBe(true);
  });

  it("decide does not judge a metadata-only update, so a Release applied before the switch can still get its finalizer removed", () => {
    const view = fixtureView(NOW, strict());
    const old = releaseObject(releaseSpec());
    const update = { ...old, metadata: { ...old.metadata, finalizers: [] } };
    expect(decide(request(update, { operation: "UPDATE", oldObject: old }), view).allowed).toBe(true);
  });

  it("decide denies the workloads of a Release that declares no log shipping (applied before the switch)", () => {
    const view = fixtureView(NOW, strict());
    const d = decide(request(workload("Deployment")), view);
    expect(d.allowed).toBe(false);
    expect(d.status?.message).toContain("Release web-1-2-0 declares no log shipping");
    view.releases.put(fixtureRelease(NOW, { spec: { ...releaseSpec(), logShipping: shipping } }));
    expect(decide(request(workload("Deployment")), view)).toEqual({ allowed: true, warnings: [] });
  });
});

describe("the policy's own Prometheus URL (8.5)", () => {
  it("is refused as http when the policy requires https, with what to change", () => {
    const spec = { ...policySpec(), monitoring: { prometheus: "http://prometheus.monitoring:9090" }, safeguards: { requireHttps: true } };
    const result = ReleasePolicySpec.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["monitoring.prometheus: spec.safeguards.requireHttps is on, so spec.monitoring.prometheus must be an https:// URL (8.5): serve Prometheus over TLS and give its https address"]);
    expect(ReleasePolicySpec.safeParse({ ...spec, monitoring: { prometheus: "https://prometheus.monitoring:9091" } }).success).toBe(true);
    expect(ReleasePolicySpec.safeParse({ ...spec, safeguards: { requireHttps: false } }).success).toBe(true);
  });
});
