// Sealed images and configuration (JR/T 0179 4.1 d, 4.6 a, 8.4):
//   golive seal --key K IMAGE@sha256:...      write a cosign-compatible signature to the registry
//   golive verify-image --key K IMAGE@sha256:... exit 0 and print the signer when sealed
//   golive seal-config -f FILE                 canonical digests and a ready `configuration:` block
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { KeyObject } from "node:crypto";
import { CommanderError, type Command } from "commander";
import { stringify } from "yaml";
import { keyIdOf, type TrustedKey } from "../../gates/dsse.js";
import { publicKeyOf } from "../../gates/trusted-keys.js";
import { configDigest, ConfigDigestError, isConfigKind } from "../../images/config-digest.js";
import { decryptCosignKey, isCosignPrivateKey } from "../../images/cosign-key.js";
import { CredentialError, loadDockerConfig } from "../../images/credentials.js";
import { formatReference, ImageReferenceError, requireDigest, type PinnedImage } from "../../images/reference.js";
import { isLoopbackRegistry, RegistryClient, RegistryError } from "../../images/registry-client.js";
import { sealImage } from "../../images/seal.js";
import { TRANSIENT_FAILURES } from "../../images/seal-cache.js";
import { verifyImageSeal } from "../../images/verify.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { readManifests } from "../manifests.js";

/** Exit codes of verify-image: 1 not sealed (a definite answer), 2 bad usage, 3 could not check (the registry). */
export const EXIT_NOT_SEALED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNCHECKED = 3;

export interface RegistryOptions {
  registryConfig?: string;
  timeout: string;
  insecureRegistry?: string[];
}

