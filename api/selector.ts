// Kubernetes label-selector semantics (matchLabels AND matchExpressions; an empty selector
// matches everything), used to find the ReleasePolicy that governs a namespace.
import type { LabelSelector } from "./common.js";

export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === "In" ? has && (e.values ?? []).includes(value!) :
      e.operator === "NotIn" ? !has || !(e.values ?? []).includes(value!) :
      e.operator === "Exists" ? has :
      !has;
    if (!ok) return false;
  }
  return true;
}
