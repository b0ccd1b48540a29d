// Safeguards of the running system that admission checks (8.5 confidentiality in transit, 8.7 d
// log management, 8.7 e network isolation): policy switches, and what a Release declares for them.
import { z } from "zod";

export const Safeguards = z
  .object({
    requireHttps: z
      .boolean()
      .default(false)
      .describe("8.5: every URL golive talks to for a release is https: spec.monitoring.prometheus here, and in each Release spec.strategy.analysis.prometheus.address, spec.notifications[].url and spec.logShipping.destination when it is a URL. An http URL is refused with what to change."),
    requireNetworkPolicy: z
      .boolean()
      .default(false)
      .describe("8.7 e: a governed workload's pods must be selected by at least one NetworkPolicy in their namespace (its podSelector matches the pod template's labels; an empty podSelector selects every pod) that isolates Ingress (policyTypes contains Ingress, or is unset, as Kubernetes then defaults it to Ingress)."),
    requireLogShipping: z.boolean().default(false).describe("8.7 d: every Release declares where its logs are shipped (spec.logShipping: destination and agent)."),
    // Optional with the default in the operator: a schema default would be written into every
    // stored policy and change its digest.
    verificationExposure: z
      .enum(["Hold", "Warn"])
      .optional()
      .describe("4.6 c, what the operator does while another NetworkPolicy opens a verifying release's candidate pods to more than verification clients (condition VerificationExclusive False): Hold (the default) starts no verification Job and lets no sign-off pass until it is fixed; Warn only reports it (the condition and a Warning Event), for namespaces whose broad policies (a monitoring scraper's, say) are known and accepted."),
  })
  .describe("Safeguards checked at admission (8.5, 8.7 d,e), and how the operator treats an exposed verification (4.6 c); the admission checks are off by default and all on in the level-3 bundle.");
export type Safeguards = z.infer<typeof Safeguards>;

export const LogShipping = z
  .object({
    destination: z.string().min(1).max(1024).describe("Where the logs go, such as https://logs.example.com/ingest or a syslog host: the central log platform (8.7 d)."),
    agent: z.string().min(1).max(256).describe("What ships them, such as fluent-bit (a DaemonSet) or a sidecar's name."),
  })
  .describe("Log shipping (8.7 d): where this release's logs are collected, and by what.");
export type LogShipping = z.infer<typeof LogShipping>;

/** The CEL twin of the policy's own https rule, so the API server refuses the policy itself. */
export const POLICY_HTTPS_RULE = {
  rule: "!has(self.safeguards) || !has(self.safeguards.requireHttps) || !self.safeguards.requireHttps || !has(self.monitoring) || !has(self.monitoring.prometheus) || self.monitoring.prometheus.startsWith('https://')",
  message: "spec.safeguards.requireHttps is on, so spec.monitoring.prometheus must be an https:// URL (8.5): serve Prometheus over TLS and give its https address",
} as const;

/** True when the text is a URL with the plain-http scheme (compared without case, as URL schemes are). */
export function isPlainHttp(url: string): boolean {
  return /^http:\/\//i.test(url.trim());
}
