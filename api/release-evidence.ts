// ReleaseEvidence (namespaced, immutable): one signed statement about one release. The DSSE
// envelope and in-toto Statement are the shapes `cosign attest` produces, so evidence
// interoperates with the supply-chain tools teams already run.
import { z } from "zod";
import { API_VERSION, cel, DnsLabel, Sha256Digest } from "./common.js";
import { EvidenceType } from "./evidence-types.js";
import { ObjectMeta } from "./release-policy.js";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

export const DsseSignature = z
  .object({
    keyid: z.string().max(256).optional().describe("Hint naming the key; verification never trusts it alone."),
    sig: z.string().min(1).max(8192).regex(/^[A-Za-z0-9+/=_-]+$/, { message: "must be base64" }).describe("Base64 signature over the DSSE pre-authentication encoding of payloadType and payload."),
  })
  .describe("One signature of a DSSE envelope.");

export const DsseEnvelope = z
  .object({
    payloadType: z.literal(IN_TOTO_PAYLOAD_TYPE).describe(`Always ${IN_TOTO_PAYLOAD_TYPE}.`),
    payload: z.string().min(1).max(1_000_000).regex(/^[A-Za-z0-9+/=_-]+$/, { message: "must be base64" }).describe("Base64 of the in-toto Statement JSON."),
    signatures: z.array(DsseSignature).min(1).max(8).describe("Signatures over the payload."),
  })
  .describe("A DSSE envelope (Dead Simple Signing Envelope) carrying an in-toto Statement.");
export type DsseEnvelope = z.infer<typeof DsseEnvelope>;

export const ReleaseEvidenceSpec = cel(
  z
    .object({
      release: DnsLabel.describe("The Release (same namespace) the evidence is about."),
      type: EvidenceType,
      envelope: DsseEnvelope,
      source: z
        .object({
          uri: z.string().max(2048).optional().describe("Where the original file is kept (the content may stay outside the cluster)."),
          filename: z.string().max(512).optional().describe("The original file name."),
          digest: Sha256Digest.describe("Digest of the original file; the signed statement carries the same digest."),
        })
        .optional()
        .describe("The original file this evidence summarises."),
    })
    .describe("ReleaseEvidenceSpec: a signed statement; immutable once created."),
  { rule: "self == oldSelf", message: "ReleaseEvidence is immutable: create a new evidence object instead of editing this one" },
);
export type ReleaseEvidenceSpec = z.infer<typeof ReleaseEvidenceSpec>;

export const ReleaseEvidence = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("ReleaseEvidence"),
    metadata: ObjectMeta,
    spec: ReleaseEvidenceSpec,
  })
  .describe("ReleaseEvidence is one signed, immutable statement about one release: a test report summary, a scan, an approval.");
export type ReleaseEvidence = z.infer<typeof ReleaseEvidence>;

/** The in-toto Statement inside an evidence envelope (validated after the signature is checked). */
export const InTotoStatement = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z
    .array(
      z.object({
        name: z.string().min(1).max(1024),
        digest: z.record(z.string(), z.string().max(256)),
      }),
    )
    .min(1)
    .max(128),
  predicateType: z.string().min(1).max(512),
  predicate: z.record(z.string(), z.unknown()),
});
export type InTotoStatement = z.infer<typeof InTotoStatement>;
