import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { IN_TOTO_PAYLOAD_TYPE } from "../api/index.js";
import { signEnvelope, type TrustedKey } from "../gates/dsse.js";
import { checkBundle, checkLegacySignature, COSIGN_CERTIFICATE_ANNOTATION, COSIGN_SIGN_PREDICATE, COSIGN_SIGNATURE_ANNOTATION, keyHintOf, signingDigest } from "./signatures.js";
import { simpleSigningPayload } from "./simple-signing.js";

const D = `sha256:${"c".repeat(64)}`;
const OTHER = `sha256:${"d".repeat(64)}`;
const ec = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const [release, outsider, ed, rsa] = [ec(), ec(), generateKeyPairSync("ed25519"), generateKeyPairSync("rsa", { modulusLength: 2048 })];
const trusted: TrustedKey[] = [{ name: "release-signer", key: release.publicKey }];

function legacy(key: KeyObject, payload: Buffer): Record<string, string> {
  return { [COSIGN_SIGNATURE_ANNOTATION]: sign(signingDigest(key), payload, key).toString("base64") };
}

function selfSignedCertificatePem(): string {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 600_000);
  cert.setSubject([]);
  cert.setIssuer([{ name: "organizationName", value: "sigstore.dev" }, { name: "commonName", value: "sigstore-intermediate" }]);
  cert.setExtensions([{ name: "subjectAltName", altNames: [{ type: 1, value: "dev@example.com" }] }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

describe("legacy signatures (sha256-<hex>.sig simple-signing layers)", () => {
  const payload = simpleSigningPayload("r.example/app", D);

  it("accept a signature by a trusted key over a payload claiming this digest (ECDSA, Ed25519, RSA)", () => {
    expect(checkLegacySignature(payload, legacy(release.privateKey, payload), D, trusted)).toEqual({ ok: true, signer: "release-signer", format: "legacy-sig" });
    for (const pair of [ed, rsa]) {
      expect(checkLegacySignature(payload, legacy(pair.privateKey, payload), D, [...trusted, { name: "other-type", key: pair.publicKey }])).toMatchObject({ ok: true, signer: "other-type" });
    }
  });

  it("reject another key as BadSignature: the format names no key, and the reason says so", () => {
    const check = checkLegacySignature(payload, legacy(outsider.privateKey, payload), D, trusted);
    expect(check).toMatchObject({ ok: false, failure: "BadSignature" });
    expect(check.ok ? "" : check.reason).toMatch(/does not verify with any trusted key \(release-signer\): it was made by another key or changed after signing \(the legacy format names no key/);
  });

  it("reject a tampered payload, a copied signature of another image, and malformed annotations", () => {
    const annotations = legacy(release.privateKey, payload);
    const tampered = Buffer.from(payload.toString().replace('"optional":null', '"optional":{"approved":"yes"}'));
    expect(checkLegacySignature(tampered, annotations, D, trusted)).toMatchObject({ ok: false, failure: "BadSignature" });
    const other = simpleSigningPayload("r.example/app", OTHER);
    const copied = checkLegacySignature(other, legacy(release.privateKey, other), D, trusted);
    expect(copied).toMatchObject({ ok: false, failure: "BadSignature" });
    expect(copied.ok ? "" : copied.reason).toMatch(/signed by release-signer, but the signature is for another image: .* is sha256:d+, not sha256:c+/);
    expect(checkLegacySignature(payload, {}, D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/no dev.cosignproject.cosign\/signature annotation/) });
    expect(checkLegacySignature(payload, { [COSIGN_SIGNATURE_ANNOTATION]: "***" }, D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/not base64/) });
  });

  it("say when the policy trusts no image signer", () => {
    const check = checkLegacySignature(payload, legacy(release.privateKey, payload), D, []);
    expect(check.ok ? "" : check.reason).toMatch(/trusts no signer with images: true/);
  });

  it("classify a keyless signature (a certificate, no matching key) as KeylessUnsupported", () => {
    const annotations = { ...legacy(outsider.privateKey, payload), [COSIGN_CERTIFICATE_ANNOTATION]: selfSignedCertificatePem() };
    const check = checkLegacySignature(payload, annotations, D, trusted);
    expect(check).toMatchObject({ ok: false, failure: "KeylessUnsupported" });
    expect(check.ok ? "" : check.reason).toMatch(/signed keyless .* golive verifies key-based signatures only.*certificate for email:dev@example.com/);
  });
});

function statement(digest: string, predicateType = COSIGN_SIGN_PREDICATE): Buffer {
  return Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ digest: { sha256: digest.slice(7) }, annotations: {} }], predicateType, predicate: {} }));
}

