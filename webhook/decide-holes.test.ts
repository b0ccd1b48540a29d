// The paths around the gate (issue 14): another kind, the scale subresource, a delete, an edit of
// what a live release stands on, an owner that never was admitted.
import { describe, expect, it } from "vitest";
import type { AdmissionRequest, Decision } from "./admission.js";
import { decide } from "./decide.js";
import { CONFIG_DATA, configMap, fixtureRelease, fixtureView, NS, OPERATOR, pdb, RELEASE, releaseSpec, request, workload } from "./testdata/fixtures.js";
import type { MemoryView } from "./memory-view.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const CONTROLLER = "system:kube-controller-manager";

function run(req: AdmissionRequest, view: MemoryView = fixtureView(NOW)): Decision {
  return decide(req, view);
}
function denied(d: Decision): string {
  expect(d.allowed).toBe(false);
  return d.status?.message ?? "";
}
function withPhase(phase: string, mutate: (spec: Record<string, any>) => void = () => undefined, extra: Record<string, unknown> = {}): MemoryView {
  const view = fixtureView(NOW);
  const spec = releaseSpec() as Record<string, any>;
  mutate(spec);
  const release = fixtureRelease(NOW, { spec });
  view.releases.put({ ...release, status: { ...release.status, phase: phase as never, ...extra } });
  return view;
}
function scale(kind: string, resource: string, name: string, replicas: number, user = "alice"): AdmissionRequest {
  const group = kind === "ReplicationController" ? "" : "apps";
  const object = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name, namespace: NS }, spec: { replicas } };
  return { ...request(object, { operation: "UPDATE", user }), kind: { group: "autoscaling", version: "v1", kind: "Scale" }, resource: { group, version: "v1", resource }, subResource: "scale", oldObject: { ...object, spec: { replicas: 3 } } };
}

describe("ReplicationController is governed like ReplicaSet", () => {
  it("denies one with an unsealed image, admits a compliant one", () => {
    const rc = workload("ReplicationController");
    expect(run(request(rc)).allowed).toBe(true);
    rc.spec.template.spec.containers[0].image = "registry.example.com/shop/web:latest";
    expect(denied(run(request(rc)))).toMatch(/^golive denied ReplicationController shop\/web-rc \(Release web-1-2-0\): .*not pinned by digest/);
  });

  it("its pods are judged like any pod when the controller is not a governed kind", () => {
    const pod = workload("Pod", { spec: { containers: [{ name: "x", image: "registry.example.com/evil:latest" }] } });
    pod.metadata.ownerReferences = [{ apiVersion: "example.com/v1", kind: "Runner", name: "r", uid: "u", controller: true }];
    expect(denied(run(request(pod, { user: CONTROLLER })))).toMatch(/golive denied Pod/);
    pod.metadata.ownerReferences = [{ apiVersion: "v1", kind: "ReplicationController", name: "web-rc", uid: "u", controller: true }];
    expect(run(request(pod, { user: CONTROLLER })).allowed).toBe(true);
  });
});

