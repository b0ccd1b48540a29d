// A StatefulSet canaried by its partition (issue 15, 4.6 c): every path that would move its pods
// to the new version before golive's steps allow it is denied — the new template applied before
// the operator held the partition, the partition lowered, spec.replicas raised above it (in the
// object or through the scale subresource), OnDelete — unless the operator itself moves it.
import { describe, expect, it } from "vitest";
import { VERIFIED_GATE, type ReleaseStatus } from "../api/index.js";
import type { AdmissionRequest, Decision } from "./admission.js";
import { decide } from "./decide.js";
import { approvedStatus, fixtureRelease, fixtureView, NS, OPERATOR, RELEASE, releaseSpec, request, workload } from "./testdata/fixtures.js";
import type { MemoryView } from "./memory-view.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const STRATEGY = { trafficRouting: { service: "web" }, steps: [{ name: "one", setWeight: 34 }, { name: "all", setWeight: 100 }] };

/** The release under test in `phase`, and the one before it (web-1-1-0) Released. */
function view(phase: ReleaseStatus["phase"], strategy = true): MemoryView {
  const v = fixtureView(NOW);
  const spec = releaseSpec() as Record<string, any>;
  if (strategy) spec.strategy = STRATEGY;
  v.releases.put(fixtureRelease(NOW, { name: "web-1-1-0", spec: { ...spec, version: "1.1.0" }, status: { ...approvedStatus(NOW), phase: "Released" } }));
  v.releases.put(fixtureRelease(NOW, { spec, status: { ...approvedStatus(NOW), phase } }));
  return v;
}
/** web-db as the API server sees it: `release` labels its template, the strategy as given. */
function sts(release: string, updateStrategy?: Record<string, unknown>, replicas = 3, gate = true): Record<string, any> {
  const s = workload("StatefulSet", { release, replicas });
  if (updateStrategy) s.spec.updateStrategy = updateStrategy;
  if (gate) s.spec.template.spec.readinessGates = [{ conditionType: VERIFIED_GATE }];
  return s;
}
const held = (partition: number) => ({ type: "RollingUpdate", rollingUpdate: { partition } });
const update = (object: Record<string, any>, oldObject: Record<string, any>, user = "alice"): AdmissionRequest => request(object, { operation: "UPDATE", oldObject, user });
function denied(d: Decision): string {
  expect(d.allowed).toBe(false);
  return d.status?.message ?? "";
}
function scale(replicas: number, user = "alice"): AdmissionRequest {
  const object = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web-db", namespace: NS }, spec: { replicas } };
  return { ...request(object, { operation: "UPDATE", user }), kind: { group: "autoscaling", version: "v1", kind: "Scale" }, resource: { group: "apps", version: "v1", resource: "statefulsets" }, subResource: "scale", name: "web-db", oldObject: { ...object, spec: { replicas: 3 } } };
}

