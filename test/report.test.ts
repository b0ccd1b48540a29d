// `golive report RELEASE` from what a real API server holds: the sample Release (with the status an
// operator wrote, via the status subresource), its governing ReleasePolicy and its ReleaseEvidence.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { main } from "../cli/main.js";
import { AT, FIXTURE, RELEASED, RELEASED_AT, RELEASED_NAME, tmp } from "../report/testkit.js";
import { kubectl, kubectlResult, useNamespace } from "./support/cluster.js";

const mark = randomBytes(4).toString("hex");
const ns = useNamespace("report", { "golive.dev/report-test": mark });
const policyName = `report-test-${mark}`;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = (s: string | Uint8Array) => (out.push(String(s)), true);
  process.stderr.write = (s: string | Uint8Array) => (err.push(String(s)), true);
  try {
    return { code: await main(args), out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

/** A manifest moved into this test's namespace. */
function inNamespace(file: string): string {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => {
      const m = d.toJSON() as { metadata: { namespace?: string }; status?: unknown };
      m.metadata.namespace = ns.name;
      delete m.status;
      return stringify(m);
    })
    .join("---\n");
}

describe("golive report from the cluster", () => {
  beforeAll(() => {
    const policy = parse(readFileSync(join(FIXTURE, "policy.yaml"), "utf8")) as { metadata: { name: string }; spec: { namespaceSelector: unknown } };
    policy.metadata.name = policyName;
    policy.spec.namespaceSelector = { matchLabels: { "golive.dev/report-test": mark } };
    kubectl(["apply", "-f", "-"], stringify(policy));
    kubectl(["apply", "-f", "-"], [RELEASED, join(FIXTURE, "evidence.yaml")].map(inNamespace).join("---\n"));
    const status = (parse(readFileSync(RELEASED, "utf8")) as { status: unknown }).status;
    kubectl(["patch", "release", RELEASED_NAME, "-n", ns.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
  });
  afterAll(() => {
    kubectlResult(["delete", "releasepolicy", policyName, "--wait=false"]);
  });

  it("reads the Release with its status, the one governing policy and the release's evidence", async () => {
    const file = join(tmp(), "report.html");
    const r = await cli(["report", RELEASED_NAME, "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--at", AT.toISOString(), "-o", file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/PASSED, 2\d clauses met, 0 not met/);
    const html = readFileSync(file, "utf8");
    expect(html).toContain(`${ns.name}/${RELEASED_NAME}`);
    expect(html).toContain(policyName);
    expect(html).toContain(`Released (when ${RELEASED_AT})`);
    expect(html).toContain("verification Job quote-smoke");
    expect(html).toContain("UW-9");
    expect(html).not.toContain("What is missing");
  });

  it("a Blocked release (its go-live approvals missing) names them", async () => {
    kubectl(["delete", "releaseevidence", "-n", ns.name, "-l", "golive.dev/evidence-type=Approval"]);
    kubectl(["patch", "release", RELEASED_NAME, "-n", ns.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { phase: "Blocked" } })]);
    const file = join(tmp(), "blocked.html");
    const r = await cli(["report", RELEASED_NAME, "-n", ns.name, "--kubeconfig", inject("kubeconfig"), "--at", AT.toISOString(), "-o", file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("FAILED");
    const html = readFileSync(file, "utf8");
    expect(html).toContain("What is missing");
    expect(html).toMatch(/<b>go-live-approval<\/b> \(4\.2 b[^)]*\): (Pending|Failed): [^<]*(business-owner|release-manager|security-officer)/);
  });
});
