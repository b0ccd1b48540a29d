// The server behind /healthz, /readyz and /metrics of the webhook and the operator: plain HTTP,
// or HTTPS when --metrics-tls is on (JR/T 0179 8.5: what the scrape carries — release names,
// phases, admission counts — need not cross the network in clear). The certificate comes from
// webhook/serving-tls.ts like the console's and /audit's: --metrics-tls-cert/--metrics-tls-key
// (a mounted Secret, served anew when it is renewed) or one made at start. An HTTPS port answers
// no plain HTTP at all: the handshake fails and the connection is closed. kubelet probes then use
// scheme HTTPS (the kubelet does not verify the certificate).
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Logger } from "pino";
import type { Config } from "../settings/config.js";
import { keepServingTls, servingTls, type ServingTlsOptions } from "./serving-tls.js";

/** The TLS options of the probe/metrics servers from the settings; undefined when --metrics-tls is off. */
export function metricsTlsOptions(config: Pick<Config, "metricsTls" | "metricsTlsCert" | "metricsTlsKey">, log: Logger, dnsNames: string[] = []): ServingTlsOptions | undefined {
  if (!config.metricsTls) return undefined;
  return { name: "metrics endpoint", flags: { cert: "--metrics-tls-cert", key: "--metrics-tls-key" }, certFile: config.metricsTlsCert, keyFile: config.metricsTlsKey, dnsNames, log };
}

/** Listens with `handler` on HTTP, or on HTTPS kept fresh by keepServingTls (stopped when the server closes). */
export async function listenProbeServer(handler: RequestListener, port: number, host: string, tls?: ServingTlsOptions): Promise<Server> {
  let server: Server;
  if (tls) {
    const pair = await servingTls(tls);
    const https = createHttpsServer({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2" }, handler);
    const stop = keepServingTls(https, pair, tls);
    https.on("close", stop);
    server = https;
  } else {
    server = createHttpServer(handler);
  }
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
