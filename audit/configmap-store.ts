// Checkpoints in the ConfigMap golive-audit-checkpoints of golive's namespace: one data key per
// chain, written with a JSON merge patch of that key only, so writers never overwrite each other.
import type { CheckpointStore } from "./checkpoint.js";
import { CHECKPOINT_CONFIGMAP } from "./checkpoint.js";

/** The calls needed (operator/runtime/kube-client.ts KubeClient has them). */
export interface ConfigMapClient {
  get<T>(path: string): Promise<T>;
  create<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
}

const isNotFound = (e: unknown) => (e as { code?: number }).code === 404;
const isConflict = (e: unknown) => (e as { code?: number }).code === 409;

export function configMapCheckpointStore(client: ConfigMapClient, namespace: string, name = CHECKPOINT_CONFIGMAP): CheckpointStore {
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  return {
    async read(chain) {
      try {
        const cm = await client.get<{ data?: Record<string, string> }>(`${path}/${name}`);
        return (cm.data?.[chain] ?? "").split("\n").filter(Boolean);
      } catch (e) {
        if (isNotFound(e)) return [];
        throw e;
      }
    },
    async write(chain, lines) {
      const data = { [chain]: lines.join("\n") + "\n" };
      try {
        await client.patch(`${path}/${name}`, { data });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        try {
          await client.create(path, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "golive" } }, data });
        } catch (e2) {
          if (!isConflict(e2)) throw e2;
          await client.patch(`${path}/${name}`, { data });
        }
      }
    },
  };
}
