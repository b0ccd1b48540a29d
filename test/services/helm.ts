// The real helm v3 binary (binaryDir("helm")), with HOME and helm's config, cache and data dirs in
// a temp dir, so a developer's ~/.config/helm, ~/.cache/helm and ~/.kube/config are never read or
// written. Each call gets a fresh one, removed afterwards; pass `home` (e.g. tempDir("helm").path)
// to keep state such as `helm repo add` across calls.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cachedBinaryDir, run, tempDir, type RunResult } from "./common.js";

export function helmBinary(): string {
  return join(cachedBinaryDir("helm"), "helm");
}

export interface HelmOptions {
  /** Passed as --kubeconfig. Without it KUBECONFIG is unset and HOME is the temp dir: no cluster is configured. */
  kubeconfig?: string;
  /** A dir to use as HOME and for helm's state across calls; the caller removes it. Default: a fresh temp dir per call. */
  home?: string;
  /** Working directory; default: the home dir. */
  cwd?: string;
  /** stdin, e.g. values for `-f -`. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs helm; never throws for a non-zero exit. */
export async function helmResult(args: string[], opts: HelmOptions = {}): Promise<RunResult> {
  const own = opts.home === undefined ? tempDir("helm-home") : undefined;
  const home = opts.home ?? own!.path;
  try {
    for (const d of ["config", "cache", "data"]) mkdirSync(join(home, d), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_CACHE_HOME: join(home, "cache"),
      XDG_DATA_HOME: join(home, "data"),
      HELM_CONFIG_HOME: join(home, "config", "helm"),
      HELM_CACHE_HOME: join(home, "cache", "helm"),
      HELM_DATA_HOME: join(home, "data", "helm"),
      ...opts.env,
    };
    const kube = opts.kubeconfig ? ["--kubeconfig", opts.kubeconfig] : [];
    return await run(helmBinary(), [...kube, ...args], { env, cwd: opts.cwd ?? home, input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000 });
  } finally {
    own?.remove();
  }
}

/** Runs helm and returns stdout; throws with stderr on a non-zero exit. */
export async function helm(args: string[], opts: HelmOptions = {}): Promise<string> {
  const r = await helmResult(args, opts);
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}
