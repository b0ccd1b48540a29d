// Server-side apply of objects the CLI creates (evidence, approvals), with the user's kubeconfig.
// Field manager "golive-cli" so managedFields tell who wrote what.
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { CliError } from "./errors.js";

export async function applyObjects(objects: object[], kubeconfig = new KubeConfig()): Promise<void> {
  if (kubeconfig.getContexts().length === 0) {
    try {
      kubeconfig.loadFromDefault();
    } catch (e) {
      throw new CliError(`cannot load a kubeconfig (KUBECONFIG or ~/.kube/config): ${(e as Error).message}`);
    }
  }
  const client = KubernetesObjectApi.makeApiClient(kubeconfig);
  for (const object of objects as KubernetesObject[]) {
    const what = `${object.kind}/${object.metadata?.name ?? "?"}`;
    try {
      await client.patch(object, undefined, undefined, "golive-cli", true, "application/apply-patch+yaml");
      process.stdout.write(`${what} applied\n`);
    } catch (e) {
      const body = (e as { body?: string }).body;
      let message = (e as Error).message;
      try {
        message = (JSON.parse(body ?? "") as { message?: string }).message ?? message;
      } catch {
        // Not a Kubernetes Status: keep the client's message.
      }
      throw new CliError(`applying ${what} failed: ${message}`);
    }
  }
}
