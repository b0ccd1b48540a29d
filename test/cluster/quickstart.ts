// `npm start`: golive's main job on the sample in examples/. Uses the cluster in KUBECONFIG when
// one is set, otherwise brings up the local control plane. Runs `golive run` (operator + webhook),
// then shows the sample Release go Pending → Blocked (the missing evidence named) → Approved as
// signed evidence is applied, and its Deployment denied before and admitted after.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { installCrds } from "./crds.js";
import { existingCluster } from "./existing.js";
import { freePort, waitFor } from "./processes.js";

const root = join(import.meta.dirname, "..", "..");
const examples = join(root, "examples");
const say = (line: string) => process.stdout.write(`\n== ${line}\n`);

const plane: ControlPlane = process.env.KUBECONFIG ? existingCluster(process.env.KUBECONFIG) : await startControlPlane({ nodes: 3, log: (l) => process.stdout.write(`   ${l}\n`) });
const work = mkdtempSync(join(tmpdir(), "golive-quickstart-"));
const ports = { webhook: await freePort(), health: await freePort(), metrics: await freePort() };
const golive = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "run", "--kubeconfig", plane.kubeconfig, "--namespace", "golive-system", "--leader-elect", "false", "--audit-file", join(work, "audit.jsonl"), "--webhook-port", String(ports.webhook), "--health-port", String(ports.health), "--metrics-port", String(ports.metrics), "--install-configuration", "--webhook-url", `https://127.0.0.1:${ports.webhook}/validate`, "--tls-ip", "127.0.0.1", "--log-level", process.env.GOLIVE_QUICKSTART_LOG ?? "warn"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
const kubectl = (args: string[], input?: string) => plane.kubectl(args, input);
const tryKubectl = (args: string[]) => {
  const r = spawnSync(join(plane.binDir || "", "kubectl"), ["--kubeconfig", plane.kubeconfig, ...args], { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout + r.stderr).trim() };
};
const phase = () => kubectl(["get", "release", "underwriting-api-2-4-1", "-n", "underwriting", "-o", "jsonpath={.status.phase}"]);

try {
  say(`cluster: ${plane.server}`);
  await installCrds(kubectl);
  kubectl(["create", "namespace", "golive-system"]);

  say("golive run: the operator and the webhook in one process; waiting until its configuration is installed");
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
  process.stdout.write(kubectl(["apply", "--server-side", "-f", join(examples, "release.yaml")]));
  await waitFor("Blocked", () => phase() === "Blocked", { timeoutMs: 60_000 });
  process.stdout.write(kubectl(["get", "releases", "-n", "underwriting", "-o", "wide"]));

  say("the workload before any evidence: denied by the webhook");
  const denied = tryKubectl(["apply", "--server-side", "-f", join(examples, "workload.yaml")]);
  process.stdout.write(`${denied.out}\n`);
  if (denied.ok) throw new Error(`the Deployment was admitted before the release was approved; webhook configuration:\n${kubectl(["get", "validatingwebhookconfiguration", "-o", "yaml"])}`);

  say("apply the 19 signed evidence objects (examples/sign-evidence.sh made them)");
  kubectl(["apply", "--server-side", "-f", join(examples, "evidence")]);
  await waitFor("Approved", () => phase() === "Approved" || phase() === "Progressing" || phase() === "Released", { timeoutMs: 60_000 });
  process.stdout.write(kubectl(["get", "releases", "-n", "underwriting", "-o", "wide"]));
  process.stdout.write(kubectl(["get", "events", "-n", "underwriting", "--field-selector", "involvedObject.kind=Release", "-o", "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message"]));

  say("monitoring enrollment (9.1): owned by the Release; a PodMonitor and PrometheusRule instead where the Prometheus Operator is installed");
  process.stdout.write(kubectl(["get", "services,configmaps", "-n", "underwriting", "-l", "golive.dev/component=monitoring"]));

  say("the workload after approval: admitted, and it rolls out on kwok nodes");
  process.stdout.write(kubectl(["apply", "--server-side", "-f", join(examples, "workload.yaml")]));
  process.stdout.write(kubectl(["rollout", "status", "deployment/underwriting-api", "-n", "underwriting", "--timeout=90s"]));

  say("the audit trail");
  const verify = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "audit", "verify", join(work, "audit.jsonl")], { cwd: root, encoding: "utf8" });
  process.stdout.write(verify.stdout + verify.stderr);
  say("done: Pending → Blocked → Approved as evidence arrived; the Deployment denied, then admitted");
} finally {
  golive.kill("SIGTERM");
  await new Promise((r) => golive.on("exit", r));
  if (!process.env.KUBECONFIG) {
    say("stopping the local control plane");
    await plane.stop();
  } else {
    tryKubectl(["delete", "namespace", "underwriting", "--wait=false"]);
  }
  rmSync(work, { recursive: true, force: true });
}
