import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Notifier, textLine, type PhaseChange } from "./notifier.js";

const change: PhaseChange = { namespace: "uw", release: "api-2-4-1", application: "underwriting-api", version: "2.4.1", from: "Progressing", to: "RollingBack", reason: "analysis failed: error-rate = 0.3", time: "2026-11-24T10:00:00.000Z", step: "watch", weight: 10 };

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      bodies.push(JSON.parse(text));
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`, bodies };
}

describe("Notifier", () => {
  it("posts the JSON event and the chat text", async () => {
    const json = await receiver([]);
    const text = await receiver([]);
    const n = new Notifier();
    n.notify([{ url: json.url, format: "json" }, { url: text.url, format: "text" }], change);
    await n.drain();
    expect(json.bodies[0]).toMatchObject({ kind: "ReleasePhaseChanged", release: "api-2-4-1", from: "Progressing", to: "RollingBack", weight: 10 });
    expect(text.bodies[0]).toEqual({ text: textLine(change) });
    expect(textLine(change)).toBe("golive: underwriting-api 2.4.1 (uw/api-2-4-1) Progressing → RollingBack (weight 10%, step watch): analysis failed: error-rate = 0.3");
  });

  it("retries 5xx and 429 with backoff, then delivers", async () => {
    const r = await receiver([503, 429]);
    const n = new Notifier({ baseDelayMs: 10 });
    const started = Date.now();
    n.notify([{ url: r.url, format: "json" }], change);
    await n.drain();
    expect(r.bodies).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
  });

  it("does not retry a 4xx, and gives up after the last attempt", async () => {
    const bad = await receiver([404]);
    const down = await receiver([500, 500, 500]);
    const n = new Notifier({ baseDelayMs: 1, attempts: 3 });
    n.notify([{ url: bad.url, format: "text" }, { url: down.url, format: "text" }], change);
    await n.drain();
    expect(bad.bodies).toHaveLength(1);
    expect(down.bodies).toHaveLength(3);
  });

  it("sends to one target a few at a time, whatever arrives at once", async () => {
    let open = 0;
    let most = 0;
    const server = createServer((req, res) => {
      open++;
      most = Math.max(most, open);
      req.resume();
      setTimeout(() => {
        open--;
        res.writeHead(200).end();
      }, 5);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push(server);
    const n = new Notifier({ concurrency: 3 });
    for (let i = 0; i < 30; i++) n.notify([{ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, format: "json" }], { ...change, release: `r-${i}` });
    await n.drain();
    expect(most).toBe(3);
  });

  it("drops the oldest waiting delivery when a target's backlog is full, and says so", async () => {
    const r = await receiver([]);
    const warnings: string[] = [];
    const log = { warn: (o: { release: string }, m: string) => warnings.push(`${o.release}: ${m}`), info: () => {}, debug: () => {} } as unknown as Logger;
    const n = new Notifier({ concurrency: 1, backlog: 2, log });
    for (let i = 0; i < 5; i++) n.notify([{ url: r.url, format: "json" }], { ...change, release: `r-${i}` });
    await n.drain();
    // r-0 is sent at once; of r-1..r-4 only the newest two are kept.
    expect((r.bodies as { release: string }[]).map((b) => b.release)).toEqual(["r-0", "r-3", "r-4"]);
    expect(warnings).toEqual(["uw/r-1: notification dropped: the target's backlog is full", "uw/r-2: notification dropped: the target's backlog is full"]);
  });

  it("stop() aborts what is in flight and drops what waits, so a process can exit", async () => {
    const server = createServer(() => {}); // never answers
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push({
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    });
    const n = new Notifier({ concurrency: 1, timeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) n.notify([{ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, format: "json" }], change);
    const started = Date.now();
    setTimeout(() => n.stop(), 50);
    await n.drain();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
