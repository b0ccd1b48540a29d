import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../../api/index.js";
import { escapeStatusText } from "./escape-status.js";

const at = "2026-12-02T12:00:00Z";
const condition = (message: string) => ({ type: "Ready", status: "False" as const, reason: "GatesNotPassed", message, lastTransitionTime: at, observedGeneration: 1 });

describe("escapeStatusText", () => {
  it("escapes a bidi override and a newline in the message, conditions, gate reasons and seal reasons", () => {
    const evil = "evidence ok\u202Eelif\nforged line";
    const status: ReleaseStatus = {
      phase: "Blocked",
      message: evil,
      conditions: [condition(evil)],
      gates: [{ name: "unit-tests", status: "Failed", reason: evil, evidence: [], evaluatedAt: at }],
      seals: [{ image: "registry.test/app", digest: `sha256:${"a".repeat(64)}`, status: "Failed", reason: evil }],
    };
    const out = escapeStatusText(status);
    const texts = [out.message, out.conditions?.[0]?.message, out.gates?.[0]?.reason, out.seals?.[0]?.reason];
    for (const t of texts) expect(t).toBe("evidence ok\\u202eelif\\nforged line");
  });

  it("keeps each text within its schema maximum", () => {
    const long = "\u202E".repeat(4096);
    const out = escapeStatusText({ phase: "Blocked", gates: [{ name: "g", status: "Failed", reason: long, evidence: [], evaluatedAt: at }] });
    expect(out.gates?.[0]?.reason.length).toBeLessThanOrEqual(4096);
  });

  it("returns the same object when nothing needs escaping (so an unchanged status is not written again)", () => {
    const status: ReleaseStatus = { phase: "Approved", message: "all gates passed", gates: [{ name: "g", status: "Passed", reason: "fine", evidence: [], evaluatedAt: at }] };
    expect(escapeStatusText(status)).toBe(status);
  });
});
