import { describe, expect, it } from "vitest";
import { isOwnWriteEcho } from "./own-write.js";

const obj = (rv: string, generation = 3, uid = "u1") => ({ metadata: { name: "r", namespace: "ns", uid, resourceVersion: rv, generation } });

describe("isOwnWriteEcho", () => {
  it.each([
    ["our status write coming back", "update", obj("11"), obj("10"), "11", true],
    ["a write by someone else after ours", "update", obj("12"), obj("11"), "11", false],
    ["a spec edit (generation moved)", "update", obj("11", 4), obj("10", 3), "11", false],
    ["a release deleted and created again under the name", "update", obj("11", 3, "u2"), obj("10", 3, "u1"), "11", false],
    ["nothing written by us yet", "update", obj("11"), obj("10"), undefined, false],
    ["an add", "add", obj("11"), undefined, "11", false],
    ["a delete", "delete", obj("11"), undefined, "11", false],
    ["a resync (the periodic look again)", "resync", obj("11"), undefined, "11", false],
  ] as const)("%s → %s", (_what, event, object, old, own, want) => {
    expect(isOwnWriteEcho(event, object, old, own)).toBe(want);
  });
});
