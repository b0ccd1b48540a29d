// /healthz (alive), /readyz (caches synced and TLS loaded) and /metrics, on plain HTTP for
// probes and scrapes only. One server when both ports are the same.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface Probes {
  live: () => boolean;
  ready: () => boolean;
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

export async function startProbeServers(opts: { host: string; healthPort: number; metricsPort: number; probes: Probes; registry: Registry }): Promise<Server[]> {
  const handler = (serveHealth: boolean, serveMetrics: boolean) =>
    createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (serveHealth && (path === "/healthz" || path === "/readyz")) {
        const ok = path === "/healthz" ? opts.probes.live() : opts.probes.ready();
        res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok" : "not ready");
      } else if (serveMetrics && path === "/metrics") {
        opts.registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": opts.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else {
        res.writeHead(404).end();
      }
    });
  if (opts.healthPort === opts.metricsPort) return [await listen(handler(true, true), opts.healthPort, opts.host)];
  return [await listen(handler(true, false), opts.healthPort, opts.host), await listen(handler(false, true), opts.metricsPort, opts.host)];
}
