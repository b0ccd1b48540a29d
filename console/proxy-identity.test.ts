import { describe, expect, it } from "vitest";
import { DEFAULT_GROUP_HEADERS, DEFAULT_USERNAME_HEADERS, proxiedUser, type RequestHeaderOptions } from "./proxy-identity.js";

const o: RequestHeaderOptions = { clientCa: "PEM", allowedNames: ["front-proxy"], usernameHeaders: DEFAULT_USERNAME_HEADERS, groupHeaders: DEFAULT_GROUP_HEADERS };
const headers = { "x-remote-user": ["alice"], "x-remote-group": ["sre", "oncall", "sre"] };

describe("identity from an authenticating proxy", () => {
  it("counts the headers only from a verified client certificate with an allowed name", () => {
    expect(proxiedUser({ authorized: true, commonName: "front-proxy" }, headers, o)).toEqual({ username: "alice", groups: ["sre", "oncall"] });
    expect(proxiedUser({ authorized: false, commonName: "front-proxy" }, headers, o)).toBeUndefined();
    expect(proxiedUser({ authorized: true, commonName: "someone-else" }, headers, o)).toBeUndefined();
    expect(proxiedUser({ authorized: true, commonName: undefined }, headers, o)).toBeUndefined();
    expect(proxiedUser({ authorized: true, commonName: "anything" }, headers, { ...o, allowedNames: [] })).toMatchObject({ username: "alice" });
  });

  it("is off without options, and needs a user header", () => {
    expect(proxiedUser({ authorized: true, commonName: "front-proxy" }, headers, undefined)).toBeUndefined();
    expect(proxiedUser({ authorized: true, commonName: "front-proxy" }, { "x-remote-user": [" "], "x-remote-group": ["sre"] }, o)).toBeUndefined();
    expect(proxiedUser({ authorized: true, commonName: "front-proxy" }, { "x-forwarded-user": ["bob"] }, { ...o, usernameHeaders: ["X-Remote-User", "X-Forwarded-User"] })).toEqual({ username: "bob", groups: [] });
  });
});
