// The operator as real processes: exactly one of two leads and a killed leader is replaced in
// under 20 s; an operator killed at random points, 20 times, always converges to the same status
// and leaves a verifiable audit chain.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Release } from "../api/index.js";
import { verifyChain } from "../audit/chain.js";
import { kubectlAsync, useNamespace } from "./support/cluster.js";
import { spawnOperator, type OperatorProcess } from "./support/operator-process.js";

const examples = join(import.meta.dirname, "..", "examples");
const own = useNamespace("golive-own");
const apps = useNamespace("crash");
const policyName = `${apps.name}-policy`;
const dir = mkdtempSync(join(tmpdir(), "golive-op-proc-"));
const running: OperatorProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await kubectlAsync(["delete", "releasepolicy", policyName, "--wait=false"]);
  rmSync(dir, { recursive: true, force: true });
});

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const holder = async () => (await kubectlAsync(["get", "lease", "golive-operator", "-n", own.name, "-o", "jsonpath={.spec.holderIdentity}"])).stdout;
async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
function manifest(file: string): Record<string, any> {
  const doc = parse(readFileSync(file, "utf8")) as Record<string, any>;
  delete doc.metadata.namespace;
  return doc;
}

describe("leader election between two operator processes", () => {
  it("exactly one leads, and killing the leader hands over in under 20 s", async () => {
    const audit = join(dir, "leader.jsonl");
    const a = await spawnOperator("op-a", { namespace: own.name, auditFile: audit });
    running.push(a);
    const first = await waitFor("a leader", async () => ((await holder()) || undefined), 30_000);
    const b = await spawnOperator("op-b", { namespace: own.name, auditFile: join(dir, "leader-b.jsonl") });
    running.push(b);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await holder()).toBe(first); // the second process did not take over a live lease
    expect(first.startsWith("op-a_")).toBe(true);

    const killedAt = Date.now();
    await a.kill("SIGKILL");
    const next = await waitFor("a new leader", async () => {
      const h = await holder();
      return h && h !== first ? h : undefined;
    }, 25_000);
    const handover = Date.now() - killedAt;
    console.log(`leader handover after SIGKILL: ${(handover / 1000).toFixed(1)} s (lease 15 s, retry 2 s)`);
    expect(next.startsWith("op-b_")).toBe(true);
    expect(handover).toBeLessThan(20_000);
    await b.kill("SIGTERM");
  });
});

describe("crash safety", () => {
  beforeAll(async () => {
    await kubectlOk(["label", "namespace", apps.name, `golive.dev/test-policy=${apps.name}`]);
    const p = manifest(join(examples, "policy.yaml"));
    p.metadata.name = policyName;
    p.spec.namespaceSelector = { matchLabels: { "golive.dev/test-policy": apps.name } };
    p.spec.images = { requireDigest: true, requireSignature: false };
    await kubectlOk(["apply", "--server-side", "-f", "-"], JSON.stringify(p));
    await kubectlOk(["apply", "--server-side", "-n", apps.name, "-f", "-"], JSON.stringify(manifest(join(examples, "release.yaml"))));
    for (const f of readdirSync(join(examples, "evidence"))) await kubectlOk(["apply", "--server-side", "-n", apps.name, "-f", "-"], JSON.stringify(manifest(join(examples, "evidence", f))));
  });

  it("converges to the same status after being killed at random points 20 times", async () => {
    const audit = join(dir, "crash.jsonl");
    const statusOf = async () => (JSON.parse(await kubectlOk(["get", "release", "underwriting-api-2-4-1", "-n", apps.name, "-o", "json"])) as Release).status;
    // Settled: Approved, and the capacity report (started in the background once Approved) written.
    const settled = async () => {
      const s = await statusOf();
      return s?.phase === "Approved" && s.capacity ? s : undefined;
    };
    const summary = (s: Release["status"]) => JSON.stringify({ phase: s?.phase, gatesSummary: s?.gatesSummary, gates: s?.gates?.map((g) => [g.name, g.status, g.reason]), conditions: s?.conditions?.map((c) => [c.type, c.status]) });
    for (let i = 0; i < 20; i++) {
      // Start from scratch each round: no status, as if the release were new.
      await kubectlOk(["patch", "release", "underwriting-api-2-4-1", "-n", apps.name, "--subresource=status", "--type=merge", "-p", '{"status":null}']);
      const op = await spawnOperator(`crash-${i}`, { namespace: own.name, auditFile: audit, extra: ["--leader-elect", "false"] });
      running.push(op);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 3_000));
      await op.kill("SIGKILL");
    }
    const final = await spawnOperator("crash-final", { namespace: own.name, auditFile: audit, extra: ["--leader-elect", "false"] });
    running.push(final);
    const status = await waitFor("convergence", settled, 60_000);
    const reference = summary(status);
    await final.kill("SIGTERM");
    expect(JSON.parse(reference)).toMatchObject({ phase: "Approved", gatesSummary: "9/9" });
    // Once more from scratch without interference: the same status.
    await kubectlOk(["patch", "release", "underwriting-api-2-4-1", "-n", apps.name, "--subresource=status", "--type=merge", "-p", '{"status":null}']);
    const clean = await spawnOperator("clean", { namespace: own.name, auditFile: join(dir, "clean.jsonl"), extra: ["--leader-elect", "false"] });
    running.push(clean);
    const cleanStatus = await waitFor("clean run", settled, 60_000);
    await clean.kill("SIGTERM");
    expect(summary(cleanStatus)).toBe(reference);
    const chain = verifyChain(readFileSync(audit, "utf8"));
    expect(chain.ok, JSON.stringify(chain)).toBe(true);
  });
});
