import { describe, expect, it } from "vitest";
import type { ReleaseEvidence, WorkloadKind } from "../api/index.js";
import type { AdmissionRequest, Decision } from "./admission.js";
import { decide } from "./decide.js";
import {
  approvedStatus,
  configMap,
  DIGEST,
  fixturePolicy,
  fixtureRelease,
  fixtureView,
  gateResults,
  IMAGE,
  IMAGE_REF,
  NS,
  OPERATOR,
  OTHER_DIGEST,
  pdb,
  podSpec,
  policySpec,
  RELEASE,
  releaseSpec,
  request,
  workload,
} from "./testdata/fixtures.js";
import type { MemoryView } from "./memory-view.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const KINDS: WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"];

function run(req: AdmissionRequest, view: MemoryView = fixtureView(NOW)): Decision {
  return decide(req, view);
}

function denied(d: Decision): string {
  expect(d.allowed).toBe(false);
  return d.status?.message ?? "";
}

function withPolicy(mutate: (spec: Record<string, any>) => void): MemoryView {
  const spec = policySpec();
  mutate(spec);
  return fixtureView(NOW, fixturePolicy("shop-policy", spec));
}

function withRelease(view: MemoryView, mutate: { spec?: (s: Record<string, any>) => void; status?: NonNullable<Parameters<typeof fixtureRelease>[1]>["status"]; generation?: number }): MemoryView {
  const spec = releaseSpec();
  mutate.spec?.(spec);
  view.releases.put(fixtureRelease(NOW, { spec, ...(mutate.status !== undefined ? { status: mutate.status } : {}), ...(mutate.generation !== undefined ? { generation: mutate.generation } : {}) }));
  return view;
}

describe("decide: governed namespaces", () => {
  it.each(KINDS)("admits a compliant %s of an approved, sealed release", (kind) => {
    const d = run(request(workload(kind)));
    expect(d).toEqual({ allowed: true, warnings: [] });
  });

  it("admits anything in an ungoverned namespace without checks", () => {
    expect(run(request(workload("Deployment", { namespace: "free", release: null, replicas: 1, spec: { containers: [{ name: "x", image: "nginx:latest" }] } }))).allowed).toBe(true);
  });

  it.each(["kube-system", "golive-system"])("never governs %s, even under a policy selecting every namespace", (ns) => {
    const spec = policySpec();
    spec.namespaceSelector = {};
    const view = fixtureView(NOW, fixturePolicy("everything", spec));
    expect(run(request(workload("Pod", { namespace: ns, release: null })), view).allowed).toBe(true);
    expect(run(request(workload("Pod", { namespace: "free", release: null })), view).allowed).toBe(false);
  });

  it("admits everything when no policy exists", () => {
    const view = fixtureView(NOW);
    view.policies.replace([]);
    expect(run(request(workload("Pod", { release: null })), view).allowed).toBe(true);
  });

  it("fails closed when two policies govern the namespace", () => {
    const view = fixtureView(NOW);
    view.policies.put(fixturePolicy("second"));
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/namespace shop matches 2 ReleasePolicies \(second, shop-policy\).*make their namespaceSelectors disjoint/);
  });

  it("fails closed for a namespace not yet in the cache while policies exist", () => {
    const d = run(request(workload("Deployment", { namespace: "brand-new" })));
    expect(denied(d)).toMatch(/namespace brand-new is not in golive's cache yet.*retry/);
    expect(d.status?.code).toBe(503);
  });

  it("lets the operator's own objects through, but not everything its identity writes", () => {
    expect(run(request(workload("Job", { release: null, labels: { "app.kubernetes.io/managed-by": "golive" } }), { user: OPERATOR })).allowed).toBe(true);
    expect(run(request(workload("Job", { release: null }), { user: OPERATOR })).allowed).toBe(false);
    expect(run(request(workload("Job", { release: null, labels: { "app.kubernetes.io/managed-by": "golive" } }), { user: "mallory" })).allowed).toBe(false);
  });

  it("lets built-in controllers stamp out objects from admitted owners, but not users", () => {
    const rs = workload("ReplicaSet", { release: null, replicas: 1 });
    rs.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u", controller: true }];
    expect(run(request(rs, { user: "system:serviceaccount:kube-system:deployment-controller" })).allowed).toBe(true);
    expect(run(request(rs, { user: "system:kube-controller-manager" })).allowed).toBe(true);
    expect(denied(run(request(rs, { user: "mallory" })))).toMatch(/has no golive.dev\/release label/);
  });

  it("ignores DELETE and CONNECT", () => {
    expect(run(request(workload("Deployment", { release: null }), { operation: "DELETE" })).allowed).toBe(true);
  });

  it("rejects other versions of pod-producing kinds and requests without an object", () => {
    const old = request(workload("Deployment"));
    old.kind.version = "v1beta1";
    old.resource.version = "v1beta1";
    const d = run(old);
    expect(denied(d)).toMatch(/golive validates apps\/v1 Deployment objects; this request is for version v1beta1/);
    expect(d.status?.code).toBe(400);
    expect(denied(run({ ...request(workload("Pod")), object: undefined }))).toMatch(/carries no object/);
  });
});

