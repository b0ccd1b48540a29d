// The real cosign v3 binary (binaryDir("cosign")), key-based and fully offline: no transparency
// log, no Fulcio, no TUF. It signs in either of the two formats a verifier meets in registries:
//
// "legacy"  simple-signing payload in the image-signature manifest tagged sha256-<hex>.sig
//           (cosign v2's default; cosign v3: --new-bundle-format=false)
// "bundle"  a Sigstore bundle v0.3 (DSSE envelope with an in-toto statement) in a manifest whose
//           subject is the image, found via the OCI referrers API, or on registries without it
//           via the referrers tag schema: an index tagged sha256-<hex> (cosign v3's default)
//
// Every call gets its own HOME and DOCKER_CONFIG in a temp dir, so a developer's ~/.docker,
// ~/.sigstore and cosign config neither leak in nor get written.
import { join } from "node:path";
import { cachedBinaryDir, run, tempDir, type RunResult } from "./common.js";

export type SignatureFormat = "legacy" | "bundle";

export function cosignBinary(): string {
  return join(cachedBinaryDir("cosign"), "cosign");
}

/** Flags for a plain-HTTP registry on loopback. */
const REGISTRY_FLAGS = ["--allow-http-registry=true", "--allow-insecure-registry=true"];

/** The exact `cosign sign` flags per format (besides --key and the image), for reference and reuse. */
export const SIGN_FLAGS: Record<SignatureFormat, string[]> = {
  // No Rekor upload; service URLs from flags, not a TUF-fetched signing config (which would need
  // the network, and cosign refuses --tlog-upload=false together with it).
  legacy: ["--new-bundle-format=false", "--use-signing-config=false", "--tlog-upload=false", "--yes", ...REGISTRY_FLAGS],
  bundle: ["--new-bundle-format=true", "--use-signing-config=false", "--tlog-upload=false", "--yes", ...REGISTRY_FLAGS],
};

/**
 * The exact `cosign verify` flags per format (besides --key and the image). Note that
 * --new-bundle-format=true silently falls back to legacy signatures when the image has no bundle;
 * verify() below checks which format was actually verified.
 */
export const VERIFY_FLAGS: Record<SignatureFormat, string[]> = {
  legacy: ["--new-bundle-format=false", "--insecure-ignore-tlog=true", "--output=json", ...REGISTRY_FLAGS],
  bundle: ["--new-bundle-format=true", "--insecure-ignore-tlog=true", "--output=json", ...REGISTRY_FLAGS],
};

/** The `type` of the verified payload cosign prints, per format. */
export const PAYLOAD_TYPES: Record<SignatureFormat, string> = {
  legacy: "cosign container image signature",
  bundle: "https://sigstore.dev/cosign/sign/v1",
};

/** Runs cosign with an isolated HOME/DOCKER_CONFIG; `env` adds variables (e.g. COSIGN_PASSWORD). */
export async function cosign(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const home = tempDir("cosign-home");
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home.path, DOCKER_CONFIG: home.path, TUF_ROOT: join(home.path, "tuf"), ...opts.env };
    return await run(cosignBinary(), args, { env, cwd: opts.cwd ?? home.path, timeoutMs: opts.timeoutMs ?? 120_000 });
  } finally {
    home.remove();
  }
}

function output(r: RunResult): string {
  return `${r.stdout}${r.stderr}`.trim();
}

export interface KeyPair {
  /** Encrypted private key (cosign.key), PEM. */
  privateKey: string;
  /** Public key (cosign.pub), PEM. */
  publicKey: string;
}

/** `cosign generate-key-pair` into `dir` (cosign.key, cosign.pub), encrypted with `password`. */
export async function generateKeyPair(dir: string, password: string, prefix = "cosign"): Promise<KeyPair> {
  const r = await cosign(["generate-key-pair", `--output-key-prefix=${prefix}`], { cwd: dir, env: { COSIGN_PASSWORD: password } });
  if (r.status !== 0) throw new Error(`cosign generate-key-pair failed (exit ${r.status}):\n${output(r)}`);
  return { privateKey: join(dir, `${prefix}.key`), publicKey: join(dir, `${prefix}.pub`) };
}

export interface SignOptions {
  password: string;
  format: SignatureFormat;
  /** Extra `-a key=value` annotations, signed into the payload. */
  annotations?: Record<string, string>;
}

/** `cosign sign` an image (by digest: host/repo@sha256:...) with a key; throws with cosign's output on failure. */
export async function sign(imageRef: string, keyPath: string, opts: SignOptions): Promise<string> {
  const annotations = Object.entries(opts.annotations ?? {}).flatMap(([k, v]) => ["-a", `${k}=${v}`]);
  const r = await cosign(["sign", `--key=${keyPath}`, ...SIGN_FLAGS[opts.format], ...annotations, imageRef], { env: { COSIGN_PASSWORD: opts.password } });
  if (r.status !== 0) throw new Error(`cosign sign (${opts.format}) ${imageRef} failed (exit ${r.status}):\n${output(r)}`);
  return output(r);
}

export interface VerifyResult {
  ok: boolean;
  /** cosign's stdout and stderr (plus why ok is false when cosign itself succeeded). */
  output: string;
  /** The verified payloads cosign printed (empty when verification failed). */
  payloads: unknown[];
}

/**
 * `cosign verify` with a public key, offline (--insecure-ignore-tlog). ok only if cosign accepts
 * the signature AND what it verified is of the requested format.
 */
export async function verify(imageRef: string, pubKeyPath: string, opts: { format: SignatureFormat }): Promise<VerifyResult> {
  const r = await cosign(["verify", `--key=${pubKeyPath}`, ...VERIFY_FLAGS[opts.format], imageRef]);
  const out = output(r);
  if (r.status !== 0) return { ok: false, output: out, payloads: [] };
  let payloads: unknown[];
  try {
    payloads = (JSON.parse(r.stdout) as unknown[]) ?? [];
  } catch {
    return { ok: false, output: `${out}\n(stdout is not the JSON array of verified payloads)`, payloads: [] };
  }
  const types = payloads.map((p) => (p as { critical?: { type?: unknown } }).critical?.type);
  if (!types.includes(PAYLOAD_TYPES[opts.format])) {
    return { ok: false, output: `${out}\n(cosign verified payloads of type ${JSON.stringify(types)}, not a ${opts.format} signature)`, payloads };
  }
  return { ok: true, output: out, payloads };
}
