// The VerificationExclusive condition (4.6 c): pure, from a Release, the namespace's pods and NetworkPolicies.
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Phase, Release } from "../../api/index.js";
import { verifyPolicy } from "../rollout/statefulset-gate.js";
import { verificationPolicy } from "../routers/replica-ratio.js";
import { admitsOthers, verificationExposure, VERIFICATION_EXCLUSIVE } from "./verification-exposure.js";

const np = (name: string, spec: V1NetworkPolicy["spec"]): V1NetworkPolicy => ({ metadata: { name, namespace: "shop" }, spec });
const release = (phase: Phase, was?: "True" | "False"): Release =>
  ({
    apiVersion: "golive.dev/v1alpha1",
    kind: "Release",
    metadata: { name: "shop-2", namespace: "shop" },
    spec: { application: "shop", version: "2.0.0", workloads: [{ kind: "Deployment", name: "web" }, { kind: "StatefulSet", name: "ledger" }], images: [] },
    status: { phase, ...(was ? { conditions: [{ type: VERIFICATION_EXCLUSIVE, status: was, reason: "x", message: "x", lastTransitionTime: "2026-12-01T00:00:00Z" }] } : {}) },
  }) as unknown as Release;
// golive's own policies, as the routers write them.
const webVerify = verificationPolicy("shop", "web") as V1NetworkPolicy;
const ledgerVerify = verifyPolicy({ metadata: { name: "ledger", namespace: "shop" }, spec: { selector: { matchLabels: { app: "ledger" } } }, status: { updateRevision: "ledger-7f" } }) as V1NetworkPolicy;
const pods: { metadata: { name: string; labels: Record<string, string> } }[] = [
  { metadata: { name: "web-verify-abc", labels: { "golive.dev/track": "verification", "golive.dev/verify-of": "web", tier: "front" } } },
  { metadata: { name: "web-5d-x", labels: { app: "web", tier: "front" } } },
  { metadata: { name: "ledger-2", labels: { app: "ledger", "controller-revision-hash": "ledger-7f" } } },
  { metadata: { name: "ledger-1", labels: { app: "ledger", "controller-revision-hash": "ledger-6a" } } },
];

describe("verificationExposure", () => {
  it("names another NetworkPolicy that opens the pods only verification may reach, once with a Warning, and says when it is gone", () => {
    const frontDoor = np("front-door", { podSelector: { matchLabels: { tier: "front" } }, ingress: [{ _from: [{ namespaceSelector: { matchLabels: { role: "ingress" } } }] }] });
    const base = { release: release("Verifying"), pods, networkPolicies: [webVerify, ledgerVerify] };
    expect(verificationExposure(base).condition).toMatchObject({ status: "True", reason: "Exclusive" });
    const open = verificationExposure({ ...base, networkPolicies: [webVerify, ledgerVerify, frontDoor] });
    expect(open.condition).toMatchObject({ type: VERIFICATION_EXCLUSIVE, status: "False", reason: "OpenedByNetworkPolicy" });
    expect(open.condition!.message).toMatch(/^4\.6 c: NetworkPolicy front-door also selects the pods verification reaches for Deployment web \(web-verify-abc\) and admits other sources to them: NetworkPolicies add up/);
    expect(open.events).toEqual([{ type: "Warning", reason: "VerificationNotExclusive", message: expect.stringContaining("Release shop-2: 4.6 c: NetworkPolicy front-door") }]);
    expect(verificationExposure({ ...base, release: release("Verifying", "False"), networkPolicies: [webVerify, ledgerVerify, frontDoor] }).events).toEqual([]);
    expect(verificationExposure({ ...base, release: release("Verifying", "False") }).events).toEqual([{ type: "Normal", reason: "VerificationExclusive", message: expect.stringContaining("only verification clients are admitted") }]);
  });

  it("judges a StatefulSet's candidate ordinal by the pods golive's policy selects, not its stable ordinals", () => {
    const appPolicy = np("ledger-clients", { podSelector: { matchLabels: { app: "ledger" } }, ingress: [{ _from: [{ podSelector: { matchLabels: { role: "api" } } }], ports: [{ port: 5432 }] }] });
    const m = verificationExposure({ release: release("Verifying"), pods, networkPolicies: [webVerify, ledgerVerify, appPolicy] }).condition!.message;
    expect(m).toContain("NetworkPolicy ledger-clients also selects the pods verification reaches for StatefulSet ledger (ledger-2)");
    expect(m).not.toContain("ledger-1");
  });

  it("leaves alone policies that admit nothing, or only verification clients, and releases not verifying", () => {
    const denyAll = np("deny-all", { podSelector: {}, policyTypes: ["Ingress"] });
    const egressOnly = np("egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
    const verifiersToo = np("verifiers", { podSelector: {}, ingress: [{ _from: [{ podSelector: { matchLabels: { "golive.dev/verification-client": "true" } } }] }] });
    expect([denyAll, egressOnly, verifiersToo].map(admitsOthers)).toEqual([false, false, false]);
    expect(admitsOthers(np("all", { podSelector: {}, ingress: [{}] }))).toBe(true);
    expect(verificationExposure({ release: release("Verifying"), pods, networkPolicies: [webVerify, ledgerVerify, denyAll, egressOnly, verifiersToo] }).condition?.status).toBe("True");
    const open = np("open", { podSelector: {}, ingress: [{}] });
    for (const phase of ["Approved", "Progressing", "Released"] as Phase[]) expect(verificationExposure({ release: release(phase), pods, networkPolicies: [webVerify, open] })).toEqual({ events: [] });
    // Nothing to judge until the informers have listed, or before golive's own policy exists.
    expect(verificationExposure({ release: release("Verifying"), pods: undefined, networkPolicies: [open] })).toEqual({ events: [] });
    expect(verificationExposure({ release: release("Verifying"), pods, networkPolicies: [open] })).toEqual({ events: [] });
  });
});
