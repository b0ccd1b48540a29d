// The pod labels of each workload a Release lists, for the NetworkIsolated condition (8.7 e after
// admission). Controllers with a pod template (Deployment, StatefulSet, DaemonSet) are read from
// their template, so a workload scaled to 0 is still judged. Jobs, CronJobs, ReplicaSets,
// ReplicationControllers and bare Pods are read from their running pods (the operator watches the pods carrying golive.dev/release): a
// CronJob between two runs has no pod whose ingress could be open, so it is judged when it runs.
// Pure: the reconciler passes the informers' lookups.

type Labels = Record<string, string>;
interface WithTemplate {
  spec?: { template?: { metadata?: { labels?: Labels } } };
}
interface PodWithLabels {
  metadata?: { name?: string; labels?: Labels; deletionTimestamp?: string; ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] };
}

export interface PodLabelSources {
  /** The Deployment, StatefulSet or DaemonSet of that name, undefined when absent or not watched. */
  controller: (kind: "Deployment" | "StatefulSet" | "DaemonSet", name: string) => WithTemplate | undefined;
  /** The namespace's pods that carry the release label. */
  pods: () => readonly PodWithLabels[];
}

/** The kind and name of the controller that made the pod. */
const controllerOf = (pod: PodWithLabels) => pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];

/** A CronJob names each Job it starts `<cronjob>-<scheduled time in minutes>`. */
const startedBy = (cronJob: string, job: string): boolean => job.startsWith(`${cronJob}-`) && /^\d+$/.test(job.slice(cronJob.length + 1));

/** Is the pod one of the listed workload's (kinds read from their pods)? */
function belongsTo(pod: PodWithLabels, kind: string, name: string): boolean {
  if (kind === "Pod") return pod.metadata?.name === name;
  const owner = controllerOf(pod);
  if (kind === "CronJob") return owner?.kind === "Job" && startedBy(name, owner.name ?? "");
  return owner?.kind === kind && owner.name === name;
}

/** The labels of a listed workload's pods, or undefined when it has no template and no pod running. */
export function workloadPodLabels(kind: string, name: string, s: PodLabelSources): Labels | undefined {
  if (kind === "Deployment" || kind === "StatefulSet" || kind === "DaemonSet") return s.controller(kind, name)?.spec?.template?.metadata?.labels;
  return s.pods().find((p) => !p.metadata?.deletionTimestamp && belongsTo(p, kind, name))?.metadata?.labels;
}
