// The quick start's stand-in for the pods' metrics endpoints, scraped by a real Prometheus. kwok
// pods run nothing, so one small HTTP server answers for them: /metrics/<release> serves what the
// pods of that release would expose (the request counters and latency histogram the analysis
// queries, by pod_template_hash; the key capacity metric), and Prometheus scrapes each release's
// path with the target labels golive's enrollment gives real pods (namespace, golive_dev_release),
// so the monitoring check before Released (4.7 b) and the analysis both read Prometheus.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startPrometheus, type Prometheus } from "../services/prometheus.js";

/** How a version behaves: its share of failing requests; it answers every request within 100 ms. */
interface Version {
  hash: string;
  errorRate: number;
  since: number;
}

const REQUESTS_PER_SECOND = 20;
const n = (x: number) => x.toFixed(3);
const APP = "underwriting-api";

/** The exposition text of one release's pods at `now`: counters grow with the time since the version started. Pure. */
export function exposition(versions: readonly Version[], now: number): string {
  const lines = ["# TYPE http_requests_total counter"];
  const hist = ["# TYPE http_request_duration_seconds histogram"];
  let issued = 0;
  for (const v of versions) {
    // Fractional counts keep failed/requests exactly the error rate in every scrape, so the
    // analysis reads exactly it (Prometheus counters are floats).
    const requests = ((now - v.since) / 1000) * REQUESTS_PER_SECOND;
    const failed = requests * v.errorRate;
    const labels = `app="${APP}",pod_template_hash="${v.hash}"`;
    lines.push(`http_requests_total{${labels},code="200"} ${n(requests - failed)}`, `http_requests_total{${labels},code="500"} ${n(failed)}`);
    for (const le of ["0.1", "0.25", "0.5", "+Inf"]) hist.push(`http_request_duration_seconds_bucket{${labels},le="${le}"} ${n(requests)}`);
    hist.push(`http_request_duration_seconds_sum{${labels}} ${n(requests * 0.05)}`, `http_request_duration_seconds_count{${labels}} ${n(requests)}`);
    issued += requests / 10;
  }
  return [...lines, ...hist, "# TYPE underwriting_policies_issued_total counter", `underwriting_policies_issued_total{app="${APP}"} ${n(issued)}`, ""].join("\n");
}

export interface DemoMetrics {
  prometheus: Prometheus;
  /** The pods of `release` now include a version with this pod-template hash. */
  runs(release: string, hash: string, errorRate: number): void;
  stop(): Promise<void>;
}

/** Starts the stand-in and a Prometheus scraping it every second for each of `releases` in `namespace`. */
export async function startDemoMetrics(namespace: string, releases: readonly string[]): Promise<DemoMetrics> {
  const pods = new Map<string, Version[]>(releases.map((r) => [r, []]));
  const server: Server = createServer((req, res) => {
    const release = decodeURIComponent((req.url ?? "").replace(/^\/metrics\//, ""));
    const versions = pods.get(release);
    if (!versions) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition(versions, Date.now()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let prometheus: Prometheus;
  try {
    prometheus = await startPrometheus({ targets: releases.map((r) => ({ job: r, urls: [`${base}/metrics/${r}`], labels: { namespace, golive_dev_release: r } })) });
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    prometheus,
    runs(release, hash, errorRate) {
      const versions = pods.get(release);
      if (versions && !versions.some((v) => v.hash === hash)) versions.push({ hash, errorRate, since: Date.now() });
    },
    async stop() {
      await prometheus.stop();
      await new Promise((r) => server.close(r));
    },
  };
}
