// Using a cluster someone already runs (kind, a dev cluster) instead of starting one, like
// envtest's USE_EXISTING_CLUSTER: GOLIVE_TEST_KUBECONFIG names its kubeconfig.
import { spawnSync } from "node:child_process";
import type { ControlPlane } from "./control-plane.js";

export function existingCluster(kubeconfig: string, kubectlBinary = process.env.GOLIVE_KUBECTL ?? "kubectl"): ControlPlane {
  const kubectl = (args: string[], input?: string) => {
    const r = spawnSync(kubectlBinary, ["--kubeconfig", kubeconfig, ...args], { input, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.error) throw new Error(`cannot run ${kubectlBinary}: ${r.error.message} (set GOLIVE_KUBECTL to a kubectl binary)`);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const server = JSON.parse(kubectl(["config", "view", "--minify", "-o", "json"])) as { clusters: { cluster: { server: string } }[] };
  return { server: server.clusters[0]?.cluster.server ?? "", kubeconfig, dir: "", binDir: "", kubectl, stop: () => Promise.resolve() };
}
