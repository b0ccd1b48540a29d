// Architecture and security minimums (4.4 b,c, 5.1 b, 5.2, 6.2.1): replicas, a
// PodDisruptionBudget, spreading, requests and limits, no privilege, no host namespaces,
// non-root — per the policy's spec.architecture and the Release's declared architecture.
import { matchesSelector, type LabelSelector, type Release } from "../../api/index.js";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import { asArr, asObj, clip } from "../object.js";
import { formatBytes, formatCpu, parseQuantity } from "../quantity.js";
import type { AdmissionView } from "../view.js";
import { forEachContainer, type Workload } from "../workload.js";
import { checkHardening } from "./hardening.js";
import { ratioOwned } from "./replica-ratio.js";

const CLAUSE = "4.4 c";

function minimums(policy: CompiledPolicy) {
  const a = policy.policy.spec.architecture;
  return {
    minReplicas: a?.minReplicas ?? 2,
    requirePodDisruptionBudget: a?.requirePodDisruptionBudget ?? true,
    requireResourceRequests: a?.requireResourceRequests ?? true,
    requireResourceLimits: a?.requireResourceLimits ?? true,
    requireRunAsNonRoot: a?.requireRunAsNonRoot ?? true,
    forbidPrivileged: a?.forbidPrivileged ?? true,
    forbidHostNamespaces: a?.forbidHostNamespaces ?? true,
    requireTopologySpread: a?.requireTopologySpread ?? false,
  };
}

export interface ReplicaBounds {
  min: number;
  /** The approved maximum, when the Release declares scaling bounds. */
  max?: number;
  /** Where the minimum comes from, for the denial. */
  why: string[];
}

/**
 * The replicas a workload may run: at least the policy's minimum and the Release's declared
 * replicas (or, when it declares scaling bounds, its scaling.minReplicas); at most its
 * scaling.maxReplicas.
 */
export function replicaBounds(policy: CompiledPolicy, release: Release | undefined): ReplicaBounds {
  const m = minimums(policy);
  const declared = release?.spec?.architecture;
  const why = [`ReleasePolicy ${policy.name} requires at least ${m.minReplicas} (spec.architecture.minReplicas, 5.1 b)`];
  const declaredMin = declared?.scaling ? declared.scaling.minReplicas : declared?.replicas;
  if (declaredMin !== undefined && declaredMin > m.minReplicas)
    why.push(`Release ${release?.metadata.name} declares ${declaredMin} (spec.architecture.${declared?.scaling ? "scaling.minReplicas" : "replicas"}, 5.2)`);
  return { min: Math.max(m.minReplicas, declaredMin ?? 0), ...(declared?.scaling ? { max: declared.scaling.maxReplicas } : {}), why };
}

/** Replicas, PDB and spreading: for Deployments, StatefulSets, ReplicaSets and ReplicationControllers not owned by a controller. */
export function checkReplication(kind: string, w: Workload, namespace: string, policy: CompiledPolicy, release: Release | undefined, view: AdmissionView, f: Findings): void {
  const m = minimums(policy);
  const declared = release?.spec?.architecture;
  const bounds = replicaBounds(policy, release);
  const replicas = w.replicas ?? 1;
  // With replica ratio the user's Deployment rests at 0 between rollouts: its stable copy, which
  // golive keeps at the recorded replicas, serves; golive scales the candidate itself.
  const resting = replicas === 0 && ratioOwned(kind, w.name, release);
  if (!(replicas >= bounds.min) && !resting)
    f.deny(`${kind} ${w.name} runs ${Number.isNaN(replicas) ? "an invalid number of" : replicas} replica(s); ${bounds.why.join(" and ")}: set spec.replicas to at least ${bounds.min}`);
  if (bounds.max !== undefined && replicas > bounds.max)
    f.deny(`${kind} ${w.name} runs ${replicas} replica(s); Release ${release?.metadata.name} allows at most ${bounds.max} (spec.architecture.scaling.maxReplicas, the capacity approved): set spec.replicas to at most ${bounds.max}`);
  const highAvailability = declared ? declared.highAvailability !== false : false;
  if (m.requirePodDisruptionBudget || highAvailability) {
    const covered = view.pdbs.list(namespace).some((pdb) => {
      const selector = pdb.spec?.selector;
      // policy/v1: an empty selector selects every pod in the namespace, a missing one none.
      return selector !== undefined && selector !== null && matchesSelector(selector as LabelSelector, w.podLabels);
    });
    if (!covered) {
      const why = m.requirePodDisruptionBudget ? `ReleasePolicy ${policy.name} requires one (spec.architecture.requirePodDisruptionBudget)` : `Release ${release?.metadata.name} declares high availability`;
      f.deny(`no PodDisruptionBudget in namespace ${namespace} selects the pods of ${kind} ${w.name} (labels ${clip(labelText(w.podLabels), 200)}); ${why}: create one before the workload`);
    }
  }
  if (m.requireTopologySpread || highAvailability) {
    const spec = w.podSpec;
    const spread = asArr(spec?.topologySpreadConstraints).length > 0 || asObj(asObj(spec?.affinity)?.podAntiAffinity) !== undefined;
    if (!spread) {
      const why = m.requireTopologySpread ? `ReleasePolicy ${policy.name} requires it (spec.architecture.requireTopologySpread)` : `Release ${release?.metadata.name} declares high availability`;
      f.deny(`the pods of ${kind} ${w.name} are not spread across nodes or zones; ${why}: add topologySpreadConstraints or pod anti-affinity`);
    }
  }
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "none";
}

