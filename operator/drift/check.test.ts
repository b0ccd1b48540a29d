import { describe, expect, it } from "vitest";
import type { Condition } from "../../api/index.js";
import { exampleRelease } from "../../gates/testkit.js";
import { Registry } from "prom-client";
import { KubeError } from "../runtime/kube-client.js";
import { reportDrift, ReleaseDrift } from "./check.js";
import type { DriftFinding } from "./detect.js";
import { DriftMetrics } from "./metrics.js";
import { PodIndex } from "./pods.js";

const other = `sha256:${"a".repeat(64)}`;
const finding: DriftFinding = { kind: "ConfigMap", name: "cfg", expected: `sha256:${"b".repeat(64)}`, found: other, problem: "changed" };
const cond = (status: Condition["status"], message = ""): Condition => ({ type: "Drifted", status, reason: "x", message, lastTransitionTime: "2026-01-01T00:00:00Z" });

describe("reportDrift", () => {
  it("records drift once: a Warning Event Drifted and an audit record with the findings", () => {
    const first = reportDrift(undefined, [finding]);
    expect(first.condition).toMatchObject({ type: "Drifted", status: "True", reason: "ConfigurationDrift" });
    expect(first.events).toEqual([{ type: "Warning", reason: "Drifted", message: expect.stringContaining(`ConfigMap cfg has digest ${other}`) as string }]);
    expect(first.audit).toEqual({ result: "Drifted", reason: first.condition!.message, details: { findings: [finding] } });
    const again = reportDrift(cond("True", first.condition!.message), [finding]);
    expect(again.events).toEqual([]);
    expect(again.audit).toBeUndefined();
  });

  it("records again when the findings change, and once more when the drift goes away", () => {
    const changed = reportDrift(cond("True", "something else"), [finding]);
    expect(changed.audit?.result).toBe("Drifted");
    const resolved = reportDrift(cond("True", "x"), []);
    expect(resolved.condition).toMatchObject({ status: "False", reason: "MatchesSeal" });
    expect(resolved.events).toMatchObject([{ type: "Normal", reason: "DriftResolved" }]);
    expect(resolved.audit?.result).toBe("DriftResolved");
  });

  it("says nothing for a release that never drifted", () => {
    expect(reportDrift(undefined, [])).toMatchObject({ condition: { status: "False" }, events: [] });
    expect(reportDrift(cond("False"), []).audit).toBeUndefined();
  });

  it("is Unknown when a sealed object could not be read and nothing else differs", () => {
    expect(reportDrift(undefined, [], ["Secret db (HTTP 403 Forbidden)"]).condition).toMatchObject({ status: "Unknown", reason: "CannotRead", message: "cannot read sealed configuration Secret db (HTTP 403 Forbidden)" });
    expect(reportDrift(undefined, [finding], ["Secret db (HTTP 403 Forbidden)"]).condition?.status).toBe("True");
  });
});

describe("ReleaseDrift", () => {
  const release = exampleRelease();
  const key = `${release.metadata.namespace}/${release.metadata.name}`;
  const live = (phase: "Approved" | "Pending") => ({ ...release, status: { phase } });
  const data = { PREMIUM_ROUNDING: "half-even", QUOTE_CACHE_TTL: "60s" };

  function setup(get: (path: string) => unknown) {
    const registry = new Registry();
    const metrics = new DriftMetrics(registry);
    const paths: string[] = [];
    const drift = new ReleaseDrift({
      client: {
        get: <T>(path: string) => {
          paths.push(path);
          return Promise.resolve().then(() => get(path) as T);
        },
      },
      pods: new PodIndex(),
      metrics,
    });
    return { drift, registry, paths };
  }

  it("reads each sealed object by name and publishes the gauge per kind while live", async () => {
    const { drift, registry, paths } = setup(() => ({ data: { ...data, QUOTE_CACHE_TTL: "1s" } }));
    const pass = await drift.pass(live("Approved"), "Approved");
    expect(paths).toEqual(["/api/v1/namespaces/underwriting/configmaps/underwriting-api-config"]);
    expect(pass.condition?.status).toBe("True");
    const text = await registry.metrics();
    expect(text).toContain('golive_release_drift{release_namespace="underwriting",release="underwriting-api-2-4-1",kind="ConfigMap"} 1');
    expect(text).toContain('golive_release_drift{release_namespace="underwriting",release="underwriting-api-2-4-1",kind="image"} 0');
    // Not live any more: no condition, no series.
    const after = await drift.pass(live("Pending"), "Pending");
    expect(after).toEqual({ events: [] });
    expect(await registry.metrics()).not.toContain("underwriting-api-2-4-1");
  });

  it("treats 404 as missing and other read errors as unreadable", async () => {
    const missing = await setup(() => {
      throw new KubeError(404, "NotFound", "not found");
    }).drift.pass(live("Approved"), "Approved");
    expect(missing.condition?.message).toMatch(/ConfigMap underwriting-api-config is sealed \(sha256:6e50.*\) but does not exist/);
    const forbidden = await setup(() => {
      throw new KubeError(403, "Forbidden", "no");
    }).drift.pass(live("Approved"), "Approved");
    expect(forbidden.condition).toMatchObject({ status: "Unknown", reason: "CannotRead" });
  });

  it("forget removes the series", async () => {
    const { drift, registry } = setup(() => ({ data }));
    expect((await drift.pass(live("Approved"), "Approved")).condition?.status).toBe("False");
    expect(await registry.metrics()).toContain(`release="${release.metadata.name}"`);
    drift.forget(key);
    expect(await registry.metrics()).not.toContain(`release="${release.metadata.name}"`);
  });
});

describe("PodIndex", () => {
  const labelled = (name: string, release: string | undefined, imageID = "", phase = "Running") => ({
    metadata: { name, namespace: "ns", ...(release ? { labels: { "golive.dev/release": release } } : {}) },
    status: { phase, containerStatuses: [{ name: "c", imageID }] },
  });

  it("indexes pods by release and names the releases whose drift may have changed", () => {
    const idx = new PodIndex();
    const a = labelled("a", "r1");
    expect(idx.update("add", a)).toEqual(["ns/r1"]);
    expect(idx.pods("ns/r1")).toEqual([a]);
    // Same reported digests: nothing to look at again.
    expect(idx.update("update", { ...a, metadata: { ...a.metadata, resourceVersion: "2" } }, a)).toEqual([]);
    const changed = labelled("a", "r1", `x@sha256:${"1".repeat(64)}`);
    expect(idx.update("update", changed, a)).toEqual(["ns/r1"]);
    const moved = labelled("a", "r2", changed.status.containerStatuses[0]!.imageID);
    expect(idx.update("update", moved, changed)).toEqual(["ns/r1", "ns/r2"]);
    expect(idx.pods("ns/r1")).toEqual([]);
    expect(idx.update("delete", moved)).toEqual(["ns/r2"]);
    expect(idx.pods("ns/r2")).toEqual([]);
    expect(idx.update("add", labelled("b", undefined))).toEqual([]);
  });
});
