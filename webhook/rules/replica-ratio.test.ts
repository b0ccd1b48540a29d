import { describe, expect, it } from "vitest";
import type { Release } from "../../api/index.js";
import { exampleRelease } from "../../gates/testkit.js";
import { Findings } from "../findings.js";
import { checkRatioScale, ratioOwned } from "./replica-ratio.js";

function release(phase: NonNullable<Release["status"]>["phase"]): Release {
  const r = exampleRelease();
  r.spec.workloads.push({ kind: "Deployment", name: "worker" });
  r.status = { phase };
  return r;
}
const run = (name: string, before: number, after: number, r: Release | undefined) => {
  const f = new Findings();
  checkRatioScale("Deployment", name, before, after, r, f);
  return f.problems;
};

describe("golive owns a replica-ratio candidate's replicas while it rolls out", () => {
  it.each(["Approved", "Verifying", "CleaningUp", "Progressing", "RollingBack"] as const)("in %s, raising a worker Deployment's replicas is denied, saying what to set", (phase) => {
    expect(run("worker", 0, 1, release(phase))).toEqual([
      `golive owns spec.replicas of Deployment worker while Release underwriting-api-2-4-1 rolls it out by replica ratio (it is 0; this request makes it 1, which would send ordinary users to the new version before its wave is verified): set spec.replicas: 0 in the manifest, or leave it out if your tool never set it (server-side apply resets a replicas its field manager owned and now omits to 1)`,
    ]);
  });

  it("lowering or keeping them is allowed, and so is anything once Released", () => {
    expect(run("worker", 2, 1, release("Progressing"))).toEqual([]);
    expect(run("worker", 1, 1, release("Progressing"))).toEqual([]);
    expect(run("worker", 0, 3, release("Released"))).toEqual([]);
  });

  it("a Deployment behind a router (its candidate gets traffic only through the route) is not restricted", () => {
    expect(run("underwriting-api", 0, 3, release("Verifying"))).toEqual([]);
  });

  it("a Release without a strategy is not restricted", () => {
    const r = release("Verifying");
    delete r.spec.strategy;
    expect(run("worker", 0, 3, r)).toEqual([]);
  });
});

describe("ratioOwned", () => {
  it("is true for a Deployment rolled out by replica ratio (a worker or one with its own Service), false behind a router or without a strategy", () => {
    const r = release("Released");
    expect(ratioOwned("Deployment", "worker", r)).toBe(true);
    expect(ratioOwned("Deployment", "underwriting-api", r)).toBe(false);
    expect(ratioOwned("StatefulSet", "worker", r)).toBe(false);
    delete r.spec.strategy;
    expect(ratioOwned("Deployment", "worker", r)).toBe(false);
  });
});
