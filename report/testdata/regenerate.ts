// Regenerates report/testdata/released/ from a REAL rollout, so the report tests read what golive
// wrote and not a hand-written status: a local control plane (test/cluster), the quick start
// (`npm start`, test/cluster/quickstart.ts: golive's operator and webhook take the sample to
// Released through verification, cleanup and a canary analysed by a real Prometheus), and, once
// Release underwriting-api-2-4-2 is Released, its manifest with status, the ReleasePolicy
// governing it and its ReleaseEvidence, exported with kubectl.
//
//   npx tsx report/testdata/regenerate.ts      (a few minutes; writes the three files)
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { startControlPlane } from "../../test/cluster/control-plane.js";
import { installCrds } from "../../test/cluster/crds.js";

const OUT = join(import.meta.dirname, "released");
const NS = "underwriting";
const RELEASE = "underwriting-api-2-4-2";

/** Server-owned fields an exported object carries that say nothing about the release. */
function clean(o: { metadata: Record<string, unknown> }): object {
  for (const k of ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"]) delete o.metadata[k];
  return o;
}

const plane = await startControlPlane({ nodes: 3, log: (l) => process.stderr.write(`${l}\n`) });
try {
  await installCrds(plane.kubectl);
  const quickstart = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "..", "..", "test", "cluster", "quickstart.ts")], { env: { ...process.env, KUBECONFIG: plane.kubeconfig }, stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise<number | null>((r) => quickstart.on("exit", r));
  let done = false;
  void exited.then(() => (done = true));
  let captured = false;
  while (!done && !captured) {
    await new Promise((r) => setTimeout(r, 500));
    let release: { status?: { phase?: string }; metadata: Record<string, unknown> };
    try {
      release = JSON.parse(plane.kubectl(["get", "release", RELEASE, "-n", NS, "-o", "json"])) as typeof release;
    } catch {
      continue;
    }
    if (release.status?.phase !== "Released") continue;
    const evidence = (JSON.parse(plane.kubectl(["get", "releaseevidences", "-n", NS, "-l", `golive.dev/release=${RELEASE}`, "-o", "json"])) as { items: { metadata: Record<string, unknown> }[] }).items;
    const policies = (JSON.parse(plane.kubectl(["get", "releasepolicies", "-o", "json"])) as { items: { metadata: Record<string, unknown> }[] }).items;
    const header = (what: string) => `# ${what}, exported by report/testdata/regenerate.ts from a real rollout (npm start on a local control plane). Do not edit: regenerate.\n`;
    writeFileSync(join(OUT, "release.yaml"), header(`Release ${RELEASE} as the operator left it at Released`) + stringify(clean(release)));
    writeFileSync(join(OUT, "policy.yaml"), header("The ReleasePolicy governing it") + policies.map((p) => stringify(clean(p))).join("---\n"));
    writeFileSync(join(OUT, "evidence.yaml"), header("Its ReleaseEvidence") + evidence.map((e) => stringify(clean(e))).join("---\n"));
    captured = true;
    process.stderr.write(`captured ${RELEASE} (Released), ${policies.length} policy, ${evidence.length} evidence into ${OUT}\n`);
  }
  const code = await exited;
  if (!captured) throw new Error(`the quick start ended (exit ${code}) before ${RELEASE} was Released`);
} finally {
  await plane.stop();
}
