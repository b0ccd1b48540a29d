import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import { compilePolicy } from "../webhook/compiled.js";
import { Findings } from "../webhook/findings.js";
import { checkPodSecurity } from "../webhook/rules/architecture.js";
import { readWorkload } from "../webhook/workload.js";

const here = import.meta.dirname;
const schemas = { Release, ReleasePolicy, ReleaseEvidence } as const;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : [],
  );
}

describe("examples", () => {
  const docs = yamlFiles(here).flatMap((file) =>
    parseAllDocuments(readFileSync(file, "utf8")).map((d, i) => ({ file, index: i, value: d.toJS() as { apiVersion?: string; kind?: string } })),
  );

  it("contain a policy, a release and a governed workload", () => {
    const kinds = new Set(docs.map((d) => d.value.kind));
    for (const k of ["ReleasePolicy", "Release", "Deployment", "Service", "PodDisruptionBudget"]) expect(kinds).toContain(k);
  });

  it.each(docs.filter((d) => d.value.apiVersion === "golive.dev/v1alpha1").map((d) => [`${d.file.slice(here.length + 1)}#${d.index} ${d.value.kind}`, d] as const))(
    "%s matches its schema",
    (_name, d) => {
      const schema = schemas[d.value.kind as keyof typeof schemas];
      expect(schema, `unknown kind ${d.value.kind}`).toBeDefined();
      const result = schema.safeParse(d.value);
      expect(result.success ? "" : JSON.stringify(result.error.issues, null, 1)).toBe("");
    },
  );

  it("pin every workload image by a digest the release seals", () => {
    const release = Release.parse(docs.find((d) => d.value.kind === "Release")!.value);
    const sealed = new Set(release.spec.images.map((i) => `${i.name}@${i.digest}`));
    const deployment = docs.find((d) => d.value.kind === "Deployment")!.value as { spec: { template: { spec: { containers: { image: string }[] } } } };
    for (const c of deployment.spec.template.spec.containers) expect(sealed).toContain(c.image);
  });

  it("run a Deployment that meets the pod security of the sample policy and the level-3 bundle (4.4 c)", () => {
    const deployment = docs.find((d) => d.value.kind === "Deployment")!.value;
    const level3 = parseAllDocuments(readFileSync(join(here, "..", "policies", "jrt0179-level3.yaml"), "utf8"))[0]!.toJS() as unknown;
    for (const policy of [docs.find((d) => d.value.kind === "ReleasePolicy")!.value, level3]) {
      const f = new Findings();
      checkPodSecurity(readWorkload("Deployment", deployment), compilePolicy(ReleasePolicy.parse(policy)), undefined, f);
      expect(f.problems).toEqual([]);
    }
  });
});
