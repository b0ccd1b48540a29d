// The DR pass of a Release reconcile. Reading a DR cluster is slow or may hang, so the reconcile
// never waits for it: it takes the last result per target from memory and, when that is older
// than the resync period, starts a read in the background that requeues the release when done.
// An unreachable target costs one timed-out request per resync and nothing else.
import type { Logger } from "pino";
import type { Phase, Release, ReleasePolicySpec } from "../../api/index.js";
import { DRIFT_PHASES } from "../drift/check.js";
import { compareTarget } from "./compare.js";
import type { DrMetrics } from "./metrics.js";
import { DrTargets, observeTarget, scrubbedReason, type SecretReader } from "./observe.js";
import { reportTargets, type DrReport, type TargetResult } from "./report.js";

export interface DisasterRecoveryDeps {
  /** The operator's own client: reads the kubeconfig Secrets in its namespace. */
  client: SecretReader;
  ownNamespace: string;
  log: Logger;
  enqueue: (key: string) => void;
  metrics?: DrMetrics;
  /** How often each target is read again (default 30 s). */
  resyncMs?: number;
  /** Per request to a DR cluster (default 5 s). */
  timeoutMs?: number;
  now?: () => Date;
}

interface Last {
  at: number;
  result: TargetResult;
}

export class DisasterRecovery {
  private readonly targets: DrTargets;
  private readonly last = new Map<string, Last>();
  private readonly reading = new Set<string>();

  constructor(private readonly d: DisasterRecoveryDeps) {
    this.targets = new DrTargets(d.client, d.ownNamespace, d.timeoutMs ?? 5_000);
  }

  get resyncMs(): number {
    return this.d.resyncMs ?? 30_000;
  }

  /** This pass's report, or undefined when the policy names no DR targets or the release is not live. */
  pass(key: string, release: Release, phase: Phase | undefined, policy: ReleasePolicySpec | undefined, nowIso: string): DrReport | undefined {
    const targets = policy?.disasterRecovery?.targets ?? [];
    if (targets.length === 0 || !phase || !DRIFT_PHASES.includes(phase)) {
      this.forget(key);
      return undefined;
    }
    const now = (this.d.now ?? (() => new Date()))().getTime();
    const results: TargetResult[] = targets.map((t) => {
      const id = `${key}\n${t.name}`;
      const last = this.last.get(id);
      if ((!last || now - last.at >= this.resyncMs) && !this.reading.has(id)) this.read(id, key, release, t);
      return last?.result ?? { target: t.name, state: "Unknown" };
    });
    const report = reportTargets(release.status?.disasterRecovery, results, nowIso);
    this.d.metrics?.record(key, report.targets);
    return report;
  }

  forget(key: string): void {
    for (const id of this.last.keys()) if (id.startsWith(`${key}\n`)) this.last.delete(id);
    this.d.metrics?.forget(key);
  }

  close(): void {
    this.targets.close();
  }

  private read(id: string, key: string, release: Release, target: NonNullable<ReleasePolicySpec["disasterRecovery"]>["targets"][number]): void {
    this.reading.add(id);
    const namespace = release.metadata.namespace ?? "";
    const mapped = target.namespaceMapping?.[namespace] ?? namespace;
    void (async (): Promise<TargetResult> => {
      try {
        const client = await this.targets.client(target);
        return { target: target.name, ...compareTarget(release, await observeTarget(client, release, mapped)) };
      } catch (e) {
        const reason = scrubbedReason(e);
        // The reason only: the error object may carry request options (headers with the token).
        this.d.log.warn({ release: key, target: target.name, reason }, "DR target unreachable");
        return { target: target.name, state: "Unreachable", reason };
      }
    })().then((result) => {
      this.last.set(id, { at: Date.now(), result });
      this.reading.delete(id);
      this.d.enqueue(key);
    });
  }
}
