// The readiness gate that keeps a StatefulSet's candidate ordinal out of every Service until its
// release's verification passes (4.6 c): which pods get which condition in which phase, the
// patch that sets it, and the verification route's objects.
import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../../api/index.js";
import { candidateHeldBack, gateApply, gateChanges, inVerification, keepsCandidateOrdinal, verificationPods, verifyPolicy, verifyService, type GatedPodLike } from "./statefulset-gate.js";
import type { StatefulSetLike } from "./statefulset.js";

const GATE = [{ conditionType: "golive.dev/verified" }];
const sts: StatefulSetLike = {
  metadata: { name: "ledger", namespace: "shop", uid: "u1" },
  spec: { replicas: 3, selector: { matchLabels: { app: "ledger" } }, template: { spec: { readinessGates: GATE, containers: [{ name: "db", image: "x@sha256:1", ports: [{ name: "pg", containerPort: 5432 }] }] } } },
  status: { currentRevision: "ledger-a", updateRevision: "ledger-b" },
};
function pod(name: string, revision: string, conditions: { type: string; status: string }[] = [], extra: Partial<GatedPodLike["metadata"]> = {}): GatedPodLike {
  return { metadata: { name, labels: { app: "ledger", "controller-revision-hash": revision }, ownerReferences: [{ uid: "u1" }], ...extra }, spec: { readinessGates: GATE }, status: { conditions } };
}

