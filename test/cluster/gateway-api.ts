// The Gateway API's HTTPRoute CRD for the quick start, read from the sigs.k8s.io/gateway-api Go
// module (the machine builds the control plane from the Go module proxy already; the CRD is never
// committed). A cluster that already serves HTTPRoutes is left as it is.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { ControlPlane } from "./control-plane.js";
import { waitFor } from "./processes.js";

/** The newest v1.x whose go.mod the machines' Go (1.26) accepts; the same as test/rollout.test.ts. */
export const GATEWAY_API_VERSION = "v1.6.3";
const CRD = "httproutes.gateway.networking.k8s.io";

/** Installs the HTTPRoute CRD unless the cluster has one; says which. */
export async function ensureHttpRouteCrd(kubectl: ControlPlane["kubectl"]): Promise<string> {
  const present = kubectl(["get", "crd", "-o", "name"]).split("\n").includes(`customresourcedefinition.apiextensions.k8s.io/${CRD}`);
  if (present) return `the cluster already serves HTTPRoutes (${CRD}): left as it is`;
  const dl = spawnSync("go", ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}`], { encoding: "utf8", timeout: 300_000 });
  if (dl.error) throw new Error(`cannot run go to fetch the Gateway API CRDs: ${dl.error.message} (install Go 1.26 or later, or install the Gateway API CRDs ${GATEWAY_API_VERSION} into the cluster yourself)`);
  const mod = JSON.parse(dl.stdout || "{}") as { Dir?: string; Error?: string };
  if (!mod.Dir) throw new Error(`cannot fetch sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION} from the Go module proxy: ${mod.Error ?? dl.stderr.trim()}`);
  kubectl(["apply", "--server-side", "-f", join(mod.Dir, "config", "crd", "standard", "gateway.networking.k8s.io_httproutes.yaml")]);
  await waitFor("the HTTPRoute CRD to be Established", () => kubectl(["get", "crd", CRD, "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}']) === "True", { timeoutMs: 60_000 });
  return `installed the Gateway API ${GATEWAY_API_VERSION} HTTPRoute CRD (${CRD})`;
}
