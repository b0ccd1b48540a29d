// golive approve, the success path: a signed Approval of the Closing stage (4.3 l) that the
// closing sign-off counts, and the same for the go-live stage; an unknown stage is a usage error.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { ReleaseEvidence, ReleasePolicy } from "../../api/index.js";
import { evaluateClosingGates } from "../../gates/closing.js";
import { evaluateGates, gatesFor } from "../../gates/evaluate.js";
import { planDigest } from "../../gates/statement.js";
import { examplePolicy, exampleRelease } from "../../gates/testkit.js";
import { main } from "../main.js";

const repo = join(import.meta.dirname, "..", "..");
const releaseFile = join(repo, "examples", "release.yaml");
const work = mkdtempSync(join(tmpdir(), "golive-approve-"));
const key = join(work, "owner");
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c) => ((err += String(c)), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  expect((await run(["keys", "generate", "--out", key])).code).toBe(0);
});

/** The example policy with the generated key as the business owner's, and the level-3 closing gate. */
function policy(): ReleasePolicy {
  const { policy: p } = examplePolicy();
  p.spec.signers.find((s) => s.name === "business-owner")!.publicKey = readFileSync(`${key}.pub`, "utf8");
  p.spec.gates.push({ name: "go-live-closure", clause: "4.3 l", phase: "Closing", approvals: { stage: "Closing" } });
  p.spec.approvals.push({ stage: "Closing", roles: ["business-owner"], distinctSigners: true });
  return ReleasePolicy.parse(p);
}

describe("golive approve", () => {
  it("--stage Closing signs the closing sign-off (4.3 l) over the release's plan digest; the closing gate counts it once the release is Released", async () => {
    const { code, out, err } = await run(["approve", "--release", "underwriting-api-2-4-1", "--stage", "Closing", "--role", "business-owner", "--key", `${key}.key`, "--comment", "go-live complete", "-f", releaseFile]);
    expect(code).toBe(0);
    expect(err).toMatch(/approving plan sha256:[0-9a-f]{64} .* as business-owner/);
    expect(err).toMatch(/signing off the end of the go-live \(4\.3 l\): it counts only once underwriting-api-2-4-1 is Released/);
    const evidence = ReleaseEvidence.parse(parse(out));
    expect(evidence.spec.type).toBe("Approval");
    const statement = JSON.parse(Buffer.from(evidence.spec.envelope.payload, "base64").toString()) as { subject: { name: string; digest: { sha256: string } }[]; predicate: { approval: object } };
    expect(statement.predicate.approval).toEqual({ stage: "Closing", role: "business-owner", comment: "go-live complete" });
    expect(statement.subject.find((s) => s.name === "golive.dev/release-plan/underwriting-api@2.4.1")?.digest.sha256).toBe(planDigest(exampleRelease().spec));
    const released = new Date(Date.now() - 60_000);
    const result = evaluateClosingGates(exampleRelease(), policy().spec, [evidence], new Date(), released);
    expect(result.refused).toEqual([]);
    expect(result.results).toMatchObject([{ name: "go-live-closure", status: "Passed", reason: "Closing approved by business-owner (business-owner)" }]);
    // Signed before the release was Released: refused.
    expect(evaluateClosingGates(exampleRelease(), policy().spec, [evidence], new Date(), new Date(Date.now() + 60_000)).results[0]!.status).not.toBe("Passed");
  });

  it("--stage Release (the default) signs the go-live approval the Release-stage gate reads", async () => {
    const { code, out } = await run(["approve", "--release", "underwriting-api-2-4-1", "--role", "business-owner", "--key", `${key}.key`, "-f", releaseFile]);
    expect(code).toBe(0);
    const evidence = ReleaseEvidence.parse(parse(out));
    const p = policy();
    const gate = evaluateGates(exampleRelease(), p.spec, [evidence], new Date(), gatesFor(p.spec, "GoLive").filter((g) => g.approvals)).results[0]!;
    // The Release stage needs three roles; the business owner's is the one signed here.
    expect(gate.reason).toMatch(/waiting for Release approval by release-manager, security-officer/);
  });

  it("refuses an unknown stage, naming the stages", async () => {
    const { code, err } = await run(["approve", "--release", "underwriting-api-2-4-1", "--stage", "Closure", "--role", "business-owner", "--key", `${key}.key`, "-f", releaseFile]);
    expect(code).not.toBe(0);
    expect(err).toMatch(/unknown stage "Closure"; use one of Release, Verification, Promotion, Closing/);
  });
});
