// Reading a DR target: a client built from the kubeconfig Secret in golive's own namespace (get
// on that one Secret), then get/list of the release's workloads, pods, sealed ConfigMaps and
// Secrets, and the golive Release there. Every request has a short timeout, and errors leave
// here scrubbed: the HTTP code or the socket error code, never a message that could quote the
// kubeconfig (tokens, client keys).
import { KubeConfig } from "@kubernetes/client-node";
import type { DisasterRecoveryTarget, Release } from "../../api/index.js";
import { RELEASE_LABEL } from "../../api/index.js";
import type { ConfigKind, ConfigObject } from "../../images/config-digest.js";
import type { PodLike } from "../drift/detect.js";
import { KubeClient, KubeError } from "../runtime/kube-client.js";
import type { DrObservation, WorkloadLike } from "./compare.js";

export interface SecretReader {
  get<T>(path: string): Promise<T>;
}

const WORKLOAD_PATHS: Record<string, string> = {
  Deployment: "apis/apps/v1/namespaces/NS/deployments",
  StatefulSet: "apis/apps/v1/namespaces/NS/statefulsets",
  DaemonSet: "apis/apps/v1/namespaces/NS/daemonsets",
  ReplicaSet: "apis/apps/v1/namespaces/NS/replicasets",
  ReplicationController: "api/v1/namespaces/NS/replicationcontrollers",
  Job: "apis/batch/v1/namespaces/NS/jobs",
  CronJob: "apis/batch/v1/namespaces/NS/cronjobs",
  Pod: "api/v1/namespaces/NS/pods",
};
const CONFIG_PATHS: Record<ConfigKind, string> = { ConfigMap: "configmaps", Secret: "secrets" };

/** A reason safe to show: what kind of failure, never the error's own text. */
export function scrubbedReason(e: unknown): string {
  // The client's own timeout is a KubeError without an HTTP status: no answer, not an HTTP error.
  if (e instanceof KubeError && e.code === 0 && e.reason === "Timeout") return "timed out";
  if (e instanceof KubeError) return `HTTP ${e.code} ${e.reason}`.slice(0, 200);
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && /^[A-Z_]{3,40}$/.test(code)) return `connection failed (${code})`;
  if (e instanceof DrConfigError) return e.message;
  if ((e as Error)?.message?.includes("timed out") || (e as Error)?.name === "TimeoutError") return "timed out";
  return "cannot read the DR cluster";
}

/** A problem with the target's own configuration (Secret missing, kubeconfig invalid): golive's words, no Secret contents. */
export class DrConfigError extends Error {}

interface Cached {
  version: string;
  client: KubeClient;
}

export class DrTargets {
  private readonly clients = new Map<string, Cached>();

  constructor(
    private readonly own: SecretReader,
    private readonly ownNamespace: string,
    private readonly timeoutMs: number,
  ) {}

  /** The client for a target, rebuilt when its Secret changes. */
  async client(target: DisasterRecoveryTarget): Promise<KubeClient> {
    const ref = target.kubeconfigSecret;
    let secret: { metadata?: { resourceVersion?: string }; data?: Record<string, string> };
    try {
      secret = await this.own.get(`/api/v1/namespaces/${encodeURIComponent(this.ownNamespace)}/secrets/${encodeURIComponent(ref.name)}`);
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) throw new DrConfigError(`the kubeconfig Secret ${this.ownNamespace}/${ref.name} does not exist`);
      throw new DrConfigError(`cannot read the kubeconfig Secret ${this.ownNamespace}/${ref.name} (${scrubbedReason(e)})`);
    }
    const version = `${ref.name}/${ref.key}/${secret.metadata?.resourceVersion ?? ""}`;
    const cached = this.clients.get(target.name);
    if (cached?.version === version) return cached.client;
    const encoded = secret.data?.[ref.key];
    if (!encoded) throw new DrConfigError(`the kubeconfig Secret ${this.ownNamespace}/${ref.name} has no key ${ref.key}`);
    const kc = new KubeConfig();
    try {
      kc.loadFromString(Buffer.from(encoded, "base64").toString("utf8"));
      const client = new KubeClient(kc, this.timeoutMs);
      cached?.client.close();
      this.clients.set(target.name, { version, client });
      return client;
    } catch {
      throw new DrConfigError(`the kubeconfig in Secret ${this.ownNamespace}/${ref.name} key ${ref.key} is not a usable kubeconfig (a current context with a cluster)`);
    }
  }

  close(): void {
    for (const c of this.clients.values()) c.client.close();
    this.clients.clear();
  }
}

async function getOrUndefined<T>(client: KubeClient, path: string): Promise<T | undefined> {
  try {
    return await client.get<T>(path);
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return undefined;
    throw e;
  }
}

type Template = NonNullable<NonNullable<WorkloadLike["spec"]>["template"]>;
interface RawWorkload {
  spec?: { template?: Template; jobTemplate?: { spec?: { template?: Template } } } & Template["spec"];
}

function asWorkload(kind: string, name: string, o: RawWorkload): WorkloadLike {
  const template = kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : kind === "Pod" ? { spec: o.spec } : o.spec?.template;
  return { kind, name, spec: template ? { template } : {} };
}

/** Everything compareTarget needs, read from the DR cluster in the mapped namespace. */
export async function observeTarget(client: KubeClient, release: Release, namespace: string): Promise<DrObservation> {
  const ns = encodeURIComponent(namespace);
  const workloads = new Map<string, WorkloadLike>();
  const configuration = new Map<string, ConfigObject>();
  const name = release.metadata.name;
  const [pods, drRelease] = await Promise.all([
    client.get<{ items: PodLike[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`${RELEASE_LABEL}=${name}`)}`),
    // No Release CRD on the target (golive does not run there) is no difference.
    getOrUndefined<Release>(client, `/apis/golive.dev/v1alpha1/namespaces/${ns}/releases/${encodeURIComponent(name)}`),
    ...release.spec.workloads.map(async (w) => {
      const o = await getOrUndefined<RawWorkload>(client, `/${WORKLOAD_PATHS[w.kind]!.replace("NS", ns)}/${encodeURIComponent(w.name)}`);
      if (o) workloads.set(`${w.kind}/${w.name}`, asWorkload(w.kind, w.name, o));
    }),
    ...release.spec.configuration.map(async (c) => {
      const o = await getOrUndefined<ConfigObject>(client, `/api/v1/namespaces/${ns}/${CONFIG_PATHS[c.kind]}/${encodeURIComponent(c.name)}`);
      if (o) configuration.set(`${c.kind} ${c.name}`, { kind: c.kind, metadata: { name: c.name }, data: o.data ?? null, ...(c.kind === "ConfigMap" ? { binaryData: o.binaryData ?? null } : {}) });
    }),
  ]);
  return {
    workload: (kind, n) => workloads.get(`${kind}/${n}`),
    pods: pods.items ?? [],
    configuration: (kind, n) => configuration.get(`${kind} ${n}`),
    release: drRelease,
  };
}
