// One instant query against Prometheus' HTTP API (POST /api/v1/query). The errors say which kind
// of failure it was, because a failed measurement (Prometheus down, a bad query, no data) must be
// told apart from a bad value: the first is an Error, the second a Failed measurement.
import { z } from "zod";

export type QueryErrorKind = "Unreachable" | "BadQuery" | "NoData" | "NotOneValue";

export class QueryError extends Error {
  override name = "QueryError";
  constructor(
    readonly kind: QueryErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const Sample = z.tuple([z.number(), z.string()]);
const Response = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("success"),
    data: z.discriminatedUnion("resultType", [
      z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: Sample })) }),
      z.object({ resultType: z.literal("scalar"), result: Sample }),
      z.object({ resultType: z.literal("matrix"), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal("string"), result: Sample }),
    ]),
  }),
  z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() }),
]);

export function parseSampleValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s); // "NaN" -> NaN
}

export interface QueryOptions {
  timeoutMs?: number;
  /** For tests: an alternative fetch. */
  fetch?: typeof fetch;
}

/** The single number a PromQL query returns now; throws QueryError otherwise. */
export async function queryValue(address: string, promql: string, o: QueryOptions = {}): Promise<number> {
  const url = new URL("api/v1/query", address.endsWith("/") ? address : `${address}/`);
  let res: globalThis.Response;
  try {
    res = await (o.fetch ?? fetch)(url, { method: "POST", body: new URLSearchParams({ query: promql }), signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new QueryError("Unreachable", `Prometheus at ${url.origin} is unreachable: ${cause ?? (e as Error).message}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new QueryError(res.status >= 500 ? "Unreachable" : "BadQuery", `Prometheus answered HTTP ${res.status} without JSON: ${text.slice(0, 200)}`);
  }
  const parsed = Response.safeParse(body);
  if (!parsed.success) throw new QueryError("Unreachable", `Prometheus answered HTTP ${res.status} with an unexpected body`);
  if (parsed.data.status === "error") {
    const kind: QueryErrorKind = parsed.data.errorType === "bad_data" || parsed.data.errorType === "execution" ? "BadQuery" : "Unreachable";
    throw new QueryError(kind, `${parsed.data.errorType}: ${parsed.data.error}`);
  }
  const data = parsed.data.data;
  switch (data.resultType) {
    case "scalar":
      return parseSampleValue(data.result[1]);
    case "vector": {
      if (data.result.length === 0) throw new QueryError("NoData", "the query returned no data (an empty vector)");
      if (data.result.length > 1) throw new QueryError("NotOneValue", `the query returned ${data.result.length} series; aggregate it to one (sum, max, ...)`);
      return parseSampleValue(data.result[0]!.value[1]);
    }
    default:
      throw new QueryError("NotOneValue", `the query returned a ${data.resultType}; use an instant vector or scalar`);
  }
}
