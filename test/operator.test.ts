// The operator on the real control plane: a Release goes Pending → Blocked (the missing evidence
// named) → Approved as signed evidence is applied; forged evidence keeps it Blocked with a
// reason; a policy change re-evaluates it; every transition is in the audit chain.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Release } from "../api/index.js";
import { verifyChain } from "../audit/chain.js";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";

const examples = join(import.meta.dirname, "..", "examples");
const ns = useNamespace("operator");
const policyName = `${ns.name}-policy`;
const auditDir = mkdtempSync(join(tmpdir(), "golive-operator-audit-"));
const auditFile = join(auditDir, "audit.jsonl");
let operator: OperatorHandle;

/** Example manifests re-targeted at this test's namespace. */
function manifest(file: string): Record<string, any> {
  const doc = parse(readFileSync(file, "utf8")) as Record<string, any>;
  delete doc.metadata.namespace;
  return doc;
}
function policy(extraDocuments: string[] = []): Record<string, any> {
  const p = manifest(join(examples, "policy.yaml"));
  p.metadata.name = policyName;
  p.spec.namespaceSelector = { matchLabels: { "golive.dev/test-policy": ns.name } };
  p.spec.images = { requireDigest: true, requireSignature: false }; // seals are covered by the images tests
  const docs = p.spec.gates.find((g: { name: string }) => g.name === "documents");
  docs.documents.required.push(...extraDocuments);
  return p;
}
async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
async function release(): Promise<Release> {
  const r = await kubectlAsync(["get", "release", "underwriting-api-2-4-1", "-n", ns.name, "-o", "json"]);
  return JSON.parse(r.stdout) as Release;
}
async function until(what: string, check: (r: Release) => boolean, timeoutMs = 30_000): Promise<Release> {
  const deadline = Date.now() + timeoutMs;
  let last: Release | undefined;
  while (Date.now() < deadline) {
    last = await release();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(last?.status, null, 1)}`);
}
const evidenceFiles = readdirSync(join(examples, "evidence")).filter((f) => f.endsWith(".yaml"));

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  await apply(policy());
  const config = loadConfig({ leaderElect: "false", auditFile, namespace: "golive-system" }, {});
  operator = await startOperator({ config, log: createLogger("warn"), kubeConfig: kubeConfig(), healthServer: false });
});
afterAll(async () => {
  await operator?.stop();
  await kubectlAsync(["delete", "releasepolicy", policyName, "--wait=false"]);
  rmSync(auditDir, { recursive: true, force: true });
});

describe("the Release lifecycle on a real API server", () => {
  it("goes Pending → Blocked naming the missing evidence", async () => {
    await apply(manifest(join(examples, "release.yaml")));
    const blocked = await until("Blocked", (r) => r.status?.phase === "Blocked");
    expect(blocked.status?.message).toMatch(/gate unit-tests Pending: waiting for UnitTestReport evidence/);
    expect(blocked.status?.observedGeneration).toBe(blocked.metadata.generation);
    const stalled = blocked.status?.conditions?.find((c) => c.type === "Stalled");
    expect(stalled?.status).toBe("True");
    expect(blocked.status?.gatesSummary).toBe("0/9");
  });

  it("stays Blocked on the approvals until they are applied, then goes Approved", async () => {
    for (const f of evidenceFiles.filter((f) => !f.startsWith("approval-"))) await apply(manifest(join(examples, "evidence", f)));
    const waiting = await until("only approvals missing", (r) => r.status?.gatesSummary === "8/9");
    expect(waiting.status?.phase).toBe("Blocked");
    expect(waiting.status?.message).toMatch(/go-live-approval Pending: waiting for Release approval by business-owner, release-manager, security-officer/);
    for (const f of evidenceFiles.filter((f) => f.startsWith("approval-"))) await apply(manifest(join(examples, "evidence", f)));
    const approved = await until("Approved", (r) => r.status?.phase === "Approved");
    expect(approved.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(approved.status?.conditions?.find((c) => c.type === "GatesPassed")?.status).toBe("True");
    expect(approved.status?.audit?.head).toMatch(/^sha256:/);
    // The operator's caches (issue 20): every evidence object opened on arrival, none of them
    // signed by a key the policy lacks keeping its envelope; the release held once, not also as
    // the copy of its last status write once the watch delivered it.
    const cached = operator!.stores.evidence.list(ns.name);
    expect(cached.length).toBe(evidenceFiles.length);
    for (const e of cached) {
      expect("opened" in e && e.opened.verifiedBy.length, e.metadata.name).toBe(1);
      expect("opened" in e && e.opened.envelope, e.metadata.name).toBeUndefined();
      expect("envelope" in e.spec, e.metadata.name).toBe(false);
    }
    await operator!.idle();
    await until("the operator's own write delivered", () => operator!.undeliveredWrites() === 0);
  });

  it("re-evaluates when the policy changes", async () => {
    await apply(policy(["UserManual"]));
    const blocked = await until("Blocked by the new requirement", (r) => r.status?.phase === "Blocked");
    expect(blocked.status?.message).toMatch(/missing document\(s\): UserManual/);
    await apply(policy());
    await until("Approved again", (r) => r.status?.phase === "Approved");
  });

  it("is Blocked by forged evidence, with the reason", async () => {
    // A second SLA whose payload was altered after signing, applied beside the valid one: the
    // newest valid SLA still counts, so forge the only UnitTestReport instead.
    await kubectlAsync(["delete", "releaseevidence", "-n", ns.name, "-l", "golive.dev/evidence-type=UnitTestReport"]);
    const forged = manifest(join(examples, "evidence", "unit-tests.yaml"));
    const bytes = Buffer.from(forged.spec.envelope.payload, "base64");
    bytes[Math.floor(bytes.length / 2)]! ^= 1;
    forged.spec.envelope.payload = bytes.toString("base64");
    forged.metadata.name = "forged-unit-tests";
    await apply(forged);
    // Deleting the valid report already blocks the release (the gate Pending, nothing to count):
    // wait for the pass that has seen the forgery.
    const blocked = await until("Blocked by the forgery", (r) => r.status?.phase === "Blocked" && r.status.gates?.find((g) => g.name === "unit-tests")?.status !== "Pending");
    const gate = blocked.status?.gates?.find((g) => g.name === "unit-tests");
    expect(gate?.status).toBe("Failed");
    expect(gate?.reason).toMatch(/evidence forged-unit-tests \(UnitTestReport\): signature invalid/);
    // No known key verifies the forgery: the cache keeps its envelope, to try a key trusted later.
    const kept = operator!.stores.evidence.get(ns.name, "forged-unit-tests");
    expect(kept && "opened" in kept && kept.opened.envelope?.payload).toBe(forged.spec.envelope.payload);
  });

  it("recorded every transition in a verifiable audit chain", () => {
    const text = readFileSync(auditFile, "utf8");
    const v = verifyChain(text);
    expect(v.ok).toBe(true);
    // The operator watches every namespace: keep the records about this file's release.
    const results = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; object: string; result: string })
      .filter((r) => r.type === "transition" && r.object === `${ns.name}/Release/underwriting-api-2-4-1`)
      .map((r) => r.result);
    expect(results.slice(0, 3), results.join(" → ")).toEqual(["Pending", "Blocked", "Approved"]);
  });
});
