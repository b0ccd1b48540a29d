import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CredentialError, CredentialStore, loadDockerConfig } from "./credentials.js";

const auth = (user: string, pw: string) => Buffer.from(`${user}:${pw}`).toString("base64");
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("CredentialStore", () => {
  const store = new CredentialStore().addDockerConfig(
    JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth: auth("hub", "hub-pw") },
        "registry.example.com": { username: "ci", password: "ci-pw" },
        "registry.example.com/insurance": { auth: auth("team", "team-pw") },
        "http://127.0.0.1:5000": { identitytoken: "refresh-me" },
        "*.mirror.example.com": { registrytoken: "bearer-token" },
      },
      credsStore: "desktop",
    }),
  );

  it.each([
    ["docker.io", "library/nginx", { username: "hub", password: "hub-pw" }],
    ["registry.example.com", "platform/app", { username: "ci", password: "ci-pw" }],
    // The most specific key wins: a path prefix of the repository
    ["registry.example.com", "insurance/underwriting-api", { username: "team", password: "team-pw" }],
    ["registry.example.com", "insurance-other/app", { username: "ci", password: "ci-pw" }],
    ["127.0.0.1:5000", "app", { identityToken: "refresh-me" }],
    ["eu.mirror.example.com", "app", { registryToken: "bearer-token" }],
  ])("%s/%s", (registry, repository, expected) => {
    expect(store.lookup(registry, repository)).toEqual(expected);
  });

  it("is anonymous where no key matches: other hosts, other ports, deeper wildcards", () => {
    expect(store.lookup("quay.io", "app")).toBeUndefined();
    expect(store.lookup("127.0.0.1:5001", "app")).toBeUndefined();
    expect(store.lookup("a.b.mirror.example.com", "app")).toBeUndefined();
  });

  it("reads image pull secrets in both formats, keeping their order for equally specific keys", () => {
    const s = new CredentialStore()
      .addPullSecret({ metadata: { name: "first" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": b64(JSON.stringify({ auths: { "r.example": { auth: auth("one", "1") } } })) } })
      .addPullSecret({ metadata: { name: "legacy" }, type: "kubernetes.io/dockercfg", data: { ".dockercfg": b64(JSON.stringify({ "r.example": { auth: auth("two", "2") }, "old.example": { auth: auth("old", "3"), email: "x@y" } })) } });
    expect(s.lookup("r.example", "app")).toEqual({ username: "one", password: "1" });
    expect(s.lookup("old.example", "app")).toEqual({ username: "old", password: "3" });
  });

  it("says precisely what is wrong with a bad config", () => {
    expect(() => new CredentialStore().addDockerConfig("{", "cfg")).toThrow(/cfg is not JSON/);
    expect(() => new CredentialStore().addDockerConfig(JSON.stringify({ auths: { r: { auth: b64("no-colon") } } }), "cfg")).toThrow(/"auth" of r is not base64 of "user:password"/);
    expect(() => new CredentialStore().addPullSecret({ metadata: { name: "s" }, type: "Opaque", data: {} })).toThrow(CredentialError);
    expect(() => new CredentialStore().addPullSecret({ metadata: { name: "s" }, data: { ".dockerconfigjson": "%%%" } })).toThrow(/Secret s: the Docker config is not base64/);
  });

  it("loads ~/.docker/config.json or DOCKER_CONFIG, and treats a missing default file as no credentials", () => {
    const dir = mkdtempSync(join(tmpdir(), "golive-dockercfg-"));
    expect(loadDockerConfig(undefined, { DOCKER_CONFIG: dir }).size).toBe(0);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "r.example": { auth: auth("u", "p") } } }));
    expect(loadDockerConfig(undefined, { DOCKER_CONFIG: dir }).lookup("r.example", "a")).toEqual({ username: "u", password: "p" });
    expect(() => loadDockerConfig(join(dir, "missing.json"))).toThrow(/cannot read the registry credentials .*missing.json: ENOENT/);
  });
});
