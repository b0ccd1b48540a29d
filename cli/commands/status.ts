// `golive status RELEASE`: where a release stands — phase, step, weight, verification and analysis
// results, rollback record, and what it waits for — read from the Release's status in the cluster.
// Also the cluster access `golive promote` and `golive abort` share.
import { KubeConfig } from "@kubernetes/client-node";
import type { Command } from "commander";
import { createPublicKey, type KeyObject } from "node:crypto";
import { matchesSelector, type Permission, type Release, type ReleaseEvidence, type ReleasePolicy } from "../../api/index.js";
import { verificationRequestHeader, verificationTokenOf } from "../../operator/routers/verification-token.js";
import { KubeClient, KubeError } from "../../operator/runtime/kube-client.js";
import { CliError } from "../errors.js";
import { table } from "../output.js";

export interface ClusterOptions {
  kubeconfig?: string;
  namespace?: string;
}

export function cluster(o: ClusterOptions): { client: KubeClient; namespace: string } {
  const kc = new KubeConfig();
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new CliError(`cannot load a kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config): ${(e as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new CliError("the kubeconfig has no current cluster");
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return { client: new KubeClient(kc), namespace: o.namespace ?? contextNamespace ?? "default" };
}

export async function getRelease(client: KubeClient, namespace: string, name: string): Promise<Release> {
  try {
    return await client.get<Release>(`/apis/golive.dev/v1alpha1/namespaces/${namespace}/releases/${name}`);
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) throw new CliError(`no Release ${name} in namespace ${namespace}`);
    throw new CliError(`reading Release ${namespace}/${name}: ${(e as Error).message}`);
  }
}

/** The policy governing the namespace, when this user may read it (the operator decides either way). */
export async function governingPolicy(client: KubeClient, namespace: string): Promise<ReleasePolicy | undefined> {
  try {
    const ns = await client.get<{ metadata?: { labels?: Record<string, string> } }>(`/api/v1/namespaces/${namespace}`);
    const list = await client.get<{ items: ReleasePolicy[] }>("/apis/golive.dev/v1alpha1/releasepolicies");
    const matching = list.items.filter((p) => matchesSelector(p.spec.namespaceSelector, ns.metadata?.labels ?? {}));
    return matching.length === 1 ? matching[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Refuse early when the policy is readable and the role cannot do this (the operator would ignore it). */
export function checkRole(policy: ReleasePolicy | undefined, role: string, permission: Permission, key: KeyObject): void {
  if (!policy) return;
  const r = policy.spec.roles.find((x) => x.name === role);
  if (!r) throw new CliError(`policy ${policy.metadata.name} has no role ${role} (roles: ${policy.spec.roles.map((x) => x.name).join(", ")})`);
  if (!r.permissions.includes(permission)) throw new CliError(`role ${role} does not have the ${permission} permission in policy ${policy.metadata.name}; roles that do: ${policy.spec.roles.filter((x) => x.permissions.includes(permission)).map((x) => x.name).join(", ") || "none"}`);
  const publicKey = createPublicKey(key);
  const bound = policy.spec.signers.filter((s) => (r.signers ?? []).includes(s.name)).some((s) => {
    try {
      return createPublicKey(s.publicKey).equals(publicKey);
    } catch {
      return false;
    }
  });
  if (!bound) throw new CliError(`the key is not one bound to role ${role} in policy ${policy.metadata.name} (signers: ${(r.signers ?? []).join(", ") || "none"}): the operator would not count this signature`);
}

export async function createInCluster(client: KubeClient, namespace: string, evidence: ReleaseEvidence): Promise<void> {
  try {
    await client.create(`/apis/golive.dev/v1alpha1/namespaces/${namespace}/releaseevidences`, evidence);
  } catch (e) {
    throw new CliError(`creating ReleaseEvidence ${evidence.metadata.name}: ${(e as Error).message}`);
  }
}

function ago(iso: string | undefined, now: Date): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** The human-readable report of a release's rollout. Pure. */
export function formatStatus(r: Release, now: Date): string {
  const s = r.status ?? {};
  const lines: string[] = [];
  const steps = r.spec.strategy?.steps ?? [];
  lines.push(`Release ${r.metadata.namespace ?? ""}/${r.metadata.name}: ${r.spec.application} ${r.spec.version}`);
  lines.push(`Phase:    ${s.phase ?? "(not evaluated yet)"}${s.gatesSummary ? `   gates ${s.gatesSummary}` : ""}`);
  const c = s.canary;
  if (c) {
    const step = steps[c.stepIndex];
    const kind = step ? (step.setWeight !== undefined ? `setWeight ${step.setWeight}` : step.pause ? `pause${step.pause.duration ? ` ${step.pause.duration}` : " (until approved)"}` : `analysis ${step.analysis?.metrics.join(", ") ?? ""}`) : "";
    if (c.initialising) lines.push("Step:     initialising (first release of the workload)");
    else if (step && s.phase === "Progressing") lines.push(`Step:     ${c.stepIndex + 1}/${steps.length} ${step.name} (${kind}), started ${ago(c.stepStartedAt, now)}`);
    else if (s.phase === "Progressing") lines.push(`Step:     all ${steps.length} steps done: promoting`);
    lines.push(`Weight:   ${c.weight}% of ordinary traffic on the candidate${c.workload ? ` (Deployment ${c.workload}, stable copy ${c.workload}-stable)` : ""}`);
    if (c.pause) lines.push(`Paused:   ${c.pause.reason === "Approval" ? "waiting for a signed Promotion approval" : "analysis inconclusive, waiting for a person"} since ${c.pause.since} (golive promote ${r.metadata.name} --role ROLE --key KEY)`);
  }
  if (s.message) lines.push(`Waiting:  ${s.message}`);
  if (s.waves?.length) {
    lines.push("", `Waves (4.3 c): ${s.waves.length > 1 ? `wave ${(c?.wave ?? 0) + 1} of ${s.waves.length}` : "one wave"}`);
    const rows = s.waves.flatMap((w) => w.workloads.map((x) => [w.name, w.phase, `${x.kind}/${x.name}`, x.routing, x.changed ? `${w.weight}%` : "unchanged", String(x.candidatePods ?? "?"), String(x.stablePods ?? "?"), x.rolledBackAt ? `rolled back ${x.rolledBackAt}` : ""]));
    lines.push(indent(table(["WAVE", "PHASE", "WORKLOAD", "ROUTING", "WEIGHT", "CANDIDATE PODS", "STABLE PODS", "NOTE"], rows)));
  }
  const v = s.verification;
  if (v) {
    lines.push("", `Verification (4.6, 4.7): started ${v.startedAt}${v.passedAt ? `, passed ${v.passedAt}` : ""}${v.evidence ? `, evidence ${v.evidence}` : ""}`);
    const rows = [...v.jobs.map((j) => ["job", j.name, j.phase, j.reason ?? j.job]), ...(v.cleanup ? [["cleanup", v.cleanup.name, v.cleanup.phase, v.cleanup.reason ?? v.cleanup.job]] : []), ...v.gates.map((g) => ["gate", g.name, g.status, g.reason])];
    if (rows.length) lines.push(indent(table(["KIND", "NAME", "STATUS", "DETAIL"], rows)));
  }
  if (s.analysis?.length) {
    lines.push("", "Analysis (4.3 c, 4.8):");
    const rows = s.analysis.flatMap((run) =>
      run.metrics.map((m) => [run.step, m.name, m.phase, String(m.measured), String(m.successful), String(m.failed), String(m.inconclusive), String(m.errors), m.measurements.at(-1)?.value ?? m.measurements.at(-1)?.error?.slice(0, 60) ?? ""]),
    );
    lines.push(indent(table(["STEP", "METRIC", "PHASE", "MEASURED", "OK", "FAILED", "INCONCLUSIVE", "ERRORS", "LAST"], rows)));
  }
  if (s.promotion?.startedAt) lines.push("", `Promotion (4.9): started ${s.promotion.startedAt}${s.promotion.promotedAt ? `, promoted ${s.promotion.promotedAt}` : ""}`);
  const rb = s.rollback;
  if (rb) {
    lines.push("", `Rollback (4.10): ${rb.trigger}: ${rb.reason}`);
    lines.push(`  decided ${rb.decidedAt}; traffic on stable ${rb.trafficOnStableAt ?? "(not yet)"}${rb.trafficOnStableAt ? ` (${Date.parse(rb.trafficOnStableAt) - Date.parse(rb.decidedAt)} ms later)` : ""}; candidate gone ${rb.candidateGoneAt ?? "(not yet)"}; verified ${rb.verifiedAt ?? "(not yet)"}`);
    if (rb.abortedBy) lines.push(`  aborted by ${rb.abortedBy}`);
    for (const h of rb.hooks) lines.push(`  hook ${h.name}: ${h.phase}${h.reason ? ` (${h.reason})` : ""}`);
  }
  if (s.releasedAt) lines.push("", `Released ${s.releasedAt}${s.inventory ? `; inventory ${s.inventory.configMap}[${s.inventory.key}]` : ""}`);
  // 4.3 l: the sign-off at the end of the go-live, when the policy asks for one.
  const signOff = s.conditions?.find((x) => x.type === "SignedOff");
  if (signOff) lines.push(signOff.status === "True" ? `Signed off (4.3 l) ${signOff.lastTransitionTime}: ${signOff.message}` : `Not signed off (4.3 l): ${signOff.reason}: ${signOff.message}`);
  if (s.conditions?.length) lines.push("", `Conditions: ${s.conditions.map((x) => `${x.type}=${x.status}`).join(" ")}`);
  return lines.join("\n") + "\n";
}

const indent = (text: string) => text.trimEnd().split("\n").map((l) => `  ${l}`).join("\n");

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("Show where a release stands: phase, step, weight, verification and analysis results, and what it waits for")
    .argument("<release>", "the Release's name")
    .option("-n, --namespace <namespace>", "the Release's namespace (default: the kubeconfig context's)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--verification-token", "print the token verification users send to reach the new version (8.5: derived per release from the verification Secret, which you must be allowed to read)")
    .action(async (name: string, opts: { namespace?: string; kubeconfig?: string; output: string; verificationToken?: boolean }) => {
      const { client, namespace } = cluster(opts);
      const release = await getRelease(client, namespace, name);
      if (opts.verificationToken) return printVerificationToken(client, namespace, release);
      if (opts.output === "json") process.stdout.write(JSON.stringify(release.status ?? {}, null, 2) + "\n");
      else process.stdout.write(formatStatus(release, new Date()));
    });
}

/**
 * 8.5: the token, on stdout alone (for `curl -H "X-Golive-Verify: $(golive status R --verification-token)"`),
 * and what to send on stderr. Derived here from the Secret as the operator derives it, so only
 * those who may read the Secret get it; the route shows the token, never the Secret's value.
 */
async function printVerificationToken(client: KubeClient, namespace: string, release: Release): Promise<void> {
  const users = release.spec.strategy?.verification?.users;
  if (!users) throw new CliError(`Release ${namespace}/${release.metadata.name} has no spec.strategy.verification.users: there is no verification token`);
  const secretName = `${namespace}/${users.valueFrom.name}`;
  let secret: { data?: Record<string, string> };
  try {
    secret = await client.get(`/api/v1/namespaces/${namespace}/secrets/${users.valueFrom.name}`);
  } catch (e) {
    if (e instanceof KubeError && e.code === 403) throw new CliError(`you may not read Secret ${secretName}, from which the verification token is derived: ask someone who may (get secrets in ${namespace}) to run golive status ${release.metadata.name} --verification-token`);
    if (e instanceof KubeError && e.code === 404) throw new CliError(`the verification Secret ${secretName} (spec.strategy.verification.users.valueFrom) does not exist`);
    throw new CliError(`reading Secret ${secretName}: ${(e as Error).message}`);
  }
  const raw = secret.data?.[users.valueFrom.key];
  if (!raw) throw new CliError(`the verification Secret ${secretName} has no key ${users.valueFrom.key}`);
  const token = verificationTokenOf(Buffer.from(raw, "base64").toString("utf8").trim(), release);
  process.stdout.write(`${token}\n`);
  const send = verificationRequestHeader({ header: users.header, cookie: users.cookie, value: token }, Boolean(release.spec.strategy?.trafficRouting.nginx));
  process.stderr.write(`verification users of ${release.metadata.name} send: ${send}\n`);
}
