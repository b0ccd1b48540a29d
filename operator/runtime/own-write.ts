// The watch event of the operator's own write. Every status write comes back through the watch;
// controller-runtime drops such events with predicates (GenerationChangedPredicate), golive with
// a narrower test: the event carries exactly the resourceVersion our write returned (no other
// writer can have produced it) and the generation did not move (spec untouched). Any other change
// (a spec edit, a label, someone else's write) has another resourceVersion and is not an echo.
import type { InformerEvent, KubeObject } from "./informer.js";

export function isOwnWriteEcho(event: InformerEvent, object: KubeObject, old: KubeObject | undefined, ownResourceVersion: string | undefined): boolean {
  if (event !== "update" || ownResourceVersion === undefined || old === undefined) return false;
  const rv = object.metadata?.resourceVersion;
  if (rv === undefined || rv !== ownResourceVersion) return false;
  return object.metadata?.uid === old.metadata?.uid && object.metadata?.generation === old.metadata?.generation;
}
