// DR consistency as an operator metric: golive_release_dr_consistent, one series per live
// release and DR target, 1 InSync, 0 Drifted or Unreachable (state label says which). The
// generated PrometheusRule (operator/monitoring/enrollment.ts, group golive.dr) alerts on 0.
import { Gauge, type Registry } from "prom-client";

export const DR_GAUGE = "golive_release_dr_consistent";
const LABELS = ["release_namespace", "release", "target", "state"] as const;
const STATES = ["InSync", "Drifted", "Unreachable"] as const;

export class DrMetrics {
  readonly gauge: Gauge<(typeof LABELS)[number]>;
  private readonly published = new Map<string, Set<string>>();

  constructor(registry: Registry) {
    this.gauge = new Gauge({ name: DR_GAUGE, help: "Whether a DR target runs a live release's sealed images and configuration (1 InSync, 0 otherwise; state says which)", labelNames: LABELS, registers: [registry] });
  }

  record(key: string, targets: readonly { target: string; state: string }[]): void {
    const [release_namespace, release] = split(key);
    this.forget(key);
    const names = new Set<string>();
    for (const t of targets) {
      for (const state of STATES) this.gauge.remove({ release_namespace, release, target: t.target, state });
      this.gauge.set({ release_namespace, release, target: t.target, state: t.state }, t.state === "InSync" ? 1 : 0);
      names.add(`${t.target}\n${t.state}`);
    }
    this.published.set(key, names);
  }

  forget(key: string): void {
    const names = this.published.get(key);
    if (!names) return;
    const [release_namespace, release] = split(key);
    for (const n of names) {
      const [target, state] = n.split("\n") as [string, string];
      this.gauge.remove({ release_namespace, release, target, state });
    }
    this.published.delete(key);
  }
}

function split(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
