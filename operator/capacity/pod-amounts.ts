// What one pod of a template counts against a ResourceQuota, the way the API server's quota
// admission counts it: a container's request defaults to its limit; the pod's request is the
// larger of its app containers (plus sidecars) and its largest init container (plus the sidecars
// started before it); the RuntimeClass overhead adds to both. Pure.
import { parseQuantity } from "./quantity.js";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Amounts keyed "requests.<resource>" and "limits.<resource>", in nano-units. */
export type Amounts = Map<string, bigint>;

function containerAmounts(c: Obj): Amounts {
  const resources = asObj(c.resources);
  const requests = asObj(resources?.requests) ?? {};
  const limits = asObj(resources?.limits) ?? {};
  const out: Amounts = new Map();
  for (const [name, value] of Object.entries(limits)) {
    const q = parseQuantity(value);
    if (q !== undefined) out.set(`limits.${name}`, q);
  }
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    const q = parseQuantity(requests[name] ?? limits[name]);
    if (q !== undefined) out.set(`requests.${name}`, q);
  }
  return out;
}

function add(a: Amounts, b: Amounts): Amounts {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0n) + v);
  return out;
}

function max(a: Amounts, b: Amounts): Amounts {
  const out = new Map(a);
  for (const [k, v] of b) if (v > (out.get(k) ?? 0n)) out.set(k, v);
  return out;
}

/** One pod's amounts from a pod spec (a template's spec). */
export function podAmounts(podSpec: unknown): Amounts {
  const spec = asObj(podSpec) ?? {};
  let app: Amounts = new Map();
  for (const c of asArr(spec.containers)) app = add(app, containerAmounts(asObj(c) ?? {}));
  let sidecars: Amounts = new Map();
  let init: Amounts = new Map();
  for (const raw of asArr(spec.initContainers)) {
    const c = asObj(raw) ?? {};
    const amounts = containerAmounts(c);
    if (c.restartPolicy === "Always") sidecars = add(sidecars, amounts);
    else init = max(init, add(amounts, sidecars));
  }
  let pod = max(add(app, sidecars), init);
  const overhead: Amounts = new Map();
  for (const [name, value] of Object.entries(asObj(spec.overhead) ?? {})) {
    const q = parseQuantity(value);
    if (q !== undefined) overhead.set(`requests.${name}`, q).set(`limits.${name}`, q);
  }
  pod = add(pod, overhead);
  return pod;
}

/** The larger of each amount. */
export function maxAmounts(...all: Amounts[]): Amounts {
  return all.reduce<Amounts>((a, b) => max(a, b), new Map());
}

