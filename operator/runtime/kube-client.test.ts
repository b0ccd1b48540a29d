import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeClient, KubeError, retryDelayMs } from "./kube-client.js";

describe("retryDelayMs: which refusals are sent again, and after how long", () => {
  it("429 waits Retry-After seconds (1 s when absent), capped", () => {
    expect(retryDelayMs(429, "2", 10_000)).toBe(2000);
    expect(retryDelayMs(429, undefined, 10_000)).toBe(1000);
    expect(retryDelayMs(429, "60", 10_000)).toBe(10_000);
  });
  it("503 only with a Retry-After the server set; never 504 (a timed-out create may have been done)", () => {
    expect(retryDelayMs(503, "3", 10_000)).toBe(3000);
    expect(retryDelayMs(504, "3", 10_000)).toBeUndefined();
    expect(retryDelayMs(503, undefined, 10_000)).toBeUndefined();
  });
  it("never other statuses, and never a date-form or garbled Retry-After on a 5xx", () => {
    for (const s of [200, 400, 401, 403, 404, 409, 410, 422, 500, 502]) expect(retryDelayMs(s, "1", 10_000)).toBeUndefined();
    expect(retryDelayMs(503, "Wed, 21 Oct 2026 07:28:00 GMT", 10_000)).toBeUndefined();
  });
});

describe("KubeClient against a loopback HTTP server that refuses first", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function serve(answers: { status: number; retryAfter?: string }[]): Promise<{ client: KubeClient; seen: string[] }> {
    const seen: string[] = [];
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push(`${req.method} ${body}`);
        const a = answers.shift() ?? { status: 200 };
        res.writeHead(a.status, { "content-type": "application/json", ...(a.retryAfter ? { "retry-after": a.retryAfter } : {}) });
        res.end(a.status === 200 ? JSON.stringify({ ok: true }) : JSON.stringify({ kind: "Status", reason: a.status === 429 ? "TooManyRequests" : "ServiceUnavailable", message: "storage is (re)initializing" }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    return { client: new KubeClient(kc, 5000, { attempts: 3, maxDelayMs: 20 }), seen };
  }

  it("sends a refused create again, body and all, and returns the answer that succeeded", async () => {
    const { client, seen } = await serve([{ status: 429, retryAfter: "1" }, { status: 503, retryAfter: "1" }]);
    await expect(client.create("/api/v1/namespaces/x/configmaps", { a: 1 })).resolves.toEqual({ ok: true });
    expect(seen).toEqual(['POST {"a":1}', 'POST {"a":1}', 'POST {"a":1}']);
  });

  it("gives up after its attempts with the server's own reason", async () => {
    const { client, seen } = await serve([{ status: 429 }, { status: 429 }, { status: 429 }, { status: 429 }, { status: 429 }]);
    const err = await client.get("/api/v1/namespaces").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ code: 429, reason: "TooManyRequests", message: "storage is (re)initializing" });
    expect(seen).toHaveLength(4);
  });

  it("does not repeat a 500 or a 503 without Retry-After", async () => {
    const { client, seen } = await serve([{ status: 503 }]);
    await expect(client.get("/api/v1/namespaces")).rejects.toMatchObject({ code: 503 });
    expect(seen).toHaveLength(1);
  });
});
