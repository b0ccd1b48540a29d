// Trusted keys from a ReleasePolicy, parsed once per distinct PEM: reconciles and admission
// decisions must not re-parse keys on every evaluation.
import { createPublicKey, type KeyObject } from "node:crypto";
import type { EvidenceType, Signer } from "../api/index.js";
import { checkKeyType, type TrustedKey } from "./dsse.js";

const parsed = new Map<string, KeyObject | string>();

/** The signer's public key, or a string saying why it cannot be used. */
export function publicKeyOf(signer: Pick<Signer, "name" | "publicKey">): KeyObject | string {
  let entry = parsed.get(signer.publicKey);
  if (entry === undefined) {
    try {
      const key = createPublicKey(signer.publicKey);
      entry = checkKeyType(key) ?? key;
    } catch (e) {
      entry = `cannot parse the public key: ${(e as Error).message}`;
    }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(signer.publicKey, entry);
  }
  return entry;
}

function usable(signers: readonly Signer[]): TrustedKey[] {
  return signers.flatMap((s) => {
    const key = publicKeyOf(s);
    return typeof key === "string" ? [] : [{ name: s.name, key }];
  });
}

/** Keys of the signers the policy trusts to attest this evidence type. */
export function keysTrustedFor(signers: readonly Signer[], type: EvidenceType): TrustedKey[] {
  return usable(signers.filter((s) => s.evidenceTypes?.includes(type)));
}

/** Keys of every signer in the policy, whatever they may sign (to explain a rejection). */
export function allKeys(signers: readonly Signer[]): TrustedKey[] {
  return usable(signers);
}

/** Keys of signers trusted to seal images. */
export function imageKeys(signers: readonly Signer[]): TrustedKey[] {
  return usable(signers.filter((s) => s.images));
}
