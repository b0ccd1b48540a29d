import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../../api/index.js";
import { daemonSetView, daemonSetViews, EVERYWHERE, holdPatch, mayRunOn, maxUnavailableOf, nodeStage, nodeTraffic, NOWHERE, podsToReplace, releasePatch, rolledBack, STABLE_REVISION_ANNOTATION, STABLE_STRATEGY_ANNOTATION, updateRevisionOf, type DaemonPodLike, type DaemonSetLike, type NodeLike } from "./daemonset.js";

const nodes: NodeLike[] = ["n0", "n1", "n2"].map((name, i): NodeLike => ({ metadata: { name, labels: i === 0 ? { "golive.dev/canary-node": "true" } : { other: "x" } } }));
const revisions = [{ metadata: { labels: { "controller-revision-hash": "old" } }, revision: 1 }, { metadata: { labels: { "controller-revision-hash": "new" } }, revision: 2 }];
const pod = (node: string, rev: string, ready = true): DaemonPodLike => ({ metadata: { name: `agent-${node}`, labels: { "controller-revision-hash": rev } }, spec: { nodeName: node }, status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } });
const ds: DaemonSetLike = { metadata: { name: "agent", generation: 2, annotations: { [STABLE_REVISION_ANNOTATION]: "old" } }, spec: { template: { spec: { containers: [{ name: "a", image: "x@sha256:1" }] } } }, status: { observedGeneration: 2, desiredNumberScheduled: 3 } };
const view = (...pods: DaemonPodLike[]) => daemonSetView(ds, revisions, pods, nodes);
const at = (phase: ReleaseStatus["phase"], extra: Partial<ReleaseStatus> = {}): ReleaseStatus => ({ phase, ...extra });

