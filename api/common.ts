// Shared building blocks of the golive.dev API. Every schema carries a description because
// the CRDs are generated from these and `kubectl explain` shows them to users.
import { z } from "zod";

export const GROUP = "golive.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A CEL rule the API server enforces (x-kubernetes-validations). */
export interface CelRule {
  rule: string;
  message: string;
  /** A CEL expression building the message from the object (shown instead of message). */
  messageExpression?: string;
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

/** Attach CEL rules to a schema: they land in the generated CRD and are also checked in TS by the caller's refinements. */
export function cel<T extends z.ZodType>(schema: T, ...rules: CelRule[]): T {
  return schema.meta({ "x-kubernetes-validations": rules });
}

const DURATION_RE = /^(\d+(\.\d+)?(ms|s|m|h|d))+$/;
const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse a Go-like duration ("90s", "1h30m", "2d") into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] ?? 0);
  }
  return total;
}

export const Duration = z
  .string()
  .regex(DURATION_RE, { message: 'must be a duration such as "30s", "5m", "1h30m" or "2d"' })
  .max(32)
  .describe('A duration: a sequence of numbers with units ms, s, m, h or d, such as "30s", "5m", "1h30m", "2d".');

export const Sha256Digest = z
  .string()
  .regex(/^sha256:[a-f0-9]{64}$/, { message: 'must be "sha256:" followed by 64 lowercase hex digits' })
  .describe('A content digest: "sha256:" followed by 64 lowercase hexadecimal digits.');

/** True when the name is a time zone this runtime's ICU knows (IANA names such as Asia/Shanghai). */
export function isValidTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, { message: 'must be an IANA time zone name such as "Asia/Shanghai" or "UTC"' })
  .describe('An IANA time zone name, such as "Asia/Shanghai" or "UTC".');

export const DnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit" })
  .describe("A DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters.");

export const ObjectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'" })
  .describe("The name of a Kubernetes object (a DNS-1123 subdomain).");

export const Timestamp = z.iso.datetime({ offset: true }).describe("An RFC 3339 timestamp.");

const LabelSelectorRequirement = z
  .object({
    key: z.string().min(1).max(317).describe("The label key the selector applies to."),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]).describe("How the key relates to the values."),
    values: z.array(z.string().max(63).describe("A label value.")).max(64).optional().describe("Values for In and NotIn; empty for Exists and DoesNotExist."),
  })
  .describe("One requirement of a label selector.");

export const LabelSelector = z
  .object({
    matchLabels: z.record(z.string(), z.string().describe("A label value.")).optional().describe("Labels that must all be present with these values."),
    matchExpressions: z.array(LabelSelectorRequirement).max(32).optional().describe("Requirements that must all hold."),
  })
  .describe("A Kubernetes label selector. An empty selector matches everything.");
export type LabelSelector = z.infer<typeof LabelSelector>;

export const Condition = z
  .object({
    type: z.string().min(1).max(316).describe("The condition type, such as Ready, Reconciling, Stalled, GatesPassed, Sealed or Verified."),
    status: z.enum(["True", "False", "Unknown"]).describe("Whether the condition holds."),
    observedGeneration: z.int().min(0).optional().describe("The .metadata.generation the condition was computed from."),
    lastTransitionTime: Timestamp.describe("When the status last changed."),
    reason: z.string().min(1).max(1024).describe("A CamelCase machine-readable reason for the condition's status."),
    message: z.string().max(32768).describe("A human-readable explanation."),
  })
  .describe("A status condition in the Kubernetes convention (metav1.Condition).");
export type Condition = z.infer<typeof Condition>;

export const SecretKeyRef = z
  .object({
    name: ObjectName.describe("The Secret's name, in the Release's namespace."),
    key: z.string().min(1).max(253).describe("The key within the Secret."),
  })
  .describe("A key of a Secret in the same namespace.");

/** Kinds of workloads that produce pods and so are governed by a Release. */
export const WorkloadKind = z
  .enum(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"])
  .describe("A kind of object that produces pods.");
export type WorkloadKind = z.infer<typeof WorkloadKind>;

/** Names in a list must be unique; used both as a zod refinement and a CEL rule. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): string | undefined {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}

/**
 * A list keyed by name: the zod refinement reports duplicates here, and the CRD marks the list
 * as x-kubernetes-list-type=map so the API server rejects duplicates and server-side apply
 * (Argo CD, Flux) merges entries by name instead of replacing the whole list.
 */
export function withUniqueNames<T extends { name: string }>(schema: z.ZodType<T[]>, what: string) {
  return schema
    .superRefine((items, ctx) => {
      const dup = uniqueBy(items, (i) => i.name);
      if (dup !== undefined) ctx.addIssue({ code: "custom", message: `${what} names must be unique: "${dup}" appears more than once` });
    })
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
}