describe("the scale subresource", () => {
  it.each([
    ["Deployment", "deployments", "web"],
    ["StatefulSet", "statefulsets", "web-db"],
    ["ReplicaSet", "replicasets", "web-rs"],
    ["ReplicationController", "replicationcontrollers", "web-rc"],
  ])("%s: below the minimum is denied, within it admitted", (kind, resource, name) => {
    expect(denied(run(scale(kind, resource, name, 1)))).toBe(
      `golive denied: ${kind} ${name} (Release ${RELEASE}) must run at least 3 replica(s) (ReleasePolicy shop-policy requires at least 2 (spec.architecture.minReplicas, 5.1 b) and Release ${RELEASE} declares 3 (spec.architecture.replicas, 5.2)): scaling to 1 is below it; scale to 3 or more`,
    );
    expect(run(scale(kind, resource, name, 5)).allowed).toBe(true);
  });

  it("a replica-ratio candidate's replicas are golive's while it rolls out: a user's scale up is denied, the operator's admitted", () => {
    const ratio = (s: Record<string, any>) => (s.strategy = { trafficRouting: { service: "web" }, steps: [{ name: "all", setWeight: 100 }], progressDeadline: "10m" });
    const view = withPhase("Verifying", ratio);
    expect(denied(run(scale("Deployment", "deployments", "web", 5), view))).toContain(`golive owns spec.replicas of Deployment web while Release ${RELEASE} rolls it out by replica ratio (it is 3; this request makes it 5`);
    expect(run(scale("Deployment", "deployments", "web", 5, OPERATOR), view).allowed).toBe(true);
    expect(run(scale("Deployment", "deployments", "web", 5), withPhase("Released", ratio)).allowed).toBe(true);
  });

  it("a stable copy's replicas are golive's: anyone's scale of it is denied (by replica ratio it is the canary's split), the operator's admitted", () => {
    const view = withPhase("Progressing");
    const copy = workload("Deployment", { release: RELEASE });
    copy.metadata.name = "web-stable";
    copy.metadata.labels = { ...copy.metadata.labels, "app.kubernetes.io/managed-by": "golive", "golive.dev/stable-of": "web" };
    view.deployments.put(copy as never);
    expect(denied(run(scale("Deployment", "deployments", "web-stable", 1), view))).toBe(
      "golive denied: Deployment web-stable is golive's stable copy of Deployment web: its replicas are golive's (they serve the released version and, by replica ratio, set the canary's traffic split); change the replicas in the next Release (spec.architecture.replicas) instead of scaling the copy",
    );
    expect(denied(run(scale("Deployment", "deployments", "web-stable", 9, "system:serviceaccount:kube-system:horizontal-pod-autoscaler"), view))).toContain("is golive's stable copy");
    expect(run(scale("Deployment", "deployments", "web-stable", 1, OPERATOR), view).allowed).toBe(true);
  });

  it("holds the declared scaling bounds for everyone, the HPA included; the operator may go below the minimum, never above the maximum", () => {
    const view = withPhase("Released", (s) => (s.architecture.scaling = { minReplicas: 4, maxReplicas: 8 }));
    const hpa = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
    expect(run(scale("Deployment", "deployments", "web", 6, hpa), view).allowed).toBe(true);
    expect(denied(run(scale("Deployment", "deployments", "web", 9, hpa), view))).toMatch(/may run at most 8 replica\(s\) .*scaling to 9 needs a new Release with a larger bound/);
    expect(denied(run(scale("Deployment", "deployments", "web", 3, hpa), view))).toMatch(/must run at least 4 replica\(s\) .*scaling.minReplicas/);
    expect(run(scale("Deployment", "deployments", "web", 0, OPERATOR), view).allowed).toBe(true);
    expect(denied(run(scale("Deployment", "deployments", "web", 9, OPERATOR), view))).toMatch(/at most 8/);
  });

  it("a spec.replicas edit is held to the same maximum", () => {
    const view = withPhase("Released", (s) => (s.architecture.scaling = { minReplicas: 2, maxReplicas: 4 }));
    const old = workload("Deployment", { replicas: 3 });
    expect(denied(run(request(workload("Deployment", { replicas: 6 }), { operation: "UPDATE", oldObject: old }), view))).toMatch(/allows at most 4 .*set spec.replicas to at most 4/);
  });

  it("is not judged in an ungoverned namespace", () => {
    const r = scale("Deployment", "deployments", "web", 0);
    expect(run({ ...r, namespace: "free" }).allowed).toBe(true);
  });
});

