// Defensive readers for the untrusted JSON inside an AdmissionReview: a wrong type reads as
// absent instead of throwing, so hostile input yields an answer, never a crash.
export type Obj = Record<string, unknown>;

const EMPTY: readonly unknown[] = Object.freeze([]);

export function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function asArr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : EMPTY;
}

export function asStr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A map of string values (labels, annotations); non-string values are ignored by readers. */
export function asStrMap(v: unknown): Record<string, string> {
  return (asObj(v) ?? {}) as Record<string, string>;
}

export function label(map: Record<string, string>, key: string): string | undefined {
  const v = Object.hasOwn(map, key) ? map[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** Structural equality of JSON values, iterative so hostile nesting cannot overflow the stack. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x)) {
      const ya = y as unknown[];
      if (x.length !== ya.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], ya[i]]);
      continue;
    }
    const xo = x as Obj;
    const yo = y as Obj;
    let xn = 0;
    for (const k in xo) {
      if (!Object.hasOwn(xo, k) || xo[k] === undefined) continue;
      xn++;
      if (!Object.hasOwn(yo, k)) return false;
      stack.push([xo[k], yo[k]]);
    }
    let yn = 0;
    for (const k in yo) if (Object.hasOwn(yo, k) && yo[k] !== undefined) yn++;
    if (xn !== yn) return false;
  }
  return true;
}

/** Truncate text for messages so hostile names cannot blow up a response. */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