describe("the new template of a partition-canaried StatefulSet", () => {
  it("is denied, with a retry, while the operator has not held the partition yet (the moment after Approved)", () => {
    const message = denied(decide(update(sts(RELEASE), sts("web-1-1-0")), view("Approved")));
    expect(message).toContain(
      `StatefulSet web-db gets a new template while Release ${RELEASE} (Approved) rolls it out, before golive has held its partition (it is 0: 3 of 3 pod(s) would move to the new version at once, before verification and analysis): retry in a few seconds, once spec.updateStrategy.rollingUpdate.partition is 3`,
    );
  });

  it("is admitted once the partition is held at replicas: no pod changes", () => {
    expect(decide(update(sts(RELEASE, held(3)), sts("web-1-1-0", held(3))), view("Approved")).allowed).toBe(true);
  });

  it.each([
    ["a partition that lets pods through", held(1), 3, "2 of 3 pod(s) outside the partition (partition 1)"],
    ["OnDelete", { type: "OnDelete" }, 3, "3 of 3 pod(s) outside the partition (partition 0, updateStrategy OnDelete)"],
    ["more replicas than the held partition", held(3), 5, "2 of 5 pod(s) outside the partition (partition 3)"],
  ])("is denied with %s in the same request", (_what, strategy, replicas, text) => {
    const message = denied(decide(update(sts(RELEASE, strategy, replicas), sts("web-1-1-0", held(3))), view("Approved")));
    expect(message).toContain(`StatefulSet web-db gets a new template while Release ${RELEASE} (Approved) rolls it out, with ${text}: golive holds the partition at spec.replicas and lowers it step by step`);
  });

  it("is denied without the readiness gate golive.dev/verified (its candidate ordinal could not be kept out of the Services), or with one replica (verified in place, nothing would serve), saying what to change", () => {
    const noGate = denied(decide(update(sts(RELEASE, held(3), 3, false), sts("web-1-1-0", held(3))), view("Approved")));
    expect(noGate).toContain(`StatefulSet web-db gets a new template for Release ${RELEASE} (Approved) without the readiness gate golive.dev/verified`);
    expect(noGate).toContain("add to spec.template.spec: readinessGates: [{conditionType: golive.dev/verified}]");
    const one = denied(decide(update(sts(RELEASE, held(1), 1), sts("web-1-1-0", held(1), 1)), view("Approved")));
    expect(one).toContain(`StatefulSet web-db gets a new template for Release ${RELEASE} (Approved) with 1 replica`);
    expect(one).toContain("run 2 or more replicas (spec.replicas), or list it in a Release without spec.strategy");
    // Taking the gate away in the middle of the rollout is a new template too.
    expect(denied(decide(update(sts(RELEASE, held(3), 3, false), sts(RELEASE, held(3))), view("Verifying")))).toContain("without the readiness gate golive.dev/verified");
    // Neither is asked of a release that canaries nothing.
    expect(decide(update(sts(RELEASE, undefined, 3, false), sts("web-1-1-0", undefined, 3, false)), view("Approved", false)).allowed).toBe(true);
  });

  it("is not held without spec.strategy (nothing is canaried), nor once the release is Released", () => {
    expect(decide(update(sts(RELEASE), sts("web-1-1-0")), view("Approved", false)).allowed).toBe(true);
    expect(decide(update(sts(RELEASE), sts("web-1-1-0")), view("Released")).allowed).toBe(true);
  });
});

describe("the partition while the release rolls out", () => {
  it.each(["Verifying", "Progressing", "RollingBack"] as const)("%s: lowering it, raising replicas or OnDelete is denied to users, allowed to the operator", (phase) => {
    const v = view(phase);
    const now = sts(RELEASE, held(2));
    for (const next of [sts(RELEASE, held(0)), sts(RELEASE, held(2), 5), sts(RELEASE, { type: "OnDelete" })]) {
      expect(denied(decide(update(next, now), v))).toContain(`golive owns the partition of StatefulSet web-db while Release ${RELEASE} rolls it out (${phase})`);
      expect(decide(update(next, now, OPERATOR), v).allowed).toBe(true);
    }
    // Raising the partition (fewer candidate pods) is never a way around the steps.
    expect(decide(update(sts(RELEASE, held(3)), now), v).allowed).toBe(true);
  });

  it("the scale subresource: scaling up adds ordinals on the update revision, denied to users", () => {
    const v = view("Progressing");
    v.statefulSets.put(sts(RELEASE, held(2)) as never);
    expect(denied(decide(scale(5), v))).toContain(`golive owns the partition of StatefulSet web-db while Release ${RELEASE} rolls it out (Progressing): this request puts 3 of 5 pod(s) on the update revision where golive allows 1 (partition 2)`);
    expect(decide(scale(5, OPERATOR), v).allowed).toBe(true);
    expect(decide(scale(3), v).allowed).toBe(true);
  });

  it("while the next release is Approved, the StatefulSet still labelled with the Released one: the partition is already golive's", () => {
    // The hold comes before the new template, so the label still names the release before.
    const v = view("Approved");
    const message = denied(decide(update(sts("web-1-1-0", held(0)), sts("web-1-1-0", held(3))), v));
    expect(message).toContain(`golive owns the partition of StatefulSet web-db while Release ${RELEASE} rolls it out (Approved): this request puts 3 of 3 pod(s) on the update revision where golive allows 0 (partition 0)`);
    v.statefulSets.put(sts("web-1-1-0", held(3)) as never);
    expect(denied(decide(scale(4), v))).toContain(`golive owns the partition of StatefulSet web-db while Release ${RELEASE} rolls it out (Approved)`);
  });

  it("after Released the partition is the user's again", () => {
    expect(decide(update(sts(RELEASE, held(0)), sts(RELEASE, held(2))), view("Released")).allowed).toBe(true);
  });
});

