// The simple-signing payload cosign's legacy signatures sign (containers/image "simple signing",
// type "cosign container image signature"):
//
//   {"critical":{"identity":{"docker-reference":"<registry/repository>"},
//                "image":{"docker-manifest-digest":"sha256:<hex>"},
//                "type":"cosign container image signature"},
//    "optional":<null or string map of -a annotations>}
//
// The claim that matters is critical.image.docker-manifest-digest: it must be the image's digest,
// or a signature of one image could be copied next to another. docker-reference is not checked
// (like `cosign verify`): images are copied between registries and mirrors keep their signatures.
import { z } from "zod";
import { parseJson } from "./oci.js";

export const SIMPLE_SIGNING_TYPE = "cosign container image signature";
/** The original containers/image type, also a simple-signing image signature. */
const ATOMIC_TYPE = "atomic container signature";

const Payload = z.looseObject({
  critical: z.looseObject({
    identity: z.looseObject({ "docker-reference": z.string().max(4096).optional() }),
    image: z.looseObject({ "docker-manifest-digest": z.string().max(256) }),
    type: z.string().max(256),
  }),
  optional: z.record(z.string(), z.unknown()).nullish(),
});
export type SimpleSigningPayload = z.infer<typeof Payload>;

/** The payload bytes, with the fields in cosign's order so cosign and golive write the same bytes. */
export function simpleSigningPayload(dockerReference: string, digest: string, annotations?: Readonly<Record<string, string>>): Buffer {
  const optional = annotations && Object.keys(annotations).length > 0 ? annotations : null;
  return Buffer.from(
    JSON.stringify({ critical: { identity: { "docker-reference": dockerReference }, image: { "docker-manifest-digest": digest }, type: SIMPLE_SIGNING_TYPE }, optional }),
    "utf8",
  );
}

export type PayloadCheck = { ok: true; payload: SimpleSigningPayload } | { ok: false; reason: string };

/** Check a (signature-verified) simple-signing payload's claims against the image digest. */
export function checkSimpleSigningPayload(bytes: Uint8Array, digest: string): PayloadCheck {
  const parsed = parseJson(Payload, bytes, "the simple-signing payload");
  if (!parsed.ok) return parsed;
  const { critical } = parsed.value;
  if (critical.type !== SIMPLE_SIGNING_TYPE && critical.type !== ATOMIC_TYPE) return { ok: false, reason: `the payload's critical.type is "${critical.type}", not "${SIMPLE_SIGNING_TYPE}"` };
  const claimed = critical.image["docker-manifest-digest"];
  if (claimed !== digest) return { ok: false, reason: `the signature is for another image: critical.image.docker-manifest-digest is ${claimed}, not ${digest}` };
  return { ok: true, payload: parsed.value };
}
