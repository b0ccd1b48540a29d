import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chainRecord, verifyChain, type AuditRecord } from "./chain.js";
import { checkAgainstCheckpoints, Checkpointer, parseCheckpoints, type CheckpointStore } from "./checkpoint.js";
import { parseChain } from "./trail.js";
import { AuditWriter } from "./writer.js";

const dir = mkdtempSync(join(tmpdir(), "golive-cp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const trusted = [{ name: "operator", key: publicKey }];

function memoryStore(): CheckpointStore & { data: Map<string, string[]> } {
  const data = new Map<string, string[]>();
  return { data, read: async (c) => data.get(c) ?? [], write: async (c, lines) => void data.set(c, lines) };
}

/** 50 records, a signed checkpoint after every 10. */
async function signedChain(name: string) {
  const file = join(dir, name);
  let t = Date.parse("2026-03-01T00:00:00Z");
  const w = new AuditWriter({ file, source: "webhook/a", now: () => new Date((t += 1000)), stdout: false });
  const store = memoryStore();
  const cp = new Checkpointer({ file, source: "webhook/a", head: () => w.chainHead, key: privateKey, store, now: () => new Date(t) });
  for (let i = 1; i <= 50; i++) {
    w.append({ type: "admission", object: `ns/Deployment/d${i}`, user: "alice", result: "allowed", reason: `r${i}` });
    // A checkpoint names only what is on disk: flush first.
    if (i % 10 === 0) await w.flush().then(() => cp.checkpoint());
  }
  await w.close();
  const { checkpoints, problems } = parseCheckpoints([...store.data.values()].flat().join("\n"), trusted);
  expect(problems).toEqual([]);
  return { file, checkpoints, store, records: parseChain(readFileSync(file, "utf8")) };
}
const chains = (name: string, records: AuditRecord[]) => new Map([[name, records]]);
const lines = (records: AuditRecord[]) => records.map((r) => JSON.stringify(r) + "\n").join("");

describe("signed checkpoints", () => {
  it("an intact trail matches every checkpoint; a forged or foreign checkpoint does not verify", async () => {
    const { checkpoints, records, store } = await signedChain("audit.a.jsonl");
    expect(checkpoints.map((c) => c.seq)).toEqual([10, 20, 30, 40, 50]);
    expect(checkAgainstCheckpoints(chains("audit.a.jsonl", records), checkpoints)).toEqual([]);
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(parseCheckpoints(store.data.get("audit.a.jsonl")!.join("\n"), [{ name: "x", key: other }]).problems[0]).toMatch(/signature does not verify/);
  });

  it("removing the last records is reported as truncation, naming the first missing record", async () => {
    const { checkpoints, records, file } = await signedChain("audit.b.jsonl");
    const cut = records.slice(0, 43);
    writeFileSync(file, lines(cut));
    expect(verifyChain(readFileSync(file, "utf8")).ok).toBe(true); // the file alone cannot tell
    expect(checkAgainstCheckpoints(chains("audit.b.jsonl", cut), checkpoints)).toEqual([expect.stringMatching(/record 44 is missing \(truncated or removed\).*up to record 50, the file ends at record 43/)]);
  });

  it("an edited record and two reordered records are named by the chain itself", async () => {
    const { records } = await signedChain("audit.c.jsonl");
    const edited = records.map((r) => (r.seq === 17 ? { ...r, user: "mallory" } : r));
    expect(verifyChain(lines(edited))).toMatchObject({ ok: false, line: 17, reason: "record 17 was edited: its content does not match its hash" });
    const swapped = [...records];
    [swapped[20], swapped[21]] = [swapped[21]!, swapped[20]!];
    expect(verifyChain(lines(swapped))).toMatchObject({ ok: false, line: 21, reason: "records are out of order: record 22 comes before record 21 (line 22)" });
    const removed = records.filter((r) => r.seq !== 30);
    expect(verifyChain(lines(removed))).toMatchObject({ ok: false, reason: "records 30–30 were removed" });
  });

  it("rewriting the file with fresh hashes passes the chain check but not the checkpoints, naming the first bad record's range", async () => {
    const { checkpoints, records } = await signedChain("audit.d.jsonl");
    // Change record 25 and recompute every hash from there on: a self-consistent forgery.
    const forged: AuditRecord[] = records.slice(0, 24);
    for (const r of records.slice(24)) {
      const { hash: _h, prev: _p, seq: _s, time, ...entry } = r;
      forged.push(chainRecord(r.seq === 25 ? { ...entry, result: "denied" } : entry, forged.at(-1), new Date(time)));
    }
    expect(verifyChain(lines(forged)).ok).toBe(true);
    expect(checkAgainstCheckpoints(chains("audit.d.jsonl", forged), checkpoints)).toEqual([expect.stringMatching(/the chain was rewritten: record 30 has hash .* the first bad record is among 21–30 \(record 20 is the last that matches a checkpoint\)/)]);
  });

  it("a chain file that was removed is reported", async () => {
    const { checkpoints } = await signedChain("audit.e.jsonl");
    expect(checkAgainstCheckpoints(new Map(), checkpoints)).toEqual([expect.stringMatching(/audit.e.jsonl: the chain file is missing, but a checkpoint .* holds it up to record 50/)]);
  });
});