function pinned(image: string): PinnedImage {
  try {
    return requireDigest(image);
  } catch (e) {
    if (e instanceof ImageReferenceError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
}

/** The registry client of the image commands (seal, verify-image, report attest): credentials, timeout, plain-HTTP hosts. */
export function registryClient(opts: RegistryOptions): RegistryClient {
  const timeout = Number(opts.timeout);
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 120_000) throw new CliError(`--timeout ${opts.timeout}: use milliseconds between 100 and 120000`, EXIT_USAGE);
  let credentials;
  try {
    credentials = loadDockerConfig(opts.registryConfig);
  } catch (e) {
    if (e instanceof CredentialError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  const insecure = new Set(opts.insecureRegistry ?? []);
  return new RegistryClient({
    credentials,
    requestTimeoutMs: timeout,
    plainHttp: (registry) => insecure.has(registry) || isLoopbackRegistry(registry),
  });
}

/** Usage errors (a missing --key or image, an unknown option) exit 2, as --help says; --help itself exits 0. */
export function usageExit(command: Command): Command {
  return command.exitOverride((err) => {
    throw err.exitCode === 0 ? err : new CommanderError(EXIT_USAGE, err.code, err.message);
  });
}

function withRegistryOptions(command: Command): Command {
  return usageExit(command)
    .option("--registry-config <path>", "Docker config with registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)")
    .option("--insecure-registry <host>", "a registry reached over plain HTTP, HOST[:PORT] (one per flag, repeatable; loopback always is)", collect)
    .option("--timeout <ms>", "timeout of each registry request", "3000");
}

/** A signing key: PKCS#8 PEM (golive keys generate; GOLIVE_KEY_PASSWORD) or cosign.key (COSIGN_PASSWORD). */
function signingKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isCosignPrivateKey(pem)) return readPrivateKey(path);
  const password = process.env.COSIGN_PASSWORD ?? process.env.GOLIVE_KEY_PASSWORD;
  if (password === undefined) throw new CliError(`${path} is an encrypted cosign key: set COSIGN_PASSWORD`);
  try {
    return decryptCosignKey(pem, password);
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
}

/** Trusted keys from PEM files (public keys, or private keys whose public half is used); named after the file. */
function verificationKeys(paths: string[]): TrustedKey[] {
  return paths.map((path) => {
    let pem: string;
    try {
      pem = readFileSync(path, "utf8");
    } catch (e) {
      throw new CliError(`cannot read key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE);
    }
    const name = basename(path, extname(path));
    const key = publicKeyOf({ name, publicKey: pem });
    if (typeof key === "string") throw new CliError(`${path}: ${key} (give the PEM public key, such as cosign.pub or the .pub of golive keys generate)`, EXIT_USAGE);
    return { name, key };
  });
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerSeal(program: Command): void {
  withRegistryOptions(
    program
      .command("seal")
      .description("Seal an image: sign its digest and write a cosign-compatible signature (tag sha256-<hex>.sig) to its registry (4.1 d, 4.6 a). Exit 0 when sealed; 1 when the image is not in the registry; 2 on bad usage; 3 when the registry could not be asked")
      .argument("<image>", "the image, pinned by digest: REGISTRY/REPOSITORY@sha256:<hex>")
      .requiredOption("--key <path>", "private key: PEM PKCS#8 as `golive keys generate` writes (GOLIVE_KEY_PASSWORD unlocks it), or cosign.key (COSIGN_PASSWORD)")
      .option("-a, --annotation <key=value>", "an annotation signed into the payload (repeatable)", collect),
  ).action(async (image: string, opts: RegistryOptions & { key: string; annotation?: string[] }) => {
    const ref = pinned(image);
    const annotations: Record<string, string> = {};
    for (const a of opts.annotation ?? []) {
      const eq = a.indexOf("=");
      if (eq <= 0) throw new CliError(`--annotation ${a}: use key=value`, EXIT_USAGE);
      annotations[a.slice(0, eq)] = a.slice(eq + 1);
    }
    const key = signingKey(opts.key);
    try {
      const result = await sealImage(registryClient(opts), ref, key, { annotations });
      process.stdout.write(
        `${result.written ? "sealed" : "already sealed with this key"}: ${ref.name}@${ref.digest}\n` +
          `  signature: ${ref.name}:${result.tag} (manifest ${result.manifestDigest})\n` +
          `  key: ${result.keyId}\n` +
          `Add it to the Release's spec.images:\n${stringify([{ name: ref.name, digest: ref.digest }])}`,
      );
    } catch (e) {
      if (e instanceof RegistryError) throw new CliError(`cannot seal ${ref.name}@${ref.digest}: ${e.kind}: ${e.message}`, e.kind === "NotFound" ? EXIT_NOT_SEALED : EXIT_UNCHECKED);
      throw e;
    }
  });

  withRegistryOptions(
    program
      .command("verify-image")
      .description("Check that an image is sealed: pinned by digest and signed (cosign legacy signature or Sigstore bundle) by one of the keys. Exit 0 when sealed; 1 when not; 2 on bad usage; 3 when the registry could not be asked")
      .argument("<image>", "the image, pinned by digest: REGISTRY/REPOSITORY@sha256:<hex>")
      .requiredOption("--key <path>", "trusted PEM public key, such as cosign.pub (repeatable; the signer is named after the file)", collect)
      .option("--deadline <ms>", "budget of the whole verification", "8000")
      .option("-o, --output <format>", "text or json", "text"),
  ).action(async (image: string, opts: RegistryOptions & { key: string[]; deadline: string; output: string }) => {
    const ref = pinned(image);
    const keys = verificationKeys(opts.key);
    const deadlineMs = Number(opts.deadline);
    if (!Number.isInteger(deadlineMs) || deadlineMs < 100) throw new CliError(`--deadline ${opts.deadline}: use milliseconds (at least 100)`, EXIT_USAGE);
    const verdict = await verifyImageSeal(registryClient(opts), ref, keys, { deadlineMs });
    if (opts.output === "json") process.stdout.write(JSON.stringify({ image: `${ref.name}@${ref.digest}`, ...verdict }, null, 2) + "\n");
    if (verdict.sealed) {
      const key = keys.find((k) => k.name === verdict.signer);
      if (opts.output !== "json") process.stdout.write(`sealed: ${formatReference(ref)}\n  signer: ${verdict.signer}${key ? ` (key ${keyIdOf(key.key)})` : ""}\n  format: ${verdict.format}\n`);
      return;
    }
    throw new CliError(`not sealed: ${verdict.failure}: ${verdict.reason}`, TRANSIENT_FAILURES.has(verdict.failure) ? EXIT_UNCHECKED : EXIT_NOT_SEALED);
  });

  program
    .command("seal-config")
    .description("Print the canonical digest of ConfigMaps and Secrets (8.4) and a ready `configuration:` block for the Release (see images/README.md for the definition)")
    .requiredOption("-f, --filename <paths...>", "manifest files or folders with ConfigMaps and Secrets")
    .action((opts: { filename: string[] }) => {
      let manifests;
      try {
        manifests = readManifests(opts.filename);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const entries: { kind: string; name: string; digest: string }[] = [];
      for (const m of manifests) {
        const kind = m.value.kind;
        if (!isConfigKind(kind) || m.value.apiVersion !== "v1") continue;
        const name = m.value.metadata?.name;
        if (!name) throw new CliError(`${m.source}: ${kind} without metadata.name`);
        try {
          entries.push({ kind, name, digest: configDigest(kind, m.value) });
        } catch (e) {
          if (e instanceof ConfigDigestError) throw new CliError(`${m.source}: ${e.message}`);
          throw e;
        }
      }
      if (entries.length === 0) throw new CliError(`no ConfigMap or Secret in ${opts.filename.join(", ")}`);
      const lines = entries.map((e) => `# ${e.kind} ${e.name} ${e.digest}`).join("\n");
      process.stdout.write(`${lines}\n${stringify({ configuration: entries })}`);
    });
}
