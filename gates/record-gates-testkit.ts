// Test helpers for the record gates (DR drill, reviews): the example policy with an ops signer
// bound to the ops-on-call role, and fresh keys. Test-only.
import type { KeyObject } from "node:crypto";
import { ReleasePolicy, type Gate, type ReleaseEvidence } from "../api/index.js";
import { evaluateGate, verifyAll } from "./evaluate.js";
import { examplePolicy, exampleRelease, newKey } from "./testkit.js";

export const release = exampleRelease();
export const now = new Date("2026-11-24T13:00:00Z");

export function recordPolicy(gates: Partial<Gate>[]): { policy: ReleasePolicy; keys: { qa: KeyObject; manager: KeyObject; ops: KeyObject; outsider: KeyObject; opsImpostor: KeyObject } } {
  const { policy, keys } = examplePolicy();
  const ops = newKey();
  const impostor = newKey();
  const spec = structuredClone(policy.spec) as unknown as Record<string, unknown> & { signers: Record<string, unknown>[]; gates: unknown[] };
  spec.signers = spec.signers.filter((s) => s.name !== "ops-lead");
  spec.signers.push({ name: "ops-lead", publicKey: ops.publicPem, evidenceTypes: ["Approval", "DRDrillReport"] });
  spec.signers.push({ name: "dba", publicKey: impostor.publicPem, evidenceTypes: ["DRDrillReport"] });
  for (const s of spec.signers) if (s.name === "qa-lead") s.evidenceTypes = [...(s.evidenceTypes as string[]), "TestReviewRecord"];
  for (const s of spec.signers) if (s.name === "release-manager") s.evidenceTypes = [...(s.evidenceTypes as string[]), "ReleaseReviewRecord"];
  spec.gates = [...spec.gates, ...gates];
  const parsed = ReleasePolicy.parse({ ...policy, spec });
  return { policy: parsed, keys: { qa: keys.qa, manager: keys.manager, ops: ops.privateKey, outsider: keys.outsider, opsImpostor: impostor.privateKey } };
}

export function evaluateNamed(policy: ReleasePolicy, name: string, evidence: ReleaseEvidence[], at = now) {
  const gate = policy.spec.gates.find((g) => g.name === name)!;
  const { verified, rejected } = verifyAll(evidence, release, policy.spec, at);
  return evaluateGate(gate, { release, policy: policy.spec, verified, rejected, now: at });
}
