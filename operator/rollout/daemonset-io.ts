// The I/O of a DaemonSet canaried node by node (decisions in daemonset.ts): read its
// ControllerRevisions, pods and the nodes' labels; hold it, delete the pods of a stage, put the
// stable template back, hand the update strategy back.
import { FIELD_MANAGER } from "../routers/types.js";
import { KubeError, type KubeClient } from "../runtime/kube-client.js";
import { daemonSetView, daemonStableTemplate, holdPatch, podsToReplace, releasePatch, restoreAndHandBackPatch, restorePatch, rollBackStep, updateRevisionOf, type DaemonPodLike, type DaemonRevisionLike, type DaemonSetLike, type DaemonSetView, type NodeLike, type Stage } from "./daemonset.js";

const dsPath = (ns: string, name: string): string => `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}`;

export interface DaemonSetObserved {
  ds: DaemonSetLike;
  revisions: DaemonRevisionLike[];
  view: DaemonSetView;
}

/** Delete a pod; one already gone is fine. */
async function deletePod(client: KubeClient, ns: string, pod: string): Promise<void> {
  try {
    await client.delete(`/api/v1/namespaces/${ns}/pods/${pod}`);
  } catch (e) {
    if (!(e instanceof KubeError && e.code === 404)) throw e;
  }
}

async function revisionsOf(client: KubeClient, ns: string, ds: DaemonSetLike): Promise<DaemonRevisionLike[]> {
  const selector = encodeURIComponent(Object.entries(ds.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(","));
  const list = await client.get<{ items: DaemonRevisionLike[] }>(`/apis/apps/v1/namespaces/${ns}/controllerrevisions?labelSelector=${selector}`);
  return list.items.filter((x) => x.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid));
}

/** The DaemonSet (as the informer has it), its revisions, its pods and which nodes are canary nodes. */
export async function observeDaemonSet(client: KubeClient, ns: string, ds: DaemonSetLike): Promise<DaemonSetObserved> {
  const selector = encodeURIComponent(Object.entries(ds.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(","));
  const [revisions, pods, nodes] = await Promise.all([
    revisionsOf(client, ns, ds),
    client.get<{ items: DaemonPodLike[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${selector}`),
    client.get<{ items: NodeLike[] }>("/api/v1/nodes"),
  ]);
  const owned = pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid));
  return { ds, revisions, view: daemonSetView(ds, revisions, owned, nodes.items) };
}

/** OnDelete, with the stable revision (the newest ControllerRevision now) and strategy recorded. */
export async function holdDaemonSet(client: KubeClient, ns: string, ds: DaemonSetLike): Promise<string> {
  const stable = updateRevisionOf(await revisionsOf(client, ns, ds));
  await client.patch(`${dsPath(ns, ds.metadata?.name ?? "")}?fieldManager=${FIELD_MANAGER}`, holdPatch(ds, stable), "json");
  return stable;
}

/** Delete the pods of a stage still off the update revision (within maxUnavailable): they come back on it. */
export async function replaceDaemonPods(client: KubeClient, ns: string, o: DaemonSetObserved, stage: Stage, maxUnavailable: number): Promise<string[]> {
  const names = podsToReplace(o.view, stage, maxUnavailable);
  for (const pod of names) await deletePod(client, ns, pod);
  return names;
}

/** Roll back, one move a pass (rollBackStep): the stable template, then every pod off it. Returns what it did. */
export async function rollBackDaemonSet(client: KubeClient, ns: string, o: DaemonSetObserved): Promise<"template" | "pods" | "none"> {
  const step = rollBackStep(o.view);
  if ("template" in step) {
    await client.patch(`${dsPath(ns, o.view.name)}?fieldManager=${FIELD_MANAGER}`, restorePatch(daemonStableTemplate(o.ds, o.revisions)), "json");
    return "template";
  }
  for (const pod of step.pods) await deletePod(client, ns, pod);
  return step.pods.length ? "pods" : "none";
}

/** A stopped rollout: the stable template and the recorded update strategy back at once (restoreAndHandBackPatch). */
export async function restoreAndHandBack(client: KubeClient, ns: string, o: DaemonSetObserved): Promise<void> {
  await client.patch(`${dsPath(ns, o.view.name)}?fieldManager=${FIELD_MANAGER}`, restoreAndHandBackPatch(o.ds, daemonStableTemplate(o.ds, o.revisions)), "json");
}

/** The recorded update strategy back, golive's annotations gone. */
export async function releaseDaemonSet(client: KubeClient, ns: string, ds: DaemonSetLike): Promise<void> {
  await client.patch(`${dsPath(ns, ds.metadata?.name ?? "")}?fieldManager=${FIELD_MANAGER}`, releasePatch(ds), "json");
}
