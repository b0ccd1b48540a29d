import { describe, expect, it } from "vitest";
import { applyMergePatch, mergePatchFor } from "./merge-patch.js";

describe("mergePatchFor", () => {
  it("names removed keys with null, at any depth, and leaves equal ones out", () => {
    const before = { phase: "Progressing", canary: { weight: 20, pause: { reason: "Approval", since: "t0" } }, monitoring: { mode: "PodMonitor", problem: "forbidden" }, gates: [1, 2] };
    const after = { phase: "Progressing", canary: { weight: 50 }, monitoring: { mode: "PodMonitor" }, gates: [1] };
    const patch = mergePatchFor(before, after);
    expect(patch).toEqual({ canary: { weight: 50, pause: null }, monitoring: { problem: null }, gates: [1] });
    expect(applyMergePatch(before, patch)).toEqual(after);
  });

  it("drops whole objects the new version no longer has, and adds new ones", () => {
    const before = { phase: "Released", capacity: { atRisk: 1 } };
    const after = { phase: "Released", monitoring: { mode: "Disabled", objects: [] } };
    expect(mergePatchFor(before, after)).toEqual({ capacity: null, monitoring: { mode: "Disabled", objects: [] } });
    expect(mergePatchFor(after, after)).toEqual({});
  });

  it("round-trips random nested edits", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const random = (depth: number): unknown => {
      if (depth === 0 || rand() < 0.3) return rand() < 0.5 ? Math.floor(rand() * 5) : ["a", "b"].slice(0, Math.floor(rand() * 3));
      return Object.fromEntries(["a", "b", "c", "d"].filter(() => rand() < 0.6).map((k) => [k, random(depth - 1)]));
    };
    for (let i = 0; i < 200; i++) {
      const before = random(4);
      const after = random(4);
      expect(applyMergePatch(before, mergePatchFor(before, after))).toEqual(after);
    }
  });
});
