// HTML to PDF with a real headless Chromium (the system's, such as Debian's chromium package),
// driven by playwright-core: no browser is downloaded. The page is loaded with setContent and
// every network request is refused, so the PDF shows only what the self-contained HTML holds.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Chromium to run: the given path, $GOLIVE_CHROMIUM, or chromium / chromium-browser / google-chrome on PATH. */
export function findChromium(explicit?: string): string {
  const given = explicit ?? process.env.GOLIVE_CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`no Chromium at ${given}`);
    return given;
  }
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      const path = execFileSync("which", [name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      if (path) return path;
    } catch {
      // not on PATH
    }
  }
  throw new Error("no Chromium found: install it (Debian: apt-get install chromium fonts-noto-cjk), or name it with --chromium PATH or GOLIVE_CHROMIUM");
}

const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

export async function htmlToPdf(html: string, chromium?: string): Promise<Buffer> {
  const executablePath = findChromium(chromium);
  const { chromium: launcher } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "golive-report-"));
  const context = await launcher.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, offline: true });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.route("**/*", (route) => route.abort());
    await page.setContent(html, { waitUntil: "load" });
    await page.evaluate("document.fonts.ready");
    return await page.pdf({ format: "A4", printBackground: true, margin: { top: "14mm", bottom: "14mm", left: "10mm", right: "10mm" }, displayHeaderFooter: true, headerTemplate: "<span></span>", footerTemplate: '<div style="font-size:8px;width:100%;text-align:center"><span class="pageNumber"></span> / <span class="totalPages"></span></div>' });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
