import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseDuration, Release, ReleaseEvidence, ReleasePolicy, evidenceTypeOfPredicate, predicateTypeOf } from "./index.js";

const examples = join(import.meta.dirname, "..", "examples");
const release = () => structuredClone(parse(readFileSync(join(examples, "release.yaml"), "utf8")) as Record<string, any>);
const policy = () => structuredClone(parse(readFileSync(join(examples, "policy.yaml"), "utf8")) as Record<string, any>);

function issues(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } } }, value: unknown): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("Release schema", () => {
  it("accepts the example", () => expect(issues(Release, release())).toEqual([]));

  it("rejects decreasing canary weights", () => {
    const r = release();
    r.spec.strategy.steps = [{ name: "a", setWeight: 50 }, { name: "b", setWeight: 20 }];
    expect(issues(Release, r).join()).toMatch(/canary weights must not decrease: step "b" sets 20 after 50/);
  });

  it("rejects weights outside 0-100 and duplicate step names", () => {
    const r = release();
    r.spec.strategy.steps = [{ name: "a", setWeight: 101 }, { name: "a", setWeight: 100 }];
    const found = issues(Release, r).join("\n");
    expect(found).toMatch(/<=100/);
    expect(found).toMatch(/step names must be unique: "a"/);
  });

  it("rejects a step that does two things", () => {
    const r = release();
    r.spec.strategy.steps = [{ name: "a", setWeight: 10, pause: {} }];
    expect(issues(Release, r).join()).toMatch(/exactly one of setWeight, pause, analysis/);
  });

  it.each(["sha256:abc", "sha512:" + "a".repeat(64), "sha256:" + "A".repeat(64)])("rejects the digest %s", (digest) => {
    const r = release();
    r.spec.images[0].digest = digest;
    expect(issues(Release, r).join()).toMatch(/"sha256:" followed by 64 lowercase hex/);
  });

  it("rejects unparseable durations", () => {
    const r = release();
    r.spec.strategy.progressDeadline = "ten minutes";
    expect(issues(Release, r).join()).toMatch(/must be a duration/);
  });

  it("rejects verification users with both header and cookie", () => {
    const r = release();
    r.spec.strategy.verification.users.cookie = "verify";
    expect(issues(Release, r).join()).toMatch(/exactly one of header and cookie/);
  });

  it("applies defaults", () => {
    const r = release();
    delete r.spec.rollback;
    const parsed = Release.parse(r);
    expect(parsed.spec.rollback).toEqual({ automatic: true, hooks: [] });
    expect(parsed.spec.monitoring.path).toBe("/metrics");
  });
});

describe("ReleasePolicy schema", () => {
  it("accepts the example", () => expect(issues(ReleasePolicy, policy())).toEqual([]));

  it("rejects an unknown time zone", () => {
    const p = policy();
    p.spec.changeWindows.timeZone = "Mars/Olympus_Mons";
    expect(issues(ReleasePolicy, p).join()).toMatch(/IANA time zone/);
  });

  it("rejects a gate with no block or two blocks", () => {
    const p = policy();
    p.spec.gates.push({ name: "empty", clause: "x" }, { name: "two", clause: "x", defects: {}, security: {} });
    const found = issues(ReleasePolicy, p).join("\n");
    expect(found).toMatch(/gate "empty" must set exactly one of .* \(found none\)/);
    expect(found).toMatch(/gate "two" must set exactly one of .* \(found defects, security\)/);
  });

  it("rejects references to unknown signers and roles", () => {
    const p = policy();
    p.spec.roles[0].signers = ["nobody"];
    p.spec.approvals[0].roles.push("ghost");
    const found = issues(ReleasePolicy, p).join("\n");
    expect(found).toMatch(/role "business-owner" names signer "nobody", which is not in spec.signers/);
    expect(found).toMatch(/approvals for stage Release name role "ghost"/);
  });

  it("keeps the audit trail at least six months (8.3)", () => {
    const p = policy();
    p.spec.audit.retentionDays = 30;
    expect(issues(ReleasePolicy, p).join()).toMatch(/>=180/);
  });

  it("rejects a freeze that ends before it starts", () => {
    const p = policy();
    p.spec.changeWindows.freezes[0].end = "2020-01-01T00:00:00Z";
    expect(issues(ReleasePolicy, p).join()).toMatch(/must end after it starts/);
  });
});

describe("ReleaseEvidence schema", () => {
  it("requires an in-toto DSSE envelope", () => {
    const e = { apiVersion: "golive.dev/v1alpha1", kind: "ReleaseEvidence", metadata: { name: "x" }, spec: { release: "r", type: "SLA", envelope: { payloadType: "text/plain", payload: "e30=", signatures: [{ sig: "AA==" }] } } };
    expect(issues(ReleaseEvidence, e).join()).toMatch(/application\/vnd\.in-toto\+json/);
  });
});

describe("fields added after releases and policies were stored", () => {
  // A default in the schema would be written into every stored object (the API server defaults on
  // read) and change the plan digest a Release's approvals signed, or a policy's digest.
  const crd = (file: string) => readFileSync(join(import.meta.dirname, "..", "crds", file), "utf8");
  it("trafficRouting.scaleDownDelay and safeguards.verificationExposure get no default, in zod or in the CRDs", () => {
    expect(Release.parse(release()).spec.strategy?.trafficRouting.scaleDownDelay).toBeUndefined();
    expect(ReleasePolicy.parse(policy()).spec.safeguards.verificationExposure).toBeUndefined();
    for (const [file, field] of [["golive.dev_releases.yaml", "scaleDownDelay"], ["golive.dev_releasepolicies.yaml", "verificationExposure"]] as const) {
      const lines = crd(file).split("\n");
      const starts = lines.flatMap((l, i) => (l.trim() === `${field}:` ? [i] : []));
      expect(starts.length, `${field} in ${file}`).toBeGreaterThan(0);
      for (const i of starts) {
        const indent = lines[i]!.search(/\S/);
        const end = lines.findIndex((l, j) => j > i && l.trim() !== "" && l.search(/\S/) <= indent);
        expect(lines.slice(i + 1, end).filter((l) => l.trim().startsWith("default:")), `${field} in ${file}, line ${i + 1}`).toEqual([]);
      }
    }
  });
  it("the level-3 bundle keeps Hold (the default) for an exposed verification", () => {
    const bundle = parse(readFileSync(join(import.meta.dirname, "..", "policies", "jrt0179-level3.yaml"), "utf8")) as Record<string, any>;
    expect(ReleasePolicy.parse(bundle).spec.safeguards.verificationExposure ?? "Hold").toBe("Hold");
  });
});

describe("helpers", () => {
  it("parses durations", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(parseDuration("5 minutes")).toBeUndefined();
  });

  it("round-trips predicate types", () => {
    expect(evidenceTypeOfPredicate(predicateTypeOf("SecurityScan"))).toBe("SecurityScan");
    expect(evidenceTypeOfPredicate("https://golive.dev/evidence/Bogus/v1")).toBeUndefined();
  });
});
