// What the integration tests that drive Releases through kubectl share: server-side apply into
// the test's namespace, polling a Release until a check holds (saying what it last saw), and a
// release manager's signed Release approval made with the example key.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Release } from "../../api/index.js";
import { createEvidence, loadPrivateKey } from "../../gates/sign.js";
import { KubeClient } from "../../operator/runtime/kube-client.js";
import { kubeConfig, kubectlAsync } from "./cluster.js";

type Doc = Record<string, any>;
const root = join(import.meta.dirname, "..", "..");

export function releaseKit(namespace: () => string) {
  let client: KubeClient | undefined;
  const api = () => (client ??= new KubeClient(kubeConfig()));
  const kubectlApply = (doc: object) => kubectlAsync(["apply", "--server-side", "--force-conflicts", "-n", namespace(), "-f", "-"], JSON.stringify(doc));
  async function apply(doc: object): Promise<void> {
    const r = await kubectlApply(doc);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  /** Reads until `check` holds; a read that throws counts as not yet. */
  async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = await read().catch(() => undefined as T);
      if (last !== undefined && check(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify((last as { status?: unknown })?.status ?? last)?.slice(0, 3000)}`);
  }
  const release = (name: string) => api().get<Doc>(`/apis/golive.dev/v1alpha1/namespaces/${namespace()}/releases/${name}`);
  const condition = (r: Doc, type: string) => ((r.status?.conditions ?? []) as Doc[]).find((c) => c.type === type);
  /** Signs and applies the Release approval of the release-manager (examples/keys). */
  async function approve(name: string): Promise<void> {
    const r = await release(name);
    const key = loadPrivateKey(readFileSync(join(root, "examples", "keys", "release-manager.key"), "utf8"));
    await apply(createEvidence({ release: Release.parse({ ...r, metadata: { ...r.metadata, namespace: namespace() } }), type: "Approval", key, predicate: { issuedAt: new Date().toISOString(), approval: { stage: "Release", role: "release-manager" } } }));
  }
  /** Applies a Release that waits only for the release manager's approval, approves it and waits until it is Approved. */
  async function applyApproved(doc: Doc): Promise<void> {
    const name = doc.metadata.name as string;
    await apply(doc);
    await until(`${name} Blocked on its approval`, () => release(name), (r) => r.status?.phase === "Blocked");
    await approve(name);
    await until(`${name} Approved`, () => release(name), (r) => r.status?.phase === "Approved");
  }
  return { api, kubectlApply, apply, until, release, condition, approve, applyApproved };
}
