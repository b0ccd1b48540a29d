// What golive writes into Release status quotes what users wrote (evidence names and contents,
// gate reasons built from them, registry errors, Job failure reasons): control and bidi
// characters leave escaped (api/escape.ts), each text within its schema maximum (api/release.ts),
// so `kubectl get release -o yaml` or `golive status` never prints a forged or reversed line.
import type { ReleaseStatus } from "../../api/index.js";
import { escapeControl, hasControl } from "../../api/escape.js";

const fix = (text: string, maxLength: number): string => (hasControl(text) ? escapeControl(text, { maxLength }) : text);

/** status with message, condition messages, gate reasons and seal reasons escaped; the same object when nothing needs it. */
export function escapeStatusText(status: ReleaseStatus): ReleaseStatus {
  const dirty =
    (status.message !== undefined && hasControl(status.message)) ||
    status.conditions?.some((c) => hasControl(c.message)) ||
    status.gates?.some((g) => hasControl(g.reason)) ||
    status.seals?.some((s) => hasControl(s.reason));
  if (!dirty) return status;
  return {
    ...status,
    ...(status.message !== undefined ? { message: fix(status.message, 4096) } : {}),
    ...(status.conditions ? { conditions: status.conditions.map((c) => ({ ...c, message: fix(c.message, 32768) })) } : {}),
    ...(status.gates ? { gates: status.gates.map((g) => ({ ...g, reason: fix(g.reason, 4096) })) } : {}),
    ...(status.seals ? { seals: status.seals.map((s) => ({ ...s, reason: fix(s.reason, 1024) })) } : {}),
  };
}
