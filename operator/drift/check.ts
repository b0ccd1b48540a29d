// The drift pass of a Release reconcile: gather (the release's pods from the pod index, each sealed
// ConfigMap and Secret read by name from the API server), decide with the pure detectDrift, and
// say what to record: the Drifted condition, an Event and an audit record when the findings
// change, and the golive_release_drift gauge. The reconciler writes the status, Events and audit.
import type { Condition, Phase, Release } from "../../api/index.js";
import type { ConfigKind, ConfigObject } from "../../images/config-digest.js";
import type { ConditionInput } from "../release/conditions.js";
import type { PlannedEvent } from "../release/plan.js";
import { KubeError } from "../runtime/kube-client.js";
import { countByKind, detectDrift, driftCondition, type DriftFinding } from "./detect.js";
import type { DriftMetrics } from "./metrics.js";
import type { PodIndex } from "./pods.js";

/** Phases in which the release's workloads may run as sealed: drift is checked in these. */
export const DRIFT_PHASES: readonly Phase[] = ["Approved", "Verifying", "CleaningUp", "Progressing", "Released"];
export const DRIFTED = "Drifted";

export interface DriftRecord {
  result: "Drifted" | "DriftResolved";
  reason: string;
  details: { findings: DriftFinding[] };
}

export interface DriftPass {
  /** The Drifted condition; undefined when the release is not live (the condition is dropped). */
  condition?: ConditionInput;
  events: PlannedEvent[];
  /** An audit record to append: the findings changed. */
  audit?: DriftRecord;
}

/**
 * Pure: what to report given the previous Drifted condition and this pass's findings. An Event and
 * an audit record only when the condition changes (drift appears, its findings change, or it goes
 * away), never on every pass.
 */
export function reportDrift(previous: Condition | undefined, findings: DriftFinding[], unreadable: readonly string[] = []): DriftPass {
  const condition: ConditionInput =
    findings.length === 0 && unreadable.length > 0
      ? { type: DRIFTED, status: "Unknown", reason: "CannotRead", message: `cannot read sealed configuration ${unreadable.join(", ")}` }
      : driftCondition(findings);
  const changed = previous?.status !== condition.status || (condition.status === "True" && previous.message !== condition.message);
  if (!changed) return { condition, events: [] };
  if (condition.status === "True") {
    return { condition, events: [{ type: "Warning", reason: DRIFTED, message: `running release differs from its seal: ${condition.message}` }], audit: { result: "Drifted", reason: condition.message, details: { findings } } };
  }
  if (previous?.status === "True") {
    const message = condition.status === "False" ? condition.message : `drift no longer observed, but ${condition.message}`;
    return { condition, events: [{ type: "Normal", reason: "DriftResolved", message }], audit: { result: "DriftResolved", reason: message, details: { findings: [] } } };
  }
  return { condition, events: [] };
}

export interface ReleaseDriftDeps {
  client: { get<T>(path: string): Promise<T> };
  pods: PodIndex;
  metrics?: DriftMetrics;
  /** Platform manifests of multi-arch indexes, by index digest (none known by default). */
  children?: ReadonlyMap<string, readonly string[]>;
}

const PLURAL: Record<ConfigKind, string> = { ConfigMap: "configmaps", Secret: "secrets" };

export class ReleaseDrift {
  constructor(private readonly d: ReleaseDriftDeps) {}

  async pass(release: Release, phase: Phase | undefined): Promise<DriftPass> {
    const key = `${release.metadata.namespace ?? ""}/${release.metadata.name}`;
    if (!phase || !DRIFT_PHASES.includes(phase)) {
      this.d.metrics?.forget(key);
      return { events: [] };
    }
    const { objects, unreadable } = await this.readConfiguration(release);
    const skip = new Set(unreadable.map((u) => u.key));
    const sealed = skip.size ? { ...release, spec: { ...release.spec, configuration: release.spec.configuration.filter((c) => !skip.has(`${c.kind} ${c.name}`)) } } : release;
    const findings = detectDrift({ release: sealed, pods: this.d.pods.pods(key), configuration: (kind, name) => objects.get(`${kind} ${name}`), ...(this.d.children ? { children: this.d.children } : {}) });
    this.d.metrics?.record(key, countByKind(findings));
    return reportDrift(release.status?.conditions?.find((c) => c.type === DRIFTED), findings, unreadable.map((u) => u.what));
  }

  forget(key: string): void {
    this.d.metrics?.forget(key);
  }

  /**
   * Each sealed object read by name (get only; no cluster-wide Secret watch). A Secret's data is
   * digested here and goes nowhere else: not into logs, status, Events or the audit trail.
   */
  private async readConfiguration(release: Release): Promise<{ objects: Map<string, ConfigObject>; unreadable: { key: string; what: string }[] }> {
    const ns = release.metadata.namespace ?? "";
    const objects = new Map<string, ConfigObject>();
    const unreadable: { key: string; what: string }[] = [];
    await Promise.all(
      release.spec.configuration.map(async ({ kind, name }) => {
        try {
          const o = await this.d.client.get<ConfigObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/${PLURAL[kind]}/${encodeURIComponent(name)}`);
          objects.set(`${kind} ${name}`, { kind, metadata: { name }, data: o.data ?? null, ...(kind === "ConfigMap" ? { binaryData: o.binaryData ?? null } : {}) });
        } catch (e) {
          if (e instanceof KubeError && e.code === 404) return;
          unreadable.push({ key: `${kind} ${name}`, what: `${kind} ${name}${e instanceof KubeError ? ` (HTTP ${e.code} ${e.reason})` : ""}` });
        }
      }),
    );
    unreadable.sort((a, b) => a.what.localeCompare(b.what));
    return { objects, unreadable };
  }
}
