// The signed verification summary of a release (issue 17): when a release reaches Approved, and
// again at Released or RolledBack, the operator signs the SLSA Verification Summary statement
// (report/summary.ts, the same one `golive report --sign-key` embeds) with its evidence key and
// keeps the DSSE envelope beside the release, in the ConfigMap `<release>-golive-summary` of the
// release's namespace, one data key per phase (`Approved.dsse.json`, ...). A ConfigMap and not a
// ReleaseEvidence: evidence is what the gates read, and a summary of the gates is not an input
// to them; the envelope is signed, so whoever may edit the ConfigMap can break it, not forge it.
// No ownerReference: deleting the Release leaves the auditor's copy.
import type { KeyObject } from "node:crypto";
import type { Logger } from "pino";
import type { DsseEnvelope, Release, ReleasePolicy, ReleaseStatus } from "../../api/index.js";
import type { EvidenceObject } from "../../gates/opened-evidence.js";
import { canonicalJson, sha256Hex } from "../../gates/canonical-json.js";
import { keyIdOf } from "../../gates/dsse.js";
import { buildReport } from "../../report/model.js";
import { signSummary, summaryOf } from "../../report/summary.js";
import { signedOff } from "../closing/sign-off.js";
import { KubeError, type KubeClient } from "../runtime/kube-client.js";

// SignedOff: a Released release whose closing sign-off (4.3 l) arrived; its summary covers the Closing gates.
export const SUMMARY_PHASES = ["Approved", "Released", "SignedOff", "RolledBack"] as const;
export type SummaryPhase = (typeof SUMMARY_PHASES)[number];
export const SUMMARY_LABEL = "golive.dev/verification-summary";

/** The summaries a release in this status has: its phase's, and SignedOff once a Released release is signed off. */
export function summaryPhasesOf(status: ReleaseStatus): SummaryPhase[] {
  const phase = SUMMARY_PHASES.find((p) => p === status.phase);
  if (!phase) return [];
  return phase === "Released" && signedOff(status) ? ["Released", "SignedOff"] : [phase];
}

export function summaryConfigMapName(release: string): string {
  const suffix = "-golive-summary";
  return `${release.slice(0, 253 - suffix.length)}${suffix}`;
}

export const summaryKey = (phase: SummaryPhase): string => `${phase}.dsse.json`;

/** The signed summary of a release in the status it has now (pure: sign with the given key). */
export function signedSummary(release: Release, status: ReleaseStatus, policy: ReleasePolicy, evidence: readonly EvidenceObject[], key: KeyObject, now: Date): { envelope: DsseEnvelope; verdict: string } {
  const model = buildReport({ ...release, status }, policy, evidence, now);
  return { envelope: signSummary(summaryOf(model, evidence), key), verdict: model.verdict };
}

export interface PublishedSummary {
  phase: SummaryPhase;
  configMap: string;
  verdict: string;
  /** sha256 of the envelope as stored: the audit record names it. */
  digest: string;
  keyid: string;
}

export interface SummaryPublisherDeps {
  client: KubeClient;
  key: KeyObject;
  log: Logger;
}

export class SummaryPublisher {
  /** uid/phase: summaries known to be stored (checked once per process against the ConfigMap). */
  private readonly done = new Set<string>();
  constructor(private readonly d: SummaryPublisherDeps) {}

  /**
   * Sign and store the summary of the phase the release is in, unless it is stored already.
   * Failures are logged and retried at the next reconcile; they never hold the release.
   */
  async ensure(release: Release, status: ReleaseStatus, policy: ReleasePolicy, evidence: readonly EvidenceObject[], now: Date): Promise<PublishedSummary[]> {
    const published: PublishedSummary[] = [];
    for (const phase of summaryPhasesOf(status)) {
      const p = await this.ensurePhase(phase, release, status, policy, evidence, now);
      if (p) published.push(p);
    }
    return published;
  }

  private async ensurePhase(phase: SummaryPhase, release: Release, status: ReleaseStatus, policy: ReleasePolicy, evidence: readonly EvidenceObject[], now: Date): Promise<PublishedSummary | undefined> {
    const id = `${release.metadata.uid ?? release.metadata.name}/${phase}`;
    if (this.done.has(id)) return undefined;
    const ns = release.metadata.namespace ?? "default";
    const name = summaryConfigMapName(release.metadata.name);
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    try {
      let existing: { data?: Record<string, string> } | undefined;
      try {
        existing = await this.d.client.get(`${path}/${name}`);
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 404)) throw e;
      }
      if (existing?.data?.[summaryKey(phase)]) {
        this.done.add(id);
        return undefined;
      }
      const { envelope, verdict } = signedSummary(release, status, policy, evidence, this.d.key, now);
      const text = canonicalJson(envelope);
      const data = { [summaryKey(phase)]: text };
      if (existing) await this.d.client.patch(`${path}/${name}`, { data }, "merge");
      else
        await this.d.client.create(path, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace: ns, labels: { [SUMMARY_LABEL]: "true", "golive.dev/release": release.metadata.name } },
          data,
        });
      this.done.add(id);
      return { phase, configMap: `${ns}/${name}`, verdict, digest: `sha256:${sha256Hex(text)}`, keyid: keyIdOf(this.d.key) };
    } catch (e) {
      this.d.log.error({ err: e, release: `${ns}/${release.metadata.name}`, phase }, "could not store the signed verification summary; retried at the next reconcile");
      return undefined;
    }
  }
}
