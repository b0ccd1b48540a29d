// GitOps health: the Argo CD health check for Release (Lua, run by Debian's Lua interpreter the
// way Argo CD runs it) against its fixtures, and the kstatus conditions the real operator writes
// (Flux, kubectl wait and kstatus read them) checked on every status version a watch sees, with
// the health check applied to those live objects too.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../settings/config.js";
import { createLogger } from "../cli/log.js";
import { startOperator, type OperatorHandle } from "../operator/manager.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { lifecycleConditions, setConditions, type ConditionInput } from "../operator/release/conditions.js";
import { PHASES, type Phase } from "../api/index.js";
import { argocd, argoHealth, healthLua } from "./support/argocd-health.js";
import { fluxHealth, fluxHealthBinary } from "./support/flux-health.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..");
const checkDir = dirname(healthLua);
/** Argo CD's health of one object (test/support/argocd-health.ts). */
const health = argoHealth;
const work = mkdtempSync(join(tmpdir(), "golive-gitops-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the Argo CD health check for golive.dev/Release", () => {
  const tests = (parse(readFileSync(join(checkDir, "health_test.yaml"), "utf8")) as { tests: { healthStatus: { status: string; message: string }; inputPath: string }[] }).tests;

  it("covers every fixture in testdata/", () => {
    expect(tests.map((t) => t.inputPath).sort()).toEqual(readdirSync(join(checkDir, "testdata")).map((f) => `testdata/${f}`).sort());
    expect(new Set(tests.map((t) => t.healthStatus.status))).toEqual(new Set(["Healthy", "Progressing", "Degraded"]));
  });

  it.each(tests.map((t) => [t.inputPath, t] as const))("%s", (_path, t) => {
    expect(health(parse(readFileSync(join(checkDir, t.inputPath), "utf8")))).toEqual(t.healthStatus);
  });

  it("survives hostile input: odd types, huge and non-ASCII messages", () => {
    expect(health({ apiVersion: "golive.dev/v1alpha1", kind: "Release", metadata: { name: "x" }, status: { phase: "Blocked", conditions: [] } })).toEqual({ status: "Degraded", message: "Blocked" });
    const message = `gate sécurité Failed: "quoted" \\ back\nslash ${"x".repeat(5000)} 保险`;
    expect(health({ metadata: { generation: 3 }, status: { observedGeneration: 3, phase: "Failed", message } })).toEqual({ status: "Degraded", message: `Failed: ${message}` });
    expect(health({ metadata: {}, status: { conditions: [{ type: "Ready", status: "True", message: "fine" }] } })).toEqual({ status: "Healthy", message: "fine" });
    expect(health({ metadata: {}, status: {} })).toEqual({ status: "Progressing", message: "no status message" });
  });

  it("is Lua 5.1 (gopher-lua, which Argo CD embeds): no 5.2+ syntax or library", () => {
    const code = readFileSync(healthLua, "utf8").replace(/--.*$/gm, "");
    const newer: [RegExp, string][] = [
      [/\bgoto\b|::\w+::/, "goto and labels (5.2)"],
      [/\/\//, "integer division (5.3)"],
      [/[^~=<>]=?[&|]|<<|>>|~[^=]/, "bitwise operators (5.3)"],
      [/\btable\.(unpack|move|pack)\b|\butf8\.|\bmath\.(type|tointeger|ult)\b|\bstring\.(pack|unpack)\b/, "5.2+ library functions"],
      [/<\s*(const|close)\s*>/, "attributes (5.4)"],
      [/\b_ENV\b/, "_ENV (5.2)"],
    ];
    for (const [pattern, what] of newer) expect(code, what).not.toMatch(pattern);
  });

  it("is what argocd-cm.yaml installs, verbatim", () => {
    const cm = parse(readFileSync(join(argocd, "argocd-cm.yaml"), "utf8")) as Doc;
    expect(cm).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "argocd-cm", namespace: "argocd" } });
    expect(cm.data["resource.customizations.health.golive.dev_Release"]).toBe(readFileSync(healthLua, "utf8"));
  });
});

