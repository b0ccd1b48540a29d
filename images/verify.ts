// Is this image sealed? Fetch its manifest and every cosign signature of its digest from the
// registry, and check them against the trusted keys (signatures.ts). Three lookups run at once:
//
//   the image manifest      GET /v2/<repo>/manifests/<digest>         404 -> NotFound
//   legacy signatures       GET /v2/<repo>/manifests/sha256-<hex>.sig  simple-signing layers
//   Sigstore bundles        GET /v2/<repo>/referrers/<digest>          (OCI 1.1), or when the registry
//                           lacks that API the index tagged sha256-<hex> (the referrers tag schema)
//
// Sealed as soon as one signature verifies with a trusted key (the other lookup is cancelled).
// Otherwise: a registry that could not be asked (Auth, Throttled, RegistryDown, Timeout) wins over
// what was found, since the missing answer might have held a valid signature; then BadSignature,
// UntrustedKey, KeylessUnsupported from the signatures found; Unsigned when there are none.
//
// Registry trouble is never a bad signature: a failure to fetch a signature artifact (a redirect
// loop or a refused redirect, an unexpected HTTP status such as 400, a referrers index that is not
// one, content that does not hash to its digest) is RegistryDown, exactly as the same trouble on
// the image manifest is. BadSignature and UntrustedKey are only ever about signatures that were
// read: what the registry served, hashing to its digest, and wrong. The one exception is size: a
// signature artifact over its cap cannot be a valid seal, so it is BadSignature.
import type { TrustedKey } from "../gates/dsse.js";
import { digestTag, ImageManifest, isSigstoreBundleType, MediaType, parseJson, type Descriptor } from "./oci.js";
import type { PinnedImage } from "./reference.js";
import { RegistryError, type RegistryClient } from "./registry-client.js";
import type { SealFailure, SealVerdict } from "./seal-cache.js";
import { checkBundle, checkLegacySignature, keyHintOf, type SignatureCheck } from "./signatures.js";

export interface VerifyOptions {
  /** The whole verification's budget (default 8000 ms, under the 10 s of an admission call). */
  deadlineMs?: number;
  signal?: AbortSignal;
  now?: () => Date;
}

/** At most this many signatures of one image are examined, and each artifact is size-capped. */
const MAX_SIGNATURES = 16;
/** Bundle referrers fetched to read their key hints (those naming a trusted key are checked first). */
const MAX_REFERRERS_FETCHED = 64;
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_BUNDLE_BYTES = 1024 * 1024;

interface Lookup {
  checks: SignatureCheck[];
  /** A registry failure that left the lookup incomplete. */
  error?: RegistryError;
  /** Set when the cap on signatures examined left some unexamined. */
  capped?: string;
}

const FAILURE_ORDER: readonly SealFailure[] = ["BadSignature", "UntrustedKey", "KeylessUnsupported"];

