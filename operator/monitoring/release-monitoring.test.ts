import { describe, expect, it } from "vitest";
import type { Release, ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease } from "../../gates/testkit.js";
import { prometheusFor, prometheusRefusal } from "./prometheus-api.js";
import { monitoringCheck } from "./readiness.js";
import { supersededBy } from "./release-monitoring.js";

function release(name: string, uid: string, status: ReleaseStatus | undefined, application = "underwriting-api"): Release {
  const r = exampleRelease();
  r.metadata = { ...r.metadata, name, uid };
  r.spec.application = application;
  r.status = status;
  return r;
}
const released = (at: string): ReleaseStatus => ({ phase: "Released", releasedAt: at });

describe("supersededBy", () => {
  const mine = release("v1", "u1", released("2026-11-24T10:00:00Z"));

  it("is the same application's release Released later", () => {
    const v2 = release("v2", "u2", released("2026-11-24T11:00:00Z"));
    expect(supersededBy(mine, mine.status!, () => [mine, v2])?.metadata.name).toBe("v2");
  });

  it("is nothing for an earlier release, another application, or one still rolling out", () => {
    const earlier = release("v0", "u0", released("2026-11-24T09:00:00Z"));
    const other = release("claims", "u3", released("2026-11-24T11:00:00Z"), "claims-api");
    const rolling = release("v2", "u2", { phase: "Progressing" });
    expect(supersededBy(mine, mine.status!, () => [mine, earlier, other, rolling])).toBeUndefined();
  });

  it("never retires a release that is not Released itself (it is what is about to run)", () => {
    const progressing = release("v3", "u4", { phase: "Progressing" });
    const v2 = release("v2", "u2", released("2026-11-24T11:00:00Z"));
    expect(supersededBy(progressing, progressing.status!, () => [v2])).toBeUndefined();
    // …and does not even list the namespace for it (this runs on every pass of every release).
    expect(supersededBy(progressing, progressing.status!, () => { throw new Error("listed"); })).toBeUndefined();
  });
});

describe("prometheusFor", () => {
  const { policy } = examplePolicy();
  const r = exampleRelease();

  it("prefers the policy's Prometheus, then the operator's, then the release's analysis", () => {
    const withUrl = { ...policy.spec, monitoring: { ...policy.spec.monitoring, prometheus: "http://policy:9090" } };
    expect(prometheusFor(r, withUrl, "http://operator:9090")).toBe("http://policy:9090");
    expect(prometheusFor(r, policy.spec, "http://operator:9090")).toBe("http://operator:9090");
    expect(prometheusFor(r, policy.spec, undefined)).toBe(r.spec.strategy?.analysis?.prometheus.address);
    expect(prometheusFor({ ...r, spec: { ...r.spec, strategy: undefined } }, undefined, undefined)).toBeUndefined();
  });
});

describe("prometheusRefusal (8.5: a requireHttps policy refuses a plain http Prometheus)", () => {
  const { policy } = examplePolicy();
  const r = exampleRelease();
  const strict = { ...policy.spec, safeguards: { ...policy.spec.safeguards, requireHttps: true } };
  const noAnalysis: Release = { ...r, spec: { ...r.spec, strategy: undefined } };

  it("refuses the operator's plain http --prometheus-url under requireHttps, saying what to change", () => {
    const why = prometheusRefusal(noAnalysis, strict, "http://prometheus.monitoring:9090");
    expect(why).toContain("Prometheus http://prometheus.monitoring:9090 is a plain http URL");
    expect(why).toContain("spec.safeguards.requireHttps");
    expect(why).toContain("--prometheus-url (GOLIVE_PROMETHEUS_URL; chart value operator.monitoring.prometheusUrl)");
    expect(why).toContain("https://");
  });

  it("allows an https URL, any URL without requireHttps, and names the policy's or the release's own field when the URL is theirs", () => {
    expect(prometheusRefusal(noAnalysis, strict, "https://prometheus.monitoring:9090")).toBeUndefined();
    expect(prometheusRefusal(noAnalysis, policy.spec, "http://prometheus.monitoring:9090")).toBeUndefined();
    expect(prometheusRefusal(noAnalysis, undefined, "http://prometheus.monitoring:9090")).toBeUndefined();
    expect(prometheusRefusal(noAnalysis, strict, undefined)).toBeUndefined();
    const policyUrl = { ...strict, monitoring: { ...strict.monitoring, prometheus: "http://policy:9090" } };
    expect(prometheusRefusal(noAnalysis, policyUrl, "https://operator:9090")).toContain("the ReleasePolicy's spec.monitoring.prometheus");
    const analysis = { ...r, spec: { ...r.spec, strategy: { ...r.spec.strategy!, analysis: { ...r.spec.strategy!.analysis!, prometheus: { address: "http://analysis:9090" } } } } } as Release;
    expect(prometheusRefusal(analysis, strict, undefined)).toContain("spec.strategy.analysis.prometheus.address");
  });

  it("the check before Released refuses it without asking Prometheus", async () => {
    const asked: string[] = [];
    const check = monitoringCheck({ get: () => Promise.reject(new Error("no API calls expected")) }, "http://prometheus.monitoring:9090", {
      fetch: ((url: URL) => {
        asked.push(String(url));
        return Promise.reject(new Error("asked"));
      }) as unknown as typeof fetch,
    });
    const result = await check(noAnalysis, strict);
    expect(result.ready).toBe(false);
    expect(result.reasons.join(" ")).toContain("--prometheus-url");
    expect(asked).toEqual([]);
    // The same operator, under a policy without the switch, does ask it.
    await check(noAnalysis, policy.spec);
    expect(asked.length).toBeGreaterThan(0);
  });
});
