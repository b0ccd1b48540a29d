// A real Prometheus on loopback (Debian's `prometheus` package, /usr/bin/prometheus), scraping
// the given targets, optionally evaluating a rule file, with its TSDB and config in a temp dir.
// CI installs it with: apt-get install -y --no-install-recommends prometheus
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { freePort, startComponent, waitFor } from "../cluster/processes.js";
import { httpOk, Owned, requireExecutable, tempDir } from "./common.js";

const INSTALL_HINT = "install Debian's prometheus package: apt-get install -y --no-install-recommends prometheus";

/** The prometheus binary: $GOLIVE_PROMETHEUS, else Debian's. */
export function prometheusBinary(): string {
  return requireExecutable(process.env.GOLIVE_PROMETHEUS ?? "/usr/bin/prometheus", INSTALL_HINT);
}

/** The promtool binary (same package): $GOLIVE_PROMTOOL, else Debian's. */
export function promtoolBinary(): string {
  return requireExecutable(process.env.GOLIVE_PROMTOOL ?? "/usr/bin/promtool", INSTALL_HINT);
}

export interface ScrapeTarget {
  job: string;
  /** Full URLs to scrape, e.g. http://127.0.0.1:8080/metrics; path and query may differ per URL. */
  urls: string[];
  /** Target labels every series scraped from these URLs gets (as Kubernetes service discovery would add namespace, pod...). */
  labels?: Record<string, string>;
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  /** A rule file (YAML, `groups: [...]`), loaded as the only rule file. */
  rules?: string;
  /** A Prometheus duration; default "1s". */
  scrapeInterval?: string;
  /** A Prometheus duration; default "1s". */
  evaluationInterval?: string;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Prometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  /**
   * Instant query: the value of a scalar, or of the one series of a vector; undefined when the
   * vector is empty. Throws if the query fails or returns more than one series.
   */
  query(promql: string): Promise<number | undefined>;
  /** Instant query returning every series of a vector (or a scalar as one sample without labels). */
  queryAll(promql: string): Promise<Sample[]>;
  /** Polls `query` until it returns a value satisfying `until` (default: any value); returns it. */
  waitForValue(promql: string, opts?: { until?: (v: number) => boolean; timeoutMs?: number }): Promise<number>;
  /**
   * Rewrites the config and rule file (keeping options not given) and asks Prometheus to reload
   * (POST /-/reload, via --web.enable-lifecycle). Throws with Prometheus' error if the reload fails.
   */
  reload(update?: Partial<PrometheusOptions>): Promise<void>;
  /** Prometheus' log so far (all of it, also after stop()). */
  log(): string;
  stop(): Promise<void>;
}

const Labels = z.record(z.string(), z.string());
const Value = z.tuple([z.number(), z.string()]);
const QueryResponse = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("success"),
    data: z.discriminatedUnion("resultType", [
      z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: Labels, value: Value })) }),
      z.object({ resultType: z.literal("scalar"), result: Value }),
      z.object({ resultType: z.literal("matrix"), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal("string"), result: Value }),
    ]),
  }),
  z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() }),
]);

function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s); // "NaN" -> NaN
}

/** One static_configs entry per URL: __scheme__, __metrics_path__ and __param_* come from the URL. */
function scrapeConfig(t: ScrapeTarget, interval: string) {
  return {
    job_name: t.job,
    scrape_interval: interval,
    scrape_timeout: interval,
    static_configs: t.urls.map((u) => {
      const url = new URL(u);
      const labels: Record<string, string> = { ...t.labels, __scheme__: url.protocol.replace(/:$/, ""), __metrics_path__: url.pathname };
      for (const [k, v] of url.searchParams) labels[`__param_${k}`] = v;
      return { targets: [url.host], labels };
    }),
  };
}

