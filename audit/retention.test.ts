import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyChain, type AuditRecord } from "./chain.js";
import { archiveDir, DAY_MS, RetentionSchedule, retentionDays } from "./retention.js";
import { parseChain } from "./trail.js";
import { AuditWriter } from "./writer.js";

const dir = mkdtempSync(join(tmpdir(), "golive-ret-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const START = Date.parse("2026-01-01T00:00:00Z");

describe("retention", () => {
  it("takes the longest policy's retentionDays, never below 180", () => {
    expect(retentionDays([])).toBe(180);
    expect(retentionDays([{ spec: { audit: { retentionDays: 200 } } }, { spec: { audit: { retentionDays: 365 } } }])).toBe(365);
    expect(retentionDays([{ spec: { audit: { retentionDays: 30 } } }])).toBe(180);
  });

  it("on its schedule, moves out only records older than the policy's days, with the anchoring record; the chain still verifies", async () => {
    const file = join(dir, "audit.webhook-a.jsonl");
    let now = START;
    const w = new AuditWriter({ file, source: "webhook/a", now: () => new Date(now), stdout: false });
    for (let day = 0; day < 400; day++) {
      now = START + day * DAY_MS;
      w.append({ type: "admission", object: `ns/Deployment/d${day}`, user: "alice", result: "allowed", reason: `day ${day}` });
    }
    await w.flush();
    now = START + 399 * DAY_MS; // the injected clock: day 399; day 199 is exactly 200 days old, not older
    const schedule = new RetentionSchedule((days) => w.prune(days), () => retentionDays([{ spec: { audit: { retentionDays: 200 } } }]), (e) => {
      throw e;
    });
    expect(await schedule.run()).toBe(199); // days 0..198 are older than 200 days
    const kept = parseChain(readFileSync(file, "utf8"));
    expect(kept[0]).toMatchObject({ seq: 200, reason: "day 199" });
    expect(kept.filter((r) => r.type !== "retention").every((r) => now - Date.parse(r.time) <= 200 * DAY_MS)).toBe(true);
    expect(kept.at(-1)).toMatchObject({ type: "retention", result: "archived", details: { prunedThroughSeq: 199 } });
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, records: 202 });
    // The archive holds exactly the moved records and ends with the anchoring retention record.
    const [archive] = readdirSync(archiveDir(file));
    expect(archive).toBe("audit.webhook-a.1-199.jsonl");
    const moved = parseChain(readFileSync(join(archiveDir(file), archive!), "utf8"));
    expect(moved.slice(0, -1).map((r: AuditRecord) => r.seq)).toEqual(Array.from({ length: 199 }, (_, i) => i + 1));
    expect(moved.at(-1)).toEqual(kept.at(-1));
    // Run again the same day: nothing younger is dropped.
    expect(await schedule.run()).toBe(0);
    // A day later one more day moves out, and the chain still verifies across both retention records.
    now += DAY_MS;
    expect(await schedule.run()).toBe(1);
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true });
    await w.close();
  });

  it("while the disk fails, nothing is pruned", async () => {
    const w = new AuditWriter({ file: join(dir, "x.jsonl"), source: "x", stdout: false });
    (w as unknown as { retry: unknown }).retry = setTimeout(() => undefined, 1);
    expect(await w.prune(180)).toBe(0);
  });
});