/** Requests, limits and the declared per-pod resources; privilege, host namespaces, non-root, and the hardening of hardening.ts. */
export function checkPodSecurity(w: Workload, policy: CompiledPolicy, release: Release | undefined, f: Findings): void {
  const m = minimums(policy);
  const spec = w.podSpec;
  if (!spec) {
    f.deny("the object has no pod template: golive cannot check it");
    return;
  }
  const p = policy.name;
  if (m.forbidHostNamespaces) {
    const used = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true);
    if (used.length) f.deny(`the pods use ${used.join(", ")}: ReleasePolicy ${p} forbids host namespaces (spec.architecture.forbidHostNamespaces, ${CLAUSE}): remove ${used.join(" and ")}`);
  }
  checkHardening(spec, policy, f);
  const podSecurity = asObj(spec.securityContext);
  let cpu = 0;
  let memory = 0;
  forEachContainer(spec, (c, cname, ckind) => {
    const who = `${ckind} ${clip(cname, 80)}`;
    const sc = asObj(c.securityContext);
    if (ckind !== "ephemeral container") {
      const resources = asObj(c.resources);
      const requests = asObj(resources?.requests);
      const limits = asObj(resources?.limits);
      if (m.requireResourceRequests) {
        const missing = (["cpu", "memory"] as const).filter((r) => requests?.[r] === undefined);
        if (missing.length) f.deny(`${who} sets no ${missing.join(" or ")} request: set resources.requests (ReleasePolicy ${p} spec.architecture.requireResourceRequests, 6.2.1)`);
      }
      if (m.requireResourceLimits && limits?.memory === undefined) f.deny(`${who} sets no memory limit: set resources.limits.memory (ReleasePolicy ${p} spec.architecture.requireResourceLimits, 6.2.1)`);
      if (ckind === "container") {
        cpu += parseQuantity(requests?.cpu) ?? 0;
        memory += parseQuantity(requests?.memory) ?? 0;
      }
    }
    if (m.forbidPrivileged) {
      if (sc?.privileged === true) f.deny(`${who} is privileged: remove securityContext.privileged (ReleasePolicy ${p} spec.architecture.forbidPrivileged, ${CLAUSE})`);
      if (sc?.allowPrivilegeEscalation === true) f.deny(`${who} allows privilege escalation: set securityContext.allowPrivilegeEscalation: false (ReleasePolicy ${p} spec.architecture.forbidPrivileged, ${CLAUSE})`);
    }
    if (m.requireRunAsNonRoot) {
      const user = sc?.runAsUser ?? podSecurity?.runAsUser;
      const nonRoot = sc?.runAsNonRoot ?? podSecurity?.runAsNonRoot;
      if (user === 0) f.deny(`${who} runs as root (runAsUser: 0): run as a non-root user (ReleasePolicy ${p} spec.architecture.requireRunAsNonRoot, ${CLAUSE})`);
      else if (nonRoot !== true) f.deny(`${who} does not set runAsNonRoot: set securityContext.runAsNonRoot: true on the pod or the container (ReleasePolicy ${p} spec.architecture.requireRunAsNonRoot, ${CLAUSE})`);
    }
  });
  const declared = release?.spec?.architecture?.resources;
  if (declared) {
    const wantCpu = parseQuantity(declared.cpu);
    const wantMemory = parseQuantity(declared.memory);
    const rel = release.metadata.name;
    if (wantCpu !== undefined && cpu + 1e-9 < wantCpu)
      f.deny(`the pods request ${formatCpu(cpu)} CPU in total; Release ${rel} declares ${declared.cpu} per pod (spec.architecture.resources.cpu, 5.2): set the containers' CPU requests as designed`);
    if (wantMemory !== undefined && memory < wantMemory)
      f.deny(`the pods request ${formatBytes(memory)} memory in total; Release ${rel} declares ${declared.memory} per pod (spec.architecture.resources.memory, 5.2): set the containers' memory requests as designed`);
  }
}