describe("decide: the release", () => {
  it("requires the release label, naming the object", () => {
    expect(denied(run(request(workload("Deployment", { release: null }))))).toMatch(/^golive denied Deployment shop\/web: it has no golive.dev\/release label: label it/);
  });

  it("requires the labels on object and template to agree", () => {
    const d = workload("Deployment");
    d.spec.template.metadata.labels = { app: "web", "golive.dev/release": "other" };
    expect(denied(run(request(d)))).toMatch(/is web-1-2-0 on the object but other on its pod template/);
  });

  it("requires the Release to exist", () => {
    expect(denied(run(request(workload("Deployment", { release: "nope" }))))).toMatch(/Release nope does not exist in namespace shop: apply the Release first/);
  });

  it("requires the workload to be listed in the Release", () => {
    expect(denied(run(request(workload("Deployment", { name: "api" }))))).toMatch(/Deployment api is not listed in Release web-1-2-0's spec.workloads/);
  });

  it("denies a release the operator has not evaluated", () => {
    const view = withRelease(fixtureView(NOW), { status: null });
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/Release web-1-2-0 has not been evaluated by the golive operator yet: wait until its phase is Approved/);
  });

  it("denies a Blocked release, naming each gate that has not passed", () => {
    const status = { ...approvedStatus(NOW), phase: "Blocked" as const, message: "gate unit-tests Failed: 2 failures", gates: gateResults(NOW, { "unit-tests": "Failed", "go-live-approval": "Pending" }) };
    const msg = denied(run(request(workload("Deployment")), withRelease(fixtureView(NOW), { status })));
    // Each gate's reason once: the release's message (which repeats the first gate's) is left out.
    expect(msg).toMatch(/Release web-1-2-0 is Blocked, not Approved; gate unit-tests is Failed/);
    expect(msg).not.toMatch(/2 failures/);
    expect(msg).toMatch(/gate unit-tests is Failed: no unit-tests evidence yet: provide or fix its evidence \(golive gates --release web-1-2-0\)/);
    expect(msg).toMatch(/gate go-live-approval is Pending/);
    expect(msg).not.toMatch(/gate batch-tests/);
  });

  it("says why a Blocked release is blocked when no gate explains it (an image not sealed)", () => {
    const status = { ...approvedStatus(NOW), phase: "Blocked" as const, message: "image registry.example.com/web@sha256:ab is not sealed: no signature" };
    expect(denied(run(request(workload("Deployment")), withRelease(fixtureView(NOW), { status })))).toMatch(/Release web-1-2-0 is Blocked, not Approved: image registry\.example\.com\/web@sha256:ab is not sealed: no signature/);
  });

  it.each(["RollingBack", "RolledBack", "Failed"] as const)("denies a %s release", (phase) => {
    const view = withRelease(fixtureView(NOW), { status: { ...approvedStatus(NOW), phase } });
    expect(denied(run(request(workload("Deployment")), view))).toMatch(new RegExp(`Release web-1-2-0 is ${phase}: its workloads cannot be admitted any more`));
  });

  it.each(["Verifying", "CleaningUp", "Progressing", "Released"] as const)("admits in phase %s", (phase) => {
    const view = withRelease(fixtureView(NOW), { status: { ...approvedStatus(NOW), phase } });
    expect(run(request(workload("Deployment")), view).allowed).toBe(true);
  });

  it("denies a status that is not for the current generation", () => {
    const view = withRelease(fixtureView(NOW), { generation: 2, status: approvedStatus(NOW, 1) });
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/Release web-1-2-0 changed \(generation 2\) after the operator evaluated it \(generation 1\)/);
  });

  it("denies unless GatesPassed and Sealed are True", () => {
    const status = approvedStatus(NOW);
    status.conditions = status.conditions!.map((c) => (c.type === "Sealed" ? { ...c, status: "Unknown" as const, message: "verifying signatures" } : c));
    expect(denied(run(request(workload("Deployment")), withRelease(fixtureView(NOW), { status })))).toMatch(/condition Sealed is Unknown: verifying signatures/);
    const noGates = approvedStatus(NOW);
    noGates.conditions = noGates.conditions!.filter((c) => c.type !== "GatesPassed");
    expect(denied(run(request(workload("Deployment")), withRelease(fixtureView(NOW), { status: noGates })))).toMatch(/has no GatesPassed condition/);
  });

  it("denies when a required gate has no Passed result, even if the phase says Approved", () => {
    const status = approvedStatus(NOW, 1, gateResults(NOW).filter((g) => g.name !== "go-live-approval"));
    expect(denied(run(request(workload("Deployment")), withRelease(fixtureView(NOW), { status })))).toMatch(/gate go-live-approval \(ReleasePolicy shop-policy\) has no result in Release web-1-2-0's status/);
  });
});

