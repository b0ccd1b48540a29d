// Test helpers for gate tests: a release and policy from examples/, with fresh keys.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { Release, ReleasePolicy, type EvidenceType, type ReleaseEvidence } from "../api/index.js";
import { createEvidence } from "./sign.js";
import type { EvidencePredicate } from "./statement.js";

const examples = join(import.meta.dirname, "..", "examples");

export function exampleRelease(): Release {
  return Release.parse(parse(readFileSync(join(examples, "release.yaml"), "utf8")));
}

export function newKey(kind: "ec" | "ed25519" | "rsa" = "ec"): { privateKey: KeyObject; publicPem: string } {
  const pair =
    kind === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : kind === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519");
  return { privateKey: pair.privateKey, publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export interface Signers {
  qa: KeyObject;
  security: KeyObject;
  manager: KeyObject;
  owner: KeyObject;
  outsider: KeyObject;
}

/** The example policy with its demo keys swapped for fresh ones (qa is Ed25519, manager RSA). */
export function examplePolicy(): { policy: ReleasePolicy; keys: Signers } {
  const raw = parse(readFileSync(join(examples, "policy.yaml"), "utf8")) as { spec: { signers: { name: string; publicKey: string }[] } };
  const qa = newKey("ed25519");
  const security = newKey("ec");
  const manager = newKey("rsa");
  const owner = newKey("ec");
  const fresh: Record<string, string> = { "qa-lead": qa.publicPem, "security-officer": security.publicPem, "release-manager": manager.publicPem, "business-owner": owner.publicPem };
  for (const s of raw.spec.signers) if (fresh[s.name]) s.publicKey = fresh[s.name]!;
  // Gate tests sign one scan at a time; requiring the three kinds of scan (8.6 a-c) is tested in
  // policies/bundles.test.ts and, on the example's own evidence, in cli/gates.test.ts.
  for (const g of (raw.spec as { gates?: { security?: { requireCategories?: unknown } }[] }).gates ?? []) if (g.security) g.security.requireCategories = [];
  return { policy: ReleasePolicy.parse(raw), keys: { qa: qa.privateKey, security: security.privateKey, manager: manager.privateKey, owner: owner.privateKey, outsider: newKey().privateKey } };
}

export function sign(release: Release, type: EvidenceType, key: KeyObject, predicate: Partial<Omit<EvidencePredicate, "release">> = {}, issuedAt = "2026-11-20T10:00:00Z"): ReleaseEvidence {
  return createEvidence({ release, type, key, predicate: { issuedAt, ...predicate } });
}
