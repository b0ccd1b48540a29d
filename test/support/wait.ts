// Polling for integration tests: the API server, the garbage collector and Prometheus all get
// there eventually; a test states what it waits for and how long, and says what it last saw.

/** Call `fn` every `everyMs` until it returns something other than undefined; throws after `timeoutMs` with the last error. */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

/** Poll `get` until `ok` holds of what it returns; the timeout's message quotes the last status seen. */
export function statusWhere<T extends { status?: unknown }>(get: () => Promise<T>, what: string, ok: (o: T) => boolean, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  return until(
    what,
    async () => {
      const o = await get();
      if (ok(o)) return o;
      throw new Error(`last status: ${JSON.stringify(o.status).slice(0, 3000)}`);
    },
    timeoutMs,
    everyMs,
  );
}
