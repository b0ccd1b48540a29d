// The signed verification summary on the release's images in the registry:
//   golive report attest RELEASE     attach it to each sealed image as a cosign attestation
//   golive report verify IMAGE@sha256:... --key PUB   fetch it back and check it with golive's code
// Exit codes as `golive verify-image`: 0 verified, 1 a definite no (no summary attached, a bad or
// foreign signature, the image not in the registry), 2 bad usage, 3 could not check (registry
// trouble: unreachable, refused credentials, throttled, content not hashing to its digest).
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { DsseEnvelope } from "../../api/index.js";
import { keyIdOf } from "../../gates/dsse.js";
import { attachAttestation, checkAttestation, fetchAttestations } from "../../images/attestation.js";
import { ImageReferenceError, requireDigest, type PinnedImage } from "../../images/reference.js";
import { RegistryError } from "../../images/registry-client.js";
import { SUMMARY_PHASES, summaryConfigMapName, summaryKey } from "../../operator/summary/publish.js";
import { buildReport } from "../../report/model.js";
import { signSummary, summaryOf, VSA_PREDICATE_TYPE } from "../../report/summary.js";
import { CliError } from "../errors.js";
import { readPrivateKey } from "../keyfile.js";
import { readInput, type InputOptions } from "./report-input.js";
import { cluster } from "./status.js";
import { collect, EXIT_UNCHECKED, EXIT_USAGE, registryClient, usageExit, type RegistryOptions } from "./seal.js";

export const EXIT_BAD = 1;
export { EXIT_UNCHECKED, EXIT_USAGE, registryClient, usageExit, type RegistryOptions } from "./seal.js";

export function withRegistryOptions(command: Command): Command {
  return command
    .option("--registry-config <path>", "Docker config with registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)")
    .option("--insecure-registry <host>", "a registry reached over plain HTTP, HOST[:PORT] (one per flag, repeatable; loopback always is)", collect)
    .option("--timeout <ms>", "timeout of each registry request", "3000");
}


/** Registry trouble is exit 3 (could not check), except what is a definite answer. */
function registryFailure(what: string, e: RegistryError): CliError {
  const definite = e.kind === "NotFound" || e.kind === "TooLarge";
  return new CliError(`${what}: ${definite ? "" : "registry trouble, not a verdict: "}${e.kind}: ${e.message}`, definite ? EXIT_BAD : EXIT_UNCHECKED);
}

