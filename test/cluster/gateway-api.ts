// The Gateway API's CRDs (the HTTPRoute for the quick start, the standard channel for the
// real-node test's Traefik), read from the sigs.k8s.io/gateway-api Go module (the machine builds
// the control plane from the Go module proxy already; the CRDs are never committed). A cluster
// that already serves HTTPRoutes is left as it is by the quick start.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { ControlPlane } from "./control-plane.js";
import { waitFor } from "./processes.js";

/** The newest v1.x whose go.mod the machines' Go (1.26) accepts; the same as test/rollout.test.ts. */
export const GATEWAY_API_VERSION = "v1.6.3";
const CRD = "httproutes.gateway.networking.k8s.io";

/** The directory of sigs.k8s.io/gateway-api in the Go module cache, downloaded if need be. */
function gatewayApiModule(): string {
  const dl = spawnSync("go", ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}`], { encoding: "utf8", timeout: 300_000 });
  if (dl.error) throw new Error(`cannot run go to fetch the Gateway API CRDs: ${dl.error.message} (install Go 1.26 or later, or install the Gateway API CRDs ${GATEWAY_API_VERSION} into the cluster yourself)`);
  const mod = JSON.parse(dl.stdout || "{}") as { Dir?: string; Error?: string };
  if (!mod.Dir) throw new Error(`cannot fetch sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION} from the Go module proxy: ${mod.Error ?? dl.stderr.trim()}`);
  return mod.Dir;
}

async function established(kubectl: ControlPlane["kubectl"], crd: string): Promise<void> {
  await waitFor(`the CRD ${crd} to be Established`, () => kubectl(["get", "crd", crd, "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}']) === "True", { timeoutMs: 60_000 });
}

/** Installs the HTTPRoute CRD unless the cluster has one; says which. */
export async function ensureHttpRouteCrd(kubectl: ControlPlane["kubectl"]): Promise<string> {
  const present = kubectl(["get", "crd", "-o", "name"]).split("\n").includes(`customresourcedefinition.apiextensions.k8s.io/${CRD}`);
  if (present) return `the cluster already serves HTTPRoutes (${CRD}): left as it is`;
  kubectl(["apply", "--server-side", "-f", join(gatewayApiModule(), "config", "crd", "standard", "gateway.networking.k8s.io_httproutes.yaml")]);
  await established(kubectl, CRD);
  return `installed the Gateway API ${GATEWAY_API_VERSION} HTTPRoute CRD (${CRD})`;
}

/**
 * Installs every CRD of the Gateway API's standard channel (what an implementation such as
 * Traefik watches: GatewayClasses, Gateways, the routes, ReferenceGrants, BackendTLSPolicies),
 * without the channel's ValidatingAdmissionPolicy against downgrades. Server-side apply: a CRD
 * already there from the same version is left as it is.
 */
export async function ensureGatewayApiCrds(kubectl: ControlPlane["kubectl"]): Promise<void> {
  const dir = join(gatewayApiModule(), "config", "crd", "standard");
  const files = readdirSync(dir).filter((f) => f.startsWith("gateway.networking.k8s.io_") && f.endsWith(".yaml") && !f.includes("_vap_"));
  for (const f of files) kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(dir, f)]);
  for (const f of files) await established(kubectl, `${f.slice("gateway.networking.k8s.io_".length, -".yaml".length)}.gateway.networking.k8s.io`);
}
