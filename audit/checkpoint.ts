// Tamper evidence beyond the file: every writer periodically signs its chain head (seq, hash)
// with the configured key (the operator's --evidence-key) as a DSSE envelope and publishes it
// outside the trail, in the ConfigMap golive-audit-checkpoints in golive's namespace, one data
// key per chain (so writers never contend), each holding that chain's last checkpoints as JSON
// lines. `golive audit verify --checkpoints` checks the files against them: a checkpointed
// record that is missing (truncation, removal), whose hash differs (a rewrite with fresh
// hashes) or a chain file that is gone is reported, naming the first bad record.
import type { KeyObject } from "node:crypto";
import { basename } from "node:path";
import type { DsseEnvelope } from "../api/index.js";
import { signEnvelope, verifyEnvelope, type TrustedKey } from "../gates/dsse.js";
import type { AuditRecord } from "./chain.js";

export const CHECKPOINT_PAYLOAD_TYPE = "application/vnd.golive.audit-checkpoint+json";
export const CHECKPOINT_CONFIGMAP = "golive-audit-checkpoints";
/** Checkpoints kept per chain in the ConfigMap (about 600 bytes each). */
export const CHECKPOINTS_KEPT = 200;
/** How often each writer signs its head (when it moved): the window in which a truncation of the newest records is not yet caught. */
export const AUDIT_CHECKPOINT_INTERVAL_MS = Number(process.env.GOLIVE_AUDIT_CHECKPOINT_INTERVAL_MS ?? "") || 60_000;

export interface Checkpoint {
  chain: string; // the chain file's name, e.g. audit.webhook-golive-7c9f.jsonl
  source: string;
  seq: number;
  hash: string;
  time: string;
}

/** A ConfigMap data key for a chain file (keys allow [-._a-zA-Z0-9]). */
export const chainKey = (file: string): string => basename(file).replace(/[^-._a-zA-Z0-9]/g, "_");

export function signCheckpoint(c: Checkpoint, key: KeyObject): string {
  return JSON.stringify(signEnvelope(CHECKPOINT_PAYLOAD_TYPE, Buffer.from(JSON.stringify(c)), key));
}

export interface CheckpointStore {
  /** The lines stored for a chain (oldest first). */
  read(chain: string): Promise<string[]>;
  write(chain: string, lines: string[]): Promise<void>;
}

/** Signs a writer's chain head when it moved, every intervalMs; failures are logged, never thrown. */
export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  constructor(
    private readonly o: {
      file: string;
      source: string;
      head: () => { seq: number; hash: string } | undefined;
      key: KeyObject;
      store: CheckpointStore;
      now?: () => Date;
      onError?: (e: unknown) => void;
    },
  ) {}

  async checkpoint(): Promise<Checkpoint | undefined> {
    const head = this.o.head();
    if (!head || head.hash === this.last) return undefined;
    const c: Checkpoint = { chain: chainKey(this.o.file), source: this.o.source, seq: head.seq, hash: head.hash, time: (this.o.now ?? (() => new Date()))().toISOString() };
    const lines = await this.o.store.read(c.chain);
    await this.o.store.write(c.chain, [...lines, signCheckpoint(c, this.o.key)].slice(-CHECKPOINTS_KEPT));
    this.last = head.hash;
    return c;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.checkpoint().catch((e: unknown) => this.o.onError?.(e)), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checkpoint().catch((e: unknown) => this.o.onError?.(e));
  }
}

/** Checkpoints from a ConfigMap's JSON (kubectl get configmap -o json) or from JSON lines of envelopes. */
export function parseCheckpoints(text: string, trusted: readonly TrustedKey[]): { checkpoints: Checkpoint[]; problems: string[] } {
  const problems: string[] = [];
  let lines: string[];
  const trimmed = text.trim();
  const asObject = trimmed.startsWith("{") && !trimmed.includes("\n{") ? (JSON.parse(trimmed) as { kind?: string; data?: Record<string, string> }) : undefined;
  if (asObject?.kind === "ConfigMap") lines = Object.values(asObject.data ?? {}).flatMap((v) => v.split("\n"));
  else lines = trimmed.split("\n");
  const checkpoints: Checkpoint[] = [];
  for (const line of lines.filter((l) => l.trim() !== "")) {
    let envelope: DsseEnvelope;
    try {
      envelope = JSON.parse(line) as DsseEnvelope;
    } catch {
      problems.push("a checkpoint is not valid JSON");
      continue;
    }
    const v = verifyEnvelope(envelope, trusted);
    if (!v.ok) {
      problems.push(`a checkpoint's signature does not verify: ${v.reason}`);
      continue;
    }
    if ((envelope.payloadType as string) !== CHECKPOINT_PAYLOAD_TYPE) {
      problems.push(`a checkpoint has payload type ${envelope.payloadType}`);
      continue;
    }
    checkpoints.push(JSON.parse(v.payload.toString("utf8")) as Checkpoint);
  }
  return { checkpoints, problems };
}

/**
 * Check chains (file name → records) against signed checkpoints. Records retention moved out
 * (at or below a retention record's prunedThroughSeq) are not required.
 */
export function checkAgainstCheckpoints(chains: ReadonlyMap<string, readonly AuditRecord[]>, checkpoints: readonly Checkpoint[]): string[] {
  const problems: string[] = [];
  const byChain = new Map<string, Checkpoint[]>();
  for (const c of checkpoints) byChain.set(c.chain, [...(byChain.get(c.chain) ?? []), c]);
  for (const [chain, list] of byChain) {
    list.sort((a, b) => a.seq - b.seq);
    const records = chains.get(chain);
    const newest = list.at(-1)!;
    if (!records) {
      problems.push(`${chain}: the chain file is missing, but a checkpoint signed at ${newest.time} holds it up to record ${newest.seq}`);
      continue;
    }
    const bySeq = new Map(records.map((r) => [r.seq, r]));
    const pruned = Math.max(0, ...records.filter((r) => r.type === "retention").map((r) => Number(r.details?.prunedThroughSeq ?? 0)));
    const lastSeq = records.at(-1)?.seq ?? 0;
    let good = pruned;
    for (const c of list) {
      if (c.seq <= pruned) continue;
      const r = bySeq.get(c.seq);
      if (!r) {
        const first = lastSeq < c.seq ? lastSeq + 1 : c.seq;
        problems.push(`${chain}: record ${first} is missing (truncated or removed): the checkpoint signed at ${c.time} holds the chain up to record ${c.seq}, the file ends at record ${lastSeq}`);
        break;
      }
      if (r.hash !== c.hash) {
        problems.push(`${chain}: the chain was rewritten: record ${c.seq} has hash ${r.hash}, the checkpoint signed at ${c.time} holds ${c.hash}; the first bad record is among ${good + 1}–${c.seq} (record ${good} is the last that matches a checkpoint)`);
        break;
      }
      good = c.seq;
    }
  }
  return problems;
}

