// Where the control-plane, cosign and helm binaries are: GOLIVE_BIN_DIR, or the cache that
// build-binaries.sh fills from the Go module proxy (slow the first time, instant after).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export type BinarySet = "control-plane" | "cosign" | "helm" | "registry";
const NEEDED: Record<BinarySet, string[]> = {
  "control-plane": ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok"],
  cosign: ["cosign"],
  helm: ["helm"],
  registry: ["oci-registry"],
};

export function binaryDir(set: BinarySet = "control-plane"): string {
  const preset = process.env.GOLIVE_BIN_DIR;
  if (preset && NEEDED[set].every((b) => existsSync(join(preset, b)))) return preset;
  const script = join(import.meta.dirname, "build-binaries.sh");
  // Progress goes to stderr (inherited) so a first, long build is visibly alive.
  const result = spawnSync("bash", [script, set], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`building the ${set} binaries failed (exit ${result.status}); see the output above`);
  const dir = result.stdout.trim().split("\n").pop() ?? "";
  for (const b of NEEDED[set]) if (!existsSync(join(dir, b))) throw new Error(`build-binaries.sh reported ${dir}, but ${b} is not there`);
  return dir;
}
