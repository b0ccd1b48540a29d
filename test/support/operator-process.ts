// Running `golive operator` as a real child process, so tests can SIGKILL it like a node failure would.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { inject } from "vitest";
import { freePort } from "../cluster/processes.js";

const root = join(import.meta.dirname, "..", "..");

export interface OperatorProcess {
  child: ChildProcess;
  name: string;
  output: () => string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnOperator(name: string, opts: { namespace: string; auditFile: string; extra?: string[] }): Promise<OperatorProcess> {
  const healthPort = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "operator", "--kubeconfig", inject("kubeconfig"), "--namespace", opts.namespace, "--audit-file", opts.auditFile, "--health-port", String(healthPort), "--log-level", "info", ...(opts.extra ?? [])], {
    cwd: root,
    env: { ...process.env, POD_NAME: name },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    name,
    output: () => out,
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
