import { describe, expect, it } from "vitest";
import { governsWorkload, stableName } from "./names.js";

const spec = { workloads: [{ kind: "Deployment" as const, name: "web" }, { kind: "StatefulSet" as const, name: "db" }] };

describe("governsWorkload: which releases a workload's change wakes", () => {
  it.each([
    ["the Deployment it lists", "Deployment", "web", true],
    ["the stable copy of the Deployment it lists", "Deployment", stableName("web"), true],
    ["the verification copy of the Deployment it lists (replica ratio)", "Deployment", "web-verify", true],
    ["the StatefulSet it lists", "StatefulSet", "db", true],
    ["another application's Deployment in the namespace", "Deployment", "app-7", false],
    ["another application's stable copy", "Deployment", stableName("app-7"), false],
    ["a Deployment named like its StatefulSet", "Deployment", "db", false],
    ["a StatefulSet's name with -stable (StatefulSets have no stable copy)", "StatefulSet", stableName("db"), false],
  ] as const)("%s → %s", (_what, kind, name, want) => {
    expect(governsWorkload(spec, kind, name)).toBe(want);
  });
});
