// Shared plumbing for the service helpers: temp dirs and long-running components that are cleaned
// up even when a test forgets to (or cannot) call stop(), and short-lived commands run with a
// deadline whose whole process group is killed when it passes.
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryDir, type BinarySet } from "../cluster/binaries.js";
import { stopComponent, type Component } from "../cluster/processes.js";

/** Things to kill and remove synchronously if the process exits without stopping them. */
const leftovers = new Set<{ components: Component[]; dirs: string[] }>();
let exitHookInstalled = false;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function cleanUpLeftovers(): void {
  for (const l of leftovers) {
    for (const c of l.components) if (c.process.exitCode === null && c.process.signalCode === null) killGroup(c.process.pid);
    for (const d of l.dirs) rmSync(d, { recursive: true, force: true });
  }
  leftovers.clear();
}

/**
 * Cleans up at exit, and on SIGTERM/SIGINT/SIGHUP, which is how vitest stops its workers (and
 * what Ctrl-C sends): the components run in process groups of their own, so no signal reaches
 * them otherwise. After cleaning up, the signal is re-raised unless someone else handles it.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", cleanUpLeftovers);
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    const onSignal = () => {
      cleanUpLeftovers();
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** binaryDir(set), asked once per process (each call runs build-binaries.sh). */
const binaryDirs = new Map<BinarySet, string>();
export function cachedBinaryDir(set: BinarySet): string {
  let dir = binaryDirs.get(set);
  if (dir === undefined) {
    dir = binaryDir(set);
    binaryDirs.set(set, dir);
  }
  return dir;
}

/** A fresh temp dir, golive-<prefix>-XXXXXX, removed at process exit unless removed before. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  installExitHook();
  const path = mkdtempSync(join(tmpdir(), `golive-${prefix}-`));
  const entry = { components: [], dirs: [path] };
  leftovers.add(entry);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      leftovers.delete(entry);
    },
  };
}

/**
 * Owns a service's components and temp dir: stop() kills the components (process group, TERM then
 * KILL) in reverse order and removes the dir; it is idempotent, and it also happens at process exit.
 */
export class Owned {
  readonly components: Component[] = [];
  readonly dir: string;
  private readonly entry: { components: Component[]; dirs: string[] };
  private stopping: Promise<void> | undefined;
  /** Runs after the components are stopped, before the dir is removed (e.g. to keep a log). */
  beforeRemove: (() => void) | undefined;

  constructor(prefix: string) {
    installExitHook();
    this.dir = mkdtempSync(join(tmpdir(), `golive-${prefix}-`));
    this.entry = { components: this.components, dirs: [this.dir] };
    leftovers.add(this.entry);
  }

  add(c: Component): Component {
    this.components.push(c);
    return c;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const c of [...this.components].reverse()) await stopComponent(c);
      try {
        this.beforeRemove?.();
      } catch {
        // Best effort.
      }
      rmSync(this.dir, { recursive: true, force: true });
      leftovers.delete(this.entry);
    })();
    return this.stopping;
  }
}

/** Throws a helpful error if `path` is not an executable file. */
export function requireExecutable(path: string, hint: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is not installed or not executable; ${hint}`);
  }
  return path;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs a command to completion without blocking the event loop; on timeout kills its process group. */
export function run(binary: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    // Killed at exit too, if the test process dies while the command runs.
    const entry = { components: [{ name: binary, process: child, logFile: "", exited: Promise.resolve(null) }], dirs: [] };
    installExitHook();
    leftovers.add(entry);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs ?? 120_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      leftovers.delete(entry);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      leftovers.delete(entry);
      if (timedOut) stderr += `\n(killed after ${opts.timeoutMs ?? 120_000} ms)`;
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // the command may exit before reading its input
    child.stdin.end(opts.input ?? "");
  });
}

/** GET a URL on loopback; true on a 2xx answer. */
export async function httpOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
