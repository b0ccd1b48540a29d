import { describe, expect, it } from "vitest";
import { canAcquire } from "./leader-election.js";

const now = new Date("2026-11-24T10:00:00Z");
describe("canAcquire", () => {
  it.each([
    ["no lease", undefined, true],
    ["no holder", { leaseDurationSeconds: 15 }, true],
    ["we hold it", { holderIdentity: "me", renewTime: "2026-11-24T09:59:59Z", leaseDurationSeconds: 15 }, true],
    ["another holder renewed recently", { holderIdentity: "other", renewTime: "2026-11-24T09:59:50Z", leaseDurationSeconds: 15 }, false],
    ["another holder's lease expired", { holderIdentity: "other", renewTime: "2026-11-24T09:59:40Z", leaseDurationSeconds: 15 }, true],
  ])("%s", (_n, lease, expected) => expect(canAcquire(lease, "me", now)).toBe(expected));
});
