import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.js";

describe("createLogger", () => {
  it("escapes control and bidi characters in messages, fields and errors; keeps stacks' newlines", () => {
    const lines: string[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
    const log = createLogger("info", out).child({ release: "shop/web" });
    log.info({ name: "x\u202Ey", nested: { reason: ["a\u0085b"] } }, "denied web\u202Egnp.exe\u001b[2J");
    log.warn({ err: new Error("bad \u202Ename") }, "failed");
    const raw = lines.join("");
    expect(raw).not.toMatch(/\u202E|\u0085/);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(first).toMatchObject({ release: "shop/web", name: "x\\u202ey", nested: { reason: ["a\\u0085b"] }, msg: "denied web\\u202egnp.exe\\u001b[2J" });
    expect(second!.err.message).toBe("bad \\u202ename");
    expect(second!.err.stack).toContain("\n    at ");
  });

  it("still redacts secrets", () => {
    const lines: string[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
    createLogger("info", out).info({ auth: { token: "s3cret\u202E" } }, "x");
    expect(lines[0]).not.toContain("s3cret");
  });
});

describe("createLogger redaction", () => {
  it("writes JSON and redacts secrets", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => { lines.push(chunk.toString()); cb(); } });
    const log = createLogger("info", sink);
    log.info({ request: { uid: "u1", token: "s3cr3t" } }, "admitted");
    await new Promise((r) => setImmediate(r));
    const record = JSON.parse(lines[0]!);
    expect(record.msg).toBe("admitted");
    expect(record.level).toBe("info");
    expect(record.request.uid).toBe("u1");
    expect(lines[0]).not.toContain("s3cr3t");
  });
});
