import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chainRecord, type AuditRecord } from "../../audit/chain.js";
import { queryTrail, summarize } from "../../audit/query.js";
import { chainFiles, readTrail } from "../../audit/trail.js";

const root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "golive-query-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const START = Date.parse("2026-01-01T00:00:00Z");
const N = 120_000;

// 120,000 records over two chains: a known pattern so the expected matches are computable.
function write(): void {
  for (const source of ["webhook-a", "operator"]) {
    let prev: AuditRecord | undefined;
    const out: string[] = [];
    for (let i = source === "operator" ? 1 : 0; i < N; i += 2) {
      const ns = `ns${i % 10}`;
      const entry = source === "operator" ? { type: "transition", object: `${ns}/Release/r${i % 7}`, user: "system:golive-operator", result: i % 3 ? "Approved" : "Blocked", reason: "gates", source } : { type: "admission", object: `${ns}/Deployment/d${i}`, user: `u${i % 5}`, result: i % 4 ? "allowed" : "denied", reason: "x", source, details: { namespace: ns, release: `r${i % 7}` } };
      prev = chainRecord(entry, prev, new Date(START + i * 60_000));
      out.push(JSON.stringify(prev));
    }
    writeFileSync(join(dir, `audit.${source}.jsonl`), out.join("\n") + "\n");
  }
}

describe("golive audit query", () => {
  write();
  it("returns exactly the matching records of 120,000, and a summary by type and result", () => {
    const all = readTrail(chainFiles([dir]));
    expect(all).toHaveLength(N);
    const f = { type: "admission", user: "u2", namespace: "ns2", result: "denied", since: new Date(START + 10_000 * 60_000), until: new Date(START + 90_000 * 60_000) };
    const expected = Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 0 && i % 5 === 2 && i % 10 === 2 && i % 4 === 0 && i >= 10_000 && i < 90_000);
    expect(queryTrail(all, f).map((r) => r.object)).toEqual(expected.map((i) => `ns${i % 10}/Deployment/d${i}`));
    expect(queryTrail(all, { release: "r3", type: "transition" })).toHaveLength(Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 1 && i % 7 === 3).length);
    const summary = summarize(all);
    expect(summary.reduce((n, r) => n + r.count, 0)).toBe(N);
    expect(summary.find((r) => r.type === "admission" && r.result === "denied")!.count).toBe(N / 4);
  });

  it("runs as a command on the 120,000 records in seconds: json, csv, table and summary", () => {
    const run = (...args: string[]) => {
      const t = Date.now();
      const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "audit", "query", dir, ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
      return { ...r, ms: Date.now() - t };
    };
    const json = run("--user", "u2", "--result", "denied", "--namespace", "ns2", "-o", "json");
    expect(json.stderr).toBe("");
    expect((JSON.parse(json.stdout) as AuditRecord[]).length).toBe(Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 0 && i % 10 === 2 && i % 4 === 0).length);
    expect(json.ms).toBeLessThan(10_000);
    const csv = run("--type", "transition", "--release", "r3", "--since", "2026-01-01T00:00:00Z", "-o", "csv");
    expect(csv.stdout.split("\n")[0]).toBe("time,source,seq,type,object,user,result,reason");
    expect(csv.stdout.trimEnd().split("\n")).toHaveLength(1 + Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 1 && i % 7 === 3).length);
    const table = run("--type", "admission", "--user", "u0", "--namespace", "ns0", "--release", "r0");
    expect(table.stdout.split("\n")[0]).toMatch(/^TIME\s+SOURCE\s+SEQ\s+TYPE\s+OBJECT\s+USER\s+RESULT\s+REASON$/);
    const summary = run("--summary", "-o", "json");
    expect(JSON.parse(summary.stdout)).toMatchObject({ total: N, byTypeAndResult: expect.arrayContaining([{ type: "admission", result: "denied", count: N / 4 }]) });
    process.stdout.write(`audit query on ${N} records: json ${json.ms} ms, csv ${csv.ms} ms, table ${table.ms} ms, summary ${summary.ms} ms\n`);
  }, 60_000);
});
