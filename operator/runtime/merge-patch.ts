// JSON merge patches (RFC 7386) computed from two versions of an object. A merge patch keeps
// every key it does not mention, so writing "the new status" as a patch would never remove a
// field the new status no longer has (a cleared pause, a resolved problem); the patch that turns
// the old version into the new one names those keys with null. Arrays are replaced whole.
import { canonicalJson } from "../../gates/canonical-json.js";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The merge patch that turns `before` into `after`; {} when they are equal. */
export function mergePatchFor(before: unknown, after: unknown): unknown {
  if (!isObject(before) || !isObject(after)) return after;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) if (after[key] === undefined && before[key] !== undefined) patch[key] = null;
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const old = before[key];
    if (old === undefined) patch[key] = value;
    else if (canonicalJson(old) !== canonicalJson(value)) patch[key] = isObject(old) && isObject(value) ? mergePatchFor(old, value) : value;
  }
  return patch;
}

/** Apply a merge patch (RFC 7386), as the API server does: for tests of the above. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}
