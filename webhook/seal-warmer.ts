// Fills this process's seal cache for the images of Releases in governed namespaces, in the
// background: admission only peeks, so a webhook running apart from the operator verifies the
// same seals itself, off the hot path. Bounded concurrency; retried on the next pass.
import type { Logger } from "pino";
import type { SealCache } from "../images/seal-cache.js";
import { governance } from "./governance.js";
import type { AdmissionView } from "./view.js";

export class SealWarmer {
  private timer: NodeJS.Timeout | undefined;
  private running = 0;

  constructor(
    private readonly view: AdmissionView,
    private readonly seals: Pick<SealCache, "peek" | "verify">,
    private readonly log: Logger,
    private readonly concurrency = 4,
  ) {}

  /** One pass: start verifications for unknown seals, up to the concurrency. */
  pass(): void {
    for (const release of this.view.releases.list()) {
      const ns = release.metadata.namespace;
      if (!ns) continue;
      const gov = governance(this.view, ns);
      if (gov.kind !== "governed" || !(gov.policy.policy.spec.images?.requireSignature ?? true)) continue;
      for (const image of release.spec?.images ?? []) {
        if (this.running >= this.concurrency) return;
        // Known, unless a stale success (past the cache's lifetime) is due for re-verification.
        const known = this.seals.peek(image.name, image.digest, gov.policy.imageKeys, gov.policy.sealGraceMs);
        if (known && !(known.sealed && known.stale?.due)) continue;
        this.running++;
        this.seals
          .verify(image.name, image.digest, gov.policy.imageKeys)
          .then((v) => this.log.debug({ image: `${image.name}@${image.digest}`, sealed: v.sealed }, "seal verified"))
          .catch((e: unknown) => this.log.warn({ err: e, image: `${image.name}@${image.digest}` }, "seal verification failed"))
          .finally(() => this.running--);
      }
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.pass(), intervalMs);
    this.timer.unref();
    this.pass();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
