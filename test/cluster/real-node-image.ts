// golive's container image and the real node's stand-in images, built (or found in the cache) by
// build-image.sh. Slow only the first time for a given content: see the script's header.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export interface BuiltImages {
  /** localhost/golive:<content key>, in containers-storage and as a docker-archive. */
  image: string;
  archive: string;
  pause_image: string;
  pause_archive: string;
  echo_image: string;
  echo_archive: string;
  /** The CONTAINERS_CONF podman needs on this kind of host (runc, no rlimits). */
  containers_conf: string;
}

let built: BuiltImages | undefined;

export function buildImages(): BuiltImages {
  if (built) return built;
  const script = join(import.meta.dirname, "build-image.sh");
  // Progress goes to stderr (inherited), so a cold build is visibly alive.
  const r = spawnSync("bash", [script, "all"], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`build-image.sh failed (exit ${r.status}); see its output above. It needs root and the Debian packages buildah, podman, runc and mmdebstrap (see .ci/run)`);
  const values = Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  for (const k of ["image", "archive", "pause_image", "pause_archive", "echo_image", "echo_archive", "containers_conf"]) {
    if (!values[k]) throw new Error(`build-image.sh printed no ${k}= line: ${r.stdout}`);
  }
  built = values as unknown as BuiltImages;
  return built;
}

/** Runs podman with the host-safe configuration; never throws. */
export function podman(args: string[], images: BuiltImages, timeoutMs = 60_000): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("podman", args, { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, CONTAINERS_CONF: images.containers_conf }, maxBuffer: 16 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}
