// The audit trail on a disk that really fills up: a 64 KiB tmpfs mounted for the test (the
// suite runs as root on Linux). Below the bound the writers hold the records in memory, in order;
// at the bound the webhook's writer refuses (audit/bound.ts) and the operator's refuses to
// prepare a decision; once space is freed everything held is written and the chain verifies.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../audit/audit-log.js";
import { AuditTrailFull } from "../audit/bound.js";
import { verifyChain } from "../audit/chain.js";
import { AuditWriter } from "../audit/writer.js";

const mnt = mkdtempSync(join(tmpdir(), "golive-full-"));
beforeAll(() => execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]));
afterAll(() => {
  execFileSync("umount", [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const entry = (i: number) => ({ type: "admission", object: `team-a/Deployment/d${i}`, user: "alice", result: "denied", reason: `r${i} ${"x".repeat(200)}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fill the tmpfs with a ballast file so that only `left` bytes remain. */
function fill(name: string): string {
  const ballast = join(mnt, name);
  try {
    writeFileSync(ballast, Buffer.alloc(1024 * 1024));
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
  }
  return ballast;
}

describe("audit trail on a full disk (tmpfs)", () => {
  it("the webhook's writer holds records, refuses at its bound, then writes everything in order", async () => {
    const lines: { level: number; msg: string; auditUnchained?: boolean }[] = [];
    const log = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const file = join(mnt, "audit.webhook-a.jsonl");
    const w = new AuditWriter({ file, source: "webhook/a", log, retryMs: 20, maxPendingBytes: 8 * 1024 });
    for (let i = 0; i < 5; i++) w.append(entry(i));
    await w.flush();
    const ballast = fill("ballast-a");
    // Appends now fail with ENOSPC: records are held, nothing refused yet.
    for (let i = 5; i < 15; i++) expect(w.append(entry(i))).toBeDefined();
    await sleep(60);
    expect(w.failing).toBe("ENOSPC");
    expect(w.refusal()).toBeUndefined();
    expect(lines.some((l) => l.level === 50 && /AUDIT TRAIL NOT WRITTEN \(ENOSPC\)/.test(l.msg))).toBe(true);
    // Past 8 KiB held: the writer is at its bound and says why admissions are refused.
    let i = 15;
    while (!w.full) w.append(entry(i++));
    expect(w.refusal()).toMatch(/cannot write its audit trail .*audit\.webhook-a\.jsonl \(ENOSPC\) and holds \d+ record\(s\) in memory, its bound: no decision is taken until the trail is written again \(JR\/T 0179 8\.3\)/);
    const held = i;
    expect(w.append(entry(held))).toBeUndefined();
    expect(w.unchained).toBe(1);
    expect(lines.some((l) => l.auditUnchained === true)).toBe(true);
    // The file holds only whole records (a partial append is cut back) and still verifies; the
    // head a checkpoint may sign is what is on disk (the tmpfs page already held may take a few more).
    const onDisk = w.chainHead?.seq ?? 0;
    expect(onDisk).toBeGreaterThanOrEqual(5);
    expect(onDisk).toBeLessThan(held);
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, seq: onDisk });
    rmSync(ballast);
    await sleep(100);
    await w.close();
    expect(w.failing).toBeUndefined();
    expect(w.refusal()).toBeUndefined();
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, records: held, seq: held });
    expect(w.chainHead?.seq).toBe(held);
  });

  it("the operator's log holds records below the bound and refuses to prepare a decision at it", async () => {
    const file = join(mnt, "audit.jsonl");
    const a = new AuditLog(file, pino({ level: "silent" }), () => new Date(), { maxPendingBytes: 4 * 1024, retryMs: 20 });
    a.append({ type: "transition", object: "team-a/Release/r", user: "op", result: "Approved", reason: "gates passed" });
    const ballast = fill("ballast-b");
    let n = 1;
    let refused: unknown;
    try {
      for (;;) {
        a.append({ type: "transition", object: "team-a/Release/r", user: "op", result: "Progressing", reason: `step ${n} ${"y".repeat(200)}` });
        n++;
      }
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(AuditTrailFull);
    expect(a.failing).toBe("ENOSPC");
    const onDisk = a.chainHead?.seq ?? 0;
    expect(a.pending).toBe(n - onDisk);
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, seq: onDisk });
    rmSync(ballast);
    await sleep(100);
    expect(a.pending).toBe(0);
    expect(a.failing).toBeUndefined();
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, records: n, seq: n });
    a.close();
  });
});
