// ReleasePolicies for integration tests: one per test namespace, selecting it by the label
// golive.dev/test-policy=<namespace> (the test labels its namespace), trusting the demo signers
// of examples/policy.yaml.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

type Doc = Record<string, any>;

export const TEST_POLICY_LABEL = "golive.dev/test-policy";

/** The signers of examples/policy.yaml whose names pass `keep`. */
export function exampleSigners(keep: (name: string) => boolean = () => true): Doc[] {
  const policy = parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "policy.yaml"), "utf8")) as Doc;
  return (policy.spec.signers as Doc[]).filter((s) => keep(s.name as string));
}

/** A ReleasePolicy named <namespace>-policy governing the namespace labelled for it. */
export function namespacePolicy(namespace: string, spec: Doc): Doc {
  return {
    apiVersion: "golive.dev/v1alpha1",
    kind: "ReleasePolicy",
    metadata: { name: `${namespace}-policy` },
    spec: { namespaceSelector: { matchLabels: { [TEST_POLICY_LABEL]: namespace } }, ...spec },
  };
}

/**
 * The policy most operator tests start from (level 2): the release manager alone approves the
 * Release stage (with `permissions`), images pinned by digest, signatures not required; `spec`
 * is merged over it.
 */
export function releaseManagerPolicy(namespace: string, spec: Doc = {}, permissions: string[] = ["Approve"]): Doc {
  return namespacePolicy(namespace, {
    protectionLevel: 2,
    gates: [{ name: "go-live-approval", clause: "4.2 b", approvals: { stage: "Release" } }],
    signers: exampleSigners((name) => name === "release-manager"),
    roles: [{ name: "release-manager", signers: ["release-manager"], permissions }],
    approvals: [{ stage: "Release", roles: ["release-manager"] }],
    images: { requireDigest: true, requireSignature: false },
    ...spec,
  });
}
