// Webhook metrics under controller-runtime's names, so dashboards and alerts written for
// kubebuilder webhooks work unchanged. The `webhook` label is the path served.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class WebhookMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"code" | "webhook">;
  readonly latency: Histogram<"webhook">;
  readonly inFlight: Gauge<"webhook">;
  readonly decisions: Counter<"webhook" | "allowed">;

  constructor(opts: { registry?: Registry; defaults?: boolean } = {}) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    this.requests = new Counter({ name: "controller_runtime_webhook_requests_total", help: "Total number of admission requests by HTTP status code.", labelNames: ["code", "webhook"], registers });
    this.latency = new Histogram({
      name: "controller_runtime_webhook_latency_seconds",
      help: "Histogram of the latency of processing admission requests",
      labelNames: ["webhook"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.inFlight = new Gauge({ name: "controller_runtime_webhook_requests_in_flight", help: "Current number of admission requests being served.", labelNames: ["webhook"], registers });
    this.decisions = new Counter({ name: "golive_webhook_decisions_total", help: "Admission decisions by outcome.", labelNames: ["webhook", "allowed"], registers });
    if (opts.defaults) collectDefaultMetrics({ register: this.registry });
  }
}