export async function verifyImageSeal(client: RegistryClient, image: PinnedImage, keys: readonly TrustedKey[], opts: VerifyOptions = {}): Promise<SealVerdict> {
  const now = opts.now ?? (() => new Date());
  const fail = (failure: SealFailure, reason: string): SealVerdict => ({ sealed: false, failure, reason: `${image.name}@${image.digest}: ${reason}`, checkedAt: now() });
  if (!/^sha256:[a-f0-9]{64}$/.test(image.digest)) return fail("NotFound", `"${image.digest}" is not a sha256 digest`);

  const deadline = AbortSignal.timeout(opts.deadlineMs ?? 8000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  // Once one signature verifies, the other lookup is cancelled.
  const found = new AbortController();
  const lookupSignal = AbortSignal.any([signal, found.signal]);
  const settle = async (lookup: Promise<Lookup>): Promise<Lookup> => {
    const result = await lookup;
    if (result.checks.some((c) => c.ok)) found.abort();
    return result;
  };

  const [manifest, legacy, bundles] = await Promise.all([
    client.getManifest(image, image.digest, { signal }).then(
      (m) => (m ? undefined : new RegistryError("NotFound", `the registry has no manifest ${image.digest} in ${image.repository}`)),
      (e: unknown) => asRegistryError(e),
    ),
    settle(legacySignatures(client, image, keys, lookupSignal)),
    settle(bundleSignatures(client, image, keys, lookupSignal)),
  ]);

  if (manifest) return fail(manifest.kind === "NotFound" ? "NotFound" : failureOf(manifest), manifest.message);
  const checks = [...legacy.checks, ...bundles.checks];
  const good = checks.find((c) => c.ok);
  if (good?.ok) return { sealed: true, signer: good.signer, format: good.format, verifiedAt: now() };
  const error = legacy.error ?? bundles.error;
  if (error) return fail(failureOf(error), error.message);
  for (const failure of FAILURE_ORDER) {
    const matching = checks.filter((c) => !c.ok && c.failure === failure);
    if (matching.length > 0) {
      const reasons = checks.flatMap((c) => (c.ok ? [] : [c.reason]));
      const capped = [legacy.capped, bundles.capped].filter((c) => c !== undefined);
      return fail(failure, [...capped, ""].join("; ") + reasons.slice(0, 3).join("; ") + (reasons.length > 3 ? ` (and ${reasons.length - 3} more)` : ""));
    }
  }
  return fail(
    "Unsigned",
    `no signature found: neither a legacy cosign signature (tag ${digestTag(image.digest, ".sig")}) nor a Sigstore bundle (the referrers API, or tag ${digestTag(image.digest)})`,
  );
}

function asRegistryError(e: unknown): RegistryError {
  if (e instanceof RegistryError) return e;
  return new RegistryError("RegistryDown", `unexpected error talking to the registry: ${(e as Error).message}`);
}

/** The verdict for a registry failure: the registry's trouble, whatever artifact it was fetching. */
function failureOf(e: RegistryError): SealFailure {
  switch (e.kind) {
    case "Auth":
    case "Throttled":
    case "RegistryDown":
    case "Timeout":
      return e.kind;
    default:
      // Invalid (unexpected status, redirect loop, refused redirect), DigestMismatch (content
      // not hashing to its digest: a broken registry or tampering), NotFound, TooLarge.
      return "RegistryDown";
  }
}

/** Only a signature artifact over its size cap is that signature's fault; any other registry error is the registry's. */
function artifactFault(e: unknown, format: SignatureCheck["format"], what: string): SignatureCheck | undefined {
  if (e instanceof RegistryError && e.kind === "TooLarge") return { ok: false, failure: "BadSignature", format, reason: `${what}: ${e.message}` };
  return undefined;
}

/** A registry failure while fetching a signature artifact, with the artifact named. */
function artifactError(e: unknown, what: string): RegistryError {
  const error = asRegistryError(e);
  return new RegistryError(error.kind, `registry trouble fetching ${what}, not a verdict on any signature: ${error.message}`, error.status);
}

async function legacySignatures(client: RegistryClient, image: PinnedImage, keys: readonly TrustedKey[], signal: AbortSignal): Promise<Lookup> {
  const checks: SignatureCheck[] = [];
  const tag = digestTag(image.digest, ".sig");
  try {
    const fetched = await client.getManifest(image, tag, { signal });
    if (!fetched) return { checks };
    const manifest = parseJson(ImageManifest, fetched.bytes, `the signature manifest ${tag}`);
    if (!manifest.ok) return { checks: [{ ok: false, failure: "BadSignature", format: "legacy-sig", reason: manifest.reason }] };
    const all = manifest.value.layers.filter((l) => l.mediaType === MediaType.simpleSigning);
    const layers = all.slice(0, MAX_SIGNATURES);
    const capped =
      all.length > MAX_SIGNATURES
        ? `the cap on signatures examined was reached: ${tag} holds ${all.length} legacy signatures and only the first ${MAX_SIGNATURES} were examined (the legacy format names no key, so a trusted one cannot be picked out)`
        : undefined;
    for (const layer of layers) {
      const payload = await client.getBlob(image, layer.digest, { maxBytes: MAX_PAYLOAD_BYTES, signal });
      const check = payload
        ? checkLegacySignature(payload, layer.annotations, image.digest, keys)
        : ({ ok: false, failure: "BadSignature", format: "legacy-sig", reason: `legacy signature: its payload blob ${layer.digest} is missing from the registry` } as const);
      checks.push(check);
      if (check.ok) return { checks };
    }
    return { checks, ...(capped ? { capped } : {}) };
  } catch (e) {
    const fault = artifactFault(e, "legacy-sig", `the legacy signature ${tag}`);
    if (fault) return { checks: [...checks, fault] };
    if (checks.some((c) => c.ok)) return { checks };
    return { checks, error: artifactError(e, `the legacy signature ${tag}`) };
  }
}

async function bundleSignatures(client: RegistryClient, image: PinnedImage, keys: readonly TrustedKey[], signal: AbortSignal): Promise<Lookup> {
  const checks: SignatureCheck[] = [];
  try {
    const listed = (await client.getReferrers(image, image.digest, { signal })) ?? (await client.getFallbackReferrers(image, image.digest, { signal }));
    const all = listed.filter((d) => isSigstoreBundleType(d.artifactType));
    const candidates = all.slice(0, MAX_REFERRERS_FETCHED);
    // Bundles name their key (verificationMaterial.publicKey.hint): one naming a trusted key is
    // checked at once; the others wait, so untrusted signatures pushed in front cannot bury it.
    const trustedHints = new Set(keys.map((k) => keyHintOf(k.key)));
    const later: { descriptor: Descriptor; fetched: Buffer | SignatureCheck }[] = [];
    let examined = 0;
    for (const descriptor of candidates) {
      const fetched = await fetchReferrer(client, image, descriptor, signal);
      if (fetched === undefined) continue;
      if (Buffer.isBuffer(fetched) && trustedHints.has(hintOf(fetched) ?? "") && examined < MAX_SIGNATURES) {
        examined++;
        const check = checkBundle(fetched, image.digest, keys);
        checks.push(check);
        if (check.ok) return { checks };
      } else later.push({ descriptor, fetched });
    }
    let unexamined = all.length - candidates.length;
    for (const { fetched } of later) {
      if (examined >= MAX_SIGNATURES) {
        unexamined++;
        continue;
      }
      examined++;
      const check = Buffer.isBuffer(fetched) ? checkBundle(fetched, image.digest, keys) : fetched;
      checks.push(check);
      if (check.ok) return { checks };
    }
    const capped =
      unexamined > 0
        ? `the cap on signatures examined was reached: ${all.length} Sigstore bundles are listed and only ${examined} were examined (those naming a trusted key first; none of the bundles fetched names one)`
        : undefined;
    return { checks, ...(capped ? { capped } : {}) };
  } catch (e) {
    const fault = artifactFault(e, "sigstore-bundle", "a Sigstore bundle referrer");
    if (fault) return { checks: [...checks, fault] };
    if (checks.some((c) => c.ok)) return { checks };
    return { checks, error: artifactError(e, "the Sigstore bundles (referrers)") };
  }
}

/** The key hint a bundle names, if it parses that far. */
function hintOf(bytes: Buffer): string | undefined {
  try {
    const hint = (JSON.parse(bytes.toString("utf8")) as { verificationMaterial?: { publicKey?: { hint?: unknown } } }).verificationMaterial?.publicKey?.hint;
    return typeof hint === "string" ? hint : undefined;
  } catch {
    return undefined;
  }
}

/** One referrer: its manifest must name the image as subject and carry a bundle layer; the bundle's bytes, or why not. */
async function fetchReferrer(client: RegistryClient, image: PinnedImage, descriptor: Descriptor, signal: AbortSignal): Promise<Buffer | SignatureCheck | undefined> {
  const bad = (reason: string): SignatureCheck => ({ ok: false, failure: "BadSignature", format: "sigstore-bundle", reason: `Sigstore bundle ${descriptor.digest}: ${reason}` });
  const fetched = await client.getManifest(image, descriptor.digest, { signal });
  if (!fetched) return bad("listed as a referrer but missing from the registry");
  const manifest = parseJson(ImageManifest, fetched.bytes, "the bundle's manifest");
  if (!manifest.ok) return bad(manifest.reason);
  // The tag-schema index is writable by anyone who can push: entries about other images are skipped.
  if (manifest.value.subject?.digest !== image.digest) return undefined;
  const layer = manifest.value.layers.find((l) => isSigstoreBundleType(l.mediaType));
  if (!layer) return bad("its manifest has no Sigstore bundle layer");
  const bytes = await client.getBlob(image, layer.digest, { maxBytes: MAX_BUNDLE_BYTES, signal });
  if (!bytes) return bad(`its bundle blob ${layer.digest} is missing from the registry`);
  return bytes;
}
