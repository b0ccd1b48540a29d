// A small client of the Prometheus HTTP API (instant and range queries), validated with zod.
// Errors name the query and what Prometheus said.
import { z } from "zod";
import { isPlainHttp, type Release, type ReleasePolicySpec } from "../../api/index.js";
import type { Sample } from "./forecast.js";

export interface PrometheusApiOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  /** [epoch ms, value] */
  samples: Sample[];
}

const Labels = z.record(z.string(), z.string());
const Value = z.tuple([z.number(), z.string()]);
const Data = z.discriminatedUnion("resultType", [
  z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: Labels, value: Value })) }),
  z.object({ resultType: z.literal("matrix"), result: z.array(z.object({ metric: Labels, values: z.array(Value) })) }),
  z.object({ resultType: z.literal("scalar"), result: Value }),
  z.object({ resultType: z.literal("string"), result: Value }),
]);
const Response = z.discriminatedUnion("status", [z.object({ status: z.literal("success"), data: Data }), z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() })]);

/**
 * The Prometheus that scrapes a release: the policy's (the platform team knows where it is), else
 * the operator's --prometheus-url, else the one the release's own analysis queries.
 */
export function prometheusFor(release: Release, policy: ReleasePolicySpec | undefined, operatorDefault: string | undefined): string | undefined {
  return policy?.monitoring.prometheus ?? operatorDefault ?? release.spec.strategy?.analysis?.prometheus.address;
}

/**
 * Why the Prometheus prometheusFor chose may not be asked (pure): it is plain http while the
 * governing policy requires https (8.5, spec.safeguards.requireHttps; on in level 3). The policy's
 * own address and the Release's analysis address are refused earlier (CRD rule, admission); the
 * operator's --prometheus-url is only known here. The message says where the URL came from and
 * what to change. Undefined: it may be used.
 */
export function prometheusRefusal(release: Release, policy: ReleasePolicySpec | undefined, operatorDefault: string | undefined): string | undefined {
  const url = prometheusFor(release, policy, operatorDefault);
  if (!url || !policy?.safeguards?.requireHttps || !isPlainHttp(url)) return undefined;
  const from = policy.monitoring.prometheus
    ? "the ReleasePolicy's spec.monitoring.prometheus: change it to the https:// address"
    : operatorDefault
      ? "the operator's --prometheus-url (GOLIVE_PROMETHEUS_URL; chart value operator.monitoring.prometheusUrl): start the operator with Prometheus's https:// address, or set spec.monitoring.prometheus in the ReleasePolicy to one"
      : "the Release's spec.strategy.analysis.prometheus.address: change it to the https:// address";
  return `Prometheus ${url} is a plain http URL and the governing ReleasePolicy requires https for every URL golive uses (8.5, spec.safeguards.requireHttps), so golive does not query it: serve Prometheus over TLS; the URL is ${from}`;
}

export class PrometheusError extends Error {
  override name = "PrometheusError";
}

function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s);
}

async function call(base: string, endpoint: string, params: Record<string, string>, opts: PrometheusApiOptions): Promise<z.infer<typeof Data>> {
  const doFetch = opts.fetch ?? fetch;
  const url = new URL(`api/v1/${endpoint}`, base.endsWith("/") ? base : `${base}/`);
  let res: Response;
  try {
    res = await doFetch(url, { method: "POST", body: new URLSearchParams(params), signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
  } catch (e) {
    throw new PrometheusError(`cannot reach Prometheus at ${base}: ${(e as Error).message}`, { cause: e });
  }
  const text = await res.text();
  let parsed: z.infer<typeof Response>;
  try {
    parsed = Response.parse(JSON.parse(text));
  } catch {
    throw new PrometheusError(`Prometheus at ${base} answered ${endpoint} with HTTP ${res.status} and no API response: ${text.slice(0, 200)}`);
  }
  if (parsed.status === "error") throw new PrometheusError(`query ${JSON.stringify(params.query)}: ${parsed.errorType}: ${parsed.error}`);
  return parsed.data;
}

/** Instant query: the series of a vector, or a scalar as one sample without labels. */
export async function instantQuery(base: string, query: string, opts: PrometheusApiOptions = {}): Promise<InstantSample[]> {
  const data = await call(base, "query", { query }, opts);
  switch (data.resultType) {
    case "vector":
      return data.result.map((r) => ({ labels: r.metric, value: parseValue(r.value[1]) }));
    case "scalar":
      return [{ labels: {}, value: parseValue(data.result[1]) }];
    default:
      throw new PrometheusError(`query ${JSON.stringify(query)}: a ${data.resultType} result; a capacity query must return an instant vector`);
  }
}

/** Range query from start to end (epoch ms) every stepMs. */
export async function rangeQuery(base: string, query: string, range: { startMs: number; endMs: number; stepMs: number }, opts: PrometheusApiOptions = {}): Promise<RangeSeries[]> {
  const data = await call(base, "query_range", { query, start: String(range.startMs / 1000), end: String(range.endMs / 1000), step: String(Math.max(0.001, range.stepMs / 1000)) }, opts);
  if (data.resultType !== "matrix") throw new PrometheusError(`query_range ${JSON.stringify(query)}: a ${data.resultType} result, want a matrix`);
  return data.result.map((r) => ({ labels: r.metric, samples: r.values.map(([t, v]) => [Math.round(t * 1000), parseValue(v)] as const) }));
}
