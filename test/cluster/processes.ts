// Child processes of the harness: each in its own process group with its log in a file, so
// teardown can kill a component and everything it spawned, and a failed start can show the log.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface Component {
  name: string;
  process: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

export function startComponent(name: string, binary: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Component {
  const log = createWriteStream(logFile);
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code));
    child.on("error", () => resolve(-1));
  });
  return { name, process: child, logFile, exited };
}

/** Kill the component's whole process group: TERM, then KILL after a grace period. */
export async function stopComponent(c: Component, graceMs = 5_000): Promise<void> {
  const pid = c.process.pid;
  if (pid === undefined || c.process.exitCode !== null || c.process.signalCode !== null) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
  if ((await Promise.race([c.exited, timer])) === "timeout") {
    signal("SIGKILL");
    await c.exited;
  }
}

/** The last lines of a component's log, for error messages. */
export function tailLog(c: Component, lines = 40): string {
  try {
    return readFileSync(c.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Poll until `check` resolves true, or fail with `describe()` once the deadline passes or the component dies. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, opts: { timeoutMs: number; component?: Component }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let died = false;
  void opts.component?.exited.then(() => (died = true));
  while (Date.now() < deadline) {
    if (died) throw new Error(`${opts.component!.name} exited while waiting for ${what}:\n${tailLog(opts.component!)}`);
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${opts.component ? `; last log lines of ${opts.component.name}:\n${tailLog(opts.component)}` : ""}`);
}
