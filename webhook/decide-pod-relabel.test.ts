// A running pod relabelled around golive's verification-only access (4.6 c): its labels are what
// Services and NetworkPolicies select, so while its release rolls out they are not a user's to
// change, and golive's own labels never are.
import { describe, expect, it } from "vitest";
import type { ReleaseStatus } from "../api/index.js";
import { decide } from "./decide.js";
import type { MemoryView } from "./memory-view.js";
import { approvedStatus, fixtureRelease, fixtureView, OPERATOR, RELEASE, request, workload } from "./testdata/fixtures.js";

const NOW = new Date("2026-12-01T12:00:00Z");
function view(phase: ReleaseStatus["phase"]): MemoryView {
  const v = fixtureView(NOW);
  v.releases.put(fixtureRelease(NOW, { status: { ...approvedStatus(NOW), phase } }));
  return v;
}
const owned = { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d9c", uid: "rs-1", controller: true }] };
function pod(labels: Record<string, string> = {}): Record<string, any> {
  const p = workload("Pod", { name: "web-5d9c-x7k2p", labels });
  Object.assign(p.metadata, owned);
  return p;
}
const relabel = (labels: Record<string, string>, oldLabels: Record<string, string> = {}, user = "alice") => request(pod(labels), { operation: "UPDATE", oldObject: pod(oldLabels), user });

describe("relabelling a running pod", () => {
  it.each(["Approved", "Verifying", "CleaningUp", "Progressing", "RollingBack"] as const)("%s: a user's label change on a pod of the release is denied, naming the release and what to do", (phase) => {
    const d = decide(relabel({ tier: "public" }), view(phase));
    expect(d.allowed).toBe(false);
    expect(d.status?.message).toContain(`pod web-5d9c-x7k2p belongs to Release ${RELEASE}, which is rolling out (${phase}): its labels decide which Services and NetworkPolicies reach it, and changing them (tier)`);
    expect(d.status?.message).toContain(`change the labels in the workload's pod template through a Release, or wait until Release ${RELEASE} is Released`);
    // Removing a label is a change too.
    expect(decide(relabel({}, { tier: "internal" }), view(phase)).allowed).toBe(false);
  });

  it("golive's own labels (golive.dev/track, golive.dev/verify-of) are the operator's in every phase", () => {
    const d = decide(relabel({ "golive.dev/track": "stable" }), view("Released"));
    expect(d.allowed).toBe(false);
    expect(d.status?.message).toContain("pod web-5d9c-x7k2p: the labels golive.dev/track are golive's");
    expect(decide(relabel({}, { "golive.dev/track": "verification", "golive.dev/verify-of": "web" }), view("Released")).status?.message).toContain("the labels golive.dev/track, golive.dev/verify-of are golive's");
  });

  it("is admitted once the release is Released, for an annotation only, and for golive's operator", () => {
    expect(decide(relabel({ tier: "public" }), view("Released")).allowed).toBe(true);
    const annotated = pod();
    annotated.metadata.annotations = { note: "x" };
    expect(decide(request(annotated, { operation: "UPDATE", oldObject: pod(), user: "alice" }), view("Verifying")).allowed).toBe(true);
    expect(decide(relabel({ tier: "public" }, {}, OPERATOR), view("Verifying")).allowed).toBe(true);
    // The controller-manager keeps managing the pods it owns (never reaches the rule).
    expect(decide(relabel({ "statefulset.kubernetes.io/pod-name": "web-0" }, {}, "system:kube-controller-manager"), view("Verifying")).allowed).toBe(true);
  });
});
