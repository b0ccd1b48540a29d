import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { verifyChain } from "./chain.js";
import { readTrail, verifyChains, chainFiles } from "./trail.js";
import { AuditWriter, writerFile } from "./writer.js";

const dir = mkdtempSync(join(tmpdir(), "golive-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const entry = (i: number) => ({ type: "admission", object: `ns/Deployment/d${i}`, user: "alice", result: i % 2 ? "denied" : "allowed", reason: `r${i}` });

describe("AuditWriter", () => {
  it("names one file per writer beside the trail's base file", () => {
    expect(writerFile("/var/lib/golive/audit.jsonl", "webhook-golive-7c9f/x")).toBe("/var/lib/golive/audit.webhook-golive-7c9f_x.jsonl");
  });

  it("chains at once, writes in the background, and resumes the chain after a restart", async () => {
    const file = join(dir, "a", "audit.w1.jsonl");
    const w = new AuditWriter({ file, source: "webhook/w1" });
    const records = Array.from({ length: 50 }, (_, i) => w.append(entry(i)));
    expect(records.map((r) => r!.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await w.close();
    const again = new AuditWriter({ file, source: "webhook/w1" });
    again.append(entry(50));
    await again.close();
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, records: 51, seq: 51 });
    expect(JSON.parse(readFileSync(file, "utf8").split("\n")[0]!)).toMatchObject({ source: "webhook/w1", seq: 1 });
  });

  it("keeps every record in memory and says so loudly while the disk refuses them, then writes them in order", async () => {
    const file = join(dir, "b", "audit.w2.jsonl");
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (l: string) => void lines.push(l) });
    const w = new AuditWriter({ file, source: "w2", log, retryMs: 20, stdout: false });
    w.append(entry(0));
    await w.flush();
    rmSync(file);
    mkdirSync(file); // appends now fail with EISDIR, as they would with ENOSPC
    for (let i = 1; i <= 5; i++) w.append(entry(i));
    await new Promise((r) => setTimeout(r, 60));
    expect(w.failing).toBe("EISDIR");
    expect(w.pending).toBe(5);
    expect(lines.some((l) => JSON.parse(l).level === 50 && /AUDIT TRAIL NOT WRITTEN \(EISDIR\): 5 record\(s\) held in memory/.test(JSON.parse(l).msg))).toBe(true);
    rmSync(file, { recursive: true });
    await new Promise((r) => setTimeout(r, 100));
    await w.close();
    expect(w.failing).toBeUndefined();
    // The first record went with the replaced file; the five held ones continue the chain at seq 2.
    expect(readFileSync(file, "utf8").trimEnd().split("\n").map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([2, 3, 4, 5, 6]);
  });

  it("several writers keep separate chains, verified one by one and merged by time", async () => {
    const d = join(dir, "c");
    let t = Date.parse("2026-06-01T00:00:00Z");
    const now = () => new Date((t += 1000));
    const writers = ["webhook-a", "webhook-b", "operator"].map((id) => new AuditWriter({ file: writerFile(join(d, "audit.jsonl"), id), source: id, now, stdout: false }));
    for (let i = 0; i < 30; i++) writers[i % 3]!.append(entry(i));
    await Promise.all(writers.map((w) => w.close()));
    const files = chainFiles([d]);
    expect(files).toHaveLength(3);
    expect(verifyChains(files).every((r) => r.verdict.ok)).toBe(true);
    const merged = readTrail(files);
    expect(merged.map((r) => r.reason)).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`));
  });
});
