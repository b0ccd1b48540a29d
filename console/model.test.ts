import { describe, expect, it } from "vitest";
import { age, listRows, matches, parseFilter, signedActions, toRow } from "./model.js";
import { release } from "./testdata/releases.js";

describe("console rows and filters", () => {
  const a = release("team-a", "web-1-2", { phase: "Progressing", gatesSummary: "7/9", canary: { stepIndex: 1, stepName: "sign-off", weight: 10 } }, { application: "web", version: "1.2.0", createdAt: "2026-06-01T10:00:00Z" });
  const b = release("team-b", "quotes-3-0", { phase: "Released", gatesSummary: "9/9" }, { application: "quotes", version: "3.0.0" });
  const c = release("team-a", "web-1-1", { phase: "RolledBack" }, { application: "web", version: "1.1.0", createdAt: "2026-05-01T10:00:00Z" });

  it("summarises a release as application, version, phase, gates passed and canary weight", () => {
    expect(toRow(a)).toMatchObject({ namespace: "team-a", name: "web-1-2", application: "web", version: "1.2.0", phase: "Progressing", gates: "7/9", weight: 10, step: "1 sign-off" });
    expect(toRow(release("x", "new"))).toMatchObject({ phase: "Pending", gates: "", weight: undefined, step: "" });
  });

  it("filters by namespace, phase and search words (all must match, case-insensitive)", () => {
    const f = parseFilter(new URLSearchParams("namespace=team-a&phase=&q=WEB 1.2"));
    expect(f).toEqual({ namespace: "team-a", phase: "", search: "WEB 1.2" });
    expect(matches(toRow(a), f)).toBe(true);
    expect(matches(toRow(c), f)).toBe(false);
    expect(matches(toRow(b), { namespace: "", phase: "Released", search: "" })).toBe(true);
    expect(matches(toRow(a), { namespace: "", phase: "Released", search: "" })).toBe(false);
  });

  it("lists only readable namespaces, by namespace then newest first", () => {
    const all = { namespace: "", phase: "", search: "" };
    expect(listRows([b, c, a], () => true, all).map((r) => r.name)).toEqual(["web-1-2", "web-1-1", "quotes-3-0"]);
    expect(listRows([b, c, a], (ns) => ns === "team-b", all).map((r) => r.name)).toEqual(["quotes-3-0"]);
  });

  it("prints ages as kubectl does", () => {
    const now = new Date("2026-06-03T10:00:00Z");
    expect(age("2026-06-03T09:59:30Z", now)).toBe("30s");
    expect(age("2026-06-03T09:30:00Z", now)).toBe("30m");
    expect(age("2026-06-03T04:00:00Z", now)).toBe("6h");
    expect(age("2026-06-01T10:00:00Z", now)).toBe("2d");
    expect(age(undefined, now)).toBe("");
  });

  it("offers promote only while Progressing and abort only in the phases abort takes, as commands to sign", () => {
    const paused = release("team-a", "web", { phase: "Progressing", canary: { stepIndex: 1, weight: 10, pause: { reason: "Approval", since: "2026-06-01T10:05:00Z" } } });
    const acts = signedActions(paused);
    expect(acts.map((x) => x.kind)).toEqual(["promote", "abort"]);
    expect(acts[0]!.command).toBe("golive promote web -n team-a --role <role with Promote> --key <your-key.pem>");
    expect(acts[0]!.why).toContain("Approval");
    expect(acts[1]!.command).toContain("golive abort web -n team-a --role <role with Abort> --key <your-key.pem>");
    expect(signedActions(release("team-a", "web", { phase: "Failed" })).map((x) => x.kind)).toEqual(["abort"]);
    for (const phase of ["Verifying", "CleaningUp"] as const) expect(signedActions(release("team-a", "web", { phase })).map((x) => x.kind)).toEqual(["abort"]);
    for (const phase of ["Pending", "Blocked", "Approved", "RolledBack"] as const) expect(signedActions(release("team-a", "web", { phase }))).toEqual([]);
    expect(signedActions(release("team-a", "web", { phase: "Released" }))).toEqual([]);
    expect(signedActions(release("team-a", "web", { phase: "RollingBack" }))).toEqual([]);
  });
});