describe("decide: sealed images and configuration", () => {
  const withImage = (image: string, field = "containers") => {
    const spec = podSpec();
    if (field === "containers") spec.containers[0].image = image;
    else spec[field] = [{ ...spec.containers[0], name: "extra", image }];
    return workload("Deployment", { spec });
  };

  it("requires a digest, suggesting the sealed one", () => {
    expect(denied(run(request(withImage(`${IMAGE}:1.2.0`))))).toMatch(new RegExp(`container web: image ${IMAGE}:1.2.0 is not pinned by digest: reference it as ${IMAGE}@${DIGEST}`));
  });

  it("checks init containers and ephemeral containers too", () => {
    expect(denied(run(request(withImage("busybox:1.36", "initContainers"))))).toMatch(/init container extra: image busybox:1.36 is not pinned by digest/);
    const pod = workload("Pod");
    const old = structuredClone(pod);
    pod.spec.ephemeralContainers = [{ name: "debugger", image: "busybox:1.36" }];
    const d = run(request(pod, { operation: "UPDATE", oldObject: old, subResource: "ephemeralcontainers" }));
    expect(denied(d)).toMatch(/ephemeral container debugger: image busybox:1.36 is not pinned by digest/);
  });

  it("requires the sealed digest", () => {
    expect(denied(run(request(withImage(`${IMAGE}@${OTHER_DIGEST}`))))).toMatch(/image registry.example.com\/shop\/web@sha256:bbbbbbbbbbbb… is not the digest sealed in Release web-1-2-0 \(sha256:aaaaaaaaaaaa…\): deploy the sealed digest/);
  });

  it("requires the image to be listed", () => {
    expect(denied(run(request(withImage(`registry.example.com/shop/other@${DIGEST}`))))).toMatch(/image registry.example.com\/shop\/other is not among Release web-1-2-0's sealed images \(spec.images\)/);
  });

  it("normalises Docker Hub names", () => {
    const view = withRelease(fixtureView(NOW), { spec: (s) => (s.images = [{ name: "nginx", digest: DIGEST }]) });
    view.seals.sealed("docker.io/library/nginx", DIGEST);
    expect(run(request(withImage(`nginx@${DIGEST}`)), view).allowed).toBe(true);
  });

  it("denies a seal the operator has not verified, without any network call", () => {
    const view = fixtureView(NOW);
    view.seals.clear();
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/image registry.example.com\/shop\/web@sha256:aaaaaaaaaaaa…: seal not yet verified by the operator: wait until Release web-1-2-0 shows Sealed=True/);
  });

  it("denies a failed seal with its reason", () => {
    const view = fixtureView(NOW);
    view.seals.set(IMAGE, DIGEST, { sealed: false, failure: "UntrustedKey", reason: "signed by a key the policy does not trust", checkedAt: NOW });
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/is not sealed \(UntrustedKey\): signed by a key the policy does not trust/);
  });

  it("skips signatures when the policy does not require them, but still requires the digest", () => {
    const view = withPolicy((s) => (s.images = { requireSignature: false }));
    view.seals.clear();
    expect(run(request(workload("Deployment")), view).allowed).toBe(true);
    expect(denied(run(request(withImage(`${IMAGE}:1`)), view))).toMatch(/not pinned by digest/);
  });

  it("enforces allowed registries", () => {
    const view = withPolicy((s) => (s.images = { allowedRegistries: ["registry.internal/"] }));
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/image registry.example.com\/shop\/web is not from an allowed registry \(ReleasePolicy shop-policy spec.images.allowedRegistries: registry.internal\/\)/);
  });

  it("rejects malformed image references", () => {
    expect(denied(run(request(withImage("UPPER CASE!!"))))).toMatch(/"UPPER CASE!!" is not a valid image reference/);
  });

  it("requires sealed ConfigMaps to match their digest", () => {
    const view = fixtureView(NOW);
    view.configMaps.put(configMap({ MODE: "debug", TTL: "60s" }));
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/ConfigMap web-config does not match the digest sealed in Release web-1-2-0 \(live sha256:.{12}…, sealed sha256:.{12}…\): restore the sealed content/);
    view.configMaps.delete(NS, "web-config");
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/ConfigMap web-config, sealed in Release web-1-2-0, does not exist in namespace shop/);
  });

  it("checks sealed Secrets mounted as volumes and referenced by env", async () => {
    const { configDigest } = await import("../images/config-digest.js");
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "web-tls", namespace: NS }, data: { "tls.key": "c2VjcmV0" } };
    const view = withRelease(fixtureView(NOW), { spec: (s) => void s.configuration.push({ kind: "Secret", name: "web-tls", digest: configDigest("Secret", secret) }) });
    view.secrets.put(secret);
    const spec = podSpec();
    spec.volumes = [{ name: "tls", secret: { secretName: "web-tls" } }];
    expect(run(request(workload("Deployment", { spec })), view).allowed).toBe(true);
    view.secrets.put({ ...secret, data: { "tls.key": "b3RoZXI=" } });
    const d = run(request(workload("Deployment", { spec })), view);
    expect(denied(d)).toMatch(/Secret web-tls does not match the digest sealed/);
    expect(JSON.stringify(d)).not.toMatch(/b3RoZXI=|c2VjcmV0/);
    const env = podSpec();
    env.containers[0].env = [{ name: "K", valueFrom: { secretKeyRef: { name: "web-tls", key: "tls.key" } } }];
    expect(denied(run(request(workload("Deployment", { spec: env })), view))).toMatch(/Secret web-tls does not match/);
  });
});