// ---------------------------------------------------------------------------------------------
// kstatus on the real control plane.

/** kstatus (sigs.k8s.io/cli-utils/pkg/kstatus) for a resource with no built-in rules. */
function kstatus(o: Doc): "InProgress" | "Failed" | "Current" {
  const s = o.status as Doc | undefined;
  if (s?.observedGeneration !== undefined && s.observedGeneration !== o.metadata.generation) return "InProgress";
  const condition = (type: string) => (s?.conditions as Doc[] | undefined)?.find((c) => c.type === type);
  if (condition("Reconciling")?.status === "True") return "InProgress";
  if (condition("Stalled")?.status === "True") return "Failed";
  return "Current";
}

const examples = join(root, "examples");
const ns = useNamespace("gitops");
const policyName = `${ns.name}-policy`;
const releaseName = "underwriting-api-2-4-1";
const seen: Doc[] = [];
const watchAbort = new AbortController();
let watching: Promise<void> | undefined;
let operator: OperatorHandle | undefined;

function manifest(file: string): Doc {
  const doc = parse(readFileSync(file, "utf8")) as Doc;
  delete doc.metadata.namespace;
  return doc;
}
async function apply(doc: object): Promise<void> {
  const r = await kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", ns.name, "-f", "-"], JSON.stringify(doc));
  if (r.status !== 0) throw new Error(r.stderr);
}
async function until(what: string, check: (r: Doc) => boolean, timeoutMs = 30_000): Promise<Doc> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = seen.at(-1);
    if (last && check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last seen status: ${JSON.stringify(seen.at(-1)?.status, null, 1)}`);
}
/** `kubectl wait` on the Release, without blocking the event loop (the operator runs in this process). */
function kubectlWait(condition: string, timeout: string): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const kubectl = inject("binDir") ? join(inject("binDir"), "kubectl") : (process.env.GOLIVE_KUBECTL ?? "kubectl");
    const child = spawn(kubectl, ["--kubeconfig", inject("kubeconfig"), "wait", `--for=condition=${condition}`, `release/${releaseName}`, "-n", ns.name, `--timeout=${timeout}`]);
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (code) => resolve({ status: code ?? -1, output }));
  });
}

beforeAll(async () => {
  await kubectlAsync(["label", "namespace", ns.name, `golive.dev/test-policy=${ns.name}`]);
  const p = manifest(join(examples, "policy.yaml"));
  p.metadata.name = policyName;
  p.spec.namespaceSelector = { matchLabels: { "golive.dev/test-policy": ns.name } };
  p.spec.images = { requireDigest: true, requireSignature: false };
  await apply(p);
  // Every version of the Release the API server stores, in order.
  const client = new KubeClient(kubeConfig());
  const path = `/apis/golive.dev/v1alpha1/namespaces/${ns.name}/releases?watch=1&fieldSelector=metadata.name%3D${releaseName}`;
  // A loaded API server answers 429 "storage is (re)initializing" while a CRD's watch cache
  // (re)builds: watch again until the test is over.
  watching = (async () => {
    while (!watchAbort.signal.aborted) {
      await client
        .watch<Doc>(path, (e) => {
          if (e.type === "ADDED" || e.type === "MODIFIED") seen.push(e.object);
        }, watchAbort.signal)
        .catch(() => new Promise((r) => setTimeout(r, 250)));
    }
  })();
  await new Promise((r) => setTimeout(r, 300)); // the watch is established
  const config = loadConfig({ leaderElect: "false", auditFile: join(work, "audit.jsonl"), namespace: "golive-system" }, {});
  operator = await startOperator({ config, log: createLogger("warn"), kubeConfig: kubeConfig(), healthServer: false });
});
afterAll(async () => {
  await operator?.stop();
  watchAbort.abort();
  await watching?.catch(() => undefined);
  await kubectlAsync(["delete", "releasepolicy", policyName, "--wait=false"]);
});

describe("kstatus conditions written by the operator", () => {
  it("a new Release is Reconciling, then Stalled while evidence is missing; kubectl wait sees it", async () => {
    await apply(manifest(join(examples, "release.yaml")));
    await until("Blocked", (r) => r.status?.phase === "Blocked");
    const pending = seen.find((r) => r.status?.phase === "Pending");
    expect(pending, "the Pending status version").toBeDefined();
    expect(kstatus(pending!)).toBe("InProgress");
    expect(health(pending)).toEqual({ status: "Progressing", message: "Pending: evaluating gates and seals" });
    const blocked = seen.at(-1)!;
    expect(kstatus(blocked)).toBe("Failed");
    expect(health(blocked)).toEqual({ status: "Degraded", message: `Blocked: ${blocked.status.message as string}` });
    expect((await kubectlWait("Stalled", "10s")).status).toBe(0);
    const notReady = await kubectlWait("Ready", "2s");
    expect(notReady.status).not.toBe(0);
    expect(notReady.output).toMatch(/timed out/);
  });

  it("a spec change is InProgress until observed; once approved the spec is frozen", async () => {
    // Before approval the spec may change (and the change is reverted, so the signed approvals,
    // bound to the plan digest, still hold).
    const before = seen.at(-1)!;
    const count = (before.spec.changes as unknown[]).length;
    const r = await kubectlAsync(["patch", "release", releaseName, "-n", ns.name, "--type", "json", "-p", JSON.stringify([{ op: "add", path: "/spec/changes/-", value: { id: "UW-1060", title: "Correct a typo in the quote letter" } }])]);
    expect(r.status, r.stderr).toBe(0);
    const observed = await until("the new generation observed", (x) => x.metadata.generation > before.metadata.generation && x.status?.observedGeneration === x.metadata.generation);
    const unobserved = seen.find((x) => x.metadata.generation === observed.metadata.generation && x.status?.observedGeneration !== x.metadata.generation);
    expect(unobserved, "the version before golive observed the change").toBeDefined();
    expect(kstatus(unobserved!)).toBe("InProgress");
    expect(health(unobserved)).toEqual({ status: "Progressing", message: "Waiting for golive to observe the latest spec of the release" });
    expect(kstatus(observed)).toBe("Failed"); // still Blocked: the evidence is not there
    const reverted = await kubectlAsync(["patch", "release", releaseName, "-n", ns.name, "--type", "json", "-p", JSON.stringify([{ op: "remove", path: `/spec/changes/${count}` }])]);
    expect(reverted.status, reverted.stderr).toBe(0);
    await until("the reverted generation observed", (x) => x.metadata.generation > observed.metadata.generation && x.status?.observedGeneration === x.metadata.generation);
  });

  it("becomes Ready when the evidence is applied: a waiting `kubectl wait --for=condition=Ready` returns", async () => {
    const waiting = kubectlWait("Ready", "60s");
    for (const f of readdirSync(join(examples, "evidence")).filter((f) => f.endsWith(".yaml"))) await apply(manifest(join(examples, "evidence", f)));
    const ready = await waiting;
    expect(ready.output).toMatch(new RegExp(`release.golive.dev/${releaseName} condition met`));
    expect(ready.status).toBe(0);
    const approved = await until("Approved", (r) => r.status?.phase === "Approved");
    expect(kstatus(approved)).toBe("Current");
    expect(health(approved)).toEqual({ status: "Healthy", message: "Approved: every gate passed and every image is sealed: the workloads may be admitted; the rollout starts once every Deployment it lists runs this release (apply them)" });
  });

  it("an Approved release's spec cannot change: the API server refuses it, the generation stays", async () => {
    const before = seen.at(-1)!;
    const r = await kubectlAsync(["patch", "release", releaseName, "-n", ns.name, "--type", "json", "-p", JSON.stringify([{ op: "add", path: "/spec/changes/-", value: { id: "UW-1061" } }])]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Release ${releaseName} is Approved: its spec is frozen once approved; only the plan changed`);
    const now = JSON.parse((await kubectlAsync(["get", "release", releaseName, "-n", ns.name, "-o", "json"])).stdout) as Doc;
    expect(now.metadata.generation).toBe(before.metadata.generation);
    expect(kstatus(now)).toBe("Current");
  });

  it("every status version followed the kstatus rules", () => {
    const versions = seen.filter((r) => r.status);
    expect(versions.length).toBeGreaterThanOrEqual(4);
    for (const r of versions) {
      const s = r.status as Doc;
      const cond = (type: string) => (s.conditions as Doc[]).find((c) => c.type === type);
      const where = `${s.phase as string} (resourceVersion ${r.metadata.resourceVersion as string})`;
      for (const type of ["Ready", "Reconciling", "Stalled"]) {
        const c = cond(type);
        expect(c, `${type} in ${where}`).toBeDefined();
        expect(["True", "False", "Unknown"], where).toContain(c!.status);
        expect(c!.reason, where).toMatch(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/); // metav1.Condition's reason
        expect(Date.parse(c!.lastTransitionTime as string), where).not.toBeNaN();
        expect(c!.observedGeneration, where).toBe(s.observedGeneration);
      }
      // Abnormal-true conditions, never both; Ready exactly when kstatus says Current.
      expect(cond("Reconciling")!.status === "True" && cond("Stalled")!.status === "True", where).toBe(false);
      if (s.observedGeneration === r.metadata.generation) expect(cond("Ready")!.status === "True", where).toBe(kstatus(r) === "Current");
      const observedNow = s.observedGeneration === r.metadata.generation;
      expect({ Pending: "InProgress", Blocked: observedNow ? "Failed" : "InProgress", Approved: observedNow ? "Current" : "InProgress" }[s.phase as string], where).toBe(kstatus(r));
      expect(health(r).status, where).toBe({ InProgress: "Progressing", Failed: "Degraded", Current: "Healthy" }[kstatus(r)]);
    }
    // A condition's lastTransitionTime moves only when its status does.
    for (let i = 1; i < versions.length; i++) {
      for (const c of versions[i]!.status.conditions as Doc[]) {
        const prev = (versions[i - 1]!.status.conditions as Doc[]).find((p) => p.type === c.type);
        if (prev && prev.status === c.status) expect(c.lastTransitionTime).toBe(prev.lastTransitionTime);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Flux: plain kstatus and the shipped healthCheckExprs, read by Flux's own code (test/support/flux-health.ts).

const fluxKustomization = parse(readFileSync(join(root, "gitops", "flux", "kustomization.yaml"), "utf8")) as Doc;
const healthCheckExprs = fluxKustomization.spec.healthCheckExprs as Doc[];
/** What Argo CD's health means in Flux's words: the shipped expressions agree with the Lua ... */
const FLUX_FOR_ARGO: Record<string, string> = { Healthy: "Current", Progressing: "InProgress", Degraded: "Failed" };
/** ... but for a canary under way (Ready=True): Current in Flux (a long trial run never times a Kustomization out), Progressing in Argo CD. */
const canaryUnderWay = (o: Doc): boolean =>
  ["Verifying", "CleaningUp", "Progressing"].includes(o.status?.phase as string) &&
  o.status?.observedGeneration === o.metadata?.generation &&
  ((o.status?.conditions ?? []) as Doc[]).some((c) => c.type === "Ready" && c.status === "True") &&
  !((o.status?.conditions ?? []) as Doc[]).some((c) => c.type === "Stalled" && c.status === "True");
beforeAll(() => void fluxHealthBinary(), 600_000); // built once, cached in ~/.cache/golive/bin

describe("the Flux healthCheckExprs for golive.dev/Release", () => {
  it("are a Kustomization's spec.healthCheckExprs for the Release kind, with current, inProgress and failed", () => {
    expect(fluxKustomization).toMatchObject({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", spec: { wait: true } });
    expect(healthCheckExprs).toHaveLength(1);
    expect(Object.keys(healthCheckExprs[0]!).sort()).toEqual(["apiVersion", "current", "failed", "inProgress", "kind"]);
    expect(healthCheckExprs[0]).toMatchObject({ apiVersion: "golive.dev/v1alpha1", kind: "Release" });
  });

  it("read every Argo CD fixture as the Lua health check does", () => {
    const tests = (parse(readFileSync(join(checkDir, "health_test.yaml"), "utf8")) as { tests: { healthStatus: { status: string }; inputPath: string }[] }).tests;
    const objects = tests.map((t) => parse(readFileSync(join(checkDir, t.inputPath), "utf8")) as Doc);
    const verdicts = fluxHealth(healthCheckExprs, objects);
    tests.forEach((t, i) => {
      // No status at all: the expressions cannot be evaluated, which Flux reads as not healthy (Unknown) and waits.
      if (objects[i]!.status === undefined) expect(verdicts[i], t.inputPath).toMatchObject({ kstatus: "Current", flux: "Unknown", fluxError: expect.stringMatching(/no such attribute\(s\): status\./) });
      else expect(verdicts[i], t.inputPath).toMatchObject({ flux: canaryUnderWay(objects[i]!) ? "Current" : FLUX_FOR_ARGO[t.healthStatus.status] });
    });
  });

  it("read every status version the operator wrote as the Lua does; real kstatus agrees with the kstatus rules above", () => {
    const versions = seen.filter((r) => r.status);
    expect(versions.length).toBeGreaterThanOrEqual(4);
    const verdicts = fluxHealth(healthCheckExprs, versions);
    versions.forEach((r, i) => {
      const where = `${r.status.phase as string} (resourceVersion ${r.metadata.resourceVersion as string})`;
      expect(verdicts[i]!.kstatus, where).toBe(kstatus(r));
      expect(verdicts[i]!.flux, where).toBe(canaryUnderWay(r) ? "Current" : FLUX_FOR_ARGO[health(r).status]);
      expect(verdicts[i]!.fluxError, where).toBeUndefined();
    });
  });
});

describe("with golive's operator down: a Release as the API server stores it, in every phase", () => {
  const name = "underwriting-api-9-9-9";
  const get = async (): Promise<Doc> => JSON.parse((await kubectlAsync(["get", "release", name, "-n", ns.name, "-o", "json"])).stdout) as Doc;
  /** The status the operator's condition code writes for a phase (operator/release/conditions.ts). */
  const statusFor = (phase: Phase, generation: number, message = `golive says ${phase}`, extra: ConditionInput[] = []) => ({
    phase,
    observedGeneration: generation,
    message,
    conditions: setConditions(undefined, [...lifecycleConditions(phase, message), ...extra], generation, new Date()),
  });
  const writeStatus = async (status: object): Promise<Doc> => {
    const r = await kubectlAsync(["patch", "release", name, "-n", ns.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
    expect(r.status, r.stderr).toBe(0);
    return get();
  };
  const read = (o: Doc) => ({ kstatus: fluxHealth([], [o])[0]!.kstatus, flux: fluxHealth(healthCheckExprs, [o])[0]!, argo: health(o).status });

  beforeAll(async () => {
    await operator?.stop(); // golive is down from here on
    operator = undefined;
    const release = manifest(join(examples, "release.yaml"));
    release.metadata.name = name;
    release.spec.version = "9.9.9";
    await apply(release);
  });

  it("no status yet: plain kstatus says Current; the shipped expressions never do (Flux waits), Argo CD says Progressing", async () => {
    const o = await get();
    expect(o.status).toBeUndefined();
    const r = read(o);
    expect(r.kstatus).toBe("Current"); // the caveat: kstatus reads a Release golive never saw as healthy
    expect(r.flux.flux).toBe("Unknown");
    expect(r.flux.fluxError).toMatch(/no such attribute\(s\): status\./);
    expect(r.argo).toBe("Progressing");
  });

  it("a spec golive has not observed yet is InProgress everywhere", async () => {
    const pending = await writeStatus(statusFor("Pending", (await get()).metadata.generation as number));
    const r = await kubectlAsync(["patch", "release", name, "-n", ns.name, "--type", "json", "-p", JSON.stringify([{ op: "add", path: "/spec/changes/-", value: { id: "UW-2001", title: "unobserved" } }])]);
    expect(r.status, r.stderr).toBe(0);
    const o = await get();
    expect(o.metadata.generation).toBe(pending.metadata.generation + 1);
    expect(read(o)).toMatchObject({ kstatus: "InProgress", flux: { flux: "InProgress" }, argo: "Progressing" });
  });

  // phase → [plain kstatus, Flux with the shipped expressions, Argo CD], as the README's table says.
  const table: [string, Phase, ConditionInput[], string, string, string][] = [
    ["Pending", "Pending", [], "InProgress", "InProgress", "Progressing"],
    ["Blocked", "Blocked", [], "Failed", "Failed", "Degraded"],
    ["Approved", "Approved", [], "Current", "Current", "Healthy"],
    ["Verifying", "Verifying", [], "Current", "Current", "Progressing"],
    ["CleaningUp", "CleaningUp", [], "Current", "Current", "Progressing"],
    ["Progressing", "Progressing", [], "Current", "Current", "Progressing"],
    ["Released", "Released", [], "Current", "Current", "Healthy"],
    ["RollingBack", "RollingBack", [], "InProgress", "InProgress", "Progressing"],
    ["RolledBack", "RolledBack", [], "Failed", "Failed", "Degraded"],
    ["Failed", "Failed", [], "Failed", "Failed", "Degraded"],
  ];
  it.each(table)("%s", async (_what, phase, extra, kstatusReads, fluxReads, argoReads) => {
    const o = await writeStatus(statusFor(phase, (await get()).metadata.generation as number, undefined, extra));
    expect(o.status.phase).toBe(phase);
    const r = read(o);
    expect(r).toMatchObject({ kstatus: kstatusReads, flux: { flux: fluxReads }, argo: argoReads });
    expect(r.flux.fluxError).toBeUndefined();
    expect(r.kstatus, "the JavaScript kstatus rules above").toBe(kstatus(o));
  });

  it("covers every phase", () => {
    expect(new Set(table.map((t) => t[1]))).toEqual(new Set(PHASES));
  });

  it("a status without conditions: plain kstatus says Current, the shipped expressions InProgress (Failed for a stopped phase)", async () => {
    const generation = (await get()).metadata.generation as number;
    const approved = read(await writeStatus({ phase: "Approved", observedGeneration: generation, conditions: null }));
    expect(approved).toMatchObject({ kstatus: "Current", flux: { flux: "InProgress" }, argo: "Progressing" });
    const rolledBack = read(await writeStatus({ phase: "RolledBack", observedGeneration: generation, conditions: null }));
    expect(rolledBack).toMatchObject({ kstatus: "Current", flux: { flux: "Failed" }, argo: "Degraded" });
  });

  it("Stalled=True wins over a moving phase (a rollout past its progress deadline): Failed, Failed, Degraded", async () => {
    const base = statusFor("Progressing", (await get()).metadata.generation as number, "progress deadline exceeded");
    const stalled = { ...base, conditions: base.conditions.map((c) => (c.type === "Stalled" ? { ...c, status: "True", reason: "ProgressDeadlineExceeded" } : c.type === "Ready" ? { ...c, status: "False" } : c)) };
    const r = read(await writeStatus(stalled));
    expect(r).toMatchObject({ kstatus: "Failed", flux: { flux: "Failed" }, argo: "Degraded" });
  });
});
