import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../../api/index.js";
import { candidateOrdinals, desiredPartition, partitionTraffic, revisionTemplate, statefulSetViews, type StatefulSetLike } from "./statefulset.js";

const sts = (partition: number, status: StatefulSetLike["status"], generation = 2): StatefulSetLike => ({
  metadata: { name: "ledger", generation, labels: { "golive.dev/release": "r2" } },
  spec: { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } }, template: { spec: { containers: [{ image: "x@sha256:1" }] } } },
  status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, ...status },
});
const progressing: ReleaseStatus = { phase: "Progressing" };

describe("StatefulSet partition canary", () => {
  it("maps a weight to candidate ordinals, at least one above 0 %", () => {
    expect([0, 1, 33, 34, 66, 100].map((w) => candidateOrdinals(3, w))).toEqual([0, 1, 1, 2, 2, 3]);
    expect(desiredPartition(progressing, 3, 33)).toBe(2);
    expect(desiredPartition({ phase: "Verifying" }, 3, 0)).toBe(3);
    expect(desiredPartition({ phase: "RollingBack" }, 3, 0)).toBe(0);
    expect(desiredPartition({ phase: "Progressing", promotion: { startedAt: "t", gates: [] } }, 3, 0)).toBe(0);
  });

  it("is settled only when the pods on the update revision are replicas − partition", () => {
    expect(partitionTraffic(sts(2, { currentRevision: "a", updateRevision: "b", updatedReplicas: 1 }), progressing, 33)).toMatchObject({ settled: true, weight: 33 });
    expect(partitionTraffic(sts(2, { currentRevision: "a", updateRevision: "b", updatedReplicas: 0 }), progressing, 33).settled).toBe(false);
    expect(partitionTraffic(sts(3, { currentRevision: "a", updateRevision: "b", updatedReplicas: 0 }), progressing, 33).message).toBe("partition 3 (want 2): 0 of 3 pod(s) on the update revision, 3 ready");
  });

  it("while its wave is verified, wants one candidate ordinal up and held out of ordinary traffic; without the gate or with one replica, none, saying why", () => {
    const verifying: ReleaseStatus = { phase: "Verifying" };
    expect(desiredPartition(verifying, 3, 0, true)).toBe(2);
    expect(desiredPartition(verifying, 1, 0, true)).toBe(1);
    // Kept after verification, the first step's weight moves further only if it asks for more.
    expect(desiredPartition(progressing, 3, 33, true)).toBe(2);
    expect(desiredPartition(progressing, 3, 66, true)).toBe(1);
    const pods = { gate: true, up: 1, exposed: 0, open: true };
    const one = sts(2, { currentRevision: "a", updateRevision: "b", updatedReplicas: 1, readyReplicas: 2 });
    expect(partitionTraffic(one, verifying, 0, pods)).toMatchObject({ settled: true, verification: true, weight: 0 });
    // CleaningUp keeps the candidate up with verification closed.
    expect(partitionTraffic(one, { phase: "CleaningUp" }, 0, { ...pods, open: false })).toMatchObject({ settled: true, verification: false });
    // Not verified while the candidate could still take ordinary traffic, or is not up.
    expect(partitionTraffic(one, verifying, 0, { ...pods, exposed: 1 })).toMatchObject({ settled: false, verification: false, message: "partition 2 (want 2): 1 of 3 pod(s) on the update revision, 1 up for verification, 1 not yet held out of ordinary traffic, 2 ready" });
    expect(partitionTraffic(one, verifying, 0, { ...pods, up: 0 }).settled).toBe(false);
    // Still at replicas: the executor lowers it by one.
    expect(partitionTraffic(sts(3, { currentRevision: "a", updateRevision: "b", updatedReplicas: 0 }), verifying, 0, pods).message).toContain("partition 3 (want 2)");
    const noGate = partitionTraffic(sts(3, { currentRevision: "a", updateRevision: "b", updatedReplicas: 0 }), verifying, 0, { ...pods, gate: false });
    expect(noGate).toMatchObject({ settled: false, verification: false });
    expect(noGate.message).toContain("add spec.template.spec.readinessGates: [{conditionType: golive.dev/verified}]");
    const single = { ...sts(1, { currentRevision: "a", updateRevision: "b", updatedReplicas: 0 }), spec: { ...sts(1, {}).spec, replicas: 1 } };
    expect(partitionTraffic(single, verifying, 0, pods).message).toContain("runs 1 replica: verifying its new version in place would take its only pod out of service; run 2 or more replicas");
  });

  it("while rolling back, is settled once one revision runs with partition 0", () => {
    expect(partitionTraffic(sts(0, { currentRevision: "a", updateRevision: "a", updatedReplicas: 3 }), { phase: "RollingBack" }, 0)).toMatchObject({ settled: true, weight: 0 });
    expect(partitionTraffic(sts(1, { currentRevision: "a", updateRevision: "b", updatedReplicas: 2 }), { phase: "RollingBack" }, 0).settled).toBe(false);
  });

  it("changed means the revisions differ", () => {
    const differ = statefulSetViews(sts(3, { currentRevision: "a", updateRevision: "b", updatedReplicas: 0, currentReplicas: 3 }));
    expect(differ.stable.templateHash).not.toBe(differ.candidate.templateHash);
    expect(differ.candidate.podTemplateHash).toBe("b");
    expect(differ.stable.podTemplateHash).toBe("a");
    const same = statefulSetViews(sts(0, { currentRevision: "b", updateRevision: "b", updatedReplicas: 3 }));
    expect(same.stable.templateHash).toBe(same.candidate.templateHash);
  });

  it("reads the pod template out of a ControllerRevision", () => {
    expect(revisionTemplate({ data: { spec: { template: { $patch: "replace", spec: { containers: [] } } } } })).toEqual({ spec: { containers: [] } });
    expect(revisionTemplate({})).toBeUndefined();
  });
});