describe("decide: change windows", () => {
  it("denies outside the windows, naming the next opening", () => {
    const view = withPolicy((s) => (s.changeWindows = { timeZone: "UTC", windows: [{ name: "nightly", schedule: "0 22 * * *", duration: "2h" }] }));
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/the change window is closed \(ReleasePolicy shop-policy, 4.2 h\): outside every change window; the next, "nightly", opens 2026-12-01 22:00 UTC: deploy inside a window, or break glass/);
  });

  it("denies during a freeze", () => {
    const view = withPolicy((s) => (s.changeWindows = { freezes: [{ name: "year-end", start: "2026-11-30T00:00:00Z", end: "2026-12-05T00:00:00Z", reason: "closing the books" }] }));
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/frozen by "year-end" until 2026-12-05 00:00 UTC.*closing the books/);
  });

  it("warns when the window closes within 30 minutes", () => {
    const view = withPolicy((s) => (s.changeWindows = { windows: [{ name: "noon", schedule: "50 11 * * *", duration: "30m" }] }));
    const d = run(request(workload("Deployment")), view);
    expect(d.allowed).toBe(true);
    expect(d.warnings).toEqual(['golive: the change window "noon" closes in 20 min (2026-12-01T12:20:00.000Z): finish the rollout before then']);
  });

  it("does not warn with time to spare", () => {
    const view = withPolicy((s) => (s.changeWindows = { windows: [{ name: "day", schedule: "0 8 * * *", duration: "10h" }] }));
    expect(run(request(workload("Deployment")), view)).toEqual({ allowed: true, warnings: [] });
  });
});

