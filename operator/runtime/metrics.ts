// Operator metrics under controller-runtime's names, so dashboards and alerts written for
// kubebuilder operators work unchanged.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { WorkQueueMetrics } from "./workqueue.js";

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller", labelNames: ["controller", "result"], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller", labelNames: ["controller"], registers: [this.registry] });
  readonly reconcileTime = new Histogram({ name: "controller_runtime_reconcile_time_seconds", help: "Length of time per reconciliation per controller", labelNames: ["controller"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly leader = new Gauge({ name: "leader_election_master_status", help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master", labelNames: ["name"], registers: [this.registry] });
  private readonly depth = new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames: ["name"], registers: [this.registry] });
  private readonly adds = new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: ["name"], registers: [this.registry] });
  private readonly retries = new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: ["name"], registers: [this.registry] });
  private readonly queueDuration = new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested", labelNames: ["name"], buckets: [0.001, 0.01, 0.1, 1, 10, 100], registers: [this.registry] });
  private readonly workDuration = new Histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes", labelNames: ["name"], buckets: [0.001, 0.01, 0.1, 1, 10, 100], registers: [this.registry] });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  queue(name: string): WorkQueueMetrics {
    return {
      depth: (n) => this.depth.set({ name }, n),
      added: () => this.adds.inc({ name }),
      retried: () => this.retries.inc({ name }),
      queueLatency: (s) => this.queueDuration.observe({ name }, s),
      workDuration: (s) => this.workDuration.observe({ name }, s),
    };
  }
}
