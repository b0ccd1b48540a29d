// Installing golive's CRDs into a cluster and waiting until the API server serves them.
import { join } from "node:path";
import type { ControlPlane } from "./control-plane.js";
import { waitFor } from "./processes.js";

export const CRDS_DIR = join(import.meta.dirname, "..", "..", "crds");
const CRDS = ["releases.golive.dev", "releasepolicies.golive.dev", "releaseevidences.golive.dev"];

export async function installCrds(kubectl: ControlPlane["kubectl"]): Promise<void> {
  kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=golive-install", "-f", CRDS_DIR]);
  // `kubectl wait` fails outright while a new CRD has no conditions yet, so poll instead.
  await waitFor("golive's CRDs to be Established", () => {
    const out = kubectl(["get", "crd", ...CRDS, "-o", 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}']);
    return out.split("\n").filter((s) => s === "True").length === CRDS.length;
  }, { timeoutMs: 60_000 });
}