describe("decide: architecture and security", () => {
  it("requires the policy's and the release's replicas", () => {
    const msg = denied(run(request(workload("Deployment", { replicas: 1 }))));
    expect(msg).toMatch(/Deployment web runs 1 replica\(s\); ReleasePolicy shop-policy requires at least 2 \(spec.architecture.minReplicas, 5.1 b\) and Release web-1-2-0 declares 3 \(spec.architecture.replicas, 5.2\): set spec.replicas to at least 3/);
    expect(denied(run(request(workload("StatefulSet", { replicas: 2 }))))).toMatch(/StatefulSet web-db runs 2 replica/);
  });

  it("requires a PodDisruptionBudget selecting the pods", () => {
    const view = fixtureView(NOW);
    view.pdbs.replace([pdb("other", { app: "other" })]);
    expect(denied(run(request(workload("Deployment")), view))).toMatch(/no PodDisruptionBudget in namespace shop selects the pods of Deployment web \(labels app=web,golive.dev\/release=web-1-2-0\); ReleasePolicy shop-policy requires one/);
    view.pdbs.replace([{ ...pdb("all"), spec: { minAvailable: 1, selector: {} } }]);
    expect(run(request(workload("Deployment")), view).allowed).toBe(true);
  });

  it("requires spreading when the release declares high availability", () => {
    const spec = podSpec();
    delete spec.topologySpreadConstraints;
    expect(denied(run(request(workload("Deployment", { spec }))))).toMatch(/the pods of Deployment web are not spread across nodes or zones; Release web-1-2-0 declares high availability/);
  });

  it("requires requests and a memory limit on every container, init containers too", () => {
    const spec = podSpec();
    spec.initContainers = [{ name: "migrate", image: IMAGE_REF, securityContext: { allowPrivilegeEscalation: false } }];
    delete spec.containers[0].resources.limits;
    const msg = denied(run(request(workload("Job", { spec }))));
    expect(msg).toMatch(/init container migrate sets no cpu or memory request: set resources.requests \(ReleasePolicy shop-policy spec.architecture.requireResourceRequests, 6.2.1\)/);
    expect(msg).toMatch(/container web sets no memory limit/);
  });

  it("requires the declared per-pod resources", () => {
    const spec = podSpec();
    spec.containers[0].resources = { requests: { cpu: "0.25", memory: "128Mi" }, limits: { memory: "128Mi" } };
    const msg = denied(run(request(workload("Deployment", { spec }))));
    expect(msg).toMatch(/the pods request 250m CPU in total; Release web-1-2-0 declares 500m per pod/);
    expect(msg).toMatch(/the pods request 128Mi memory in total; Release web-1-2-0 declares 256Mi per pod/);
  });

  it.each([
    ["privileged", (s: any) => (s.containers[0].securityContext.privileged = true), /container web is privileged: remove securityContext.privileged/],
    ["privilege escalation", (s: any) => (s.containers[0].securityContext.allowPrivilegeEscalation = true), /container web allows privilege escalation/],
    ["host network", (s: any) => (s.hostNetwork = true), /the pods use hostNetwork: ReleasePolicy shop-policy forbids host namespaces/],
    ["host PID and IPC", (s: any) => void Object.assign(s, { hostPID: true, hostIPC: true }), /the pods use hostPID, hostIPC/],
    ["no runAsNonRoot", (s: any) => delete s.securityContext.runAsNonRoot, /container web does not set runAsNonRoot/],
    ["root user", (s: any) => (s.containers[0].securityContext.runAsUser = 0), /container web runs as root \(runAsUser: 0\)/],
  ])("denies %s", (_what, mutate, expected) => {
    const spec = podSpec();
    mutate(spec);
    expect(denied(run(request(workload("Pod", { spec }))))).toMatch(expected);
  });

  it("follows the policy when it relaxes the minimums", () => {
    const view = withPolicy((s) => (s.architecture = { minReplicas: 1, requirePodDisruptionBudget: false, requireResourceRequests: false, requireResourceLimits: false, requireRunAsNonRoot: false, forbidPrivileged: false, forbidHostNamespaces: false }));
    withRelease(view, { spec: (s) => delete s.architecture });
    const spec = { hostNetwork: true, containers: [{ name: "web", image: IMAGE_REF, securityContext: { privileged: true } }] };
    expect(run(request(workload("Deployment", { spec, replicas: 1 })), view).allowed).toBe(true);
  });

  it("judges a scale by the replica minimum only, and only when replicas change", () => {
    const old = workload("Deployment", { replicas: 3 });
    const view = fixtureView(NOW);
    view.seals.clear(); // nothing else is re-judged: an unchanged template does not go live again
    expect(run(request(workload("Deployment", { replicas: 5 }), { operation: "UPDATE", oldObject: old }), view).allowed).toBe(true);
    expect(denied(run(request(workload("Deployment", { replicas: 1 }), { operation: "UPDATE", oldObject: old }), view))).toMatch(/runs 1 replica/);
  });

  it("re-judges everything when the template changes", () => {
    const old = workload("Deployment");
    const spec = podSpec(`${IMAGE}:latest`);
    expect(denied(run(request(workload("Deployment", { spec }), { operation: "UPDATE", oldObject: old })))).toMatch(/not pinned by digest/);
  });

  it("caps the answer for thousands of containers", () => {
    const spec = podSpec();
    spec.containers = Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, image: `registry.example.com/x${i}:latest` }));
    const d = run(request(workload("Pod", { spec })));
    const msg = denied(d);
    expect(msg.length).toBeLessThanOrEqual(4000);
    expect(msg).toMatch(/and \d+ more problem\(s\)/);
  });
});

