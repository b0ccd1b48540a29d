import { describe, expect, it } from "vitest";
import { mayRead, ViewerAccess, type Reviewer } from "./access.js";

function reviewer(users: Record<string, { name: string; namespaces: string[] | "all"; evidence?: string[]; policies?: string[] }>) {
  const calls: string[] = [];
  const r: Reviewer = {
    authenticate: async (token) => {
      calls.push(`token ${token}`);
      const u = users[token];
      return u ? { username: u.name } : undefined;
    },
    mayReadReleases: async (user, ns) => {
      calls.push(`sar ${user.username} ${ns || "*"}`);
      const u = Object.values(users).find((x) => x.name === user.username)!;
      return u.namespaces === "all" || (ns !== "" && u.namespaces.includes(ns));
    },
    mayReadEvidence: async (user, ns) => {
      calls.push(`sar-evidence ${user.username} ${ns}`);
      return Object.values(users).find((x) => x.name === user.username)?.evidence?.includes(ns) ?? false;
    },
    mayReadPolicy: async (user, name) => {
      calls.push(`sar-policy ${user.username} ${name}`);
      return Object.values(users).find((x) => x.name === user.username)?.policies?.includes(name) ?? false;
    },
  };
  return { r, calls };
}

describe("viewer access", () => {
  it("refuses an invalid token and reads exactly the namespaces the reviews allow", async () => {
    const { r } = reviewer({ t1: { name: "alice", namespaces: ["team-a"] } });
    const access = new ViewerAccess(r);
    expect(await access.viewer("nope", ["team-a"])).toBeUndefined();
    const v = (await access.viewer("t1", ["team-a", "team-b"]))!;
    expect(v.user).toBe("alice");
    expect(mayRead(v, "team-a")).toBe(true);
    expect(mayRead(v, "team-b")).toBe(false);
  });

  it("asks once cluster-wide: a cluster-wide reader needs no per-namespace review", async () => {
    const { r, calls } = reviewer({ t2: { name: "root", namespaces: "all" } });
    const v = (await new ViewerAccess(r).viewer("t2", ["a", "b", "c"]))!;
    expect(v.readable).toBe("all");
    expect(calls).toEqual(["token t2", "sar root *"]);
  });

  it("keeps answers for 15 s by default, then asks again", async () => {
    expect(new ViewerAccess(reviewer({}).r).ttlMs).toBe(15_000);
    let t = 0;
    const { r, calls } = reviewer({ t1: { name: "alice", namespaces: ["team-a"] } });
    const access = new ViewerAccess(r, 1000, () => t);
    await access.viewer("t1", ["team-a"]);
    await access.viewer("t1", ["team-a"]);
    expect(calls.filter((c) => c.startsWith("token"))).toHaveLength(1);
    t = 1500;
    await access.viewer("t1", ["team-a"]);
    expect(calls.filter((c) => c.startsWith("token"))).toHaveLength(2);
    expect(calls.filter((c) => c === "sar alice team-a")).toHaveLength(2);
  });

  it("asks separately whether the viewer may list ReleaseEvidence in a namespace, and keeps the answer", async () => {
    const { r, calls } = reviewer({ t1: { name: "alice", namespaces: ["team-a"], evidence: ["team-a"] } });
    const access = new ViewerAccess(r);
    expect(await access.mayReadEvidence({ token: "t1" }, "team-a")).toBe(true);
    expect(await access.mayReadEvidence({ token: "t1" }, "team-a")).toBe(true);
    expect(await access.mayReadEvidence({ token: "t1" }, "team-b")).toBe(false);
    expect(await access.mayReadEvidence({ token: "nope" }, "team-a")).toBe(false);
    expect(calls.filter((c) => c.startsWith("sar-evidence"))).toEqual(["sar-evidence alice team-a", "sar-evidence alice team-b"]);
  });

  it("asks whether the viewer may get a ReleasePolicy (the conformance report shows it), and keeps the answer", async () => {
    const { r, calls } = reviewer({ t1: { name: "alice", namespaces: ["team-a"], policies: ["baseline"] } });
    const access = new ViewerAccess(r);
    expect(await access.mayReadPolicy({ token: "t1" }, "baseline")).toBe(true);
    expect(await access.mayReadPolicy({ token: "t1" }, "baseline")).toBe(true);
    expect(await access.mayReadPolicy({ token: "t1" }, "strict")).toBe(false);
    expect(await access.mayReadPolicy({ token: "nope" }, "baseline")).toBe(false);
    expect(calls.filter((c) => c.startsWith("sar-policy"))).toEqual(["sar-policy alice baseline", "sar-policy alice strict"]);
  });

  it("takes a proxied identity without a TokenReview, and still asks SubjectAccessReviews for it", async () => {
    const { r, calls } = reviewer({ unused: { name: "carol", namespaces: ["team-b"] } });
    const v = (await new ViewerAccess(r).viewer({ proxied: { username: "carol", groups: ["sre"] } }, ["team-a", "team-b"]))!;
    expect(v.user).toBe("carol");
    expect(mayRead(v, "team-b")).toBe(true);
    expect(mayRead(v, "team-a")).toBe(false);
    expect(calls.some((c) => c.startsWith("token"))).toBe(false);
  });
});
