// A small misbehaving HTTP proxy in front of the real registry, on loopback: it passes requests on,
// or lets a test fault answer them (a redirect loop, HTTP 400, ...), alter the bytes served (one
// byte more, so they no longer hash to their digest), or drop every connection (the registry is
// down). Shared by the tests of registry trouble (test/images-registry-faults.test.ts) and of a
// stale seal in the operator (test/seal-stale.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** What the proxy does with one request: pass it on, pass it on with its bytes altered, or leave it to the fault (handled). */
export type Fault = (req: IncomingMessage, res: ServerResponse) => "pass" | "alter" | "handled";

export interface FaultyProxy {
  /** host:port on 127.0.0.1 (loopback, so golive's registry client speaks plain HTTP to it). */
  host: string;
  fault: Fault | undefined;
  /** Drop every connection (the registry is down). */
  down: boolean;
  /** Requests received, so a test can tell that a re-verification really asked. */
  requests: number;
  stop(): Promise<void>;
}

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const proxy: FaultyProxy = { host: "", fault: undefined, down: false, requests: 0, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    proxy.requests++;
    void (async () => {
      if (proxy.down) {
        req.socket.destroy();
        return;
      }
      const action = proxy.fault ? proxy.fault(req, res) : "pass";
      if (action === "handled") return;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "connection" && k !== "content-length") headers.set(k, v);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const up = await fetch(`${upstream}${req.url}`, { method: req.method ?? "GET", headers, redirect: "manual", ...(body ? { body } : {}) });
      let bytes = Buffer.from(await up.arrayBuffer());
      // Altered on the way: one byte more, so the content no longer hashes to its digest.
      if (action === "alter" && up.status === 200) bytes = Buffer.concat([bytes, Buffer.from("\n")]);
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection" && k !== "keep-alive") out[k] = v;
      });
      out["content-length"] = String(bytes.length);
      res.writeHead(up.status, out);
      res.end(req.method === "HEAD" ? undefined : bytes);
    })().catch((e: unknown) => {
      res.writeHead(599);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}
