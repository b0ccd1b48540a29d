// Finding a Release (and its policy and evidence) in local manifests, for commands that work
// offline (`golive gates -f DIR`, `golive evidence create -f DIR`).
import { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import { CliError } from "./errors.js";
import { readManifests, validateManifest, type Manifest } from "./manifests.js";

export interface LocalSet {
  releases: Release[];
  policies: ReleasePolicy[];
  evidence: ReleaseEvidence[];
}

export function loadLocal(paths: string[]): LocalSet {
  let manifests: Manifest[];
  try {
    manifests = readManifests(paths);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const problems = manifests.flatMap(validateManifest);
  if (problems.length) throw new CliError(`invalid manifests:\n  ${problems.join("\n  ")}`);
  const of = (kind: string) => manifests.filter((m) => m.value.kind === kind && m.value.apiVersion?.startsWith("golive.dev/")).map((m) => m.value);
  return {
    releases: of("Release").map((v) => Release.parse(v)),
    policies: of("ReleasePolicy").map((v) => ReleasePolicy.parse(v)),
    evidence: of("ReleaseEvidence").map((v) => ReleaseEvidence.parse(v)),
  };
}

export function findRelease(set: LocalSet, name: string, where: string[]): Release {
  const found = set.releases.find((r) => r.metadata.name === name);
  if (found) return found;
  const known = set.releases.map((r) => r.metadata.name);
  throw new CliError(`no Release named ${name} in ${where.join(", ")}${known.length ? ` (found: ${known.join(", ")})` : " (no Release found)"}`);
}

/** The policy governing a release: the one given by name, or the only one present. */
export function findPolicy(set: LocalSet, name: string | undefined, where: string[]): ReleasePolicy {
  if (name) {
    const p = set.policies.find((x) => x.metadata.name === name);
    if (!p) throw new CliError(`no ReleasePolicy named ${name} in ${where.join(", ")}`);
    return p;
  }
  if (set.policies.length === 1) return set.policies[0]!;
  if (set.policies.length === 0) throw new CliError(`no ReleasePolicy in ${where.join(", ")}: add the policy's manifest with -f`);
  throw new CliError(`several ReleasePolicies in ${where.join(", ")} (${set.policies.map((p) => p.metadata.name).join(", ")}): choose one with --policy`);
}
