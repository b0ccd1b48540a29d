// /healthz (alive), /readyz (caches synced and TLS loaded) and /metrics, for probes and scrapes
// only. One server when both ports are the same. With `tls` (--metrics-tls) the /metrics server
// is HTTPS, and so are the probes when they share its port; probes on a port of their own stay
// plain HTTP (they carry nothing but "ok").
import type { IncomingMessage, ServerResponse, Server } from "node:http";
import type { Registry } from "prom-client";
import { listenProbeServer } from "./probe-server.js";
import type { ServingTlsOptions } from "./serving-tls.js";

export interface Probes {
  live: () => boolean;
  ready: () => boolean;
}

export async function startProbeServers(opts: { host: string; healthPort: number; metricsPort: number; probes: Probes; registry: Registry; tls?: ServingTlsOptions | undefined }): Promise<Server[]> {
  const handler =
    (serveHealth: boolean, serveMetrics: boolean) =>
    (req: IncomingMessage, res: ServerResponse) => {
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
    };
  if (opts.healthPort === opts.metricsPort) return [await listenProbeServer(handler(true, true), opts.healthPort, opts.host, opts.tls)];
  return [await listenProbeServer(handler(true, false), opts.healthPort, opts.host), await listenProbeServer(handler(false, true), opts.metricsPort, opts.host, opts.tls)];
}
