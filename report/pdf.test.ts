// `golive report --pdf` with a real headless Chromium (Debian's chromium, installed by .ci/run with
// fonts-noto-cjk and poppler-utils): the PDF's text (pdftotext) holds every clause number, the
// verdicts and the standard's Chinese words; the CJK font the CSS names is installed; its first
// page renders to PNG (pdftoppm); a Blocked release's PDF names the missing evidence.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { CLAUSES } from "./model.js";
import { AT, atAfter, EXAMPLES, evidenceFiles, RELEASED_NAME, RELEASED_SET, tmp } from "./testkit.js";

const squash = (s: string) => s.replace(/\s+/g, "");

async function cli(args: string[]): Promise<number> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    return await main(args);
  } finally {
    process.stdout.write = write;
  }
}

describe("golive report --pdf (headless Chromium)", () => {
  it("the Released sample in Chinese: every clause number, verdict and the standard's words; the CJK font installed; page 1 renders", async () => {
    const dir = tmp();
    const html = join(dir, "released.html");
    const code = await cli(["report", RELEASED_NAME, "-f", ...RELEASED_SET, "--lang", "zh-CN", "--at", AT.toISOString(), "--pdf", "-o", html]);
    expect(code).toBe(0);
    const pdf = join(dir, "released.pdf");
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");
    const text = execFileSync("pdftotext", ["-raw", "-enc", "UTF-8", pdf, "-"], { encoding: "utf8", maxBuffer: 64 << 20 });
    const flat = squash(text);
    expect(CLAUSES.map((c) => c.clause).filter((c) => !flat.includes(squash(c)))).toEqual([]);
    expect(flat).toContain("符合性报告");
    expect(flat).toContain("满足");
    expect(flat).toContain("不适用");
    expect(flat).toContain("结论:通过");
    // the standard's own words, as extracted, for the clauses golive's gates decide
    for (const c of ["4.1 d", "7.1.2 a", "8.6", "4.3 b"]) expect(flat, c).toContain(squash(CLAUSES.find((x) => x.clause === c)!.zh));
    // The family the report's CSS asks for is installed, so Chromium lays the Chinese out in it
    // (Skia embeds it as Type 3 fonts, which pdffonts cannot name).
    expect(execFileSync("fc-match", ["Noto Sans CJK SC"], { encoding: "utf8" })).toMatch(/NotoSansCJK/);
    execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", pdf, join(dir, "page")]);
    expect(existsSync(join(dir, "page-01.png")) || existsSync(join(dir, "page-1.png"))).toBe(true);
  }, 120_000);

  it("a Blocked release's PDF names the missing evidence", async () => {
    const dir = tmp();
    const html = join(dir, "blocked.html");
    const code = await cli(["report", "underwriting-api-2-4-1", "-f", join(EXAMPLES, "release.yaml"), join(EXAMPLES, "policy.yaml"), ...evidenceFiles(["functional-tests.yaml", "rollback-plan.yaml"]), "--at", atAfter(evidenceFiles()).toISOString(), "--pdf", "-o", html]);
    expect(code).toBe(0);
    const flat = squash(execFileSync("pdftotext", ["-raw", "-enc", "UTF-8", join(dir, "blocked.pdf"), "-"], { encoding: "utf8", maxBuffer: 64 << 20 }));
    expect(flat).toContain("Whatismissing");
    expect(flat).toContain("evidencemissing:FunctionalTestReport");
    expect(flat).toContain("evidencemissing:RollbackPlan");
    expect(flat).toContain("Verdict:FAILED");
    expect(flat).toContain("notmet");
  }, 120_000);
});
