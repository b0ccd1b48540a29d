// 8.6 a-c: which kind of security test a SARIF scan is, from a declared category, the run's
// automationDetails.id or a well-known tool.
import { describe, expect, it } from "vitest";
import { parseSarif } from "./parsers/sarif.js";
import { fixture, fixtureText } from "./parsers/test-helpers.js";
import { categoryOfAutomationId, categoryOfTool, scanCategories } from "./scan-category.js";

describe("scan categories (8.6 a-c)", () => {
  it("reads a run's automationDetails.id and a well-known tool", () => {
    expect(categoryOfAutomationId("dast/zap-nightly")).toBe("dast");
    expect(categoryOfAutomationId("config-k8s/")).toBe("config");
    expect(categoryOfAutomationId("sastisfied/")).toBeUndefined();
    expect(categoryOfTool("ESLint@9.12.0")).toBe("sast");
    expect(categoryOfTool("ZAP@2.15.0")).toBe("dast");
    expect(categoryOfTool("Checkov")).toBe("config");
    expect(categoryOfTool("in-house-scanner@1")).toBeUndefined();
  });

  it("a declared category wins over the runs' own", () => {
    expect(scanCategories({ category: "dast", runs: [{ tool: "ESLint@9" }] })).toEqual(["dast"]);
    expect(scanCategories({ runs: [{ tool: "ESLint@9" }, { tool: "x", category: "config" }] })).toEqual(["sast", "config"]);
    expect(scanCategories({ tools: ["CodeQL@2"] })).toEqual(["sast"]);
  });

  it("the SARIF summary records each run's category from automationDetails.id, else from its tool", () => {
    const log = JSON.parse(fixtureText("eslint.sarif")) as { runs: Record<string, unknown>[] };
    expect(parseSarif(fixture("eslint.sarif")).runs.map((r) => r.category)).toEqual(["sast"]);
    log.runs[0]!.automationDetails = { id: "config/eslint-yaml" };
    expect(parseSarif(new TextEncoder().encode(JSON.stringify(log))).runs.map((r) => r.category)).toEqual(["config"]);
  });
});