describe("a DaemonSet held at OnDelete", () => {
  function ds(release: string, updateStrategy?: Record<string, unknown>): Record<string, any> {
    const d = workload("DaemonSet", { release });
    if (updateStrategy) d.spec.updateStrategy = updateStrategy;
    return d;
  }
  const onDelete = { type: "OnDelete" };
  const rolling = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } };

  it("its new template is denied, with a retry, before golive held it; admitted once held", () => {
    expect(denied(decide(update(ds(RELEASE, rolling), ds("web-1-1-0", rolling)), view("Approved")))).toContain(
      `DaemonSet web-agent gets a new template while Release ${RELEASE} (Approved) rolls it out, before golive has held it (updateStrategy OnDelete): every node's pod would move to the new version at once, before verification and analysis: retry in a few seconds`,
    );
    expect(decide(update(ds(RELEASE, onDelete), ds("web-1-1-0", onDelete)), view("Approved")).allowed).toBe(true);
    expect(denied(decide(update(ds(RELEASE, rolling), ds("web-1-1-0", onDelete)), view("Approved")))).toContain("with an updateStrategy other than OnDelete: the DaemonSet controller would replace the pod on every node at once");
  });

  it.each(["Approved", "Verifying", "Progressing"] as const)("%s: a user taking OnDelete away is denied, the operator may", (phase) => {
    const v = view(phase);
    expect(denied(decide(update(ds(RELEASE, rolling), ds(RELEASE, onDelete)), v))).toContain(`golive holds DaemonSet web-agent at updateStrategy OnDelete while Release ${RELEASE} rolls it out (${phase})`);
    expect(decide(update(ds(RELEASE, rolling), ds(RELEASE, onDelete), OPERATOR), v).allowed).toBe(true);
  });

  it("golive's record on it (the stable revision, the strategy to hand back) is the operator's alone, in any phase", () => {
    const recorded = (release: string, annotations: Record<string, string>) => {
      const d = ds(release, onDelete);
      d.metadata.annotations = annotations;
      return d;
    };
    const mine = { "golive.dev/stable-revision": "agent-5d8f", "golive.dev/stable-update-strategy": '{"type":"RollingUpdate"}' };
    const forged = denied(decide(update(recorded(RELEASE, { ...mine, "golive.dev/stable-revision": "agent-7c9a" }), recorded(RELEASE, mine)), view("Progressing")));
    expect(forged).toContain("DaemonSet web-agent: golive.dev/stable-revision is golive's record of the revision a rollback restores and the update strategy it hands back: only golive's operator may set, change or remove it");
    expect(denied(decide(update(recorded("web-1-1-0", {}), recorded("web-1-1-0", mine)), view("Released")))).toContain("golive.dev/stable-revision and golive.dev/stable-update-strategy are golive's record");
    expect(denied(decide(request(recorded("web-1-1-0", mine)), view("Released")))).toContain("only golive's operator may set, change or remove them");
    expect(decide(update(recorded(RELEASE, { ...mine, "golive.dev/stable-revision": "agent-7c9a" }), recorded(RELEASE, mine), OPERATOR), view("Progressing")).allowed).toBe(true);
    // Other annotations are the user's.
    expect(decide(update(recorded(RELEASE, { ...mine, team: "ops" }), recorded(RELEASE, mine)), view("Progressing")).allowed).toBe(true);
  });

  it("without spec.strategy, or once Released, the strategy is the user's", () => {
    expect(decide(update(ds(RELEASE, rolling), ds("web-1-1-0", rolling)), view("Approved", false)).allowed).toBe(true);
    expect(decide(update(ds(RELEASE, rolling), ds(RELEASE, onDelete)), view("Released")).allowed).toBe(true);
  });
});

