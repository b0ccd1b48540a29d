// Traefik v3 on loopback as the cluster's Gateway API implementation: its kubernetesGateway
// provider reads Gateways, HTTPRoutes and the Services' EndpointSlices through the harness's
// kubeconfig and proxies each request to a pod address itself (not through kube-proxy), so the
// weights and header matches golive writes into an HTTPRoute are what decides which pod answers.
// One entry point serves the Gateway's listener, another Traefik's own Prometheus metrics and
// /ping. Built once from the Go module proxy by test/cluster/build-traefik.sh.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startComponent, waitFor } from "../cluster/processes.js";
import { httpOk, Owned } from "./common.js";

/** The GatewayClass controllerName Traefik's provider answers to. */
export const TRAEFIK_CONTROLLER = "traefik.io/gateway-controller";

export interface Traefik {
  /** The port of the entry point a Gateway listener must name (Traefik matches listeners to entry points by port). */
  port: number;
  /** http://127.0.0.1:PORT: requests for the Gateway. */
  url: string;
  /** http://127.0.0.1:METRICS/metrics: Traefik's Prometheus metrics (traefik_service_requests_total by service and code). */
  metricsUrl: string;
  /** `traefik version`'s first line. */
  version: string;
  log(): string;
  stop(): Promise<void>;
}

/** The binary, built on first use (about 3 minutes on two cores) and cached, keyed by the wrapper module. */
export function traefikBinary(): string {
  const r = spawnSync("bash", [join(import.meta.dirname, "..", "cluster", "build-traefik.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  const path = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !path) throw new Error(`build-traefik.sh failed (exit ${r.status}); see its output above. It needs Go 1.26 or later and the Go module proxy`);
  return path;
}

export async function startTraefik(o: { kubeconfig: string; namespaces: string[] }): Promise<Traefik> {
  const binary = traefikBinary();
  const version = spawnSync(binary, ["version"], { encoding: "utf8" }).stdout.split("\n")[0]?.replace(/^Version:\s*/, "") ?? "unknown";
  const owned = new Owned("traefik");
  try {
    const [port, metrics] = [await freePort(), await freePort()];
    const logFile = join(owned.dir, "traefik.log");
    // Outside a pod: no in-cluster variables, so the provider takes KUBECONFIG.
    const { KUBERNETES_SERVICE_HOST: _h, KUBERNETES_SERVICE_PORT: _p, ...env } = process.env;
    const c = owned.add(startComponent("traefik", binary, [
      `--entryPoints.web.address=127.0.0.1:${port}`,
      `--entryPoints.metrics.address=127.0.0.1:${metrics}`,
      "--metrics.prometheus=true",
      "--metrics.prometheus.entryPoint=metrics",
      "--metrics.prometheus.addServicesLabels=true",
      "--ping=true",
      "--ping.entryPoint=metrics",
      "--providers.kubernetesGateway=true",
      `--providers.kubernetesGateway.namespaces=${o.namespaces.join(",")}`,
      "--global.checkNewVersion=false",
      "--global.sendAnonymousUsage=false",
      "--log.level=INFO",
    ], logFile, { ...env, KUBECONFIG: o.kubeconfig }));
    const ping = `http://127.0.0.1:${metrics}/ping`;
    await waitFor(ping, () => httpOk(ping), { timeoutMs: 30_000, component: c });
    let finalLog: string | undefined;
    const readLog = () => {
      try {
        return readFileSync(logFile, "utf8");
      } catch {
        return "(no log)";
      }
    };
    owned.beforeRemove = () => (finalLog = readLog());
    return { port, url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metrics}/metrics`, version, log: () => finalLog ?? readLog(), stop: () => owned.stop() };
  } catch (e) {
    await owned.stop();
    throw e;
  }
}
