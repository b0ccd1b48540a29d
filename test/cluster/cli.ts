// `npm run cluster`: a local control plane for a person. Prints the export line, installs
// golive's CRDs, and stays up until Ctrl-C (which tears everything down).
import { startControlPlane } from "./control-plane.js";
import { installCrds } from "./crds.js";

const nodes = Number(process.env.GOLIVE_NODES ?? "3");
const plane = await startControlPlane({ nodes, log: (l) => process.stderr.write(`${l}\n`) });
await installCrds(plane.kubectl);
process.stdout.write(`export KUBECONFIG=${plane.kubeconfig}\n`);
process.stderr.write(`golive's CRDs installed; ${nodes} kwok nodes Ready. Press Ctrl-C to stop and remove everything.\n`);
// Stay alive until a signal; the harness's handlers stop the control plane.
setInterval(() => {}, 1 << 30);