describe("the readiness gate of a StatefulSet's candidate", () => {
  it("holds the candidate back until its wave is verified, at once while rolling back, and never once Released", () => {
    const at = (phase: ReleaseStatus["phase"], wave = 0, more: Partial<ReleaseStatus> = {}): boolean => candidateHeldBack({ phase, canary: { wave, weight: 0 }, ...more } as ReleaseStatus, 0);
    expect(["Approved", "Verifying", "CleaningUp", "RollingBack", "RolledBack"].map((p) => at(p as ReleaseStatus["phase"]))).toEqual([true, true, true, true, true]);
    // Verified: it serves from the first step that gives it a weight (until then it stays up, held).
    expect(at("Progressing")).toBe(true);
    expect(candidateHeldBack({ phase: "Progressing", canary: { wave: 0, weight: 34 } } as ReleaseStatus, 0)).toBe(false);
    expect(candidateHeldBack({ phase: "Progressing", canary: { wave: 0, weight: 0 }, promotion: { startedAt: "t", gates: [] } } as unknown as ReleaseStatus, 0)).toBe(false);
    // An earlier wave's StatefulSet serves while a later wave is verified.
    expect(candidateHeldBack({ phase: "Verifying", canary: { wave: 1, weight: 0 } } as ReleaseStatus, 0)).toBe(false);
    expect(at("Released")).toBe(false);
    // A later wave's StatefulSet stays held while an earlier wave progresses.
    expect(candidateHeldBack({ phase: "Progressing", canary: { wave: 0, weight: 50 } } as ReleaseStatus, 1)).toBe(true);
    // Stopped: held only if no ordinary traffic had reached it.
    expect(at("Failed")).toBe(true);
    expect(candidateHeldBack({ phase: "Failed", canary: { wave: 0, weight: 34 } } as ReleaseStatus, 0)).toBe(false);
  });

  it("sets True on the stable revision and on a verified candidate, False on a held one; leaves pods without the gate, terminating or of another owner alone", () => {
    const pods = [
      pod("ledger-0", "ledger-a"),
      pod("ledger-1", "ledger-a", [{ type: "golive.dev/verified", status: "True" }]),
      pod("ledger-2", "ledger-b", [{ type: "Ready", status: "True" }, { type: "golive.dev/verified", status: "True" }]),
      pod("ledger-3", "ledger-b", [], { deletionTimestamp: "t" }),
      pod("ledger-4", "ledger-b", [], { ownerReferences: [{ uid: "other" }] }),
      { ...pod("ledger-5", "ledger-b"), spec: {} },
    ];
    expect(gateChanges(sts, pods, true)).toEqual([
      { pod: "ledger-0", status: "True", index: undefined },
      { pod: "ledger-2", status: "False", index: 1 },
    ]);
    expect(gateChanges(sts, pods, false)).toEqual([{ pod: "ledger-0", status: "True", index: undefined }]);
  });

  it("sets the condition by a server-side apply of pods/status, merged in by its type (never doubled, the others kept)", () => {
    const body = gateApply("ledger-2", "shop", { pod: "ledger-2", status: "False", index: 1 }, "2026-12-04T00:00:00Z") as { metadata: unknown; status: { conditions: unknown[] } };
    expect(body.metadata).toEqual({ name: "ledger-2", namespace: "shop" });
    expect(body.status.conditions).toEqual([{ type: "golive.dev/verified", status: "False", lastTransitionTime: "2026-12-04T00:00:00Z", reason: "AwaitingVerification", message: expect.stringContaining("only verification clients reach it") }]);
    expect((gateApply("p", "shop", { pod: "p", status: "True", index: undefined }, "t") as { status: { conditions: { reason: string }[] } }).status.conditions[0]!.reason).toBe("Verified");
  });

  it("counts the candidates up for verification and those not yet held out of ordinary traffic", () => {
    const pods = [pod("ledger-0", "ledger-a", [{ type: "ContainersReady", status: "True" }]), pod("ledger-2", "ledger-b", [{ type: "ContainersReady", status: "True" }, { type: "golive.dev/verified", status: "True" }])];
    expect(verificationPods(sts, pods, true)).toEqual({ gate: true, up: 1, exposed: 1, open: true });
    pods[1]!.status!.conditions![1]!.status = "False";
    expect(verificationPods(sts, pods, false)).toEqual({ gate: true, up: 1, exposed: 0, open: false });
    expect(verificationPods({ ...sts, spec: { ...sts.spec, template: { spec: {} } } }, pods, true).gate).toBe(false);
  });

  it("is in verification only for its wave, Verifying or CleaningUp, when the release changes it; keeps the ordinal until a step gives it a weight", () => {
    const status = { phase: "Verifying", canary: { wave: 1, weight: 0 }, waves: [{ workloads: [] }, { workloads: [{ name: "ledger", changed: true }, { name: "cache", changed: false }] }] } as unknown as ReleaseStatus;
    expect(inVerification(status, { name: "ledger", wave: 1 })).toBe(true);
    expect(inVerification(status, { name: "cache", wave: 1 })).toBe(false);
    expect(inVerification(status, { name: "ledger", wave: 0 })).toBe(false);
    expect(inVerification({ ...status, phase: "CleaningUp" }, { name: "ledger", wave: 1 })).toBe(true);
    expect(inVerification({ ...status, phase: "Progressing" }, { name: "ledger", wave: 1 })).toBe(false);
    // Verified, it keeps its candidate ordinal until a step gives it a weight (no replace and replace again).
    expect(keepsCandidateOrdinal({ ...status, phase: "Progressing" }, { name: "ledger", wave: 1 })).toBe(true);
    expect(keepsCandidateOrdinal({ ...status, phase: "Progressing", canary: { stepIndex: 0, wave: 1, weight: 33 } }, { name: "ledger", wave: 1 })).toBe(false);
    expect(keepsCandidateOrdinal({ ...status, phase: "Progressing" }, { name: "cache", wave: 1 })).toBe(false);
  });

  it("reaches the candidate through a headless Service publishing not-ready addresses, behind a NetworkPolicy for verification clients and its peers", () => {
    const svc = verifyService(sts) as { metadata: { name: string; ownerReferences?: unknown[] }; spec: Record<string, unknown> };
    expect(svc.metadata.name).toBe("ledger-verify");
    expect(svc.spec).toEqual({ clusterIP: "None", selector: { app: "ledger", "controller-revision-hash": "ledger-b" }, publishNotReadyAddresses: true, ports: [{ name: "pg", port: 5432, targetPort: 5432, protocol: "TCP" }] });
    expect(svc.metadata.ownerReferences).toHaveLength(1);
    const np = verifyPolicy(sts) as { spec: { podSelector: unknown; ingress: { from: unknown[] }[] } };
    expect(np.spec.podSelector).toEqual({ matchLabels: { app: "ledger", "controller-revision-hash": "ledger-b" } });
    expect(np.spec.ingress[0]!.from).toEqual([{ podSelector: { matchLabels: { "golive.dev/verification-client": "true" } } }, { podSelector: { matchLabels: { app: "ledger" } } }]);
  });
});
