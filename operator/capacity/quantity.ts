// Kubernetes resource quantities as exact integers of nano-units (bigint), so that quota sums
// never round: 4 × "500m" is exactly "2", and 3 × "0.1" is not more than "0.3" (it would be in
// floating point, and a release would be Blocked by a rounding error).
const NANO = 1_000_000_000n;
const DECIMAL: Record<string, bigint> = { "": NANO, n: 1n, u: 1_000n, m: 1_000_000n, k: 1_000n * NANO, M: 1_000_000n * NANO, G: 10n ** 9n * NANO, T: 10n ** 12n * NANO, P: 10n ** 15n * NANO, E: 10n ** 18n * NANO };
const BINARY: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const QUANTITY = /^([+]?)(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The quantity in nano-units (rounded up, as the API server rounds), or undefined when malformed or negative. */
export function parseQuantity(text: unknown): bigint | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? parseQuantity(String(text)) : undefined;
  if (typeof text !== "string" || text.length > 64) return undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m || (m[2] === undefined && !m[3])) return undefined;
  const digits = `${m[2] ?? ""}${m[3] ?? ""}`;
  const fraction = (m[3] ?? "").length;
  // value = digits × 10^-fraction × scale; scale in nano-units.
  let numerator = BigInt(digits || "0");
  let denominator = 10n ** BigInt(fraction);
  if (m[4] !== undefined) {
    const exp = Number(m[4]);
    if (Math.abs(exp) > 30) return undefined;
    if (exp >= 0) numerator *= 10n ** BigInt(exp);
    else denominator *= 10n ** BigInt(-exp);
    numerator *= NANO;
  } else {
    const suffix = m[5] ?? "";
    numerator *= BINARY[suffix] !== undefined ? BINARY[suffix] * NANO : DECIMAL[suffix]!;
  }
  return (numerator + denominator - 1n) / denominator;
}

/** How a resource's amounts are best shown: CPU in cores or millicores, bytes with a binary suffix, counts as integers. */
export type QuantityStyle = "cpu" | "bytes" | "count";

export function styleOf(resource: string): QuantityStyle {
  const base = resource.replace(/^(requests|limits)\./, "");
  if (base === "cpu") return "cpu";
  if (base === "memory" || base === "ephemeral-storage" || base.startsWith("hugepages-")) return "bytes";
  return "count";
}

export function formatQuantity(nano: bigint, style: QuantityStyle): string {
  if (nano % NANO !== 0n) {
    // Below one unit: millis when exact, else nanos.
    return nano % 1_000_000n === 0n ? `${nano / 1_000_000n}m` : `${nano}n`;
  }
  const units = nano / NANO;
  if (style === "bytes") {
    for (const [suffix, size] of [["Gi", BINARY.Gi!], ["Mi", BINARY.Mi!], ["Ki", BINARY.Ki!]] as const) if (units >= size && units % size === 0n) return `${units / size}${suffix}`;
  }
  return String(units);
}
