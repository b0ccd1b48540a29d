import { describe, expect, it } from "vitest";
import { parseAuditQuery } from "./endpoint.js";

describe("the /audit query", () => {
  it("keeps the oldest records by default and the newest with order=newest, and refuses another order", () => {
    expect(parseAuditQuery(new URLSearchParams("namespace=team-a&release=web"))).toMatchObject({ filter: { namespace: "team-a", release: "web" }, order: "oldest" });
    expect(parseAuditQuery(new URLSearchParams("order=newest&limit=5"))).toMatchObject({ order: "newest", limit: 5 });
    expect(parseAuditQuery(new URLSearchParams("order=random"))).toEqual({ error: "order=random: use oldest or newest (which records the limit keeps first)" });
  });
});