describe("decide: high-risk batch (7.1.9)", () => {
  const batch = (kind: "Job" | "CronJob", cls: string) => workload(kind, { labels: { "golive.dev/batch-class": cls } });
  const pendingBatch = () => withRelease(fixtureView(NOW), { status: approvedStatus(NOW, 1, gateResults(NOW, { "batch-tests": "Pending" })) });

  it.each(["Job", "CronJob"] as const)("a high-risk %s needs the batch-test gate Passed", (kind) => {
    expect(denied(run(request(batch(kind, "funds")), pendingBatch()))).toMatch(new RegExp(`${kind} nightly is a high-risk batch job \\(golive.dev/batch-class=funds, 7.1.9\\): it needs the batch-test gate batch-tests Passed, but in Release web-1-2-0 it is Pending`));
    expect(run(request(batch(kind, "funds"))).allowed).toBe(true);
  });

  it("other classes and other kinds do not", () => {
    expect(run(request(batch("Job", "reporting")), pendingBatch()).allowed).toBe(true);
    expect(run(request(workload("Deployment", { labels: { "golive.dev/batch-class": "funds" } })), pendingBatch()).allowed).toBe(true);
  });

  it("a Deployment of a release whose batch gate is Pending is still admitted", () => {
    expect(run(request(workload("Deployment")), pendingBatch()).allowed).toBe(true);
  });

  it("denies when the policy names no batch gate", () => {
    const view = withPolicy((s) => {
      delete s.batch;
      s.gates = s.gates.filter((g: { name: string }) => g.name !== "batch-tests");
    });
    expect(denied(run(request(batch("CronJob", "sms")), view))).toMatch(/ReleasePolicy shop-policy names no batch-test gate \(spec.batch.gate\)/);
  });
});

describe("decide: evidence age warnings", () => {
  const evidence = (name: string, issuedAt: string): ReleaseEvidence => ({
    apiVersion: "golive.dev/v1alpha1",
    kind: "ReleaseEvidence",
    metadata: { name, namespace: NS },
    spec: {
      release: RELEASE,
      type: "UnitTestReport",
      envelope: { payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify({ predicate: { issuedAt } })).toString("base64"), signatures: [{ sig: "AAAA" }] },
    },
  });

  it("warns about evidence older than 80% of evidenceMaxAge, not younger", () => {
    const view = withRelease(fixtureView(NOW), { status: approvedStatus(NOW, 1, gateResults(NOW, {}, { "unit-tests": ["old-units", "fresh-units"] })) });
    view.evidence.put(evidence("old-units", "2026-11-06T12:00:00Z"));
    view.evidence.put(evidence("fresh-units", "2026-11-25T12:00:00Z"));
    const d = run(request(workload("Deployment")), view);
    expect(d.allowed).toBe(true);
    expect(d.warnings).toEqual(["golive: evidence old-units (UnitTestReport) is 25d old, over 80% of ReleasePolicy shop-policy's evidenceMaxAge 30d: it stops counting at 2026-12-06T12:00:00.000Z; test again and sign new evidence before then"]);
  });
});

