// Records a team writes by hand or exports from its tracker, in a small documented JSON form
// (README "Review records and DR drills"): the DR drill report (9.2 c,d), the test review record
// (7.2.1) and the release review record (7.2.2). Each is checked field by field here, so a gate
// reads a summary that is known to be whole; an error names the field and what it must be.
import { z } from "zod";

const MAX_BYTES = 1024 * 1024;
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/, "a date such as 2026-11-10 (or an RFC 3339 time)");
const Minutes = z.number().min(0).max(525_600);
const Name = z.string().min(1).max(256);

export const DRDrillRecord = z.strictObject({
  kind: z.literal("DRDrillReport"),
  drillDate: Day.describe("When the drill ran."),
  scenario: Name.describe("What was drilled, e.g. loss of the primary data centre."),
  site: Name.optional().describe("The DR site taken over (同城 / 异地)."),
  ranBy: Name.describe("Who ran it."),
  declared: z.strictObject({ rtoMinutes: Minutes, rpoMinutes: Minutes }).describe("The recovery time and point objectives the system declares."),
  achieved: z.strictObject({ rtoMinutes: Minutes, rpoMinutes: Minutes }).describe("What the drill measured."),
});
export type DRDrillRecord = z.infer<typeof DRDrillRecord>;

export const TEST_REVIEW_CONCLUSIONS = ["approved", "approvedWithChanges", "rejected"] as const;
export const TestReviewRecord = z.strictObject({
  kind: z.literal("TestReviewRecord"),
  documents: z
    .array(
      z.strictObject({
        name: Name.describe("The test document reviewed: test plan, test cases, test report, ..."),
        reviewedBy: Name,
        date: Day,
        conclusion: z.enum(TEST_REVIEW_CONCLUSIONS),
        note: z.string().max(2048).optional(),
      }),
    )
    .min(1)
    .max(256),
});
export type TestReviewRecord = z.infer<typeof TestReviewRecord>;

/** The checks 7.2.2 lists for a release review, by the names the JSON form uses. */
export const RELEASE_REVIEW_CHECKS = ["interfaceChanges", "codeComparison", "sourceArchived", "configurationChanges", "databaseScripts", "batchChanges"] as const;
export type ReleaseReviewCheck = (typeof RELEASE_REVIEW_CHECKS)[number];
const CheckResult = z.strictObject({ result: z.enum(["passed", "failed", "notApplicable"]), note: z.string().max(2048).optional() });
export const ReleaseReviewRecord = z.strictObject({
  kind: z.literal("ReleaseReviewRecord"),
  reviewedBy: Name,
  date: Day,
  counts: z.strictObject({
    projects: z.int().min(0).describe("Projects planned for the release."),
    requirements: z.int().min(0).describe("Requirements in it."),
    relatedSystems: z.int().min(0).describe("Systems it touches (关联系统数)."),
  }),
  checks: z.strictObject(Object.fromEntries(RELEASE_REVIEW_CHECKS.map((c) => [c, CheckResult])) as Record<ReleaseReviewCheck, typeof CheckResult>),
  // 4.4 d (系统关联性): the systems this release depends on (upstream) and that depend on it
  // (downstream); an empty list says there are none.
  dependencies: z
    .array(
      z.strictObject({
        name: Name.describe("The other system, as the integration tests name it."),
        direction: z.enum(["upstream", "downstream"]),
        version: z.string().min(1).max(128).optional(),
        contract: z.string().min(1).max(512).optional().describe("The API contract, e.g. claims-api v3 (OpenAPI)."),
      }),
    )
    .max(256)
    .optional(),
});
export type ReleaseReviewRecord = z.infer<typeof ReleaseReviewRecord>;

const SCHEMAS = { DRDrillReport: DRDrillRecord, TestReviewRecord, ReleaseReviewRecord } as const;
export type RecordType = keyof typeof SCHEMAS;

export function isRecordType(type: string): type is RecordType {
  return type in SCHEMAS;
}

/** Whether the content is meant as the JSON form (its first non-blank character is "{"); otherwise it is a document kept by digest. */
export function looksLikeJsonRecord(content: Uint8Array): boolean {
  for (const b of content.subarray(0, 4096)) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b;
  }
  return false;
}

/** Parse and check one record; throws with the field and what it must be. */
export function parseRecord(type: RecordType, content: Uint8Array): Record<string, unknown> {
  if (content.byteLength > MAX_BYTES) throw new Error(`${type} record is ${content.byteLength} bytes; the JSON form is at most ${MAX_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content).replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new Error(`${type} record is not valid UTF-8 JSON (${(e as Error).message})`, { cause: e });
  }
  const parsed = SCHEMAS[type].safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`);
    throw new Error(`${type} record: ${issues.join("; ")} (the JSON form is described in README "Review records and DR drills")`);
  }
  return parsed.data;
}
