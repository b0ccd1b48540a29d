// Admission never waits on a DR cluster (JR/T 0179 4.3 g; issue 19): only the operator reads DR
// sites. This walks every module the webhook process loads (from webhook/run.ts, the entry
// `golive webhook` starts) and fails if any of them is DR code or reads a kubeconfig Secret.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

/** Every repository module reachable from `entry` by static or dynamic relative imports. */
function moduleGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, ".ts");
      if (existsSync(target)) queue.push(target);
      else if (existsSync(`${target}.ts`)) queue.push(`${target}.ts`);
    }
  }
  return seen;
}

describe("the webhook process and disaster recovery", () => {
  it("loads no DR code: nothing under operator/dr/, nothing that builds a client from a kubeconfig Secret", () => {
    const graph = [...moduleGraph(join(root, "webhook", "run.ts"))].map((f) => relative(root, f));
    // The walk works: it reaches the decision, the server and the informers.
    expect(graph).toEqual(expect.arrayContaining(["webhook/run.ts", "webhook/decide.ts", "webhook/server.ts", "operator/runtime/kube-client.ts"]));
    expect(graph.filter((f) => f.startsWith("operator/dr/"))).toEqual([]);
    const readsDrTargets = graph.filter((f) => /kubeconfigSecret|DrTargets|observeTarget/.test(readFileSync(join(root, f), "utf8")) && !f.startsWith("api/"));
    expect(readsDrTargets).toEqual([]);
  });
});
