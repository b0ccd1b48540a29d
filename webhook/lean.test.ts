import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Release } from "../api/index.js";
import { sign } from "../gates/testkit.js";
import { cachedAutoscaler, cachedEvidence, cachedRelease, cachedWorkload, leanMetadata, withoutStatus } from "./lean.js";
import { approvedStatus, fixtureRelease, pdb } from "./testdata/fixtures.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const managedFields = [{ manager: "kubectl", operation: "Apply", fieldsV1: { "f:spec": {} } }];

describe("what the webhook's caches keep (lean.ts)", () => {
  it("evidence: name, namespace, uid, resourceVersion, release, type and issuedAt of the signed statement; no envelope", () => {
    const key = generateKeyPairSync("ed25519").privateKey;
    const signed = sign(fixtureRelease(NOW), "UnitTestReport", key, {}, "2026-11-20T10:00:00Z");
    const e = { ...signed, metadata: { ...signed.metadata, uid: "u-1", resourceVersion: "42", managedFields, annotations: { [LAST_APPLIED]: JSON.stringify(signed) } } };
    expect(cachedEvidence(e as never)).toEqual({
      metadata: { name: signed.metadata.name, namespace: "shop", uid: "u-1", resourceVersion: "42" },
      spec: { release: "web-1-2-0", type: "UnitTestReport" },
      issuedAt: Date.parse("2026-11-20T10:00:00Z"),
    });
  });

  it("evidence whose statement cannot be decoded or has no issuedAt keeps no issuedAt", () => {
    const base = { apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { name: "x", namespace: "shop" } } as const;
    const withPayload = (payload: string) => ({ ...base, spec: { release: "r", type: "SLA", envelope: { payloadType: "application/vnd.in-toto+json", payload, signatures: [{ sig: "AAAA" }] } } });
    expect(cachedEvidence(withPayload("not base64 json") as never)).toEqual({ metadata: { name: "x", namespace: "shop" }, spec: { release: "r", type: "SLA" } });
    expect(cachedEvidence(withPayload(Buffer.from(JSON.stringify({ predicate: { issuedAt: "never" } })).toString("base64")) as never).issuedAt).toBeUndefined();
  });

  it("a Release keeps its whole spec and the status fields rules read; the rollout's record is dropped", () => {
    const r = fixtureRelease(NOW, { status: approvedStatus(NOW) });
    const full: Release = {
      ...r,
      metadata: { ...r.metadata, uid: "u", resourceVersion: "7", generation: 1, labels: { team: "a" }, annotations: { [LAST_APPLIED]: "{}", note: "kept" }, managedFields },
      status: {
        ...r.status!,
        releasedAt: "2026-12-01T11:00:00Z",
        verification: { startedAt: "2026-12-01T10:00:00Z", passedAt: "2026-12-01T10:30:00Z", jobs: [], gates: [] },
        canary: { stepIndex: 1, weight: 20 },
        analysis: [],
        audit: { head: `sha256:${"e".repeat(64)}`, sequence: 3 },
        artifactDigest: `sha256:${"f".repeat(64)}`,
      },
    };
    const kept = cachedRelease(full);
    expect(kept.spec).toBe(full.spec);
    expect(kept.metadata).toEqual({ name: r.metadata.name, namespace: r.metadata.namespace, uid: "u", resourceVersion: "7", generation: 1, labels: { team: "a" }, annotations: { note: "kept" } });
    expect(Object.keys(kept.status!).sort()).toEqual(["conditions", "gates", "message", "observedGeneration", "phase", "releasedAt", "verification"].filter((k) => k in full.status!).sort());
    expect(kept.status!.gates).toBe(full.status!.gates);
    expect(kept.status!.verification?.passedAt).toBe("2026-12-01T10:30:00Z");
    expect(cachedRelease(fixtureRelease(NOW, { status: null })).status).toBeUndefined();
  });

  it("a Deployment or StatefulSet keeps metadata, replicas, the pod template, updateStrategy and volumeClaimTemplates", () => {
    const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "x" }] } };
    const w = {
      metadata: { name: "web", namespace: "shop", resourceVersion: "9", labels: { app: "web" }, managedFields, annotations: { [LAST_APPLIED]: "{}" } },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, strategy: { type: "RollingUpdate" }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } }, template, volumeClaimTemplates: [{ metadata: { name: "data" } }] },
      status: { readyReplicas: 3 },
    };
    expect(cachedWorkload(w as never)).toEqual({ metadata: { name: "web", namespace: "shop", resourceVersion: "9", labels: { app: "web" } }, spec: { replicas: 3, template, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } }, volumeClaimTemplates: [{ metadata: { name: "data" } }] } });
  });

  it("an HPA keeps its target and maxReplicas; a PodDisruptionBudget drops its status", () => {
    const h = { metadata: { name: "web", namespace: "shop", resourceVersion: "3", managedFields }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 10, metrics: [{}] }, status: { currentReplicas: 2 } };
    expect(cachedAutoscaler(h as never)).toEqual({ metadata: { name: "web", namespace: "shop", resourceVersion: "3" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 10 } });
    const p = { ...pdb(), status: { currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 1 } };
    expect(withoutStatus(p)).toEqual(pdb());
  });

  it("every cached object drops managedFields and kubectl's last-applied copy, and keeps the rest; an object without either is returned as is", () => {
    const secret = { metadata: { name: "s", namespace: "shop", managedFields, annotations: { [LAST_APPLIED]: '{"data":{"password":"c2VjcmV0"}}' } }, data: { password: "c2VjcmV0" } };
    expect(leanMetadata(secret)).toEqual({ metadata: { name: "s", namespace: "shop" }, data: { password: "c2VjcmV0" } });
    const plain = { metadata: { name: "c", annotations: { a: "b" } }, data: {} };
    expect(leanMetadata(plain)).toBe(plain);
  });
});
