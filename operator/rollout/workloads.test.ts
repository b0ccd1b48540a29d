import { describe, expect, it } from "vitest";
import { exampleRelease } from "../../gates/testkit.js";
import type { DeploymentLike } from "../routers/replica-ratio.js";
import { inventoryConfigMap, inventoryRecord } from "./inventory.js";
import { jobManifest, jobView } from "./jobs.js";
import { jobName } from "./names.js";
import { stableCopy, stableUpToDate, templateHash, workloadView } from "./workloads.js";

const candidate: DeploymentLike = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "uw", uid: "u1", generation: 4, labels: { app: "api", "app.kubernetes.io/instance": "argo-app", "kustomize.toolkit.fluxcd.io/name": "apps", "golive.dev/release": "api-2" }, annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "api" } },
    strategy: { type: "RollingUpdate" },
    template: { metadata: { labels: { app: "api", "golive.dev/release": "api-2" } }, spec: { containers: [{ name: "api", image: "r/api@sha256:aa" }] } },
  },
  status: { observedGeneration: 4, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3 },
};

describe("the stable copy", () => {
  const copy = stableCopy(candidate, 3, "api-2");
  it("runs the candidate's template, labelled and selected as stable, without GitOps tracking labels", () => {
    expect(copy.metadata).toMatchObject({ name: "api-stable", namespace: "uw", labels: { app: "api", "app.kubernetes.io/managed-by": "golive", "golive.dev/stable-of": "api", "golive.dev/release": "api-2" }, annotations: { "golive.dev/template-hash": templateHash(candidate.spec!.template) } });
    expect(copy.metadata?.labels).not.toHaveProperty("app.kubernetes.io/instance");
    expect(copy.metadata?.labels).not.toHaveProperty("kustomize.toolkit.fluxcd.io/name");
    expect((copy.metadata as { ownerReferences: unknown[] }).ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "api", uid: "u1", controller: false, blockOwnerDeletion: false }]);
    expect(copy.spec?.selector).toEqual({ matchLabels: { app: "api", "golive.dev/track": "stable" } });
    expect(copy.spec?.template?.metadata?.labels).toEqual({ app: "api", "golive.dev/release": "api-2", "golive.dev/track": "stable" });
    expect(copy.spec?.template?.spec).toEqual(candidate.spec!.template!.spec);
    expect(copy.spec?.strategy).toEqual({ type: "RollingUpdate" });
  });
  it("is up to date when the template, replicas and release match", () => {
    expect(stableUpToDate(copy, copy)).toBe(true);
    expect(stableUpToDate({ ...copy, spec: { ...copy.spec, replicas: 2 } }, copy)).toBe(false);
    expect(stableUpToDate(undefined, copy)).toBe(false);
  });
  it("is seen with the hash of the template it was copied from", () => {
    expect(workloadView(copy, "h1", true).templateHash).toBe(workloadView(candidate, undefined, false).templateHash);
    expect(workloadView(candidate, "h2", false)).toMatchObject({ replicas: 3, readyReplicas: 3, releaseLabel: "api-2", images: ["r/api@sha256:aa"], podTemplateHash: "h2" });
  });
});

describe("rollout Jobs", () => {
  const r = exampleRelease();
  r.metadata.uid = "rel-uid";
  it("run one container with the release's wiring, as verification clients, owned by the Release", () => {
    const job = jobManifest(r, "verify", "quote-smoke", jobName(r.metadata.name, "verify", "quote-smoke"), "derived-token");
    expect(job.metadata).toMatchObject({ name: "underwriting-api-2-4-1-verify-quote-smoke", labels: { "golive.dev/release": "underwriting-api-2-4-1", "golive.dev/job-purpose": "verify" } });
    const spec = job.spec as any;
    expect(spec.activeDeadlineSeconds).toBe(300);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.metadata.labels["golive.dev/verification-client"]).toBe("true");
    const env = spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env).toEqual(
      expect.arrayContaining([
        { name: "GOLIVE_CANARY_SERVICE", value: "underwriting-api-canary" },
        { name: "GOLIVE_VERIFY_HEADER", value: "X-Golive-Verify" },
        // 8.5: the release's derived token, never a reference to the verification Secret itself.
        { name: "GOLIVE_VERIFY_VALUE", value: "derived-token" },
        { name: "VERIFY_TOKEN", valueFrom: { secretKeyRef: { name: "underwriting-api-verification", key: "token" } } },
      ]),
    );
    expect(env.filter((e) => e.name === "GOLIVE_VERIFY_VALUE")).toHaveLength(1);
    // Without a token (the Secret unreadable when a rollback hook starts): no value rather than no Job.
    const bare = (jobManifest(r, "verify", "quote-smoke", "j").spec as any).template.spec.containers[0].env as { name: string }[];
    expect(bare.map((e) => e.name)).not.toContain("GOLIVE_VERIFY_VALUE");
    expect((job.metadata as { ownerReferences: { kind: string; controller: boolean }[] }).ownerReferences[0]).toMatchObject({ kind: "Release", uid: "rel-uid", controller: true });
  });
  it("keep names within 63 characters", () => {
    expect(jobName("a".repeat(60), "rollback", "compensate-downstream")).toHaveLength(63);
  });
  it("are read from their conditions", () => {
    expect(jobView({ metadata: { name: "j" }, status: { startTime: "t0", completionTime: "t1", conditions: [{ type: "Complete", status: "True" }] } })).toEqual({ name: "j", phase: "Succeeded", startedAt: "t0", finishedAt: "t1" });
    expect(jobView({ metadata: { name: "j" }, status: { conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", lastTransitionTime: "t2" }] } })).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded: Job was active longer than specified deadline", finishedAt: "t2" });
    expect(jobView({ metadata: { name: "j" }, status: {} }).phase).toBe("Running");
  });
});

describe("the inventory record", () => {
  it("says what runs where, per Deployment key", () => {
    const r = exampleRelease();
    r.status = { canary: { stepIndex: 0, weight: 0, stableTemplateHash: "abc", stablePodTemplateHash: "5d8" }, audit: { head: `sha256:${"1".repeat(64)}`, sequence: 9 } };
    const cm = inventoryConfigMap("uw", "underwriting-api", inventoryRecord(r, "underwriting-api", "2026-11-24T12:00:00.000Z", "promoted"));
    expect(cm.metadata?.name).toBe("golive-inventory");
    expect(JSON.parse(cm.data["underwriting-api"]!)).toMatchObject({ application: "underwriting-api", version: "2.4.1", release: "underwriting-api-2-4-1", stableCopy: "underwriting-api-stable", templateHash: "abc", podTemplateHash: "5d8", how: "promoted", audit: `sha256:${"1".repeat(64)}` });
  });
});
