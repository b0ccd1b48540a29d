// The in-toto Statement golive signs as evidence. Its first subject names the release
// (application@version) with the digest of the release's sealed content, so evidence cannot be
// replayed onto another release, another version, or the same version with other images.
import { z } from "zod";
import { IN_TOTO_STATEMENT_TYPE, predicateTypeOf, type EvidenceType, type InTotoStatement, type ReleaseSpec } from "../api/index.js";
import { ApprovalStage } from "../api/index.js";
import { canonicalJson, sha256Hex } from "./canonical-json.js";

export const RELEASE_SUBJECT_PREFIX = "golive.dev/release/";

type SealedFields = Pick<ReleaseSpec, "application" | "version" | "images"> & { configuration?: ReleaseSpec["configuration"] | undefined };

export function releaseSubjectName(spec: Pick<ReleaseSpec, "application" | "version">): string {
  return `${RELEASE_SUBJECT_PREFIX}${spec.application}@${spec.version}`;
}

/** sha256 (hex) of the sealed content: application, version, images and configuration digests. */
export function sealedContentDigest(spec: SealedFields): string {
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
});
export type EvidencePredicate = z.infer<typeof EvidencePredicate>;

export function buildStatement(spec: SealedFields, type: EvidenceType, predicate: EvidencePredicate): InTotoStatement {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      { name: releaseSubjectName(spec), digest: { sha256: sealedContentDigest(spec) } },
      ...spec.images.map((i) => ({ name: i.name, digest: { sha256: i.digest.slice("sha256:".length) } })),
    ],
    predicateType: predicateTypeOf(type),
    predicate,
  };
}
