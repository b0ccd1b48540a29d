// How much of the trail a writer holds in memory while its disk refuses the records, and what
// happens past that. JR/T 0179 8.3 asks that security events be recorded: below the bound the
// records wait in memory (in order, retried, nothing dropped) and golive works on; at the bound
// golive stops taking decisions it could not record: the webhook refuses admissions in governed
// namespaces (as its failurePolicy Fail would if it were down) and the operator takes no new
// decision (its reconcile fails before writing status and is retried). Both say so loudly.
import { ftruncateSync, fstatSync } from "node:fs";

/** Default bound: 64 MiB of queued JSON lines (about 60,000 records of a typical size). */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

export class AuditTrailFull extends Error {
  override name = "AuditTrailFull";
  constructor(
    readonly file: string,
    readonly failure: string,
    readonly pending: number,
  ) {
    super(`golive cannot write its audit trail ${file} (${failure}) and holds ${pending} record(s) in memory, its bound: no decision is taken until the trail is written again (JR/T 0179 8.3); free the disk or fix the volume`);
  }
}

/** Cut a file back to `size` after a failed append wrote part of a batch (ENOSPC mid-write). */
export function cutBack(fd: number, size: number): void {
  try {
    if (fstatSync(fd).size > size) ftruncateSync(fd, size);
  } catch {
    // The retry appends the whole batch again; a torn line would then show in verification.
  }
}
