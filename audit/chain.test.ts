import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuditLog } from "./audit-log.js";
import { hashRecord, verifyChain } from "./chain.js";

const dir = mkdtempSync(join(tmpdir(), "golive-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeLog(name: string, n: number, start = Date.parse("2026-01-01T00:00:00Z"), stepMs = 86_400_000): string {
  const file = join(dir, name);
  let t = start;
  const log = new AuditLog(file, undefined, () => new Date(t));
  for (let i = 0; i < n; i++) {
    log.append({ type: "transition", object: `ns/Release/r${i}`, user: "system:serviceaccount:golive-system:golive-operator", result: "Approved", reason: `gate ${i}` });
    t += stepMs;
  }
  return file;
}
const lines = (file: string) => readFileSync(file, "utf8").trimEnd().split("\n");

describe("audit chain", () => {
  it("verifies an intact chain and reports its head", () => {
    const file = writeLog("ok.jsonl", 5);
    const v = verifyChain(readFileSync(file, "utf8"));
    expect(v).toMatchObject({ ok: true, records: 5, seq: 5 });
  });

  it("detects an edited record", () => {
    const file = writeLog("edit.jsonl", 5);
    const l = lines(file);
    l[2] = l[2]!.replace('"Approved"', '"Blocked"');
    expect(verifyChain(l.join("\n"))).toEqual({ ok: false, line: 3, reason: "record 3 was edited: its content does not match its hash" });
  });

  it("detects a removed record, in the middle and at the start", () => {
    const l = lines(writeLog("remove.jsonl", 5));
    expect(verifyChain([l[0], l[1], l[3], l[4]].join("\n"))).toMatchObject({ ok: false, line: 3, reason: "records 3–3 were removed" });
    expect(verifyChain(l.slice(2).join("\n"))).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/starts at record 3: earlier records were removed without a retention record/) });
  });

  it("detects reordered records", () => {
    const l = lines(writeLog("order.jsonl", 5));
    expect(verifyChain([l[0], l[2], l[1], l[3], l[4]].join("\n"))).toMatchObject({ ok: false, line: 2 });
  });

  it("detects a record recomputed with a valid hash but a broken link", () => {
    const l = lines(writeLog("relink.jsonl", 3));
    const forged = JSON.parse(l[1]!);
    forged.prev = "sha256:" + "1".repeat(64);
    const { hash: _h, ...body } = forged;
    forged.hash = hashRecord(body);
    l[1] = JSON.stringify(forged);
    expect(verifyChain(l.join("\n"))).toMatchObject({ ok: false, line: 2, reason: "record 2 does not follow record 1: the chain was altered" });
  });

  it("resumes the chain after a restart", () => {
    const file = writeLog("resume.jsonl", 3);
    new AuditLog(file, undefined, () => new Date("2026-02-01T00:00:00Z")).append({ type: "transition", object: "x", user: "u", result: "r", reason: "after restart" });
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, records: 4, seq: 4 });
  });

  it("cuts a torn last record left by a crash and continues the chain", () => {
    const file = writeLog("torn.jsonl", 3);
    writeFileSync(file, readFileSync(file, "utf8") + '{"seq":4,"ti');
    new AuditLog(file).append({ type: "transition", object: "x", user: "u", result: "r", reason: "after crash" });
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, records: 4, seq: 4 });
  });

  it("prunes by retention and stays verifiable; the pruned start cannot be faked", () => {
    const file = writeLog("retention.jsonl", 10);
    const log = new AuditLog(file, undefined, () => new Date("2026-01-12T00:00:00Z"));
    expect(log.prune(5)).toBe(6);
    const v = verifyChain(readFileSync(file, "utf8"));
    expect(v).toMatchObject({ ok: true, records: 5 });
    const l = lines(file);
    expect(JSON.parse(l.at(-1)!).type).toBe("retention");
    // Dropping the retention record makes the pruned start unexplained again.
    writeFileSync(file, l.slice(0, -1).join("\n") + "\n");
    expect(verifyChain(readFileSync(file, "utf8")).ok).toBe(false);
  });
});
