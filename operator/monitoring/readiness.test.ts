// The 4.7 b verdict from what was observed, and which Velero Schedules back up a namespace: pure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { Release, type ReleaseInput } from "../../api/index.js";
import { backupCoverage, evaluateReadiness, type ReadinessObservations, type VeleroSchedule } from "./readiness.js";

const release = (() => {
  const r = parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "release.yaml"), "utf8")) as ReleaseInput;
  return Release.parse(r);
})();

const schedule = (name: string, template: VeleroSchedule["spec"] extends infer S ? (S extends { template?: infer T } ? T : never) : never, extra: Partial<VeleroSchedule> = {}): VeleroSchedule => ({ metadata: { name, namespace: "velero" }, spec: { schedule: "0 1 * * *", template, ...extra.spec }, ...(extra.status ? { status: extra.status } : {}) });

describe("backupCoverage", () => {
  it.each([
    { what: "the namespace listed", schedules: [schedule("daily", { includedNamespaces: ["claims", "underwriting"] })], covered: true },
    { what: '"*"', schedules: [schedule("all", { includedNamespaces: ["*"] })], covered: true },
    { what: "no includedNamespaces (Velero's default: all)", schedules: [schedule("all", {})], covered: true },
    { what: "another namespace only", schedules: [schedule("claims", { includedNamespaces: ["claims"] })], covered: false },
    { what: "all but this namespace", schedules: [schedule("most", { includedNamespaces: ["*"], excludedNamespaces: ["underwriting"] })], covered: false },
    { what: "a paused schedule", schedules: [schedule("paused", { includedNamespaces: ["underwriting"] }, { spec: { paused: true } })], covered: false },
    { what: "a schedule Velero rejected", schedules: [schedule("bad", { includedNamespaces: ["underwriting"] }, { status: { phase: "FailedValidation" } })], covered: false },
    { what: "no schedule at all", schedules: [], covered: false },
  ])("$what → covered: $covered", ({ schedules, covered }) => {
    const c = backupCoverage(schedules, "underwriting");
    expect(c.covered).toBe(covered);
    if (!covered) expect(c.reason).toMatch(/^no Velero Schedule backs up namespace underwriting \(.*\); create one with spec\.template\.includedNamespaces containing underwriting$/);
  });

  it("names what it skipped", () => {
    expect(backupCoverage([schedule("paused", { includedNamespaces: ["underwriting"] }, { spec: { paused: true } })], "underwriting").reason).toMatch(/velero\/paused is paused/);
  });
});

describe("evaluateReadiness", () => {
  const ok: ReadinessObservations = {
    prometheusUrl: "http://prometheus:9090",
    selector: 'namespace="underwriting",golive_dev_release="underwriting-api-2-4-1"',
    targets: [{ labels: { instance: "10.0.0.1:8080" }, value: 1 }, { labels: { instance: "10.0.0.2:8080" }, value: 1 }],
    metrics: [{ name: "policies-issued-per-second", query: "sum(x)", samples: 1 }],
  };

  it("is ready with every target up and every key metric sampled", () => {
    expect(evaluateReadiness(release, ok)).toEqual({ ready: true, reasons: [] });
    expect(evaluateReadiness(release, { ...ok, velero: { installed: true, schedules: [schedule("all", {})] } })).toEqual({ ready: true, reasons: [] });
  });

  it("names every missing piece", () => {
    const v = evaluateReadiness(release, {
      ...ok,
      targets: [{ labels: { instance: "10.0.0.1:8080" }, value: 1 }, { labels: { instance: "10.0.0.2:8080" }, value: 0 }],
      metrics: [{ name: "policies-issued-per-second", query: "sum(x)", samples: 0 }, { name: "users", query: "sum(", samples: { error: 'query "sum(": bad_data: parse error' } }],
      velero: { installed: false },
    });
    expect(v.ready).toBe(false);
    expect(v.reasons).toEqual([
      "1 of 2 scrape target(s) of Release underwriting/underwriting-api-2-4-1 down: 10.0.0.2:8080",
      "key capacity metric policies-issued-per-second has no samples: sum(x) returns nothing (capacity data must be collected from go-live, 6.3.1)",
      'key capacity metric users: query "sum(": bad_data: parse error',
      "the policy requires a backup schedule, but Velero is not installed (no velero.io/v1 Schedule kind)",
    ]);
  });

  it("is not ready when Prometheus knows no target of the release, or cannot be asked", () => {
    expect(evaluateReadiness(release, { ...ok, targets: [] }).reasons).toEqual([
      'Prometheus at http://prometheus:9090 scrapes no target of Release underwriting/underwriting-api-2-4-1 (up{namespace="underwriting",golive_dev_release="underwriting-api-2-4-1"} has no series): check that the pods expose the metrics port "metrics" at /metrics and that Prometheus selects the enrollment',
    ]);
    expect(evaluateReadiness(release, { ...ok, targets: { error: "cannot reach Prometheus at http://prometheus:9090: fetch failed" } }).reasons).toEqual(["cannot check the scrape targets: cannot reach Prometheus at http://prometheus:9090: fetch failed"]);
  });
});
