import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../../api/index.js";
import { daemonSetView, daemonSetViews, desiredStage, holdPatch, maxUnavailableOf, nodeTraffic, podsToReplace, releasePatch, rolledBack, STABLE_REVISION_ANNOTATION, STABLE_STRATEGY_ANNOTATION, updateRevisionOf, type DaemonPodLike, type DaemonSetLike, type NodeLike } from "./daemonset.js";

const nodes: NodeLike[] = ["n0", "n1", "n2"].map((name, i): NodeLike => ({ metadata: { name, labels: i === 0 ? { "golive.dev/canary-node": "true" } : { other: "x" } } }));
const revisions = [{ metadata: { labels: { "controller-revision-hash": "old" } }, revision: 1 }, { metadata: { labels: { "controller-revision-hash": "new" } }, revision: 2 }];
const pod = (node: string, rev: string, ready = true): DaemonPodLike => ({ metadata: { name: `agent-${node}`, labels: { "controller-revision-hash": rev } }, spec: { nodeName: node }, status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } });
const ds: DaemonSetLike = { metadata: { name: "agent", generation: 2, annotations: { [STABLE_REVISION_ANNOTATION]: "old" } }, spec: { template: { spec: { containers: [{ name: "a", image: "x@sha256:1" }] } } }, status: { observedGeneration: 2, desiredNumberScheduled: 3 } };
const view = (...pods: DaemonPodLike[]) => daemonSetView(ds, revisions, pods, nodes);
const at = (phase: ReleaseStatus["phase"], extra: Partial<ReleaseStatus> = {}): ReleaseStatus => ({ phase, ...extra }) as ReleaseStatus;

describe("DaemonSet canary node by node", () => {
  it("the update revision is the newest ControllerRevision", () => expect(updateRevisionOf(revisions)).toBe("new"));

  it("a step's weight puts the candidate on the canary nodes, 100 % and the promotion on all, a rollback on none", () => {
    expect(desiredStage(at("Verifying"), 0)).toBe("none");
    expect(desiredStage(at("Progressing"), 25)).toBe("canary");
    expect(desiredStage(at("Progressing"), 100)).toBe("all");
    expect(desiredStage(at("Progressing", { promotion: { startedAt: "t", gates: [] } }), 0)).toBe("all");
    expect(desiredStage(at("RollingBack"), 50)).toBe("none");
  });

  it("replaces the labelled node's pod first, then the rest, never more at once than maxUnavailable", () => {
    const v = view(pod("n0", "old"), pod("n1", "old"), pod("n2", "old"));
    expect(podsToReplace(v, "none", 1)).toEqual([]);
    expect(podsToReplace(v, "canary", 1)).toEqual(["agent-n0"]);
    expect(podsToReplace(v, "all", 1)).toEqual(["agent-n0"]);
    expect(podsToReplace(v, "all", 3)).toEqual(["agent-n0", "agent-n1", "agent-n2"]);
    // A node already down uses the budget.
    expect(podsToReplace(view(pod("n0", "new", false), pod("n1", "old"), pod("n2", "old")), "all", 1)).toEqual([]);
    expect(maxUnavailableOf({ rollingUpdate: { maxUnavailable: "50%" } }, 4)).toBe(2);
    expect(maxUnavailableOf(undefined, 4)).toBe(1);
  });

  it("is settled at a stage only when its nodes run the candidate and every other node the stable revision", () => {
    const canary = view(pod("n0", "new"), pod("n1", "old"), pod("n2", "old"));
    expect(nodeTraffic(canary, at("Progressing", { canary: { stepIndex: 0, weight: 25 } }), 25)).toMatchObject({ settled: true, weight: 25, verification: false });
    expect(nodeTraffic(canary, at("Verifying"), 0)).toMatchObject({ settled: false, weight: 33 });
    const none = view(pod("n0", "old"), pod("n1", "old"), pod("n2", "old"));
    expect(nodeTraffic(none, at("Verifying"), 0)).toMatchObject({ settled: true, weight: 0 });
    expect(nodeTraffic(none, at("Progressing"), 25).settled).toBe(false);
  });

  it("says what to do when no node carries the canary label", () => {
    const v = daemonSetView(ds, revisions, [pod("n1", "old")], [nodes[1]!]);
    expect(nodeTraffic(v, at("Progressing"), 25)).toMatchObject({ settled: false, message: expect.stringContaining("kubectl label node NODE golive.dev/canary-node=true") });
  });

  it("its stable view carries the candidate's template hash only once every node runs the update revision", () => {
    const moving = daemonSetViews(ds, view(pod("n0", "new"), pod("n1", "old"), pod("n2", "old")));
    expect(moving.stable.templateHash).toBe("revision:old");
    expect(moving.candidate.updatedReplicas).toBe(1);
    const done = daemonSetViews(ds, view(pod("n0", "new"), pod("n1", "new"), pod("n2", "new")));
    expect(done.stable.templateHash).toBe(done.candidate.templateHash);
  });

  it("is rolled back only when every node runs one Ready pod of the stable revision", () => {
    const back = [{ ...revisions[1]!, revision: 1 }, { ...revisions[0]!, revision: 3 }];
    expect(rolledBack(daemonSetView(ds, back, [pod("n0", "old"), pod("n1", "old"), pod("n2", "old")], nodes))).toBe(true);
    expect(rolledBack(daemonSetView(ds, back, [pod("n0", "new"), pod("n1", "old"), pod("n2", "old")], nodes))).toBe(false);
    expect(rolledBack(daemonSetView(ds, back, [pod("n1", "old"), pod("n2", "old")], nodes))).toBe(false);
    expect(rolledBack(daemonSetView(ds, revisions, [pod("n0", "old"), pod("n1", "old"), pod("n2", "old")], nodes))).toBe(false);
  });

  it("the hold records the stable revision and strategy; handing back restores the strategy and drops the annotations", () => {
    const live: DaemonSetLike = { metadata: { name: "agent" }, spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } } } };
    expect(holdPatch(live, "old")).toEqual([
      { op: "add", path: "/metadata/annotations", value: { [STABLE_REVISION_ANNOTATION]: "old", [STABLE_STRATEGY_ANNOTATION]: '{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}}' } },
      { op: "add", path: "/spec/updateStrategy", value: { type: "OnDelete" } },
    ]);
    const heldDs: DaemonSetLike = { metadata: { name: "agent", annotations: { [STABLE_REVISION_ANNOTATION]: "old", [STABLE_STRATEGY_ANNOTATION]: '{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}}' } }, spec: { updateStrategy: { type: "OnDelete" } } };
    expect(releasePatch(heldDs)).toEqual([
      { op: "add", path: "/spec/updateStrategy", value: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } } },
      { op: "remove", path: "/metadata/annotations/golive.dev~1stable-revision" },
      { op: "remove", path: "/metadata/annotations/golive.dev~1stable-update-strategy" },
    ]);
  });
});
