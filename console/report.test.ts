import { describe, expect, it } from "vitest";
import { examplePolicy, exampleRelease, sign } from "../gates/testkit.js";
import { reportHtml, reportLink, reportPath } from "./report.js";
import type { Release } from "../api/index.js";

const { policy, keys } = examplePolicy();
const approved = (phase: string): Release => ({ ...exampleRelease(), status: { phase } as Release["status"] });
const all = { policy: { policy }, mayReadEvidence: true, mayReadPolicy: true };

describe("the conformance report link", () => {
  it("links the report once the release has been approved, for a viewer who may read its policy and evidence", () => {
    const r = approved("Released");
    expect(reportLink(r, all)).toEqual({ href: reportPath(r) });
    expect(reportPath(r)).toBe(`/releases/${r.metadata.namespace}/${r.metadata.name}/report`);
    for (const phase of ["Approved", "Progressing", "RolledBack", "Failed"]) expect(reportLink(approved(phase), all)).toHaveProperty("href");
  });

  it("says why there is none: not approved yet, no governing policy, or the viewer may not read what it shows", () => {
    const r = approved("Blocked");
    expect(reportLink(r, all)).toEqual({ unavailable: `the release has not been approved yet (phase Blocked); \`golive report ${r.metadata.name} -n ${r.metadata.namespace}\` shows what is missing` });
    expect(reportLink({ ...r, status: undefined }, all)).toMatchObject({ unavailable: expect.stringContaining("(phase Pending)") });
    const released = approved("Released");
    expect(reportLink(released, { ...all, policy: {} })).toEqual({ unavailable: `no ReleasePolicy governs namespace ${released.metadata.namespace}` });
    expect(reportLink(released, { ...all, policy: { problem: "namespace x matches 2 ReleasePolicies (a, b)" } })).toEqual({ unavailable: "namespace x matches 2 ReleasePolicies (a, b)" });
    expect(reportLink(released, { ...all, mayReadPolicy: false, mayReadEvidence: false })).toEqual({ unavailable: `it shows the policy and every evidence, and you may not get the ReleasePolicy ${policy.metadata.name} or list ReleaseEvidence in ${released.metadata.namespace}` });
  });

  it("renders the same report golive report writes, from this release's evidence only", () => {
    const r = approved("Released");
    const mine = sign(r, "FunctionalTestReport", keys.qa, {}, "2026-11-20T10:00:00Z");
    const other = { ...sign({ ...r, metadata: { ...r.metadata, name: "other-release" } }, "FunctionalTestReport", keys.qa), metadata: { name: "elsewhere", namespace: r.metadata.namespace } };
    const html = reportHtml(r, policy, [mine, other], new Date("2026-11-24T00:00:00Z"));
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain(mine.metadata.name);
    expect(html).not.toContain("elsewhere");
    expect(html).not.toContain("<script src");
    expect(html).toContain('<html lang="en">');
    const zh = { ...policy, spec: { ...policy.spec, report: { ...policy.spec.report, language: "zh-CN" as const } } };
    expect(reportHtml(r, zh, [mine], new Date("2026-11-24T00:00:00Z"))).toContain('<html lang="zh-CN">');
  });
});
