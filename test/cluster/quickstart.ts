// `npm start`: golive's main job on the sample in examples/, the whole life of a release. Uses the
// cluster in KUBECONFIG when one is set (it must have kwok nodes, as `npm run cluster` starts),
// otherwise brings up the local control plane. Runs `golive run` (operator + webhook), then:
//   1. Release 2.4.1 goes Pending → Blocked (the missing evidence named) → Approved as its signed
//      evidence is applied; its Deployment is denied before and admitted after; as the first
//      release of the Deployment it is initialised (its template becomes the stable copy) and
//      Released once its monitoring is in place;
//   2. Release 2.4.2 (a good build) goes Verifying → CleaningUp → Progressing through the canary
//      steps, the weights read from the HTTPRoute as they change, a business sign-off signed with
//      `golive promote`, → Released;
//   3. Release 2.4.3 (a bad build: half its requests fail) is rolled back automatically when its
//      analysis fails, and the rollback is checked: 0 candidate pods, 100 % of traffic on stable.
// The Gateway API HTTPRoute CRD is installed from the Go module; a real Prometheus scrapes a
// stand-in for the pods' metrics (kwok pods serve nothing); kwok completes the verification,
// cleanup and rollback-hook Jobs.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { Release } from "../../api/index.js";
import { main as golive } from "../../cli/main.js";
import { KubeClient } from "../../operator/runtime/kube-client.js";
import { prometheusBinary } from "../services/prometheus.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { installCrds } from "./crds.js";
import { deploymentFor, imageDigest, nextRelease, releaseName, resignEvidence, sampleEvidence, sampleRelease } from "./demo-release.js";
import { follow } from "./demo-follow.js";
import { startDemoMetrics, type DemoMetrics } from "./demo-metrics.js";
import { existingCluster } from "./existing.js";
import { ensureHttpRouteCrd } from "./gateway-api.js";
import { freePort, waitFor } from "./processes.js";

const root = join(import.meta.dirname, "..", "..");
const examples = join(root, "examples");
const NS = "underwriting";
const FIRST = "underwriting-api-2-4-1";
const GOOD = { version: "2.4.2", changes: [{ id: "UW-1063", title: "Quote engine: cache rating tables per product line" }] };
const BAD = { version: "2.4.3", changes: [{ id: "UW-1071", title: "Premium rounding: switch to banker's rounding everywhere" }] };
const write = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => process.stdout.write(`\n== ${line}\n`);

// Fail before starting anything when a part the demo needs is missing.
prometheusBinary();

const plane: ControlPlane = process.env.KUBECONFIG ? existingCluster(process.env.KUBECONFIG) : await startControlPlane({ nodes: 3, log: (l) => process.stdout.write(`   ${l}\n`) });
const work = mkdtempSync(join(tmpdir(), "golive-quickstart-"));
const kubectl = (args: string[], input?: string) => plane.kubectl(args, input);
const tryKubectl = (args: string[]) => {
  const r = spawnSync(join(plane.binDir || "", "kubectl"), ["--kubeconfig", plane.kubeconfig, ...args], { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout + r.stderr).trim() };
};
const kc = new KubeConfig();
kc.loadFromFile(plane.kubeconfig);
const client = new KubeClient(kc);
const phase = (name: string) => kubectl(["get", "release", name, "-n", NS, "-o", "jsonpath={.status.phase}"]);
const cli = (...args: string[]) => golive([...args, "-n", NS, "--kubeconfig", plane.kubeconfig]);