function bundle(key: KeyObject, payload: Buffer, material: Record<string, unknown> = { publicKey: { hint: keyHintOf(key) } }, mutate?: (b: any) => void): Buffer {
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key);
  const b = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: material, dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: envelope.signatures[0]!.sig }] } };
  mutate?.(b);
  return Buffer.from(JSON.stringify(b));
}

describe("Sigstore bundles (DSSE + in-toto, cosign v3)", () => {
  it("accept a bundle signed by a trusted key whose subject is the image", () => {
    expect(checkBundle(bundle(release.privateKey, statement(D)), D, trusted)).toEqual({ ok: true, signer: "release-signer", format: "sigstore-bundle" });
    // The hint is only a hint: a bundle without one still verifies.
    expect(checkBundle(bundle(release.privateKey, statement(D), {}), D, trusted)).toMatchObject({ ok: true });
  });

  it("reject another key as UntrustedKey when the bundle names it, as BadSignature when it names none", () => {
    const other = checkBundle(bundle(outsider.privateKey, statement(D)), D, trusted);
    expect(other).toMatchObject({ ok: false, failure: "UntrustedKey" });
    expect(other.ok ? "" : other.reason).toContain(`signed by key ${keyHintOf(outsider.publicKey)}`);
    expect(checkBundle(bundle(outsider.privateKey, statement(D), {}), D, trusted)).toMatchObject({ ok: false, failure: "BadSignature" });
  });

  it("reject a bundle changed after signing (it names a trusted key that does not verify it) as BadSignature", () => {
    const tampered = bundle(release.privateKey, statement(D), undefined, (b) => (b.dsseEnvelope.payload = statement(OTHER).toString("base64")));
    const check = checkBundle(tampered, D, trusted);
    expect(check).toMatchObject({ ok: false, failure: "BadSignature" });
    expect(check.ok ? "" : check.reason).toMatch(/names trusted key release-signer but its signature does not verify with it: the bundle was changed after signing/);
  });

  it("reject a valid signature of another image, an attestation, a message signature and malformed bundles", () => {
    expect(checkBundle(bundle(release.privateKey, statement(OTHER)), D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/for another image: its subject is sha256:d+, not sha256:c+/) });
    expect(checkBundle(bundle(release.privateKey, statement(D, "https://cyclonedx.org/bom")), D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/attestation of https:\/\/cyclonedx.org\/bom, not an image signature/) });
    const message = Buffer.from(JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: {}, messageSignature: { signature: "AA==" } }));
    expect(checkBundle(message, D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/message signature, not a DSSE envelope/) });
    expect(checkBundle(Buffer.from("nope"), D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/not JSON/) });
    expect(checkBundle(bundle(release.privateKey, statement(D), undefined, (b) => (b.mediaType = "application/json")), D, trusted)).toMatchObject({ failure: "BadSignature" });
    expect(checkBundle(bundle(release.privateKey, statement(D), undefined, (b) => (b.dsseEnvelope.payloadType = "text/plain")), D, trusted)).toMatchObject({ failure: "BadSignature", reason: expect.stringMatching(/payload type is "text\/plain"/) });
  });

  it("classify a keyless bundle (a Fulcio certificate, no key) as KeylessUnsupported, naming the identity", () => {
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(selfSignedCertificatePem()))).getBytes(), "binary");
    const check = checkBundle(bundle(outsider.privateKey, statement(D), { certificate: { rawBytes: der.toString("base64") } }), D, trusted);
    expect(check).toMatchObject({ ok: false, failure: "KeylessUnsupported" });
    expect(check.ok ? "" : check.reason).toMatch(/signed keyless \(a Fulcio certificate, not a key\); golive verifies key-based signatures only.*email:dev@example.com/);
  });
});
