// Keeping kwok's fake nodes Ready during long rollout tests.
import type { KubeClient } from "../../operator/runtime/kube-client.js";

/**
 * kwok (as the harness starts it) keeps no node Leases and posts node heartbeats less often than
 * the node lifecycle controller's grace period, so about once a minute every node counts as
 * unreachable and every pod is marked NotReady for good. Rollouts wait for pods to be ready, so
 * while these tests run they renew a Lease per kwok node. (Starting kwok with
 * --node-lease-duration-seconds=40 instead left the rollouts' pods unavailable in a full-suite
 * run; that harness change needs its own investigation.)
 */
export function keepKwokNodesAlive(kube: KubeClient): () => void {
  const renew = async () => {
    const nodes = await kube.get<{ items: { metadata: { name: string; annotations?: Record<string, string> } }[] }>("/api/v1/nodes");
    for (const n of nodes.items.filter((x) => x.metadata.annotations?.["kwok.x-k8s.io/node"] === "fake")) {
      const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: n.metadata.name, namespace: "kube-node-lease" }, spec: { holderIdentity: n.metadata.name, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace("Z", "000Z") } };
      await kube.patch(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n.metadata.name}?fieldManager=golive-e2e&force=true`, lease, "apply");
    }
  };
  void renew().catch(() => undefined);
  const timer = setInterval(() => void renew().catch(() => undefined), 5_000);
  return () => clearInterval(timer);
}
