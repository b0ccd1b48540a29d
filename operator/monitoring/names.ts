// Names, labels and durations shared by the monitoring planners: what golive puts on the objects
// it owns, and what the scraped series of a release carry.
import { createHash } from "node:crypto";
import { parseDuration } from "../../api/index.js";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "golive";
/** Tells the enrollment apart from other objects golive owns for a release (canary Services...). */
export const COMPONENT_LABEL = "golive.dev/component";
export const MONITORING_COMPONENT = "monitoring";
/** The Grafana sidecar's convention: it loads every ConfigMap with this label as a dashboard. */
export const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";
/** Label of the rule-file ConfigMap written when the PrometheusRule CRD is not installed. */
export const PROMETHEUS_RULES_LABEL = "golive.dev/prometheus-rules";
/** Annotation carrying the digest of what golive applied, so unchanged objects are not re-sent. */
export const ENROLLMENT_HASH_ANNOTATION = "golive.dev/enrollment-hash";

/**
 * Target label naming the Release on every series scraped from its pods. The PodMonitor and
 * ServiceMonitor set it by relabeling; in the annotation convention the usual
 * `labelmap: __meta_kubernetes_service_label_(.+)` turns the Service's golive.dev/release label
 * into the same name.
 */
export const TARGET_RELEASE_LABEL = "golive_dev_release";

const hash8 = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 8);

/**
 * `<base>-<suffix>` within `max` characters: a long base is cut and a hash of the whole name
 * keeps it unique. With `dns1035` (Service names) dots become dashes and the name starts with a
 * letter.
 */
export function childName(base: string, suffix: string, max = 253, dns1035 = false): string {
  let b = dns1035 ? base.replaceAll(".", "-") : base;
  if (dns1035 && !/^[a-z]/.test(b)) b = `r-${b}`;
  const full = suffix ? `${b}-${suffix}` : b;
  if (full.length <= max) return full;
  const tail = `-${hash8(full)}${suffix ? `-${suffix}` : ""}`;
  return `${b.slice(0, max - tail.length).replace(/[-.]+$/, "")}${tail}`;
}

/** A PromQL string literal. */
export const promString = (s: string): string => JSON.stringify(s);

/** A PromQL number literal (bounds are finite; zod makes them so). */
export function promNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return String(n);
}

/** Milliseconds as a Prometheus duration ("5m", "1h30m", "1500ms"): whole units, no decimals. */
export function promDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`not a duration: ${ms} ms`);
  let rest = Math.round(ms);
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A golive duration ("5m", "1.5h") or milliseconds, as milliseconds; throws on a malformed text. */
export function toMs(d: string | number): number {
  if (typeof d === "number") return d;
  const ms = parseDuration(d);
  if (ms === undefined) throw new Error(`"${d}" is not a duration such as "30s", "5m" or "2d"`);
  return ms;
}

/** Escape for a Go template text (alert annotations): `{{` would start an action. */
export const templateText = (s: string): string => s.replaceAll("{{", "{ {").replaceAll("}}", "} }");
