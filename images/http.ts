// Plumbing shared by the registry client and its authentication: the error every registry
// failure becomes (with a kind callers classify on), capped body reads, network error causes.
import type { ImageReference } from "./reference.js";

export type Repository = Pick<ImageReference, "registry" | "repository">;

/**
 * Invalid: the registry answered outside the protocol (an unexpected status, a redirect loop or a
 * refused redirect, an index that is not one). DigestMismatch: content fetched by digest does not
 * hash to it (a broken registry, or tampering on the way). TooLarge: a body over its cap.
 */
export type RegistryErrorKind = "Auth" | "Throttled" | "RegistryDown" | "Timeout" | "NotFound" | "Invalid" | "DigestMismatch" | "TooLarge";

export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The body, or a RegistryError when it is larger than `max` bytes. */
export async function readCapped(res: globalThis.Response, max: number, registry: string, url: string): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (declared > max) {
    await res.body?.cancel();
    throw new RegistryError("TooLarge", `${registry}: ${new URL(url).pathname} is ${declared} bytes, over the ${max}-byte limit`);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const next = (await reader.read()) as { done: boolean; value?: Uint8Array };
    const value = next.value;
    if (next.done || value === undefined) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new RegistryError("TooLarge", `${registry}: ${new URL(url).pathname} is over the ${max}-byte limit`);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks);
}

/** What a fetch failure was, for messages: ECONNREFUSED, ENOTFOUND, ... */
export function networkCause(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

