import { describe, expect, it } from "vitest";
import { checkSimpleSigningPayload, simpleSigningPayload } from "./simple-signing.js";

const D = `sha256:${"1".repeat(64)}`;
const OTHER = `sha256:${"2".repeat(64)}`;

describe("simple-signing payloads", () => {
  it("writes the bytes cosign writes, field for field", () => {
    expect(simpleSigningPayload("127.0.0.1:5000/t/app", D).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/t/app"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(JSON.parse(simpleSigningPayload("r/a", D, { "golive.dev/release": "uw-2-4-1" }).toString())).toMatchObject({ optional: { "golive.dev/release": "uw-2-4-1" } });
  });

  it("accepts a payload whose claimed digest is the image's", () => {
    expect(checkSimpleSigningPayload(simpleSigningPayload("r/a", D), D)).toMatchObject({ ok: true });
    // The older type name cosign and containers/image also write.
    expect(checkSimpleSigningPayload(Buffer.from(`{"critical":{"identity":{},"image":{"docker-manifest-digest":"${D}"},"type":"atomic container signature"}}`), D)).toMatchObject({ ok: true });
  });

  it("does not read signed annotations: a payload signed for release X checks the same as one for Y", () => {
    const forX = checkSimpleSigningPayload(simpleSigningPayload("r/a", D, { "golive.dev/release": "x-1-0-0" }), D);
    const forY = checkSimpleSigningPayload(simpleSigningPayload("r/a", D, { "golive.dev/release": "y-2-0-0" }), D);
    // Both pass: the check is given the digest only, never a Release (the Release binds the digest).
    expect(forX).toMatchObject({ ok: true });
    expect(forY).toMatchObject({ ok: true });
  });

  it.each([
    ["another image's digest", simpleSigningPayload("r/a", OTHER), /for another image: critical.image.docker-manifest-digest is sha256:2+, not sha256:1+/],
    ["not JSON", Buffer.from("{"), /not JSON/],
    ["no critical block", Buffer.from('{"optional":null}'), /critical: /],
    ["no digest claim", Buffer.from('{"critical":{"identity":{},"image":{},"type":"cosign container image signature"}}'), /docker-manifest-digest/],
    ["no critical.identity (stricter than cosign verify)", Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"}}`), /identity/],
    ["another type", Buffer.from(`{"critical":{"identity":{},"image":{"docker-manifest-digest":"${D}"},"type":"something else"}}`), /critical.type is "something else"/],
  ])("rejects %s", (_label, bytes, reason) => {
    const check = checkSimpleSigningPayload(bytes, D);
    expect(check.ok).toBe(false);
    expect(check.ok ? "" : check.reason).toMatch(reason);
  });
});
