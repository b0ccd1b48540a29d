// /healthz (the process is alive), /readyz (caches synced; for the webhook also TLS loaded)
// and /metrics, bound to the pod: probes and scrapes, never user traffic. Plain HTTP, or HTTPS
// with `tls` (--metrics-tls: webhook/probe-server.ts), the probes then with scheme HTTPS.
import type { Server } from "node:http";
import type { Registry } from "prom-client";
import { listenProbeServer } from "../../webhook/probe-server.js";
import type { ServingTlsOptions } from "../../webhook/serving-tls.js";

export interface HealthChecks {
  live: () => boolean;
  ready: () => boolean;
}

export function startHealthServer(port: number, host: string, checks: HealthChecks, registry?: Registry, tls?: ServingTlsOptions): Promise<Server> {
  return listenProbeServer(
    (req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/healthz" || path === "/readyz") {
        const ok = path === "/healthz" ? checks.live() : checks.ready();
        res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok" : "not ready");
      } else if (path === "/metrics" && registry) {
        registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else {
        res.writeHead(404).end();
      }
    },
    port,
    host,
    tls,
  );
}