describe("an eviction of a held DaemonSet's pod (the pod's delete never reaches admission)", () => {
  const evict = (pod: string, user = "alice"): AdmissionRequest => {
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace: NS } };
    return { ...request(eviction, { operation: "CREATE", user }), kind: { group: "policy", version: "v1", kind: "Eviction" }, resource: { group: "", version: "v1", resource: "pods" }, subResource: "eviction", name: pod };
  };

  it.each(["Approved", "Verifying", "Progressing", "RollingBack"] as const)("%s: denied for a pod named as the DaemonSet's, saying what to do; the operator may", (phase) => {
    const v = view(phase);
    expect(denied(decide(evict("web-agent-x7k2p"), v))).toBe(
      `golive denied: evicting pod web-agent-x7k2p (named as a pod of DaemonSet web-agent) is refused while Release ${RELEASE} rolls the DaemonSet out (${phase}): evicted now, it would come back on the new, unverified template before its node's stage; wait for the release (kubectl get release ${RELEASE}), or abort it (golive abort ${RELEASE}); to drain a node, kubectl drain --ignore-daemonsets leaves DaemonSet pods alone`,
    );
    expect(decide(evict("web-agent-x7k2p", OPERATOR), v).allowed).toBe(true);
  });

  it("is admitted once Released, without spec.strategy, and for pods not named as a held DaemonSet's", () => {
    expect(decide(evict("web-agent-x7k2p"), view("Released")).allowed).toBe(true);
    expect(decide(evict("web-agent-x7k2p"), view("Approved", false)).allowed).toBe(true);
    for (const pod of ["web-5d8f9c-x7k2p", "someone-elses-x7k2p", "web-agent", "web-agent-x7k2p9"]) expect(decide(evict(pod), view("Approved")).allowed, pod).toBe(true);
  });
});

describe("a user's delete of a held DaemonSet's pod", () => {
  const pod = (owner: { kind: string; name: string } | null = { kind: "DaemonSet", name: "web-agent" }) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-agent-x7k2p", namespace: NS, labels: { "golive.dev/release": "web-1-1-0" }, ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", ...owner, uid: "u1", controller: true }] } : {}) },
    spec: { nodeName: "node-3", containers: [{ name: "agent", image: "x" }] },
  });
  const remove = (p: Record<string, any>, user = "alice"): AdmissionRequest => ({ ...request(p, { operation: "DELETE", oldObject: p, user }), object: null });

  it.each(["Approved", "Verifying", "Progressing", "RollingBack"] as const)("%s: denied (it would come back on the new template), naming the release and what to do; the operator may", (phase) => {
    const v = view(phase);
    expect(denied(decide(remove(pod()), v))).toBe(
      `golive denied: pod web-agent-x7k2p of DaemonSet web-agent is golive's to replace while Release ${RELEASE} rolls the DaemonSet out (${phase}): deleted now, it would come back on the new, unverified template before its node's stage (golive holds the DaemonSet at updateStrategy OnDelete and replaces the pods stage by stage); wait for the release (kubectl get release ${RELEASE}), or abort it (golive abort ${RELEASE}) to go back to the stable template`,
    );
    expect(decide(remove(pod(), OPERATOR), v).allowed).toBe(true);
  });

  it("is admitted once Released, without spec.strategy, for another DaemonSet's pods and for pods of other owners", () => {
    const r = decide(remove(pod()), view("Released"));
    expect(r.status?.message).toBeUndefined();
    expect(r.allowed).toBe(true);
    for (const [what, d] of [
      ["no strategy", decide(remove(pod()), view("Approved", false))],
      ["another DaemonSet", decide(remove(pod({ kind: "DaemonSet", name: "someone-elses" })), view("Approved"))],
      ["a ReplicaSet's pod", decide(remove(pod({ kind: "ReplicaSet", name: "web-5d8f" })), view("Approved"))],
      ["a bare pod", decide(remove(pod(null)), view("Approved"))],
    ] as const)
      expect(d.status?.message ?? "allowed", what).toBe("allowed");
  });
});