describe("decide: integrity", () => {
  const evidenceObject = (type = "UnitTestReport", labels: Record<string, string> = {}) => ({
    apiVersion: "golive.dev/v1alpha1",
    kind: "ReleaseEvidence",
    metadata: { name: "units", namespace: NS, labels },
    spec: { release: RELEASE, type, envelope: { payloadType: "application/vnd.in-toto+json", payload: "e30=", signatures: [{ sig: "AAAA" }] } },
  });
  const releaseObject = (mutate: (r: any) => void = () => {}): Record<string, unknown> => {
    const r: any = structuredClone(fixtureRelease(NOW));
    mutate(r);
    return r as Record<string, unknown>;
  };

  it("evidence cannot change after creation; its metadata can", () => {
    expect(denied(run(request(evidenceObject("SLA"), { operation: "UPDATE", oldObject: evidenceObject() })))).toBe("ReleaseEvidence units is immutable: its spec cannot change after creation; create a new ReleaseEvidence instead");
    expect(run(request(evidenceObject("UnitTestReport", { team: "a" }), { operation: "UPDATE", oldObject: evidenceObject() })).allowed).toBe(true);
    expect(run(request(evidenceObject())).allowed).toBe(true);
  });

  it("an approved Release's sealed fields cannot change", () => {
    const old = releaseObject();
    const changed = releaseObject((r) => (r.spec.images = [{ name: IMAGE, digest: OTHER_DIGEST }]));
    expect(denied(run(request(changed, { operation: "UPDATE", oldObject: old })))).toBe(
      "Release web-1-2-0 is Approved: its spec is frozen once approved (spec.images changed); the artifact changed (spec.images), so this is another release: create a new Release with a new version",
    );
  });

  it.each<[string, (r: any) => void]>([
    ["strategy", (r) => (r.spec.strategy = { trafficRouting: { service: "web" }, steps: [{ name: "all", setWeight: 100 }] })],
    ["rollback", (r) => (r.spec.rollback = { automatic: false, hooks: [] })],
    ["architecture", (r) => (r.spec.architecture = { replicas: 1, highAvailability: false })],
    ["capacity", (r) => (r.spec.capacity = { metrics: [] })],
    ["internetFacing", (r) => (r.spec.internetFacing = !r.spec.internetFacing)],
    ["firstFullRelease", (r) => (r.spec.firstFullRelease = !r.spec.firstFullRelease)],
    ["workloads", (r) => void r.spec.workloads.push({ kind: "Deployment", name: "other" })],
    ["changes", (r) => (r.spec.changes = [{ id: "X-1" }])],
    ["monitoring", (r) => (r.spec.monitoring = { enabled: false, port: "metrics", path: "/metrics" })],
    ["notifications", (r) => (r.spec.notifications = [{ url: "https://chat.example/hook", format: "json" }])],
  ])("an approved Release's plan cannot change either: spec.%s", (field, edit) => {
    for (const phase of ["Approved", "Progressing", "Released"]) {
      const old = releaseObject((r) => (r.status.phase = phase));
      const changed = releaseObject((r) => {
        r.status.phase = phase;
        edit(r);
      });
      expect(denied(run(request(changed, { operation: "UPDATE", oldObject: old })))).toBe(
        `Release web-1-2-0 is ${phase}: its spec is frozen once approved (spec.${field} changed); only the plan changed, which the approvers signed (approvals sign the plan digest): the test and scan evidence still applies, so delete this Release, apply it again with the new plan and sign fresh approvals (golive approve)`,
      );
    }
  });

  it("a Blocked Release can still be edited", () => {
    const old = releaseObject((r) => (r.status.phase = "Blocked"));
    const changed = releaseObject((r) => (r.spec.version = "1.2.1"));
    expect(run(request(changed, { operation: "UPDATE", oldObject: old })).allowed).toBe(true);
  });

  it("versions are unique per application across the cluster", () => {
    const view = fixtureView(NOW);
    view.releases.put(fixtureRelease(NOW, { name: "web-copy", namespace: "free" }));
    const dup = releaseObject((r) => (r.metadata.name = "web-again"));
    expect(denied(run(request(dup), view))).toMatch(/version 1.2.0 of application web already exists as Release (shop\/web-1-2-0|free\/web-copy): versions are unique per application \(4.2 c\); choose a new version/);
    const other = releaseObject((r) => {
      r.metadata.name = "web-1-3-0";
      r.spec.version = "1.3.0";
    });
    expect(run(request(other), view).allowed).toBe(true);
    expect(run(request(releaseObject(), { operation: "UPDATE", oldObject: releaseObject() })).allowed).toBe(true);
  });

  it("the version check follows a release that moves to another application, and one that is deleted (the index by application)", () => {
    const view = fixtureView(NOW);
    const copy = fixtureRelease(NOW, { name: "web-copy", namespace: "free" });
    view.releases.put(copy);
    view.releases.delete("shop", "web-1-2-0");
    const dup = releaseObject((r) => (r.metadata.name = "web-again"));
    expect(denied(run(request(dup), view))).toMatch(/already exists as Release free\/web-copy/);
    // The same object, updated to another application: web 1.2.0 is free, api 1.2.0 is taken.
    view.releases.put({ ...copy, spec: { ...copy.spec, application: "api" } });
    expect(run(request(dup), view).allowed).toBe(true);
    const api = releaseObject((r) => ((r.metadata.name = "api-again"), (r.spec.application = "api")));
    expect(denied(run(request(api), view))).toMatch(/version 1.2.0 of application api already exists as Release free\/web-copy/);
    view.releases.delete("free", "web-copy");
    expect(run(request(api), view).allowed).toBe(true);
  });

  it("only the operator writes Release status", () => {
    const r = releaseObject();
    expect(denied(run(request(r, { operation: "UPDATE", oldObject: r, subResource: "status" })))).toBe(
      `the status of Release web-1-2-0 is written only by the golive operator (${OPERATOR}), not by alice: status is computed from signed evidence; provide evidence instead`,
    );
    expect(run(request(r, { operation: "UPDATE", oldObject: r, subResource: "status", user: OPERATOR })).allowed).toBe(true);
  });
});