function pinned(ref: string): PinnedImage {
  try {
    return requireDigest(ref);
  } catch (e) {
    if (e instanceof ImageReferenceError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
}

/** The summary the operator signed and keeps beside the release: the latest phase's (Released or RolledBack over Approved). */
async function storedSummary(name: string, opts: InputOptions): Promise<{ envelope: DsseEnvelope; from: string }> {
  const { client, namespace } = cluster(opts);
  const cm = summaryConfigMapName(name);
  let data: Record<string, string> | undefined;
  try {
    data = (await client.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/configmaps/${cm}`)).data;
  } catch (e) {
    throw new CliError(`reading ConfigMap ${namespace}/${cm}, where the operator keeps the release's signed summary: ${(e as Error).message}; or sign one now with --sign-key`);
  }
  for (const phase of [...SUMMARY_PHASES].reverse()) {
    const text = data?.[summaryKey(phase)];
    if (!text) continue;
    try {
      return { envelope: JSON.parse(text) as DsseEnvelope, from: `${namespace}/${cm} ${summaryKey(phase)} (signed by the operator)` };
    } catch {
      throw new CliError(`${namespace}/${cm} ${summaryKey(phase)} is not JSON`);
    }
  }
  throw new CliError(`ConfigMap ${namespace}/${cm} holds no signed summary yet (the operator signs one at Approved, Released and RolledBack); or sign one now with --sign-key`);
}

interface AttestOptions extends InputOptions, RegistryOptions {
  signKey?: string;
  at?: string;
}

async function attest(name: string, opts: AttestOptions): Promise<void> {
  const client = registryClient(opts);
  const input = await readInput(name, opts);
  let envelope: DsseEnvelope;
  let from: string;
  if (opts.signKey) {
    const now = opts.at ? new Date(opts.at) : new Date();
    if (Number.isNaN(now.getTime())) throw new CliError(`--at "${opts.at}" is not a time; use RFC 3339 such as 2026-11-24T20:30:00+08:00`, EXIT_USAGE);
    const model = buildReport(input.release, input.policy, input.evidence, now);
    envelope = signSummary(summaryOf(model, input.evidence), readPrivateKey(opts.signKey));
    from = `signed now with ${opts.signKey}: ${model.verdict}`;
  } else if (opts.filename) throw new CliError("with -f there is no operator-signed summary to attach: give --sign-key KEY", EXIT_USAGE);
  else ({ envelope, from } = await storedSummary(name, opts));
  const images = input.release.spec.images.map((i) => pinned(`${i.name}@${i.digest}`));
  process.stdout.write(`verification summary: ${from}\n`);
  for (const image of images) {
    try {
      const r = await attachAttestation(client, image, envelope, VSA_PREDICATE_TYPE);
      process.stdout.write(`attested ${image.name}@${image.digest}: ${image.name}:${r.tag} (manifest ${r.manifestDigest})${r.replaced ? `, replacing ${r.replaced} earlier summary` : ""}\n`);
    } catch (e) {
      if (e instanceof RegistryError) throw registryFailure(`cannot attest ${image.name}@${image.digest}`, e);
      throw e;
    }
  }
}

/** `golive report verify IMAGE@sha256:...`: the attached summary, checked with golive's own code. */
export async function verifyImage(ref: string, key: KeyObject, opts: RegistryOptions): Promise<void> {
  const image = pinned(ref);
  const client = registryClient(opts);
  let layers;
  try {
    layers = await fetchAttestations(client, image, VSA_PREDICATE_TYPE);
  } catch (e) {
    if (e instanceof RegistryError) throw registryFailure(`cannot check ${image.name}@${image.digest}`, e);
    throw e;
  }
  if (layers.length === 0) throw new CliError(`${image.name}@${image.digest}: no verification summary (${VSA_PREDICATE_TYPE}) is attached; attach one with golive report attest RELEASE`, EXIT_BAD);
  const problems: string[] = [];
  for (const l of layers) {
    const c = checkAttestation(l.bytes, image, VSA_PREDICATE_TYPE, [{ name: "the given key", key }]);
    if (!c.ok) {
      problems.push(`attestation ${l.layer}: ${c.reason}`);
      continue;
    }
    const p = c.statement.predicate as { verificationResult?: string; policy?: { uri?: string }; timeVerified?: string; verifiedLevels?: string[] };
    const release = c.statement.subject.find((s) => s.name.startsWith("golive.dev/release/"));
    process.stdout.write(`${image.name}@${image.digest}: the verification summary is signed by the key (${keyIdOf(key)}): ${p.verificationResult ?? "?"} for ${release?.name.slice("golive.dev/release/".length) ?? "?"} (policy ${p.policy?.uri ?? "?"}, ${(p.verifiedLevels ?? []).join(", ")}, verified at ${p.timeVerified ?? "?"})\n`);
    return;
  }
  throw new CliError(`${image.name}@${image.digest}: no attached verification summary verifies:\n  ${problems.join("\n  ")}`, EXIT_BAD);
}

export function readPublicKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE);
  }
  try {
    return createPublicKey(pem);
  } catch (e) {
    throw new CliError(`${path} is not a public key: ${(e as Error).message}`, EXIT_USAGE);
  }
}

export function registerReportAttest(report: Command): void {
  withRegistryOptions(
    usageExit(
      report
        .command("attest")
        .description(`Attach the release's signed verification summary to each of its sealed images as a cosign attestation (predicate type ${VSA_PREDICATE_TYPE}, tag sha256-<hex>.att)`)
        .argument("<release>", "the Release's name")
        // The options `golive report` has too are parsed by it (commander), and read here with optsWithGlobals.
        .option("-f, --filename <paths...>", "read manifests instead of the cluster (needs --sign-key)")
        .option("--policy <name>", "the ReleasePolicy (with -f, when several are present)")
        .option("-n, --namespace <namespace>", "the Release's namespace (default: the kubeconfig context's, else default)")
        .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
        .option("--sign-key <path>", "sign a summary now with this private key (default: attach the one the operator signed, from ConfigMap RELEASE-golive-summary)")
        .option("--at <time>", "with --sign-key: evaluate as of this RFC 3339 time instead of now"),
    ),
  ).action(async (name: string, _opts: AttestOptions, command: Command) => attest(name, command.optsWithGlobals<AttestOptions>()));
}

