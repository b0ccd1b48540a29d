import { describe, expect, it } from "vitest";
import { formatReference, ImageReferenceError, normalizeName, parseImageReference, requireDigest } from "./reference.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseImageReference", () => {
  it.each([
    // Docker Hub normalisation: default registry and library/ for official images
    ["nginx", { registry: "docker.io", repository: "library/nginx", name: "docker.io/library/nginx" }],
    ["nginx:1.25", { registry: "docker.io", repository: "library/nginx", tag: "1.25" }],
    ["library/nginx", { registry: "docker.io", repository: "library/nginx" }],
    ["docker.io/nginx", { registry: "docker.io", repository: "library/nginx" }],
    ["index.docker.io/nginx", { registry: "docker.io", repository: "library/nginx" }],
    ["index.docker.io/library/nginx:latest", { registry: "docker.io", repository: "library/nginx", tag: "latest" }],
    ["bitnami/redis", { registry: "docker.io", repository: "bitnami/redis", name: "docker.io/bitnami/redis" }],
    ["foo_bar/app", { registry: "docker.io", repository: "foo_bar/app" }],
    // A first component is a registry when it has "." or ":" or is localhost, or has uppercase
    ["localhost/app", { registry: "localhost", repository: "app", name: "localhost/app" }],
    ["localhost:5000/app:v1", { registry: "localhost:5000", repository: "app", tag: "v1" }],
    ["127.0.0.1:5000/team/app@" + D, { registry: "127.0.0.1:5000", repository: "team/app", digest: D, name: "127.0.0.1:5000/team/app" }],
    ["[::1]:5000/app", { registry: "[::1]:5000", repository: "app" }],
    ["Registry.Example.com/app", { registry: "Registry.Example.com", repository: "app" }],
    ["UPPER/app", { registry: "UPPER", repository: "app" }],
    ["example.com:443/a/b/c", { registry: "example.com:443", repository: "a/b/c" }],
    // tag and digest together: both kept, the digest is what counts
    [`registry.example.com/insurance/app:2.4.1@${D}`, { registry: "registry.example.com", repository: "insurance/app", tag: "2.4.1", digest: D }],
    [`nginx@${D}`, { registry: "docker.io", repository: "library/nginx", digest: D }],
    ["a.b/c__d/e-f/g.h:Tag_1.x-Y", { registry: "a.b", repository: "c__d/e-f/g.h", tag: "Tag_1.x-Y" }],
    ["a.b/x--y", { registry: "a.b", repository: "x--y" }],
    [`a.b/app@sha512:${"b".repeat(128)}`, { digest: `sha512:${"b".repeat(128)}` }],
  ])("%s", (ref, expected) => {
    expect(parseImageReference(ref)).toMatchObject(expected);
  });

  it("leaves tag and digest out when absent", () => {
    expect(parseImageReference("nginx")).toEqual({ registry: "docker.io", repository: "library/nginx", name: "docker.io/library/nginx" });
  });

  it.each([
    ["", /empty/],
    ["nginx with space", /whitespace/],
    ["a".repeat(64).replace(/a/g, "f"), /image ID/],
    ["nginx:", /is not a valid tag/],
    ["nginx:-bad", /"-bad" is not a valid tag/],
    [`nginx:${"t".repeat(129)}`, /not a valid tag/],
    ["nginx@sha256:abc", /is not a digest/],
    [`nginx@sha256:${"a".repeat(63)}`, /has 64 hex digits, .* has 63/],
    [`nginx@sha256:${"a".repeat(65)}`, /has 64 hex digits, .* has 65/],
    [`nginx@sha256:${"A".repeat(64)}`, /lowercase/],
    [`nginx@md5:${"a".repeat(32)}`, /algorithm "md5" is not supported/],
    [`nginx@${D}@${D}`, /more than one "@"/],
    ["registry.example.com/Team/app", /must be lowercase/],
    ["a//b", /empty path component/],
    ["example.com/", /repository path is missing/],
    ["example.com:99999/app", /port 99999 .* out of range/],
    ["-bad.com/app", /is not a valid registry host/],
    ["exa_mple.com/app", /is not a valid registry host/],
    [":tag", /repository name is missing/],
    ["a.b/a___b", /"a___b" is not a valid repository path component/],
    ["a.b/-app", /"-app" is not a valid repository path component/],
    ["a.b/app-", /"app-" is not a valid/],
    [`a.b/${"x".repeat(260)}`, /at most 255/],
  ])("rejects %j", (ref, message) => {
    expect(() => parseImageReference(ref)).toThrow(ImageReferenceError);
    expect(() => parseImageReference(ref)).toThrow(message);
  });
});

describe("requireDigest", () => {
  it("passes a pinned reference and refuses a tag-only one, saying why", () => {
    expect(requireDigest(`nginx@${D}`).digest).toBe(D);
    expect(() => requireDigest("registry.example.com/app:2.4.1")).toThrow(/registry\.example\.com\/app:2\.4\.1 is not pinned by digest: a tag can be moved .* 4\.6 a/);
  });
});

describe("normalizeName and formatReference", () => {
  it("normalises names the way the Release lists them", () => {
    expect(normalizeName("nginx")).toBe("docker.io/library/nginx");
    expect(normalizeName("index.docker.io/team/app")).toBe("docker.io/team/app");
    expect(formatReference(parseImageReference(`app:1@${D}`))).toBe(`docker.io/library/app:1@${D}`);
  });
});