describe("decide: break glass", () => {
  const closed = () => withPolicy((s) => (s.changeWindows = { freezes: [{ name: "year-end", start: "2026-11-30T00:00:00Z", end: "2026-12-05T00:00:00Z" }] }));
  const glass = (reason = "INC-4711: premium calculation outage") => workload("Deployment", { annotations: { "golive.dev/break-glass": reason } });

  it("admits a member by group, with a warning and an audit record", () => {
    const d = run(request(glass(), { user: "dave", groups: ["shop:ops"] }), closed());
    expect(d.allowed).toBe(true);
    expect(d.warnings[0]).toMatch(/^golive: BREAK GLASS by dave \(ops-on-call\): admitted despite 1 problem\(s\): the change window is closed.*recorded in the audit trail$/);
    expect(d.audit).toMatchObject({
      type: "break-glass",
      object: "shop/Deployment/web",
      user: "dave",
      result: "admitted",
      reason: "INC-4711: premium calculation outage",
      dryRun: false,
      details: { kind: "Deployment", name: "web", release: RELEASE, roles: ["ops-on-call"], policy: "shop-policy", overridden: [expect.stringMatching(/change window is closed/)] },
    });
  });

  it("admits a member by user name; dry-run is marked", () => {
    const d = run(request(glass(), { user: "carol", dryRun: true }), closed());
    expect(d.allowed).toBe(true);
    expect(d.audit?.dryRun).toBe(true);
  });

  it("denies a non-member, even when nothing else is wrong", () => {
    expect(denied(run(request(glass(), { user: "bob" }), closed()))).toMatch(
      /break glass requested by bob, who holds no role with the BreakGlass permission in ReleasePolicy shop-policy \(roles with it: ops-on-call\): remove the annotation golive.dev\/break-glass.*without break glass it would be denied for: the change window is closed/,
    );
    expect(denied(run(request(glass(), { user: "bob" })))).toMatch(/break glass requested by bob/);
  });

  it("requires a reason", () => {
    expect(denied(run(request(glass("  "), { user: "carol" }), closed()))).toMatch(/must carry the reason for the emergency change/);
  });

  it("does not block others from touching an object with a leftover annotation when nothing needs overriding", () => {
    const old = glass();
    const d = run(request(workload("Deployment", { annotations: { "golive.dev/break-glass": "INC-4711: premium calculation outage" }, spec: { ...podSpec(), dnsPolicy: "Default" } }), { operation: "UPDATE", oldObject: old, user: "bob" }));
    expect(d.allowed).toBe(true);
    expect(d.warnings[0]).toMatch(/is left from an earlier emergency: remove it/);
  });
});
