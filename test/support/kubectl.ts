// kubectl for tests that read the cluster into a webhook's in-memory view: run, fail loudly, list.
import { kubectlAsync } from "./cluster.js";

export type KubectlResult = { status: number; stdout: string; stderr: string };

export const k = (args: string[], input?: string): Promise<KubectlResult> => kubectlAsync(args, input);

/** kubectl that must succeed: its stdout, else an error with its stderr. */
export async function ok(args: string[], input?: string): Promise<string> {
  const r = await k(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** `kubectl get ARGS -o json` as a list of objects (one object when ARGS names it). */
export async function items(args: string[]): Promise<any[]> {
  const out = JSON.parse(await ok(["get", ...args, "-o", "json"])) as { items?: any[] };
  return out.items ?? [out];
}
