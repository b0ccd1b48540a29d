import { describe, expect, it } from "vitest";
import { matchesSelector } from "./selector.js";

describe("matchesSelector", () => {
  const labels = { "golive.dev/governed": "true", tier: "gold" };
  it.each([
    [{}, true],
    [{ matchLabels: { "golive.dev/governed": "true" } }, true],
    [{ matchLabels: { "golive.dev/governed": "false" } }, false],
    [{ matchExpressions: [{ key: "tier", operator: "In" as const, values: ["gold", "silver"] }] }, true],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn" as const, values: ["gold"] }] }, false],
    [{ matchExpressions: [{ key: "missing", operator: "NotIn" as const, values: ["x"] }] }, true],
    [{ matchExpressions: [{ key: "tier", operator: "Exists" as const }] }, true],
    [{ matchExpressions: [{ key: "tier", operator: "DoesNotExist" as const }] }, false],
    [{ matchLabels: { tier: "gold" }, matchExpressions: [{ key: "missing", operator: "Exists" as const }] }, false],
  ])("%j → %s", (selector, expected) => expect(matchesSelector(selector, labels)).toBe(expected));
});