// The team's chat: the text notifications of the demo's releases.
const chat: string[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    chat.push(String((JSON.parse(body) as { text?: string }).text ?? body));
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
const notify = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/underwriting-releases`;

let metrics: DemoMetrics | undefined;
let goliveProcess: ReturnType<typeof spawn> | undefined;

/** Apply a release and its evidence, admit its Deployment, and follow it until `done`. */
async function rollOut(version: string, changes: { id: string; title: string }[], errorRate: number, done: (r: Release) => boolean): Promise<Release> {
  const release = nextRelease({ version, changes, prometheus: metrics!.prometheus.url, notify });
  const name = release.metadata.name;
  process.stdout.write(kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(release)));
  const evidence = resignEvidence(release);
  kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: evidence }));
  write(`${evidence.length} evidence objects signed for ${version} and applied`);
  await waitFor(`${name} Approved`, () => phase(name) === "Approved", { timeoutMs: 60_000 });
  write(`release ${name} Approved; applying Deployment underwriting-api with image ${release.spec.images[0]!.digest.slice(0, 19)}…`);
  process.stdout.write(kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(deploymentFor(release))));
  let promoted = false;
  return follow(client, { namespace: NS, release: name, route: "underwriting-api", service: "underwriting-api" }, write, done, async (r) => {
    const hash = r.status?.canary?.candidatePodTemplateHash;
    if (hash) metrics!.runs(name, hash, errorRate);
    // The business sign-off (4.9): the release manager signs a Promotion approval for this pause.
    if (!promoted && r.status?.phase === "Progressing" && r.status.canary?.pause?.reason === "Approval") {
      promoted = true;
      write(`  ${" ".repeat(7)}  the release manager signs off: golive promote ${name} --role release-manager --key examples/keys/release-manager.key`);
      const code = await cli("promote", name, "--role", "release-manager", "--key", join(examples, "keys", "release-manager.key"), "--comment", "business accepted the 50 % slice");
      if (code !== 0) throw new Error(`golive promote exited ${code}`);
    }
  });
}

try {
  say(`cluster: ${plane.server}`);
  await installCrds(kubectl);
  write(await ensureHttpRouteCrd(kubectl));
  kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "golive-system" } }));
  // A CRD just Established can still answer 429 while its storage initialises: wait it out here,
  // so golive's informers start on a ready API.
  await waitFor("the Release API", () => tryKubectl(["get", "releases,releasepolicies,releaseevidences,httproutes", "-A"]).ok, { timeoutMs: 60_000 });

  say("Prometheus on loopback, scraping a stand-in for the pods' metrics endpoints (kwok pods serve nothing)");
  metrics = await startDemoMetrics(NS, [FIRST, releaseName(GOOD.version), releaseName(BAD.version)]);
  write(`Prometheus ${metrics.prometheus.url}`);

  say("golive run: the operator and the webhook in one process; waiting until its configuration is installed");
  const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
  goliveProcess = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "run", "--kubeconfig", plane.kubeconfig, "--namespace", "golive-system", "--leader-elect", "false", "--audit-file", join(work, "audit.jsonl"), "--webhook-port", String(ports.webhook), "--health-port", String(ports.health), "--metrics-port", String(ports.metrics), "--install-configuration", "--remove-configuration-on-exit", "--webhook-url", `https://127.0.0.1:${ports.webhook}/validate`, "--tls-ip", "127.0.0.1", "--prometheus-url", metrics.prometheus.url, "--log-level", process.env.GOLIVE_QUICKSTART_LOG ?? "warn"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  await waitFor("the webhook configuration", () => tryKubectl(["get", "validatingwebhookconfiguration", "golive-webhook"]).ok, { timeoutMs: 60_000 });

  say("apply the level-3 policy, the namespace and Release 2.4.1 (server-side, as Argo CD or Flux would)");
  // The sample has no registry to hold signed images and may run at any hour: relax those two
  // rules for the demo (npm test covers signatures against a real registry and change windows).
  const policy = parse(readFileSync(join(examples, "policy.yaml"), "utf8")) as { spec: Record<string, unknown> };
  policy.spec.images = { requireDigest: true, requireSignature: false, allowedRegistries: ["registry.example.com/insurance/"] };
  delete policy.spec.changeWindows;
  process.stdout.write(kubectl(["apply", "--server-side", "-f", join(examples, "namespace.yaml")]));
  process.stdout.write(kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(policy)));
  // The webhook is registered for the namespaces the policy governs (and only those).
  await waitFor("the webhook registration for the policy's namespaces", () => {
    const r = tryKubectl(["get", "validatingwebhookconfiguration", "golive-webhook", "-o", "jsonpath={.webhooks[0].name} {.webhooks[0].clientConfig.caBundle}"]);
    return r.ok && /^workloads\.\S+ \S+/.test(r.out);
  }, { timeoutMs: 60_000 });
  // The API server picks up a changed webhook configuration asynchronously; give it a moment.
  await new Promise((r) => setTimeout(r, 2_000));
  // The sample's notifications go to a placeholder chat URL; send them to the demo's receiver.
  const first = sampleRelease(notify);
  process.stdout.write(kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(first)));
  await waitFor("Blocked", () => phase(FIRST) === "Blocked", { timeoutMs: 60_000 });
  process.stdout.write(kubectl(["get", "releases", "-n", NS, "-o", "wide"]));

  say("the workload before any evidence: denied by the webhook");
  const denied = tryKubectl(["apply", "--server-side", "-f", join(examples, "workload.yaml")]);
  process.stdout.write(`${denied.out}\n`);
  if (denied.ok) throw new Error(`the Deployment was admitted before the release was approved; webhook configuration:\n${kubectl(["get", "validatingwebhookconfiguration", "-o", "yaml"])}`);

  const sample = sampleEvidence().filter((e) => e.spec.type !== "Approval");
  const approvals = resignEvidence(first, (e) => e.spec.type === "Approval");
  say(`apply the signed evidence: ${sample.length} objects of examples/evidence/ (examples/sign-evidence.sh made them) and the ${approvals.length} Release approvals signed again`);
  write("(an approval names the plan it approves, and the demo changed the plan: notifications go to its own receiver, not the sample's placeholder chat)");
  kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [...sample, ...approvals] }));
  await waitFor("Approved", () => phase(FIRST) === "Approved", { timeoutMs: 60_000 });
  process.stdout.write(kubectl(["get", "releases", "-n", NS, "-o", "wide"]));
  process.stdout.write(kubectl(["get", "events", "-n", NS, "--field-selector", "involvedObject.kind=Release", "--sort-by=.lastTimestamp", "-o", "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message"]));

  say("monitoring enrollment (9.1): owned by the Release; a PodMonitor and PrometheusRule instead where the Prometheus Operator is installed");
  process.stdout.write(kubectl(["get", "services,configmaps", "-n", NS, "-l", "golive.dev/component=monitoring"]));

  say("the HTTPRoute the release routes through (examples/httproute.yaml), and the verification users' token");
  process.stdout.write(kubectl(["apply", "--server-side", "-f", join(examples, "httproute.yaml")]));
  process.stdout.write(kubectl(["create", "secret", "generic", "underwriting-api-verification", "-n", NS, "--from-literal=token=demo-verification-token"]));

  say("the workload after approval: admitted; the first release of the Deployment is initialised: its template becomes the stable copy");
  process.stdout.write(kubectl(["apply", "--server-side", "-f", join(examples, "workload.yaml")]));
  await follow(client, { namespace: NS, release: FIRST, route: "underwriting-api", service: "underwriting-api" }, write, (r) => r.status?.phase === "Released" || r.status?.phase === "Failed");
  if (phase(FIRST) !== "Released") throw new Error(`release ${FIRST} is ${phase(FIRST)}, not Released`);
  process.stdout.write(kubectl(["get", "deployments", "-n", NS]));

  say(`a good build: Release ${GOOD.version}, verified, then a trial run on a slice of traffic (the steps of examples/release.yaml, analysed every 2 s)`);
  const good = await rollOut(GOOD.version, GOOD.changes, 0, (r) => ["Released", "RolledBack", "Failed"].includes(r.status?.phase ?? ""));
  if (good.status?.phase !== "Released") throw new Error(`release ${good.metadata.name} is ${good.status?.phase}, not Released: ${good.status?.message}`);
  write(`Released ${good.metadata.name}: ${good.status.message}`);
  const inventory = JSON.parse(kubectl(["get", "configmap", "golive-inventory", "-n", NS, "-o", "jsonpath={.data.underwriting-api}"])) as { version: string; release: string; how: string; releasedAt: string; images: { digest: string }[] };
  write(`inventory (4.9), ConfigMap golive-inventory: underwriting-api ${inventory.version} (release ${inventory.release}, ${inventory.how} at ${inventory.releasedAt}, image ${inventory.images[0]?.digest.slice(0, 19)}…)`);

  say(`a bad build: Release ${BAD.version}, half of its requests fail; the analysis catches it on the first slice`);
  const bad = await rollOut(BAD.version, BAD.changes, 0.5, (r) => ["Released", "RolledBack", "Failed"].includes(r.status?.phase ?? ""));
  const rb = bad.status?.rollback;
  if (bad.status?.phase !== "RolledBack" || !rb) throw new Error(`release ${bad.metadata.name} is ${bad.status?.phase}, not RolledBack: ${bad.status?.message}`);
  write(`RolledBack ${bad.metadata.name} automatically (${rb.trigger}): ${rb.reason}`);
  write(`  decided ${rb.decidedAt}; traffic on stable ${Date.parse(rb.trafficOnStableAt!) - Date.parse(rb.decidedAt)} ms later; verified ${Date.parse(rb.verifiedAt!) - Date.parse(rb.decidedAt)} ms later; rollback hook(s): ${rb.hooks.map((h) => `${h.name} ${h.phase}`).join(", ")}`);

  say("the rollback, checked on the cluster (4.10 e)");
  const hash = bad.status.canary?.candidatePodTemplateHash ?? "";
  const candidatePods = kubectl(["get", "pods", "-n", NS, "-l", `app=underwriting-api,pod-template-hash=${hash}`, "-o", "name"]).trim().split("\n").filter(Boolean).length;
  const route = JSON.parse(kubectl(["get", "httproute", "underwriting-api", "-n", NS, "-o", "json"])) as { spec: { rules: { name?: string; backendRefs?: { name: string; weight?: number }[] }[] } };
  const refs = route.spec.rules.flatMap((r) => r.backendRefs ?? []).map((b) => `${b.name} weight ${b.weight ?? 1}`);
  const stableImage = kubectl(["get", "deployment", "underwriting-api-stable", "-n", NS, "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
  write(`candidate pods (pod-template-hash ${hash}): ${candidatePods}`);
  write(`HTTPRoute underwriting-api backendRefs: ${refs.join(", ")}; verification rules: ${route.spec.rules.filter((r) => r.name?.startsWith("golive-verification")).length}`);
  write(`Deployment underwriting-api (the candidate) replicas: ${kubectl(["get", "deployment", "underwriting-api", "-n", NS, "-o", "jsonpath={.spec.replicas}"])}; underwriting-api-stable runs ${stableImage.endsWith(imageDigest(GOOD.version)) ? GOOD.version : stableImage}`);
  if (candidatePods !== 0 || refs.some((r) => r.startsWith("underwriting-api-canary"))) throw new Error("the rollback left the candidate reachable");
  write(`so: 0 candidate pods, 100 % of traffic on the stable copy (${GOOD.version})`);

  say("golive status, and what the team's chat received");
  await cli("status", bad.metadata.name);
  for (const line of chat) write(`  chat: ${line.length > 200 ? `${line.slice(0, 199)}…` : line}`);

  say("the audit trail");
  const verify = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "audit", "verify", join(work, "audit.jsonl")], { cwd: root, encoding: "utf8" });
  process.stdout.write(verify.stdout + verify.stderr);
  say(`done: 2.4.1 admitted once its evidence was complete and initialised; ${GOOD.version} Released after verification and a trial run; ${BAD.version} RolledBack automatically`);
} finally {
  if (goliveProcess) {
    say("stopping golive (it removes its webhook configuration: --remove-configuration-on-exit)");
    goliveProcess.kill("SIGTERM");
    await new Promise((r) => goliveProcess!.on("exit", r));
  }
  await metrics?.stop();
  receiver.close();
  if (!process.env.KUBECONFIG) {
    say("stopping the local control plane");
    await plane.stop();
  } else {
    tryKubectl(["delete", "namespace", NS, "--wait=false"]);
  }
  rmSync(work, { recursive: true, force: true });
}
