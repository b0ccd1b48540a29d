// The signed SLSA verification summary embedded in a report, and `golive report verify`: it
// verifies with the signer's public key, and a byte changed anywhere (the report's text, the
// signed statement) or another key is refused.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { decodeBase64 } from "../gates/dsse.js";
import { VSA_PREDICATE_TYPE, verifyReportHtml } from "./summary.js";
import { AT, EXAMPLES, RELEASED_NAME, RELEASED_SET, tmp } from "./testkit.js";

const KEY = join(EXAMPLES, "keys/release-manager.key");
const PUB = join(EXAMPLES, "keys/release-manager.pub");

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = (s: string | Uint8Array) => (out.push(String(s)), true);
  process.stderr.write = (s: string | Uint8Array) => (err.push(String(s)), true);
  try {
    return { code: await main(args), out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe("signed verification summary", () => {
  it("is an in-toto Statement with the SLSA verification summary predicate, and golive report verify checks it offline", async () => {
    const dir = tmp();
    const html = join(dir, "r.html");
    const made = await cli(["report", RELEASED_NAME, "-f", ...RELEASED_SET, "--at", AT.toISOString(), "--sign-key", KEY, "-o", html]);
    expect(made.code, made.err).toBe(0);
    const text = readFileSync(html, "utf8");
    const envelope = JSON.parse(/id="golive-verification-summary">([^<]*)</.exec(text)![1]!) as { payload: string };
    const statement = JSON.parse(decodeBase64(envelope.payload)!.toString("utf8")) as { subject: { name: string }[]; predicateType: string; predicate: Record<string, unknown> };
    expect(statement.predicateType).toBe(VSA_PREDICATE_TYPE);
    expect(statement.subject.map((s) => s.name)).toEqual(["golive.dev/release/underwriting-api@2.4.2", "registry.example.com/insurance/underwriting-api", "golive.dev/report/underwriting-api-2-4-2.html"]);
    expect(statement.predicate).toMatchObject({
      verifier: { id: "https://golive.dev/verifier", version: { golive: "0.1.0" } },
      timeVerified: AT.toISOString(),
      verificationResult: "PASSED",
      verifiedLevels: ["JR/T 0179-2019 protection level 3"],
      policy: { uri: "golive.dev/releasepolicy/insurance-level3" },
    });
    expect((statement.predicate.inputAttestations as unknown[]).length).toBeGreaterThan(10);

    const ok = await cli(["report", "verify", html, "--key", PUB]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain("PASSED for underwriting-api@2.4.2");

    // one byte of the visible report changed
    const edited = join(dir, "edited.html");
    expect(text).toContain("Verdict: PASSED: every gate");
    writeFileSync(edited, text.replace("Verdict: PASSED: every gate", "Verdict: PASSEE: every gate"));
    const refused = await cli(["report", "verify", edited, "--key", PUB]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("the report was changed after it was signed");

    // one byte of the signed statement changed
    const payload = Buffer.from(envelope.payload, "base64");
    payload[payload.indexOf("PASSED")] = "F".charCodeAt(0);
    const forged = text.replace(envelope.payload, payload.toString("base64"));
    expect(verifyReportHtml(forged, createPublicKey(readFileSync(PUB, "utf8")))).toMatchObject({ ok: false, reason: expect.stringContaining("signature does not verify") });

    // another key
    const other = verifyReportHtml(text, createPublicKey(createPrivateKey(readFileSync(join(EXAMPLES, "keys/qa-lead.key"), "utf8"))));
    expect(other.ok).toBe(false);

    // a report without a summary
    const plain = join(dir, "plain.html");
    expect((await cli(["report", RELEASED_NAME, "-f", ...RELEASED_SET, "-o", plain])).code).toBe(0);
    expect((await cli(["report", "verify", plain, "--key", PUB])).err).toContain("embeds no verification summary");
  });
});
