import { describe, expect, it } from "vitest";
import { WorkQueue } from "./workqueue.js";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("WorkQueue", () => {
  it("de-duplicates keys queued before they run", async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (k) => {
      seen.push(k);
      if (k === "busy") await tick(20);
    }, { concurrency: 1 });
    q.add("busy"); // occupies the only worker, so the adds below wait in the queue
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    await tick(50);
    await q.idle();
    expect(seen).toEqual(["busy", "a", "b"]);
  });

  it("never runs one key twice at once, and reruns a key re-added while in flight", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await tick(20);
        running--;
      },
      { concurrency: 4 },
    );
    q.add("k");
    await tick(5);
    q.add("k");
    q.add("k");
    await tick(100);
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it("bounds concurrency across keys", async () => {
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(10);
        running--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await tick(200);
    await q.idle();
    expect(maxRunning).toBe(3);
  });

  it("retries failures with exponential backoff", async () => {
    const times: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 4) throw new Error("boom");
      },
      { baseDelayMs: 20, maxDelayMs: 1000 },
    );
    q.add("k");
    await tick(400);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(75);
  });

  it("requeues after the requested delay", async () => {
    let runs = 0;
    const q = new WorkQueue(async () => (++runs === 1 ? { requeueAfterMs: 30 } : undefined));
    q.add("k");
    await tick(10);
    expect(runs).toBe(1);
    await tick(60);
    expect(runs).toBe(2);
  });

  it("limits the rate with a token bucket", async () => {
    let runs = 0;
    const q = new WorkQueue(async () => void runs++, { qps: 50, burst: 5, concurrency: 10 });
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await tick(100);
    // 5 at once from the burst, then ~50/s: about 5 more in 100 ms, far from all 20.
    expect(runs).toBeGreaterThanOrEqual(5);
    expect(runs).toBeLessThan(15);
    await q.shutdown();
  });

  it("takes urgent keys before thousands of routine ones, unthrottled, with a slot of their own", async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async (k) => {
        order.push(k);
        if (k.startsWith("slow")) await held; // routine work occupying every routine worker
      },
      { concurrency: 2, qps: 1, burst: 2, isUrgent: (k) => k.startsWith("canary") },
    );
    q.add("slow-1");
    q.add("slow-2");
    for (let i = 0; i < 10_000; i++) q.add(`resync-${i}`);
    q.add("canary-a");
    await tick(5);
    // Both routine workers are busy and the bucket is empty, yet the canary ran at once.
    expect(order).toEqual(["slow-1", "slow-2", "canary-a"]);
    expect(q.depth).toBe(10_000);
    release();
    await q.shutdown();
  });

  it("moves a routine key ahead when it becomes urgent (its rollout started)", async () => {
    const order: string[] = [];
    const urgent = new Set<string>();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async (k) => {
        order.push(k);
        if (k === "busy") await held;
      },
      { concurrency: 1, isUrgent: (k) => urgent.has(k) },
    );
    q.add("busy");
    q.add("r1");
    q.add("r2");
    q.add("r3");
    urgent.add("r3");
    q.add("r3");
    await tick(5);
    // The one routine worker is busy; the reserved slot takes r3 now.
    expect(order).toEqual(["busy", "r3"]);
    release();
    await tick(5);
    await q.idle();
    expect(order).toEqual(["busy", "r3", "r1", "r2"]);
  });
});
