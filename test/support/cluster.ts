// What an integration test needs from the shared cluster: kubectl, a client, and a namespace of
// its own that is removed afterwards.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, inject } from "vitest";

export function kubectl(args: string[], input?: string): string {
  const r = kubectlResult(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export function kubectlResult(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(kubectlBinary(), ["--kubeconfig", inject("kubeconfig"), ...args], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function kubectlBinary(): string {
  const binDir = inject("binDir");
  return binDir ? join(binDir, "kubectl") : (process.env.GOLIVE_KUBECTL ?? "kubectl");
}

/** kubectl without blocking the event loop: needed when this process also serves the API server (webhooks). */
export function kubectlAsync(args: string[], input?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(kubectlBinary(), ["--kubeconfig", inject("kubeconfig"), ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfig"));
  return kc;
}

/** A fresh namespace for this test file, deleted (without waiting, its Releases first) when the file is done. */
export function useNamespace(prefix: string, labels: Record<string, string> = {}): { name: string } {
  const ns = { name: `${prefix}-${randomBytes(3).toString("hex")}` };
  beforeAll(() => {
    kubectl(["create", "namespace", ns.name]);
    if (Object.keys(labels).length) kubectl(["label", "namespace", ns.name, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  });
  afterAll(() => {
    // Release versions are unique per application across the cluster (4.2 c) and the next file
    // shares this API server: its Releases go now, not when the namespace has finished terminating.
    kubectlResult(["delete", "releases.golive.dev", "--all", "-n", ns.name, "--ignore-not-found", "--wait=true", "--timeout=30s"]);
    kubectlResult(["delete", "namespace", ns.name, "--wait=false"]);
  });
  return ns;
}
