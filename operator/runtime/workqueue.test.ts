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

  it("gives routine keys a fair share: a crowd of rollouts re-queuing themselves never starves them", async () => {
    const ran = new Set<string>();
    const routineLeft = () => 10 - [...ran].filter((k) => k.startsWith("approved")).length;
    let urgentRunning = 0;
    let maxUrgentRunning = 0;
    let stop = false;
    const q: WorkQueue = new WorkQueue(
      async (k) => {
        ran.add(k);
        if (k.startsWith("canary")) {
          urgentRunning++;
          if (routineLeft() > 0) maxUrgentRunning = Math.max(maxUrgentRunning, urgentRunning);
          await tick(5);
          urgentRunning--;
          // Analysing: each pass's status write comes back at once, so urgent keys always wait.
          if (!stop) setImmediate(() => q.add(k));
        } else await tick(5);
      },
      { concurrency: 2, isUrgent: (k) => k.startsWith("canary") },
    );
    for (let i = 0; i < 10; i++) q.add(`approved-${i}`);
    for (let i = 0; i < 20; i++) q.add(`canary-${i}`);
    await tick(300);
    stop = true;
    // Every release waiting to start its rollout ran, while the canaries kept going.
    expect([...ran].filter((k) => k.startsWith("approved"))).toHaveLength(10);
    // While routine keys waited, the canaries kept to `concurrency` slots; the extra one was the routine's.
    expect(maxUrgentRunning).toBe(2);
    expect(ran.size).toBe(30);
    await q.shutdown();
  });

  it("lets urgent keys use every slot when no routine key waits", async () => {
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(10);
        running--;
      },
      { concurrency: 2, isUrgent: () => true },
    );
    for (let i = 0; i < 10; i++) q.add(`canary-${i}`);
    await tick(100);
    await q.idle();
    expect(maxRunning).toBe(3);
  });

  it("keeps the sooner of two timed requeues of a key", async () => {
    const times: number[] = [];
    const q = new WorkQueue(async () => void times.push(Date.now()));
    const t0 = Date.now();
    q.addAfter("later-first", 300);
    q.addAfter("later-first", 20);
    q.addAfter("sooner-first", 20);
    q.addAfter("sooner-first", 300);
    await tick(80);
    // Both ran at about 20 ms, not 300 ms: a 2 s analysis wake is not held back by a 5-minute resync.
    expect(times).toHaveLength(2);
    expect(Math.max(...times) - t0).toBeLessThan(200);
    expect(q.isScheduled("later-first")).toBe(false);
    expect(q.isScheduled("sooner-first")).toBe(false);
    await tick(300);
    expect(times).toHaveLength(2);
    await q.shutdown();
  });

  it("drops the echo of an own write when the key has a timed requeue, and queues it when not", async () => {
    const seen: string[] = [];
    const external = new Set<string>(["rollout-timer"]);
    const q = new WorkQueue(async (k) => void seen.push(k), { isScheduled: (k) => external.has(k) });
    q.addAfter("timed", 10_000);
    q.addUnlessScheduled("timed");
    q.addUnlessScheduled("rollout-timer");
    q.addUnlessScheduled("nothing-scheduled");
    await tick(20);
    expect(seen).toEqual(["nothing-scheduled"]);
    // A real change (plain add) still runs at once, timer or not.
    q.add("timed");
    q.add("rollout-timer");
    await tick(20);
    expect(seen).toEqual(["nothing-scheduled", "timed", "rollout-timer"]);
    await q.shutdown();
  });

  it("decides an echo arriving mid-pass once the pass has set its requeue", async () => {
    const runs = new Map<string, number>();
    const q: WorkQueue = new WorkQueue(async (k) => {
      runs.set(k, (runs.get(k) ?? 0) + 1);
      // The status write's watch event comes back while the pass is still running.
      q.addUnlessScheduled(k);
      await tick(5);
      if (k === "requeued" && runs.get(k) === 1) return { requeueAfterMs: 10_000 };
      if (k === "changed" && runs.get(k) === 1) q.add(k); // a real change mid-pass
      return undefined;
    });
    q.add("requeued");
    q.add("no-requeue");
    q.add("changed");
    await tick(60);
    // The pass that asked for 10 s is not run again now; the others are (the echo with nothing
    // scheduled, and the real change).
    expect(runs.get("requeued")).toBe(1);
    expect(q.isScheduled("requeued")).toBe(true);
    expect(runs.get("changed")).toBeGreaterThanOrEqual(2);
    expect(runs.get("no-requeue")).toBeGreaterThanOrEqual(2);
    await q.shutdown();
  });
});