function configYaml(o: PrometheusOptions, rulesFile: string): string {
  const interval = o.scrapeInterval ?? "1s";
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: o.evaluationInterval ?? "1s" },
    ...(o.rules !== undefined ? { rule_files: [rulesFile] } : {}),
    scrape_configs: o.targets.map((t) => scrapeConfig(t, interval)),
  });
}

export async function startPrometheus(opts: PrometheusOptions): Promise<Prometheus> {
  const binary = prometheusBinary();
  const owned = new Owned("prometheus");
  try {
    let current: PrometheusOptions = { ...opts };
    const configFile = join(owned.dir, "prometheus.yml");
    const rulesFile = join(owned.dir, "rules.yml");
    const logFile = join(owned.dir, "prometheus.log");
    const writeConfig = () => {
      writeFileSync(rulesFile, current.rules ?? "groups: []\n");
      writeFileSync(configFile, configYaml(current, rulesFile));
    };
    writeConfig();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const c = owned.add(startComponent("prometheus", binary, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(owned.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--storage.tsdb.retention.time=1h",
    ], logFile));
    await waitFor(`${url}/-/ready`, () => httpOk(`${url}/-/ready`), { timeoutMs: 30_000, component: c });

    let finalLog: string | undefined;
    owned.beforeRemove = () => (finalLog = readLog(logFile));

    const queryAll = async (promql: string): Promise<Sample[]> => {
      const res = await fetch(`${url}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query: promql }) });
      const parsed = QueryResponse.parse(await res.json());
      if (parsed.status === "error") throw new Error(`query ${promql}: ${parsed.errorType}: ${parsed.error}`);
      const data = parsed.data;
      switch (data.resultType) {
        case "vector":
          return data.result.map((r) => ({ labels: r.metric, value: parseValue(r.value[1]) }));
        case "scalar":
          return [{ labels: {}, value: parseValue(data.result[1]) }];
        default:
          throw new Error(`query ${promql}: a ${data.resultType} result, want a vector or scalar (use an instant selector)`);
      }
    };
    const query = async (promql: string): Promise<number | undefined> => {
      const samples = await queryAll(promql);
      if (samples.length > 1) throw new Error(`query ${promql}: ${samples.length} series, want at most one: ${JSON.stringify(samples.map((s) => s.labels))}`);
      return samples[0]?.value;
    };

    return {
      url,
      query,
      queryAll,
      async waitForValue(promql, o = {}) {
        let value: number | undefined;
        try {
          await waitFor(`${promql}${o.until ? " to satisfy the condition" : " to have a value"}`, async () => {
            value = await query(promql);
            return value !== undefined && (o.until?.(value) ?? true);
          }, { timeoutMs: o.timeoutMs ?? 30_000, component: c });
        } catch (e) {
          throw new Error(`${(e as Error).message}\n(last value: ${String(value)})`, { cause: e });
        }
        return value!;
      },
      async reload(update = {}) {
        current = { ...current, ...update };
        writeConfig();
        const res = await fetch(`${url}/-/reload`, { method: "POST" });
        const body = await res.text();
        if (!res.ok) throw new Error(`reloading Prometheus: HTTP ${res.status}: ${body.trim()}`);
      },
      log: () => finalLog ?? readLog(logFile),
      stop: () => owned.stop(),
    };
  } catch (e) {
    await owned.stop();
    throw e;
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "(no log)";
  }
}

export interface CheckResult {
  ok: boolean;
  /** promtool's stdout and stderr. */
  output: string;
}

/** `promtool check rules` on a rule file's YAML (synchronous; promtool takes well under a second). */
export function checkRules(yaml: string): CheckResult {
  const promtool = promtoolBinary();
  const dir = tempDir("promtool");
  try {
    const file = join(dir.path, "rules.yml");
    writeFileSync(file, yaml);
    const r = spawnSync(promtool, ["check", "rules", file], { encoding: "utf8", timeout: 60_000 });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.replaceAll(file, "rules.yml").trim() };
  } finally {
    dir.remove();
  }
}
