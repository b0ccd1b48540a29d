// The in-toto Statement golive signs as evidence. Its first subject names the release
// (application@version) with the ARTIFACT digest (what was built and tested), so evidence cannot
// be replayed onto another release, another version, or the same version with other images.
// Approvals also name the PLAN digest: everything the approvers judged (workloads, strategy,
// rollback, architecture, capacity, flags, changes, monitoring), so a plan edited after approval
// no longer carries its approvals.
import { z } from "zod";
import { IN_TOTO_STATEMENT_TYPE, predicateTypeOf, ReleaseSpec, type EvidenceType, type InTotoStatement } from "../api/index.js";
import { ApprovalStage } from "../api/index.js";
import { canonicalJson, sha256Hex } from "./canonical-json.js";

export const RELEASE_SUBJECT_PREFIX = "golive.dev/release/";
export const PLAN_SUBJECT_PREFIX = "golive.dev/release-plan/";

/** The fields of the artifact: what test and scan evidence speak about. */
export const ARTIFACT_FIELDS = ["application", "version", "images", "configuration"] as const;

type SealedFields = Pick<ReleaseSpec, "application" | "version" | "images"> & { configuration?: ReleaseSpec["configuration"] | undefined };

/** Evidence types whose statements are bound to the plan digest as well as the artifact digest. */
export const PLAN_BOUND_TYPES: ReadonlySet<EvidenceType> = new Set(["Approval"]);

export function releaseSubjectName(spec: Pick<ReleaseSpec, "application" | "version">): string {
  return `${RELEASE_SUBJECT_PREFIX}${spec.application}@${spec.version}`;
}

export function planSubjectName(spec: Pick<ReleaseSpec, "application" | "version">): string {
  return `${PLAN_SUBJECT_PREFIX}${spec.application}@${spec.version}`;
}

/** sha256 (hex) of the artifact: application, version, image digests and configuration digests. */
export function artifactDigest(spec: SealedFields): string {
  const byName = <T extends { name: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name) || canonicalJson(a).localeCompare(canonicalJson(b)));
  return sha256Hex(
    canonicalJson({
      application: spec.application,
      version: spec.version,
      images: byName(spec.images).map((i) => ({ name: i.name, digest: i.digest })),
      configuration: byName(spec.configuration ?? []).map((c) => ({ kind: c.kind, name: c.name, digest: c.digest })),
    }),
  );
}

/** @deprecated the artifact digest's former name. */
export const sealedContentDigest = artifactDigest;

/**
 * sha256 (hex) of the plan: the artifact digest plus every other spec field, with the API's
 * defaults applied (the API server stores them, a manifest may omit them: both hash the same).
 * List order is kept: the order of steps and workloads is part of the plan.
 */
export function planDigest(spec: ReleaseSpec): string {
  const parsed = ReleaseSpec.safeParse(spec);
  const normal: Record<string, unknown> = { ...(parsed.success ? parsed.data : spec) };
  for (const k of ARTIFACT_FIELDS) delete normal[k];
  return sha256Hex(canonicalJson({ artifact: artifactDigest(spec), plan: normal }));
}

/** The predicate of every golive evidence statement. */
export const EvidencePredicate = z.object({
  release: z.object({ application: z.string(), version: z.string() }),
  issuedAt: z.iso.datetime({ offset: true }),
  source: z.object({ filename: z.string().max(512).optional(), digest: z.string().regex(/^sha256:[a-f0-9]{64}$/) }).optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
  approval: z.object({ stage: ApprovalStage, role: z.string().min(1).max(63), comment: z.string().max(4096).optional() }).optional(),
  waiver: z
    .object({
      fingerprints: z.array(z.string().min(1).max(256)).min(1).max(1000),
      reason: z.string().min(1).max(4096),
      expires: z.iso.datetime({ offset: true }).optional(),
    })
    .optional(),
  // The business owner's signed acceptance (4.3 b, 7.1.2 a, 7.3): the defects and tests gates
  // take acceptance from this alone, never from a column inside a defect list.
  acceptance: z
    .object({
      role: z.string().min(1).max(63),
      defects: z.array(z.string().min(1).max(256)).max(1000).default([]),
      tests: z.array(z.string().min(1).max(1024)).max(1000).default([]),
      reason: z.string().min(1).max(4096),
      expires: z.iso.datetime({ offset: true }).optional(),
    })
    .refine((a) => a.defects.length + a.tests.length > 0, { message: "an acceptance names at least one defect id or test case" })
    .optional(),
});
export type EvidencePredicate = z.infer<typeof EvidencePredicate>;

export function buildStatement(spec: ReleaseSpec, type: EvidenceType, predicate: EvidencePredicate): InTotoStatement {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      { name: releaseSubjectName(spec), digest: { sha256: artifactDigest(spec) } },
      ...(PLAN_BOUND_TYPES.has(type) ? [{ name: planSubjectName(spec), digest: { sha256: planDigest(spec) } }] : []),
      ...spec.images.map((i) => ({ name: i.name, digest: { sha256: i.digest.slice("sha256:".length) } })),
    ],
    predicateType: predicateTypeOf(type),
    predicate,
  };
}
