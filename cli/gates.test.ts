// The CLI end to end on the sample in examples/: gates pass on the signed evidence, and one
// changed byte in any evidence turns the gate that used it Failed, saying why.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parse, stringify } from "yaml";
import { main } from "./main.js";

const examples = join(import.meta.dirname, "..", "examples");
const work = mkdtempSync(join(tmpdir(), "golive-cli-"));
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

const gatesArgs = (dir: string) => ["gates", "--release", "underwriting-api-2-4-1", "-f", dir];
const statusOf = (out: string, gate: string) => out.split("\n").find((l) => l.startsWith(`${gate} `))?.split(/\s{2,}/)[2];

describe("golive gates on examples/", () => {
  it("prints every gate Passed and exits 0", async () => {
    const { code, out } = await run(gatesArgs(examples));
    const rows = out.split("\n").filter((l) => /\s(Passed|Failed|Pending)\s/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(9);
    expect(rows.filter((l) => !/\sPassed\s/.test(l))).toEqual([]);
    expect(code).toBe(0);
  });

  const evidenceFiles = readdirSync(join(examples, "evidence")).filter((f) => f.endsWith(".yaml"));
  it("has evidence to tamper with", () => expect(evidenceFiles.length).toBeGreaterThanOrEqual(15));

  it.each(evidenceFiles)("fails the gate when one byte of %s changes", async (file) => {
    const dir = join(work, file);
    cpSync(examples, dir, { recursive: true });
    const path = join(dir, "evidence", file);
    const doc = parse(readFileSync(path, "utf8")) as { spec: { envelope: { payload: string } } };
    const bytes = Buffer.from(doc.spec.envelope.payload, "base64");
    const i = Math.floor(bytes.length / 2);
    bytes[i] = bytes[i]! ^ 0x01;
    doc.spec.envelope.payload = bytes.toString("base64");
    writeFileSync(path, stringify(doc));
    const { code, out } = await run(gatesArgs(dir));
    expect(code).toBe(1);
    expect(out).toMatch(/Failed/);
    expect(out).toMatch(/signature invalid: no signature verifies with a trusted key .* the content was changed after signing/);
  });
});

describe("golive CLI errors", () => {
  it("names an unknown release and lists the known ones", async () => {
    const { code, err } = await run(["gates", "--release", "nope", "-f", examples]);
    expect(code).toBe(1);
    expect(err).toMatch(/no Release named nope in .*examples \(found: underwriting-api-2-4-1\)/);
  });

  it("rejects an unknown evidence type", async () => {
    const { code, err } = await run(["evidence", "create", "--release", "underwriting-api-2-4-1", "--type", "Vibes", "--key", "k", "-f", examples]);
    expect(code).toBe(1);
    expect(err).toMatch(/unknown evidence type "Vibes"; use one of UnitTestReport/);
  });

  it("explains a missing key file", async () => {
    const { code, err } = await run(["approve", "--release", "underwriting-api-2-4-1", "--role", "business-owner", "--key", join(work, "missing.key"), "-f", examples]);
    expect(code).toBe(1);
    expect(err).toMatch(/cannot read key .*missing\.key: ENOENT/);
  });
});

describe("golive keys, evidence and approve", () => {
  it("generates keys, signs evidence from a real report, and the gate reads it", async () => {
    const prefix = join(work, "qa");
    expect((await run(["keys", "generate", "--out", prefix])).code).toBe(0);
    expect(readFileSync(`${prefix}.pub`, "utf8")).toMatch(/BEGIN PUBLIC KEY/);
    const again = await run(["keys", "generate", "--out", prefix]);
    expect(again.err).toMatch(/exists; choose another --out or pass --force/);

    const src = join(examples, "evidence-sources", "unit-tests.xml");
    const made = await run(["evidence", "create", "--release", "underwriting-api-2-4-1", "--type", "UnitTestReport", "--file", src, "--key", `${prefix}.key`, "-f", examples]);
    expect(made.err).toBe("");
    const evidence = parse(made.out) as { kind: string; spec: { type: string; source: { digest: string } } };
    expect(evidence.kind).toBe("ReleaseEvidence");
    expect(evidence.spec.source.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Signed by a key the policy does not trust: the gate says so.
    const dir = join(work, "untrusted");
    cpSync(examples, dir, { recursive: true });
    rmSync(join(dir, "evidence", "unit-tests.yaml"));
    writeFileSync(join(dir, "evidence", "untrusted.yaml"), made.out);
    const { code, out } = await run(gatesArgs(dir));
    expect(code).toBe(1);
    expect(statusOf(out, "unit-tests")).toBe("Failed");
  });

  it("approve names the plan digest it signs; an approval for an earlier plan is rejected naming both digests", async () => {
    const made = await run(["approve", "--release", "underwriting-api-2-4-1", "--role", "business-owner", "--key", join(examples, "keys", "business-owner.key"), "-f", join(examples, "release.yaml")]);
    expect(made.code).toBe(0);
    const signed = /approving plan (sha256:[0-9a-f]{64}) \(artifact (sha256:[0-9a-f]{64})\)/.exec(made.err);
    expect(signed).not.toBeNull();
    const dir = join(work, "replanned");
    cpSync(examples, dir, { recursive: true });
    const release = parse(readFileSync(join(dir, "release.yaml"), "utf8")) as { spec: { rollback: { automatic?: boolean } } };
    release.spec.rollback.automatic = !(release.spec.rollback.automatic ?? true);
    writeFileSync(join(dir, "release.yaml"), stringify(release));
    const { code, out } = await run(gatesArgs(dir));
    expect(code).toBe(1);
    expect(statusOf(out, "go-live-approval")).not.toBe("Passed");
    expect(out).toContain(signed![1]!);
  });

  it("refuses a report of the wrong format for the type", async () => {
    const src = join(examples, "evidence-sources", "unit-tests.xml");
    const { code, err } = await run(["evidence", "create", "--release", "underwriting-api-2-4-1", "--type", "SecurityScan", "--file", src, "--key", join(examples, "keys", "security-officer.key"), "-f", examples]);
    expect(code).toBe(1);
    expect(err).toMatch(/SecurityScan evidence is read from sarif, but the file is junit/);
  });
});
