// golive evidence create with the files users actually have: Surefire's reports directory,
// several files, a quoted glob; and a sentence (never an errno or a usage error) when the files
// are not usable. The reports are the real tools' output in gates/parsers/testdata/.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { canonicalJson, sha256Hex } from "../../gates/canonical-json.js";
import { main } from "../main.js";
import { describeError, expandGlob } from "./evidence-files.js";

const repo = join(import.meta.dirname, "..", "..");
const testdata = join(repo, "gates", "parsers", "testdata");
const release = join(repo, "examples", "release.yaml");
const work = mkdtempSync(join(tmpdir(), "golive-evidence-"));
const key = join(work, "qa");
const reports = join(work, "surefire-reports");
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  expect((await run(["keys", "generate", "--out", key])).code).toBe(0);
  mkdirSync(reports);
  for (const f of ["TEST-com.example.quote.FlakyTest.xml", "TEST-com.example.quote.PremiumTest.xml"]) copyFileSync(join(testdata, "surefire", f), join(reports, f));
  writeFileSync(join(reports, "com.example.quote.PremiumTest.txt"), "Tests run: 8\n");
});

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

const create = (type: string, ...rest: string[]) => run(["evidence", "create", "--release", "underwriting-api-2-4-1", "--type", type, "--key", `${key}.key`, "-f", release, ...rest]);

interface Statement {
  predicate: { source: { filename: string; digest: string }; summary?: { totals?: Record<string, number>; suites?: { name: string }[]; files?: { name: string; digest: string }[] } };
}
function statementOf(out: string): Statement & { spec: { source: { digest: string; filename: string } } } {
  const evidence = parse(out) as { spec: { source: { digest: string; filename: string }; envelope: { payload: string } } };
  const statement = JSON.parse(Buffer.from(evidence.spec.envelope.payload, "base64").toString("utf8")) as Statement;
  return { ...statement, spec: evidence.spec };
}
const digest = (path: string) => `sha256:${sha256Hex(readFileSync(path))}`;

describe("golive evidence create from several reports", () => {
  it("takes Surefire's reports directory (its TEST-*.xml) as ONE evidence: totals summed, every file's suites, each file's digest", async () => {
    const { code, out, err } = await create("UnitTestReport", "--file", reports);
    expect(err).toBe("");
    expect(code).toBe(0);
    const { predicate, spec } = statementOf(out);
    expect(predicate.summary?.totals).toEqual({ planned: 10, executed: 9, passed: 6, failed: 2, errored: 1, skipped: 1, expectedFailures: 0 });
    expect(predicate.summary?.suites?.map((s) => s.name)).toEqual(["com.example.quote.FlakyTest", "com.example.quote.PremiumTest"]);
    const files = [
      { name: `${reports}/TEST-com.example.quote.FlakyTest.xml`, digest: digest(join(reports, "TEST-com.example.quote.FlakyTest.xml")) },
      { name: `${reports}/TEST-com.example.quote.PremiumTest.xml`, digest: digest(join(reports, "TEST-com.example.quote.PremiumTest.xml")) },
    ];
    expect(predicate.summary?.files).toEqual(files);
    expect(predicate.source).toEqual({ filename: "2 files", digest: `sha256:${sha256Hex(canonicalJson(files))}` });
    expect(spec.source.digest).toBe(predicate.source.digest);
  });

  it("takes several --file values, repeated or after one flag, and a quoted glob, with the same result", async () => {
    const [a, b] = ["TEST-com.example.quote.FlakyTest.xml", "TEST-com.example.quote.PremiumTest.xml"].map((f) => join(reports, f)) as [string, string];
    const variadic = statementOf((await create("UnitTestReport", "--file", a, b)).out).predicate;
    const repeated = statementOf((await create("UnitTestReport", "--file", a, "--file", b)).out).predicate;
    const globbed = statementOf((await create("UnitTestReport", "--file", `${reports}/TEST-*.xml`)).out).predicate;
    const overlapping = statementOf((await create("UnitTestReport", "--file", reports, a)).out).predicate;
    for (const p of [variadic, repeated, globbed, overlapping]) expect(p.summary?.totals?.planned).toBe(10);
    expect(new Set([variadic, repeated, globbed, overlapping].map((p) => p.source.digest)).size).toBe(1);
  });

  it("expands ** across directories (Gradle's build/test-results/**/*.xml), hidden directories left out", () => {
    const root = join(work, "gradle");
    for (const d of ["build/test-results/test", "build/test-results/integrationTest", ".hidden"]) mkdirSync(join(root, d), { recursive: true });
    for (const f of ["build/test-results/test/TEST-A.xml", "build/test-results/integrationTest/TEST-B.xml", ".hidden/TEST-C.xml", "build/test-results/test/notes.txt"]) writeFileSync(join(root, f), "<testsuite/>");
    expect(expandGlob(`${root}/**/*.xml`)).toEqual([join(root, "build/test-results/integrationTest/TEST-B.xml"), join(root, "build/test-results/test/TEST-A.xml")]);
  });

  it("keeps one file's evidence as before: its own name and digest", async () => {
    const file = join(testdata, "pytest", "junit.xml");
    const { predicate } = statementOf((await create("UnitTestReport", "--file", file)).out);
    expect(predicate.source).toEqual({ filename: "junit.xml", digest: digest(file) });
    expect(predicate.summary?.totals?.expectedFailures).toBe(1);
  });

  it("refuses the same content twice, and several files for a type that is one file per evidence", async () => {
    const copy = join(work, "copy.xml");
    copyFileSync(join(reports, "TEST-com.example.quote.FlakyTest.xml"), copy);
    const twice = await create("UnitTestReport", "--file", reports, copy);
    expect(twice.code).toBe(1);
    expect(twice.err).toMatch(/have the same content \(sha256:[0-9a-f]{64}\): the same report would count twice; pass it once/);
    const sarif = await create("SecurityScan", "--file", join(testdata, "eslint.sarif"), join(testdata, "codeql-trivy.sarif"));
    expect(sarif.err).toMatch(/SecurityScan evidence is made from one file, but 2 were given .*create one SecurityScan evidence per SARIF file/);
  });
});

