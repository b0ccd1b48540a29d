import { describe, expect, it } from "vitest";
import type { Release, ReleaseStatus } from "../../api/index.js";
import { examplePolicy, exampleRelease } from "../../gates/testkit.js";
import { prometheusFor } from "./prometheus-api.js";
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
