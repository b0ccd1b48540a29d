// `npm start`: golive's main job on the sample in examples/. Uses the cluster in KUBECONFIG when
// one is set, otherwise brings up the local control plane, then walks the sample release from
// Pending (no evidence) to every gate Passed (signed evidence applied).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { installCrds } from "./crds.js";
import { existingCluster } from "./existing.js";

const root = join(import.meta.dirname, "..", "..");
const examples = join(root, "examples");
const say = (line: string) => process.stdout.write(`\n== ${line}\n`);

function golive(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { encoding: "utf8" });
  return { code: r.status ?? 1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

const plane: ControlPlane = process.env.KUBECONFIG
  ? existingCluster(process.env.KUBECONFIG)
  : await startControlPlane({ nodes: 3, log: (l) => process.stdout.write(`   ${l}\n`) });
try {
  say(`cluster: ${plane.server}`);
  await installCrds(plane.kubectl);
  process.stdout.write(plane.kubectl(["get", "crd", "-l", "app.kubernetes.io/part-of=golive"]));

  say("apply the policy, the namespace, Release 2.4.1 and its workload (server-side, as Argo CD or Flux would)");
  process.stdout.write(plane.kubectl(["apply", "--server-side", ...["namespace.yaml", "policy.yaml", "release.yaml", "workload.yaml"].flatMap((f) => ["-f", join(examples, f)])]));
  process.stdout.write(plane.kubectl(["get", "releases", "-n", "underwriting"]));

  say("gates without evidence: the release is not ready to go live");
  const before = golive(["gates", "--release", "underwriting-api-2-4-1", "-f", join(examples, "policy.yaml"), join(examples, "release.yaml")]);
  process.stdout.write(before.out);

  say(`apply ${readdirSync(join(examples, "evidence")).length} signed evidence objects (made by examples/sign-evidence.sh)`);
  process.stdout.write(plane.kubectl(["apply", "--server-side", "-f", join(examples, "evidence")]));
  process.stdout.write(plane.kubectl(["get", "releaseevidences", "-n", "underwriting"]));

  say("gates with the signed evidence");
  const after = golive(["gates", "--release", "underwriting-api-2-4-1", "-f", examples]);
  process.stdout.write(after.out);

  say("the Deployment rolls out on kwok nodes");
  process.stdout.write(plane.kubectl(["rollout", "status", "deployment/underwriting-api", "-n", "underwriting", "--timeout=90s"]));
  process.stdout.write(plane.kubectl(["get", "pods", "-n", "underwriting", "-o", "wide"]));

  if (before.code === 0 || after.code !== 0) throw new Error("the sample did not behave as expected: gates should fail without evidence and pass with it");
  say("done: gates Pending without evidence, all Passed with it");
} finally {
  if (!process.env.KUBECONFIG) {
    say("stopping the local control plane");
    await plane.stop();
  } else {
    plane.kubectl(["delete", "namespace", "underwriting", "--wait=false"]);
  }
}