describe("golive evidence create explains unusable files", () => {
  it("a missing file, a directory without reports, a glob matching nothing", async () => {
    const missing = await create("UnitTestReport", "--file", join(work, "nope.xml"));
    expect(missing).toMatchObject({ code: 1, out: "" });
    expect(missing.err).toBe(`golive: ${join(work, "nope.xml")} does not exist; check the path (it is read relative to ${process.cwd()})\n`);
    const empty = join(work, "empty-dir");
    mkdirSync(empty);
    writeFileSync(join(empty, "notes.txt"), "x");
    expect((await create("UnitTestReport", "--file", empty)).err).toBe(
      `golive: directory ${empty} has no UnitTestReport reports (no TEST-*.xml or *.xml files; it holds notes.txt); did the tests run, and is this the reports directory?\n`,
    );
    expect((await create("UnitTestReport", "--file", `${work}/none-*.xml`)).err).toMatch(/no file matches .*none-\*\.xml; check the pattern/);
  });

  it("a file it may not read: permission denied, with what to do", () => {
    const error = Object.assign(new Error("EACCES: permission denied, open 'r.xml'"), { code: "EACCES" });
    expect(describeError("r.xml", error, "read").message).toBe("cannot read r.xml: permission denied; run as a user who may read it, or make it readable (chmod a+r)");
  });

  it("a file it may not read, for real (as root, the CLI runs as nobody: root reads everything)", async () => {
    // A world-readable directory with the key and the release, and one report nobody may read.
    const dir = mkdtempSync(join(tmpdir(), "golive-eacces-"));
    try {
      chmodSync(dir, 0o755);
      for (const f of [`${key}.key`, release]) copyFileSync(f, join(dir, basename(f)));
      chmodSync(join(dir, basename(`${key}.key`)), 0o644);
      const locked = join(dir, "locked.xml");
      copyFileSync(join(testdata, "pytest", "junit.xml"), locked);
      chmodSync(locked, 0);
      const args = ["evidence", "create", "--release", "underwriting-api-2-4-1", "--type", "UnitTestReport", "--key", join(dir, basename(`${key}.key`)), "-f", join(dir, "release.yaml"), "--file", locked];
      const asRoot = process.getuid?.() === 0;
      const cmd = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath] : [process.execPath];
      const r = spawnSync(cmd[0]!, [...cmd.slice(1), "--import", pathToFileURL(join(repo, "node_modules", "tsx", "dist", "esm", "index.mjs")).href, join(repo, "cli", "main.ts"), ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, HOME: dir } });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/cannot read .*locked\.xml: permission denied; run as a user who may read it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("a 0-byte report or document: input is empty", async () => {
    const zero = join(work, "zero.xml");
    writeFileSync(zero, "");
    expect((await create("UnitTestReport", "--file", zero)).err).toBe(`golive: input is empty: ${zero} is 0 bytes; the tool that wrote it probably failed before producing a report\n`);
    const sla = join(work, "sla.pdf");
    writeFileSync(sla, "");
    const doc = await create("SLA", "--file", sla);
    expect(doc.code).toBe(1);
    expect(doc.err).toBe(`golive: input is empty: ${sla} is 0 bytes; an empty document is not evidence of anything\n`);
  });

  it("a gzip file: decompress it first", async () => {
    const gz = join(work, "junit.xml.gz");
    writeFileSync(gz, gzipSync(readFileSync(join(testdata, "pytest", "junit.xml"))));
    expect((await create("UnitTestReport", "--file", gz)).err).toMatch(/^golive: .*junit\.xml\.gz: Evidence: input is gzip-compressed: decompress it first/);
  });

  it("k6's --out json stream: use --summary-export or handleSummary", async () => {
    const { err } = await create("PerformanceTestReport", "--file", join(testdata, "k6", "out.json"));
    expect(err).toMatch(/out\.json: k6 summary: this is k6's --out json stream .* use --summary-export or handleSummary/);
  });

  it("a bad --format value is the flag's fault, and lists the accepted values", async () => {
    const file = join(testdata, "pytest", "junit.xml");
    const bad = await create("UnitTestReport", "--file", file, "--format", "xunit");
    expect(bad.err).toBe(
      'golive: --format "xunit" is not a format golive reads: use one of auto, junit, sarif, k6, jmeter, cyclonedx, spdx, defects-json, defects-csv; UnitTestReport evidence takes auto, junit\n',
    );
    expect((await create("UnitTestReport", "--file", file, "--format", "sarif")).err).toBe(
      "golive: --format sarif does not apply to UnitTestReport evidence, which is read from junit: use --format junit, or leave it auto\n",
    );
  });
});

describe("golive evidence create --map", () => {
  const csv = join(work, "bugs.csv");
  beforeAll(() => writeFileSync(csv, "Ref,Sev,State,Found,Fixed\nDEF-1,S2,Open,2024-03-01,\nDEF-2,Low,Closed,2024-03-01,2024-03-02\n"));

  it("reads a defect export whose columns it names", async () => {
    const { code, out, err } = await create("DefectList", "--file", csv, "--map", "Ref=id,Sev=severity,State=status,Found=opened,Fixed=closed");
    expect(err).toBe("");
    expect(code).toBe(0);
    const summary = statementOf(out).predicate.summary as { unaccepted: unknown[]; total: number };
    expect(summary.total).toBe(2);
    expect(summary.unaccepted).toEqual([{ id: "DEF-1", severity: "Major", status: "open" }]);
  });

  it("refuses a malformed map, an unknown field, and --map for other evidence", async () => {
    expect((await create("DefectList", "--file", csv, "--map", "Ref")).err).toBe('golive: --map "Ref" is not column=field; write e.g. --map "Issue key=id,Sev=severity"\n');
    expect((await create("DefectList", "--file", csv, "--map", "Ref=key")).err).toBe(
      'golive: --map "Ref=key": "key" is not a defect field; use one of id, severity, priority, status, opened, closed, acceptedBy, title\n',
    );
    expect((await create("UnitTestReport", "--file", csv, "--map", "Ref=id")).err).toBe("golive: --map applies to DefectList evidence only (it names a defect list's columns), not UnitTestReport\n");
  });
});

describe("golive evidence create --category (8.6 a-c)", () => {
  it("signs the declared scan category into a SecurityScan summary and refuses it elsewhere", async () => {
    const ok = await create("SecurityScan", "--file", join(testdata, "eslint.sarif"), "--category", "dast");
    expect(ok.err).toBe("");
    expect((statementOf(ok.out).predicate.summary as { category?: string }).category).toBe("dast");
    const bad = await create("SecurityScan", "--file", join(testdata, "eslint.sarif"), "--category", "pentest");
    expect(bad.err).toMatch(/--category "pentest" is not a scan category; use one of sast, dast, config/);
    const other = await create("UnitTestReport", "--file", reports, "--category", "sast");
    expect(other.err).toMatch(/--category applies to SecurityScan evidence only, not UnitTestReport/);
  });
});
