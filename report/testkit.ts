// Paths and helpers the report tests share: the sample in examples/, and a real rollout of it at
// Released (testdata/released/, made by report/testdata/regenerate.ts).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ReleaseEvidence, type Release } from "../api/index.js";
import { decodeBase64, keyIdOf } from "../gates/dsse.js";
import { createEvidence, loadPrivateKey, type EvidenceInput } from "../gates/sign.js";

export const EXAMPLES = new URL("../examples/", import.meta.url).pathname;
/** A real rollout's Release at Released, its policy and evidence: regenerate with `npx tsx report/testdata/regenerate.ts`. */
export const FIXTURE = new URL("./testdata/released/", import.meta.url).pathname;
export const RELEASED = join(FIXTURE, "release.yaml");
export const RELEASED_NAME = "underwriting-api-2-4-2";
export const RELEASED_VERSION = "2.4.2";
/** The fixture's manifests for `golive report -f`: the Release, its policy, its evidence. */
export const RELEASED_SET = [RELEASED, join(FIXTURE, "policy.yaml"), join(FIXTURE, "evidence.yaml")];
/** When the fixture's release went Released, as its status says. */
export const RELEASED_AT = String((parse(readFileSync(RELEASED, "utf8")) as { status: { releasedAt: string } }).status.releasedAt);
/** Ten minutes after it: the time the report tests evaluate at. */
export const AT = new Date(Date.parse(RELEASED_AT) + 600_000);

/**
 * AT, or a minute after the newest of the given evidence files was issued when that is later
 * (examples/sign-evidence.sh signs "now", so the sample's evidence is newer than the fixture).
 */
export function atAfter(files: string[]): Date {
  let latest = AT.getTime();
  for (const f of files) {
    for (const doc of readFileSync(f, "utf8").split(/^---$/m)) {
      const payload = (parse(doc) as { spec?: { envelope?: { payload?: string } } } | null)?.spec?.envelope?.payload;
      if (!payload) continue;
      const issuedAt = (JSON.parse((decodeBase64(payload) ?? Buffer.alloc(0)).toString("utf8") || "{}") as { predicate?: { issuedAt?: string } }).predicate?.issuedAt;
      if (issuedAt) latest = Math.max(latest, Date.parse(issuedAt) + 60_000);
    }
  }
  return new Date(latest);
}

/** The sample's evidence files, but those named. */
export function evidenceFiles(except: string[] = []): string[] {
  return readdirSync(join(EXAMPLES, "evidence"))
    .filter((f) => !except.includes(f))
    .map((f) => join(EXAMPLES, "evidence", f));
}

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), "golive-report-test-"));
}

/**
 * The sample's evidence signed again, with the same keys and predicates, for another Release
 * (such as the sample pointed at a test registry's image): evidence signs the release's artifact
 * digest, so a changed spec.images needs it. Each statement's signer is found by its keyid among
 * examples/keys.
 */
export function resignedEvidence(release: Release, except: string[] = []): ReleaseEvidence[] {
  const keys = readdirSync(join(EXAMPLES, "keys"))
    .filter((f) => f.endsWith(".key"))
    .map((f) => loadPrivateKey(readFileSync(join(EXAMPLES, "keys", f), "utf8")));
  return evidenceFiles(except).map((file) => {
    const e = ReleaseEvidence.parse(parse(readFileSync(file, "utf8")));
    const key = keys.find((k) => keyIdOf(k) === e.spec.envelope.signatures[0]?.keyid);
    if (!key) throw new Error(`${file}: signed by no key in examples/keys`);
    const statement = JSON.parse(decodeBase64(e.spec.envelope.payload)!.toString("utf8")) as { predicate: Record<string, unknown> };
    const { release: _r, ...predicate } = statement.predicate;
    return createEvidence({ release, type: e.spec.type, key, predicate: predicate as EvidenceInput["predicate"], ...(e.spec.source ? { source: e.spec.source } : {}) });
  });
}
