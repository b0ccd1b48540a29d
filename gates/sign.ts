// Creating signed evidence: an in-toto Statement about the release, in a DSSE envelope, in a
// ReleaseEvidence manifest. The same shape `cosign attest --type <predicateType>` produces.
import { createPrivateKey, type KeyObject } from "node:crypto";
import { API_VERSION, IN_TOTO_PAYLOAD_TYPE, type EvidenceType, type Release, type ReleaseEvidence } from "../api/index.js";
import { canonicalJson, sha256Hex } from "./canonical-json.js";
import { checkKeyType, signEnvelope } from "./dsse.js";
import { buildStatement, type EvidencePredicate } from "./statement.js";

export function loadPrivateKey(pem: string, passphrase?: string): KeyObject {
  const key = createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
  const problem = checkKeyType(key);
  if (problem) throw new Error(problem);
  return key;
}

/** Evidence object names: <release>-<type>-<first 8 hex of the statement digest>, unique per content. */
function evidenceName(release: string, type: EvidenceType, payloadDigest: string): string {
  const base = `${release}-${type.toLowerCase()}`.slice(0, 253 - 9);
  return `${base}-${payloadDigest.slice(0, 8)}`;
}

export interface EvidenceInput {
  release: Release;
  type: EvidenceType;
  predicate: Omit<EvidencePredicate, "release">;
  key: KeyObject;
  source?: { uri?: string; filename?: string; digest: string };
}

export function createEvidence(input: EvidenceInput): ReleaseEvidence {
  const { release, type, key } = input;
  const predicate: EvidencePredicate = { release: { application: release.spec.application, version: release.spec.version }, ...input.predicate };
  const payload = Buffer.from(canonicalJson(buildStatement(release.spec, type, predicate)), "utf8");
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key);
  return {
    apiVersion: API_VERSION,
    kind: "ReleaseEvidence",
    metadata: {
      name: evidenceName(release.metadata.name, type, sha256Hex(payload)),
      ...(release.metadata.namespace ? { namespace: release.metadata.namespace } : {}),
      labels: { "golive.dev/release": release.metadata.name, "golive.dev/evidence-type": type },
    },
    spec: { release: release.metadata.name, type, envelope, ...(input.source ? { source: input.source } : {}) },
  };
}
