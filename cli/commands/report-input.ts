// What `golive report` and `golive report attest` read: the Release with its status, its governing
// ReleasePolicy and its ReleaseEvidence, from the cluster or offline from manifests (-f), and the
// audit trail when given (--audit). Also the report language: --lang, else the policy's
// spec.report.language, else en.
import { Release, ReleaseEvidence, ReleasePolicy } from "../../api/index.js";
import { chainFiles, readTrail, verifyChains } from "../../audit/trail.js";
import type { Lang } from "../../report/html.js";
import { auditSection, type AuditSection } from "../../report/model.js";
import { CliError } from "../errors.js";
import { findPolicy, findRelease, loadLocal } from "../release-source.js";
import { cluster, getRelease, governingPolicy } from "./status.js";

export interface InputOptions {
  filename?: string[];
  policy?: string;
  namespace?: string;
  kubeconfig?: string;
  audit?: string[];
}

export interface ReportInput {
  release: Release;
  policy: ReleasePolicy;
  evidence: ReleaseEvidence[];
}

async function fromCluster(name: string, opts: InputOptions): Promise<ReportInput> {
  const { client, namespace } = cluster(opts);
  const release = Release.parse(await getRelease(client, namespace, name));
  const policy = await governingPolicy(client, namespace);
  if (!policy) throw new CliError(`cannot read the one ReleasePolicy governing namespace ${namespace}: give the manifests with -f instead`);
  let items: unknown[];
  try {
    items = (await client.get<{ items: unknown[] }>(`/apis/golive.dev/v1alpha1/namespaces/${namespace}/releaseevidences`)).items;
  } catch (e) {
    throw new CliError(`listing ReleaseEvidence in ${namespace}: ${(e as Error).message}`);
  }
  const evidence = items.map((i) => ReleaseEvidence.safeParse(i)).flatMap((r) => (r.success ? [r.data] : []));
  return { release, policy: ReleasePolicy.parse(policy), evidence: evidence.filter((e) => e.spec.release === name) };
}

export async function readInput(name: string, opts: InputOptions): Promise<ReportInput> {
  if (!opts.filename) return fromCluster(name, opts);
  const set = loadLocal(opts.filename);
  return { release: findRelease(set, name, opts.filename), policy: findPolicy(set, opts.policy, opts.filename), evidence: set.evidence };
}

/** --lang, else the policy's spec.report.language, else en. */
export function reportLanguage(given: string | undefined, policy: ReleasePolicy): Lang {
  const lang = given ?? policy.spec.report?.language ?? "en";
  if (lang !== "en" && lang !== "zh-CN") throw new CliError(`--lang "${given}": use zh-CN or en`, 2);
  return lang;
}

/** The audit trail's part about the release (every chain verified), when --audit names it. */
export function readAudit(paths: string[] | undefined, release: Release): AuditSection | undefined {
  if (!paths?.length) return undefined;
  let files: string[];
  try {
    files = chainFiles(paths);
  } catch (e) {
    throw new CliError(`--audit ${paths.join(" ")}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  if (files.length === 0) throw new CliError(`--audit ${paths.join(" ")}: no audit chain files (*.jsonl) there; copy the operator's trail directory (kubectl cp) and name it`, 2);
  const chains = verifyChains(files);
  // A broken chain is reported in the report; its records are still shown (they are what is there).
  let records;
  try {
    records = readTrail(files);
  } catch (e) {
    throw new CliError(`--audit: a chain file is not JSON lines: ${(e as Error).message}`, 1);
  }
  return auditSection(chains, records, { name: release.metadata.name, namespace: release.metadata.namespace });
}
