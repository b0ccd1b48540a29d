// The verification token (8.5): derived per release from the configured secret, never the secret.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { exampleRelease } from "../../gates/testkit.js";
import { planDigest } from "../../gates/statement.js";
import { canaryIngress } from "./nginx.js";
import { verificationHeader } from "./gateway-api.js";
import { deriveVerificationToken, verificationRequestHeader, verificationTokenOf } from "./verification-token.js";

const release = () => {
  const r = exampleRelease();
  r.metadata.uid = "3f1e7c1a-0b55-4a4e-9c1e-5a2f0c9d1e11";
  return r;
};

describe("the verification token (8.5)", () => {
  it("is HMAC-SHA256 of the release's uid and plan digest keyed by the secret, in hex", () => {
    const r = release();
    const token = verificationTokenOf("t0ps3cret", r);
    const expected = createHmac("sha256", "t0ps3cret").update(`golive.dev/verification-token/v1\n${r.metadata.uid}\nsha256:${planDigest(r.spec)}`).digest("hex");
    expect(token).toBe(expected);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain("t0ps3cret");
  });

  it("differs per release (uid), per plan, and per secret", () => {
    const r = release();
    const plan = `sha256:${planDigest(r.spec)}`;
    const token = deriveVerificationToken("t0ps3cret", r.metadata.uid!, plan);
    expect(deriveVerificationToken("t0ps3cret", "another-uid", plan)).not.toBe(token);
    expect(deriveVerificationToken("t0ps3cret", r.metadata.uid!, `sha256:${"0".repeat(64)}`)).not.toBe(token);
    expect(deriveVerificationToken("other", r.metadata.uid!, plan)).not.toBe(token);
  });

  it("needs the uid of the Release in the cluster, and says so", () => {
    const r = exampleRelease();
    expect(() => verificationTokenOf("s", r)).toThrow(/Release underwriting-api-2-4-1 has no uid: the verification token is derived from the uid of the Release as the cluster holds it/);
  });

  it("is what the HTTPRoute and the canary Ingress match on, and what a verification user sends", () => {
    const token = verificationTokenOf("t0ps3cret", release());
    const header = { header: "X-Golive-Verify", value: token };
    expect(verificationHeader(header)).toEqual({ type: "Exact", name: "X-Golive-Verify", value: token });
    const ingress = canaryIngress({ metadata: { name: "shop" }, spec: { rules: [] } }, { namespace: "ns", service: "shop", stableService: "shop-stable", canaryService: "shop-canary" }, "c", { weight: 0, verification: header });
    expect(JSON.stringify(ingress)).toContain(token);
    expect(JSON.stringify(ingress)).not.toContain("t0ps3cret");
    expect(verificationRequestHeader(header, false)).toBe(`X-Golive-Verify: ${token}`);
    expect(verificationRequestHeader({ cookie: "golive-verify", value: token }, false)).toBe(`Cookie: golive-verify=${token}`);
    expect(verificationRequestHeader({ cookie: "golive-verify", value: token }, true)).toBe(`Cookie: golive-verify-${token}=always`);
  });
});
