// Each workload against its own design (5.2 a,b,c): the Release's spec.designs entry for its
// kind and name, compared by operator/design/compare.ts (the operator reports running state with
// the same comparison). A workload with no entry is denied when the policy requires designs.
import { matchesSelector, type LabelSelector, type Release } from "../../api/index.js";
import { compareDesign, containerFacts, describeDifference, designOf, isSpread, type WorkloadFacts } from "../../operator/design/compare.js";
import type { CompiledPolicy } from "../compiled.js";
import type { Findings } from "../findings.js";
import type { AdmissionView } from "../view.js";
import type { Workload } from "../workload.js";
import { ratioOwned } from "./replica-ratio.js";

/** Does a PodDisruptionBudget in the namespace select pods with these labels? */
export function pdbSelects(view: AdmissionView, namespace: string, podLabels: Record<string, string>): boolean {
  return view.pdbs.list(namespace).some((pdb) => {
    const selector = pdb.spec?.selector;
    // policy/v1: an empty selector selects every pod in the namespace, a missing one none.
    return selector !== undefined && selector !== null && matchesSelector(selector as LabelSelector, podLabels);
  });
}

export interface DesignCheck {
  kind: string;
  w: Workload;
  namespace: string;
  replicated: boolean;
  policy: CompiledPolicy;
  release: Release;
  view: AdmissionView;
  /** Only the replica count changed (a scale, a label): the rest was judged when the template was. */
  replicasOnly?: boolean;
}

export function checkDesign(c: DesignCheck, f: Findings): void {
  const { kind, w, release } = c;
  const rel = release.metadata.name;
  const design = designOf(release.spec.designs, kind, w.name);
  if (!design) {
    if (c.policy.policy.spec.design?.requireWorkloadDesigns && !c.replicasOnly && w.name.endsWith("<generated>"))
      f.deny(`a ${kind} named by generateName (${w.name.replace("<generated>", "")}...) cannot have a design in Release ${rel}: ReleasePolicy ${c.policy.name} requires one per workload (spec.design.requireWorkloadDesigns, 5.2): give it a fixed metadata.name and add {kind: ${kind}, name: ..., minReplicas: ...} to the Release's spec.designs`);
    else if (c.policy.policy.spec.design?.requireWorkloadDesigns && !c.replicasOnly)
      f.deny(`${kind} ${w.name} has no design in Release ${rel}: ReleasePolicy ${c.policy.name} requires one per workload (spec.design.requireWorkloadDesigns, 5.2): add {kind: ${kind}, name: ${w.name}, minReplicas: ...} to the Release's spec.designs`);
    return;
  }
  const replicas = w.replicas ?? 1;
  // With replica ratio the user's Deployment rests at 0 between rollouts; its stable copy serves.
  const resting = replicas === 0 && ratioOwned(kind, w.name, release);
  const facts: WorkloadFacts = {
    ...(c.replicated && !resting ? { replicas: { count: replicas, field: "spec.replicas" } } : {}),
    ...(c.replicasOnly ? {} : { spread: isSpread(w.podSpec), podDisruptionBudget: pdbSelects(c.view, c.namespace, w.podLabels), containers: containerFacts(w.podSpec) }),
  };
  for (const d of compareDesign(design, facts)) f.deny(describeDifference(`${kind} ${w.name}`, rel, d));
}