describe("DaemonSet canary node by node", () => {
  it("the update revision is the newest ControllerRevision", () => expect(updateRevisionOf(revisions)).toBe("new"));

  const unit = { name: "agent", wave: 0 };
  const waves = (weight = 0, changed = true) => [{ name: "default", phase: "Pending", weight, workloads: [{ kind: "DaemonSet", name: "agent", routing: "nodes", changed }] }] as ReleaseStatus["waves"];
  const canary = { canary: true, share: 0 };

  it("the canary nodes while Verifying and CleaningUp, a step's weight adds that share of the other nodes, the promotion all, a rollback none", () => {
    expect(nodeStage(at("Approved"), unit)).toEqual(NOWHERE);
    expect(nodeStage(at("Verifying", { waves: waves() }), unit)).toEqual(canary);
    // Verification data is cleaned up with the candidate still on the canary nodes: no pod flips back.
    expect(nodeStage(at("CleaningUp", { waves: waves() }), unit)).toEqual(canary);
    expect(nodeStage(at("Progressing", { waves: waves(), canary: { stepIndex: 0, weight: 0 } }), unit)).toEqual(canary);
    expect(nodeStage(at("Progressing", { waves: waves(), canary: { stepIndex: 0, weight: 50 } }), unit)).toEqual({ canary: true, share: 50 });
    expect(nodeStage(at("Progressing", { waves: waves(), canary: { stepIndex: 1, weight: 100 } }), unit)).toEqual(EVERYWHERE);
    expect(nodeStage(at("Progressing", { waves: waves(), canary: { stepIndex: 2, weight: 0 }, promotion: { startedAt: "t", gates: [] } }), unit)).toEqual(EVERYWHERE);
    expect(nodeStage(at("RollingBack", { waves: waves(), canary: { stepIndex: 0, weight: 50 } }), unit)).toEqual(NOWHERE);
    expect(nodeStage(at("Failed", { waves: waves() }), unit)).toEqual(NOWHERE);
    // Nothing to roll out: no node moves.
    expect(nodeStage(at("Verifying", { waves: waves(0, false) }), unit)).toEqual(NOWHERE);
  });

  it("a DaemonSet in a later wave waits; one in a passed wave keeps that wave's weight", () => {
    const two = [...waves(50)!, { name: "frontends", phase: "Pending", weight: 0, workloads: [{ kind: "Deployment", name: "web", routing: "replicaRatio", changed: true }] }] as ReleaseStatus["waves"];
    expect(nodeStage(at("Verifying", { waves: two, canary: { stepIndex: 0, weight: 0, wave: 1 } }), unit)).toEqual({ canary: true, share: 50 });
    const later = [{ ...two![1]!, name: "backends" }, { ...waves()![0]!, name: "agents" }] as ReleaseStatus["waves"];
    expect(nodeStage(at("Verifying", { waves: later, canary: { stepIndex: 0, weight: 0, wave: 0 } }), { name: "agent", wave: 1 })).toEqual(NOWHERE);
  });

  it("replaces the canary node's pod first, then the other nodes by name, never more at once than maxUnavailable", () => {
    const v = view(pod("n2", "old"), pod("n1", "old"), pod("n0", "old"));
    expect(podsToReplace(v, NOWHERE, 1)).toEqual([]);
    expect(podsToReplace(v, canary, 3)).toEqual(["agent-n0"]);
    expect(podsToReplace(v, { canary: true, share: 50 }, 3)).toEqual(["agent-n0", "agent-n1"]);
    expect(podsToReplace(v, EVERYWHERE, 1)).toEqual(["agent-n0"]);
    expect(podsToReplace(v, EVERYWHERE, 3)).toEqual(["agent-n0", "agent-n1", "agent-n2"]);
    // A node already down uses the budget.
    expect(podsToReplace(view(pod("n0", "new", false), pod("n1", "old"), pod("n2", "old")), EVERYWHERE, 1)).toEqual([]);
    expect(maxUnavailableOf({ rollingUpdate: { maxUnavailable: "50%" } }, 4)).toBe(2);
    expect(maxUnavailableOf(undefined, 4)).toBe(1);
  });

  it("a step's share is of the nodes, not of the pods seen now: a pod being replaced does not move the choice to another node", () => {
    // n1's pod is gone for a moment (deleted, not yet recreated): 50 % of the other nodes is still n1, not n2.
    const gap = view(pod("n0", "new"), pod("n2", "old"));
    expect(podsToReplace(gap, { canary: true, share: 50 }, 3)).toEqual([]);
    expect(nodeTraffic(gap, { canary: true, share: 50 }, { weight: 50, verification: false }).settled).toBe(false);
  });

  it("the share counts only the nodes its pods may run on (node selector, untolerated taints)", () => {
    const template = { spec: { nodeSelector: { type: "kwok" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }] } };
    expect(mayRunOn(template, { metadata: { name: "a", labels: { type: "kwok" } } })).toBe(true);
    expect(mayRunOn(template, { metadata: { name: "b", labels: { type: "real" } } })).toBe(false);
    expect(mayRunOn(template, { metadata: { name: "c", labels: { type: "kwok" } }, spec: { taints: [{ key: "golive.dev/real-node", value: "true", effect: "NoSchedule" }] } })).toBe(false);
    expect(mayRunOn(template, { metadata: { name: "d", labels: { type: "kwok" } }, spec: { taints: [{ key: "dedicated", value: "agents", effect: "NoSchedule" }] } })).toBe(true);
    // The DaemonSet controller tolerates node conditions on every daemon pod.
    expect(mayRunOn(template, { metadata: { name: "e", labels: { type: "kwok" } }, spec: { taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] } })).toBe(true);
    const tainted: NodeLike[] = [...nodes, { metadata: { name: "n3", labels: {} }, spec: { taints: [{ key: "golive.dev/real-node", value: "true", effect: "NoSchedule" }] } }];
    expect(daemonSetView(ds, revisions, [], tainted).otherNodes).toEqual(["n1", "n2"]);
  });

  it("the share counts only the nodes its required node affinity allows (terms ORed, requirements ANDed, matchFields by name); preferred affinity does not count", () => {
    const affinity = (terms: unknown[]) => ({ spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
    const node = (name: string, labels: Record<string, string>): NodeLike => ({ metadata: { name, labels } });
    const zoned = affinity([{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }, { key: "spot", operator: "DoesNotExist" }] }]);
    expect(mayRunOn(zoned, node("a", { zone: "a" }))).toBe(true);
    expect(mayRunOn(zoned, node("b", { zone: "c" }))).toBe(false);
    expect(mayRunOn(zoned, node("c", { zone: "b", spot: "true" }))).toBe(false);
    expect(mayRunOn(zoned, node("d", {}))).toBe(false);
    // Terms are ORed.
    const either = affinity([{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["edge-1"] }] }]);
    expect(mayRunOn(either, node("edge-1", { zone: "z" }))).toBe(true);
    expect(mayRunOn(either, node("edge-2", { zone: "z" }))).toBe(false);
    expect(mayRunOn(either, node("x", { zone: "a" }))).toBe(true);
    // NotIn and DoesNotExist hold for a missing label; Exists does not; Gt/Lt compare integers.
    expect(mayRunOn(affinity([{ matchExpressions: [{ key: "pool", operator: "NotIn", values: ["gpu"] }] }]), node("x", {}))).toBe(true);
    expect(mayRunOn(affinity([{ matchExpressions: [{ key: "pool", operator: "NotIn", values: ["gpu"] }] }]), node("x", { pool: "gpu" }))).toBe(false);
    expect(mayRunOn(affinity([{ matchExpressions: [{ key: "pool", operator: "Exists" }] }]), node("x", {}))).toBe(false);
    expect(mayRunOn(affinity([{ matchExpressions: [{ key: "cores", operator: "Gt", values: ["8"] }] }]), node("x", { cores: "16" }))).toBe(true);
    expect(mayRunOn(affinity([{ matchExpressions: [{ key: "cores", operator: "Gt", values: ["8"] }] }]), node("x", { cores: "4" }))).toBe(false);
    expect(mayRunOn(affinity([{ matchExpressions: [{ key: "cores", operator: "Lt", values: ["8"] }] }]), node("x", { cores: "many" }))).toBe(false);
    // A term with no requirement matches no node.
    expect(mayRunOn(affinity([{}]), node("x", { zone: "a" }))).toBe(false);
    // Preferred affinity only ranks nodes.
    expect(mayRunOn({ spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } }] } } } }, node("x", { zone: "c" }))).toBe(true);

    // The share: of four other nodes the affinity allows two (n2, n4); 25 % of them is n2.
    const fleet: NodeLike[] = [node("n0", { "golive.dev/canary-node": "true", zone: "a" }), node("n1", { zone: "c" }), node("n2", { zone: "a" }), node("n3", { zone: "c" }), node("n4", { zone: "b" })];
    const placed: DaemonSetLike = { ...ds, spec: { template: { spec: { ...zoned.spec, containers: [{ name: "a", image: "x@sha256:1" }] } } } };
    const running = [pod("n0", "new"), pod("n2", "old"), pod("n4", "old")];
    const quarter = { canary: true, share: 25 };
    const v = daemonSetView(placed, revisions, running, fleet);
    expect(v.otherNodes).toEqual(["n2", "n4"]);
    expect(podsToReplace(v, quarter, 3)).toEqual(["agent-n2"]);
    expect(nodeTraffic(v, quarter, { weight: 25, verification: false }).settled).toBe(false);
    expect(podsToReplace(v, EVERYWHERE, 3)).toEqual(["agent-n2", "agent-n4"]);
    // Counted over every node, 25 % would be n1, where no pod of it can run: the step would pass with the candidate on no other node.
    const counted = daemonSetView(ds, revisions, running, fleet);
    expect(counted.otherNodes).toEqual(["n1", "n2", "n3", "n4"]);
    expect(podsToReplace(counted, quarter, 3)).toEqual([]);
    expect(nodeTraffic(counted, quarter, { weight: 25, verification: false }).settled).toBe(true);
  });

  it("is settled at a stage only when its nodes run the candidate and every other node the stable revision; verification once the canary nodes run it", () => {
    const one = view(pod("n0", "new"), pod("n1", "old"), pod("n2", "old"));
    expect(nodeTraffic(one, canary, { weight: 0, verification: true })).toMatchObject({ settled: true, weight: 0, verification: true });
    expect(nodeTraffic(one, canary, { weight: 0, verification: false })).toMatchObject({ settled: true, verification: false });
    expect(nodeTraffic(one, { canary: true, share: 50 }, { weight: 50, verification: false })).toMatchObject({ settled: false, weight: 33 });
    expect(nodeTraffic(one, NOWHERE, { weight: 0, verification: false }).settled).toBe(false);
    const none = view(pod("n0", "old"), pod("n1", "old"), pod("n2", "old"));
    expect(nodeTraffic(none, canary, { weight: 0, verification: true })).toMatchObject({ settled: false, verification: false });
    const notReady = view(pod("n0", "new", false), pod("n1", "old"), pod("n2", "old"));
    expect(nodeTraffic(notReady, canary, { weight: 0, verification: true })).toMatchObject({ settled: false, verification: false });
    const two = view(pod("n0", "new"), pod("n1", "new"), pod("n2", "old"));
    expect(nodeTraffic(two, { canary: true, share: 50 }, { weight: 50, verification: false })).toMatchObject({ settled: true, weight: 50 });
  });

  it("says what to do when no node carries the canary label, or no labelled node runs its pods", () => {
    const v = daemonSetView(ds, revisions, [pod("n1", "old")], [nodes[1]!]);
    expect(nodeTraffic(v, canary, { weight: 0, verification: true })).toMatchObject({ settled: false, message: expect.stringContaining("kubectl label node NODE golive.dev/canary-node=true") });
    const elsewhere = daemonSetView(ds, revisions, [pod("n1", "old"), pod("n2", "old")], nodes);
    expect(nodeTraffic(elsewhere, canary, { weight: 0, verification: true })).toMatchObject({ settled: false, message: expect.stringContaining("none of the nodes labelled golive.dev/canary-node=true (n0) runs a pod of DaemonSet agent") });
  });

  it("a labelled node its pods may not run on (node selector, required affinity, untolerated taint) is no canary node, and is named when no other is", () => {
    const tainted: NodeLike[] = [{ ...nodes[0]!, spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } }, nodes[1]!, nodes[2]!];
    const v = daemonSetView(ds, revisions, [pod("n1", "old"), pod("n2", "old")], tainted);
    expect(v.canaryNodes).toEqual([]);
    expect(v.unfitCanaryNodes).toEqual(["n0"]);
    expect(nodeTraffic(v, canary, { weight: 0, verification: true }).message).toBe("DaemonSet agent may not run on the nodes labelled golive.dev/canary-node=true (n0): its node selector, required node affinity or untolerated taints keep its pods off them; label nodes it runs on (kubectl label node NODE golive.dev/canary-node=true)");
    const affinity: DaemonSetLike = { ...ds, spec: { template: { spec: { containers: [{ name: "a", image: "x@sha256:1" }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "other", operator: "In", values: ["x"] }] }] } } } } } } };
    expect(daemonSetView(affinity, revisions, [], nodes).unfitCanaryNodes).toEqual(["n0"]);
    // A second labelled node it runs on is the canary node; the unfit one is left out of every stage.
    const two: NodeLike[] = [tainted[0]!, { metadata: { name: "n1", labels: { "golive.dev/canary-node": "true" } } }, nodes[2]!];
    expect(daemonSetView(ds, revisions, [], two)).toMatchObject({ canaryNodes: ["n1"], unfitCanaryNodes: ["n0"], otherNodes: ["n2"] });
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
    // Held again (an earlier rollout never handed it back): the strategy recorded then is kept, not OnDelete.
    expect(holdPatch(heldDs, "new")).toEqual([
      { op: "add", path: "/metadata/annotations/golive.dev~1stable-revision", value: "new" },
      { op: "add", path: "/metadata/annotations/golive.dev~1stable-update-strategy", value: '{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}}' },
      { op: "add", path: "/spec/updateStrategy", value: { type: "OnDelete" } },
    ]);
    expect(releasePatch(heldDs)).toEqual([
      { op: "add", path: "/spec/updateStrategy", value: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } } },
      { op: "remove", path: "/metadata/annotations/golive.dev~1stable-revision" },
      { op: "remove", path: "/metadata/annotations/golive.dev~1stable-update-strategy" },
    ]);
  });
});
