// Flux's own health reading, as a small Go binary (test/cluster/go/flux-health): kstatus as Flux
// runs it, and kustomize-controller's status reader for healthCheckExprs. Built once from the Go
// module proxy (pinned by its go.sum) and cached outside the repository, keyed by its sources.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const source = join(import.meta.dirname, "..", "cluster", "go", "flux-health");

export interface FluxVerdict {
  /** kstatus without healthCheckExprs (status.Compute): InProgress, Failed, Current, Terminating or Unknown. */
  kstatus?: string;
  kstatusMessage?: string;
  kstatusError?: string;
  /** Flux's reading with the given healthCheckExprs: InProgress, Failed, Current or Unknown (with fluxError). */
  flux?: string;
  fluxMessage?: string;
  fluxError?: string;
}

/** The binary's path, built on first use (about two minutes on two cores with a warm module cache). */
export function fluxHealthBinary(): string {
  const key = createHash("sha256")
    .update(["main.go", "go.mod", "go.sum"].map((f) => readFileSync(join(source, f), "utf8")).join("\0"))
    .digest("hex")
    .slice(0, 12);
  const root = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "golive", "bin");
  const binary = join(root, `flux-health-${key}`, "flux-health");
  if (existsSync(binary)) return binary;
  mkdirSync(root, { recursive: true });
  // Built next to the cache and renamed into place: never a half-written binary.
  const tmp = mkdtempSync(join(root, `.tmp-flux-health-${key}-`));
  try {
    execFileSync("go", ["build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", "-o", join(tmp, "flux-health"), "."], {
      cwd: source,
      env: { ...process.env, GOWORK: "off", GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (!existsSync(binary)) renameSync(tmp, join(root, `flux-health-${key}`));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return binary;
}

/** Read each object as Flux does: plain kstatus, and kustomize-controller with these healthCheckExprs. */
export function fluxHealth(healthCheckExprs: unknown[], objects: unknown[]): FluxVerdict[] {
  const r = spawnSync(fluxHealthBinary(), [], { input: JSON.stringify({ healthCheckExprs, objects }), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`flux-health failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FluxVerdict);
}
