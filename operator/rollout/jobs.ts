// The Jobs the rollout runs: verification cases (4.7 c,d,e), the cleanup of verification data
// (4.6 d) and rollback hooks (4.10 c,d). One container each; the result is its exit status, read
// from the Job's Complete/Failed conditions. The Job is owned by the Release (deleted with it),
// carries the release's label, and its pods are verification clients (the replica-ratio router's
// NetworkPolicy admits them). Each gets where and how to reach the candidate in its environment.
import type { Release } from "../../api/index.js";
import { parseDuration, RELEASE_LABEL } from "../../api/index.js";
import { MANAGED_BY, VERIFICATION_CLIENT_LABEL, type KubeObjectLike } from "../routers/types.js";
import { canaryServiceName, stableServiceName } from "./names.js";
import type { JobPurpose, JobView } from "./types.js";

export const JOB_PURPOSE_LABEL = "golive.dev/job-purpose";

export interface JobLike extends KubeObjectLike {
  status?: { startTime?: string; completionTime?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] };
}

/** verifyToken: the release's verification token (operator/routers/verification-token.ts), sent as GOLIVE_VERIFY_VALUE. */
export function jobManifest(release: Release, purpose: JobPurpose, name: string, jobName: string, verifyToken?: string): JobLike {
  const spec = release.spec;
  const named = purpose === "verify" ? spec.strategy?.verification?.jobs.find((j) => j.name === name) : purpose === "cleanup" ? spec.strategy?.cleanup : spec.rollback.hooks.find((h) => h.name === name);
  if (!named) throw new Error(`${purpose} Job ${name} is not in the Release's spec`);
  const job = named.job;
  const routing = spec.strategy?.trafficRouting;
  const users = spec.strategy?.verification?.users;
  const env: Record<string, unknown>[] = [
    { name: "GOLIVE_RELEASE", value: release.metadata.name },
    { name: "GOLIVE_VERSION", value: spec.version },
    { name: "GOLIVE_JOB_PURPOSE", value: purpose },
    ...(routing ? [{ name: "GOLIVE_CANARY_SERVICE", value: canaryServiceName(routing.service) }, { name: "GOLIVE_STABLE_SERVICE", value: stableServiceName(routing.service) }] : []),
    ...(users ? [users.header ? { name: "GOLIVE_VERIFY_HEADER", value: users.header } : { name: "GOLIVE_VERIFY_COOKIE", value: users.cookie }, ...(verifyToken ? [{ name: "GOLIVE_VERIFY_VALUE", value: verifyToken }] : [])] : []),
    ...(job.env ?? []).map((e) => (e.secretKeyRef ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secretKeyRef.name, key: e.secretKeyRef.key } } } : { name: e.name, value: e.value ?? "" })),
  ];
  const labels = { ...MANAGED_BY, [RELEASE_LABEL]: release.metadata.name, [JOB_PURPOSE_LABEL]: purpose };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName,
      namespace: release.metadata.namespace ?? "",
      labels,
      ...(release.metadata.uid ? { ownerReferences: [{ apiVersion: release.apiVersion, kind: "Release", name: release.metadata.name, uid: release.metadata.uid, controller: true, blockOwnerDeletion: false }] } : {}),
    },
    spec: {
      backoffLimit: job.backoffLimit,
      activeDeadlineSeconds: Math.max(1, Math.round((parseDuration(job.timeout) ?? 600_000) / 1000)),
      template: {
        metadata: { labels: { ...labels, [VERIFICATION_CLIENT_LABEL]: "true" } },
        spec: {
          restartPolicy: "Never",
          ...(job.serviceAccountName ? { serviceAccountName: job.serviceAccountName } : { automountServiceAccountToken: false }),
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "job",
              image: job.image,
              ...(job.command ? { command: job.command } : {}),
              ...(job.args ? { args: job.args } : {}),
              env,
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

export function jobView(j: JobLike): JobView {
  const conditions = j.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  const complete = holds("Complete");
  const failed = holds("Failed");
  const name = j.metadata?.name ?? "";
  const startedAt = j.status?.startTime;
  if (complete) return { name, phase: "Succeeded", startedAt, finishedAt: j.status?.completionTime ?? complete.lastTransitionTime };
  if (failed) return { name, phase: "Failed", startedAt, finishedAt: failed.lastTransitionTime, reason: [failed.reason, failed.message].filter(Boolean).join(": ") || "the Job failed" };
  return { name, phase: "Running", startedAt };
}
