// Paths and helpers the report tests share: the sample in examples/ and a Released status for it.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const EXAMPLES = new URL("../examples/", import.meta.url).pathname;
export const RELEASED = new URL("./testdata/release-released.yaml", import.meta.url).pathname;
export const AT = new Date("2026-12-02T22:00:00Z");

/** The sample's evidence files, but those named. */
export function evidenceFiles(except: string[] = []): string[] {
  return readdirSync(join(EXAMPLES, "evidence"))
    .filter((f) => !except.includes(f))
    .map((f) => join(EXAMPLES, "evidence", f));
}

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), "golive-report-test-"));
}
