// Limits every parser enforces before doing real work, so a hostile or mistaken upload costs
// little: size is checked before decoding, nesting before building objects.
import { EvidenceParseError, type ErrorSource } from "./errors.js";

export const MiB = 1024 * 1024;

export interface ParseLimits {
  /** Largest accepted input in bytes (UTF-8). Default 50 MiB. */
  maxBytes?: number;
  /** Deepest accepted nesting of XML elements or JSON arrays/objects. Default 64. */
  maxDepth?: number;
  /** Longest list kept in a summary (failures, findings, ids...). Default 200. */
  maxListEntries?: number;
}

export type ResolvedLimits = Required<ParseLimits>;

export const DEFAULT_LIMITS: ResolvedLimits = { maxBytes: 50 * MiB, maxDepth: 64, maxListEntries: 200 };

/** Fill in defaults and refuse nonsense limits (a typo here would silently disable a check). */
export function resolveLimits(format: ErrorSource, options: ParseLimits | undefined): ResolvedLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    const value = options?.[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new EvidenceParseError(format, `option ${key} is ${String(value)}, expected a positive whole number`);
    }
    limits[key] = value;
  }
  return limits;
}

/** "1 level", "64 levels": counts in messages read naturally. */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** Keep the first `max` entries and say whether any were dropped. */
export function capList<T>(items: readonly T[], max: number): { items: T[]; truncated: boolean } {
  return items.length > max ? { items: items.slice(0, max), truncated: true } : { items: [...items], truncated: false };
}
