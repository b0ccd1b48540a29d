// Vitest global setup for the integration tests: one control plane per run, shared by all test
// files (each works in its own namespace). GOLIVE_TEST_KUBECONFIG targets an existing cluster.
import type { TestProject } from "vitest/node";
import { startControlPlane, type ControlPlane } from "./cluster/control-plane.js";
import { installCrds } from "./cluster/crds.js";
import { existingCluster } from "./cluster/existing.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    binDir: string;
    server: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const existing = process.env.GOLIVE_TEST_KUBECONFIG;
  let plane: ControlPlane;
  if (existing) {
    plane = existingCluster(existing);
    console.log(`integration tests use the existing cluster at ${plane.server}`);
  } else {
    plane = await startControlPlane({ nodes: 3, log: (l) => console.log(`[control plane] ${l}`) });
  }
  try {
    await installCrds(plane.kubectl);
  } catch (e) {
    await plane.stop();
    throw e;
  }
  console.log(`[control plane] ready with golive's CRDs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide("kubeconfig", plane.kubeconfig);
  project.provide("binDir", plane.binDir);
  project.provide("server", plane.server);
  return () => plane.stop();
}
