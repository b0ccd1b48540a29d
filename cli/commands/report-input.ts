// What `golive report` and `golive report attest` read: the Release with its status, its governing
// ReleasePolicy and its ReleaseEvidence, from the cluster or offline from manifests (-f), and the
// audit trail when given: a copy of its files (--audit) or the operator's GET /audit
// (--audit-url, read with the caller's own token, chains verified by the operator). Also the
// report language: --lang, else the policy's spec.report.language, else en.
import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { Release, ReleaseEvidence, ReleasePolicy } from "../../api/index.js";
import { httpsAuditFetch } from "../../audit/remote.js";
import { chainFiles, readTrail, verifyChains } from "../../audit/trail.js";
import type { Lang } from "../../report/html.js";
import { auditAnswer, verifiedAuditQuery } from "../../report/audit-answer.js";
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
  auditUrl?: string;
  auditCa?: string;
  auditTokenFile?: string;
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

/** The caller's bearer token: --audit-token-file, else the kubeconfig user's (token or exec plugin). */
async function callerToken(opts: InputOptions): Promise<string> {
  if (opts.auditTokenFile) {
    try {
      return readFileSync(opts.auditTokenFile, "utf8").trim();
    } catch (e) {
      throw new CliError(`--audit-token-file ${opts.auditTokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
    }
  }
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  const request: { headers: Record<string, string> } = { headers: {} };
  await kc.applyToHTTPSOptions(request);
  const header = request.headers.Authorization ?? request.headers.authorization;
  if (!header?.startsWith("Bearer ")) throw new CliError("--audit-url: the kubeconfig's user has no bearer token to send to the operator (a client certificate cannot be forwarded); give one with --audit-token-file (kubectl create token SERVICEACCOUNT)", 2);
  return header.slice("Bearer ".length);
}

/**
 * The audit trail's part about the release from the operator's GET /audit: the records of its
 * namespace naming it, and every chain verified there (verify=true). Read with the caller's own
 * token, so the operator's review decides (get releases/audit, in the namespace or cluster-wide).
 */
export async function fetchAudit(opts: InputOptions, release: Release): Promise<AuditSection | undefined> {
  if (!opts.auditUrl) return undefined;
  if (opts.audit?.length) throw new CliError("--audit and --audit-url both name the trail: give one", 2);
  let ca: string | undefined;
  try {
    ca = opts.auditCa ? readFileSync(opts.auditCa, "utf8") : undefined;
  } catch (e) {
    throw new CliError(`--audit-ca ${opts.auditCa}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  let fetch;
  try {
    fetch = httpsAuditFetch({ url: opts.auditUrl, ca, timeoutMs: 30_000, maxBytes: 256 * 1024 * 1024 });
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  const token = await callerToken(opts);
  let answer: { status: number; body: string };
  try {
    answer = await fetch(verifiedAuditQuery({ name: release.metadata.name, namespace: release.metadata.namespace }), token);
  } catch (e) {
    throw new CliError(`--audit-url ${opts.auditUrl}: ${(e as Error).message} (with a certificate the system does not trust, give its CA with --audit-ca)`);
  }
  const parsed = auditAnswer(answer.status, answer.body);
  if ("problem" in parsed) throw new CliError(`--audit-url ${opts.auditUrl} ${parsed.problem}`);
  return parsed.section;
}