describe("deletes of what a live release stands on", () => {
  const evidence = { apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { name: "web-unit", namespace: NS }, spec: { release: RELEASE, type: "UnitTestReport" } };
  const del = (object: Record<string, any>, resource: { group: string; version: string; resource: string }): AdmissionRequest => ({ ...request(object, { operation: "DELETE" }), resource, object: null, oldObject: object });
  const evidenceDelete = () => del(evidence, { group: "golive.dev", version: "v1alpha1", resource: "releaseevidences" });

  it.each(["Approved", "Progressing", "Released", "RollingBack", "Failed"])("denies deleting the evidence of a %s release", (phase) => {
    expect(denied(run(evidenceDelete(), withPhase(phase)))).toMatch(new RegExp(`ReleaseEvidence web-unit is part of the record of Release ${RELEASE}, which is ${phase} \\(8.3\\): it cannot be deleted while the release is live; retire the release first`));
  });

  it("lets evidence of a RolledBack, superseded, unapproved or deleted release go", () => {
    expect(run(evidenceDelete(), withPhase("RolledBack")).allowed).toBe(true);
    expect(run(evidenceDelete(), withPhase("Blocked")).allowed).toBe(true);
    const superseded = withPhase("Released", () => undefined, { releasedAt: "2026-11-01T00:00:00Z" });
    const spec = releaseSpec() as Record<string, any>;
    spec.version = "1.3.0";
    const later = fixtureRelease(NOW, { name: "web-1-3-0", spec });
    superseded.releases.put({ ...later, metadata: { ...later.metadata, uid: "later" }, status: { ...later.status, phase: "Released", releasedAt: "2026-11-20T00:00:00Z" } });
    expect(run(evidenceDelete(), superseded).allowed).toBe(true);
    const gone = fixtureView(NOW);
    gone.releases.delete(NS, RELEASE);
    expect(run(evidenceDelete(), gone).allowed).toBe(true);
  });

  it("denies deleting the PodDisruptionBudget the policy requires, unless a replacement with the same selector exists", () => {
    const req = del(pdb(), { group: "policy", version: "v1", resource: "poddisruptionbudgets" });
    expect(denied(run(req, withPhase("Released")))).toMatch(/PodDisruptionBudget web protects the pods of live release\(s\) web-1-2-0 in namespace shop; ReleasePolicy shop-policy requires .*: create its replacement \(same selector\) before deleting it, or retire the release first/);
    const replaced = withPhase("Released");
    replaced.pdbs.put(pdb("web-v2"));
    expect(run(req, replaced).allowed).toBe(true);
    expect(run(req, withPhase("RolledBack")).allowed).toBe(true);
  });
});

describe("sealed ConfigMaps and Secrets of a live release", () => {
  const update = (data: Record<string, string>, labels: Record<string, string> = {}): AdmissionRequest => {
    const next = configMap(data);
    next.metadata = { ...next.metadata, labels };
    return { ...request(next as Record<string, any>, { operation: "UPDATE" }), resource: { group: "", version: "v1", resource: "configmaps" }, oldObject: configMap() };
  };

  it("denies an edit of the sealed data, naming digests and never values", () => {
    const message = denied(run(update({ ...CONFIG_DATA, MODE: "debug" })));
    expect(message).toMatch(/^golive denied: ConfigMap web-config is sealed in Release web-1-2-0, which is Approved \(8.4\): this change gives it digest sha256:[0-9a-f]{12}…, not the sealed sha256:[0-9a-f]{12}…; put the change in a new Release/);
    expect(message).not.toContain("debug");
  });

  it("denies once however many live releases seal it, naming the first and counting the others", () => {
    const view = fixtureView(NOW);
    for (let k = 1; k <= 5; k++) view.releases.put(fixtureRelease(NOW, { name: `web-1-2-${k}`, spec: { ...releaseSpec(), application: `web-${k}`, version: `1.2.${k}` } }));
    const d = run(update({ ...CONFIG_DATA, MODE: "debug" }), view);
    const message = denied(d);
    expect(message.match(/is sealed in Release/g)).toHaveLength(1);
    expect(message).toMatch(/ConfigMap web-config is sealed in Release web-1-2-0, which is Approved \(8.4\) \(and in 5 more live release\(s\): web-1-2-1, web-1-2-2, web-1-2-3, …\): this change gives it digest/);
  });

  it("admits a metadata-only edit, an edit once the release is retired, and edits of unsealed objects", () => {
    expect(run(update(CONFIG_DATA, { team: "shop" })).allowed).toBe(true);
    expect(run(update({ MODE: "debug" }), withPhase("RolledBack")).allowed).toBe(true);
    const other = update({ MODE: "debug" });
    expect(run({ ...other, name: "unrelated" }).allowed).toBe(true);
  });

  it("denies deleting it while the release is live", () => {
    const req: AdmissionRequest = { ...request(configMap() as Record<string, any>, { operation: "DELETE" }), resource: { group: "", version: "v1", resource: "configmaps" }, object: null, oldObject: configMap() };
    expect(denied(run(req))).toMatch(/ConfigMap web-config is sealed in live release\(s\) web-1-2-0 \(8.4\): it cannot be deleted while they run/);
  });
});
