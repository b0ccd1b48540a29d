// Process configuration: flags override environment variables, which override defaults.
// Validated by zod so a bad setting fails at start with its name and the accepted values.
import { z } from "zod";
import { Duration, parseDuration } from "../api/index.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const durationMs = Duration.transform((d) => parseDuration(d) as number);

/** Every setting: its environment variable is GOLIVE_<UPPER_SNAKE>, its flag --<kebab-case>. */
export const ConfigSchema = z.object({
  namespace: z.string().min(1).default("golive-system").describe("golive's own namespace (never governed)"),
  logLevel: z.enum(LOG_LEVELS).default("info").describe("log level"),
  kubeconfig: z.string().optional().describe("kubeconfig path; in-cluster config when unset"),
  webhookPort: port.default(9443).describe("HTTPS port of the admission webhook"),
  metricsPort: port.default(8080).describe("port of /metrics"),
  healthPort: port.default(8081).describe("port of /healthz and /readyz"),
  metricsTls: bool.default(false).describe("serve /metrics over HTTPS (and /healthz, /readyz when they share its port); plain HTTP is then refused there"),
  metricsTlsCert: z.string().min(1).optional().describe("with --metrics-tls: PEM certificate of /metrics, served anew when the file changes (default: one made at start, its fingerprint logged)"),
  metricsTlsKey: z.string().min(1).optional().describe("with --metrics-tls: PEM key of --metrics-tls-cert"),
  webhookTimeout: durationMs.default(8_000).describe("budget of one admission decision, below the API server's timeoutSeconds"),
  leaderElect: bool.default(true).describe("run leader election on a Lease"),
  leaseDuration: durationMs.default(15_000).describe("leader lease duration"),
  renewDeadline: durationMs.default(10_000).describe("leader renew deadline"),
  retryPeriod: durationMs.default(2_000).describe("leader election retry period"),
  auditFile: z.string().default("/var/lib/golive/audit.jsonl").describe("append-only audit trail file"),
  resyncPeriod: durationMs.default(300_000).describe("periodic full resync of informers"),
  prometheusUrl: z.string().url().regex(/^https?:\/\//, { message: "must be an http:// or https:// URL" }).optional().describe("the Prometheus that scrapes governed workloads (readiness before Released, capacity reports); a policy's spec.monitoring.prometheus wins"),
  capacityReportInterval: durationMs.default(3_600_000).describe("how often each release's capacity report is renewed"),
  capacityHistory: durationMs.default(14 * 86_400_000).describe("history of each key capacity metric the forecast reads"),
  evidenceKey: z.string().min(1).optional().describe("PEM private key the operator signs verification Job results with (VerificationReport evidence; the policy must trust it); GOLIVE_KEY_PASSWORD unlocks an encrypted one; unset: results stay in status only"),
  evidenceSigner: z.string().min(1).default("golive-operator").describe("the signer name of --evidence-key in the policy's spec.signers"),
  drResyncPeriod: durationMs.default(30_000).describe("how often each DR target of a live release is read again (4.3 g)"),
  drTimeout: durationMs.default(5_000).describe("budget of one request to a DR cluster; an unreachable one costs this per resync and blocks nothing"),
  concurrency: z.coerce.number().int().min(1).max(64).default(4).describe("reconciles run at once (releases rolling out get one more slot of their own)"),
  queueQps: z.coerce.number().positive().max(10_000).default(200).describe("sustained reconciles per second of routine work (resyncs, gates); releases rolling out are not throttled"),
  queueBurst: z.coerce.number().int().min(1).max(100_000).default(400).describe("reconciles allowed at once above queueQps"),
  heapGrowingPercent: z.coerce.number().int().min(0).max(300).default(50).describe("the operator's heap grows to at most this much above what is live before a full garbage collection (V8 --heap-growing-percent); 0: V8's own choice, up to 4× what is live"),
});
export type Config = z.infer<typeof ConfigSchema>;
type Key = keyof Config;

export const envName = (key: string): string => `GOLIVE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function acceptedValues(key: Key): string {
  const field = ConfigSchema.shape[key];
  const description = field.description ?? key;
  const inner = (field as { def: { innerType?: { options?: readonly string[] } } }).def.innerType;
  return inner?.options ? `${description}; one of ${inner.options.join(", ")}` : description;
}

/** Load configuration from flags (already split into key/value) and the environment. */
export function loadConfig(flags: Partial<Record<Key, string>>, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape) as Key[]) {
    const value = flags[key] ?? env[envName(key)];
    if (value !== undefined) raw[key] = value;
  }
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = String(issue.path[0]) as Key;
    return `${flagName(key)} / ${envName(key)} = ${JSON.stringify(raw[key])}: ${issue.message} (${acceptedValues(key)})`;
  });
  throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
}
