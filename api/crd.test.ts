import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateCrds, structuralProblems, type JsonSchema } from "./crd.js";
import { renderCrds } from "./render-crds.js";

const crdsDir = join(import.meta.dirname, "..", "crds");

function rootSchema(crd: JsonSchema): JsonSchema {
  const versions = (crd.spec as { versions: { schema: { openAPIV3Schema: JsonSchema } }[] }).versions;
  return versions[0]!.schema.openAPIV3Schema;
}

describe("generated CRDs", () => {
  it.each(Object.entries(renderCrds()))("crds/%s is up to date (run `npm run crds`)", (file, text) => {
    expect(readFileSync(join(crdsDir, file), "utf8")).toBe(text);
  });

  it.each(Object.entries(generateCrds()))("%s is structural and every node has a description", (_file, crd) => {
    expect(structuralProblems(rootSchema(crd))).toEqual([]);
  });

  it("detects a non-structural or undocumented node", () => {
    const bad = { type: "object", description: "x", properties: { a: { anyOf: [{ type: "string" }] }, b: { type: "string" } }, additionalProperties: { type: "string", description: "y" } };
    const problems = structuralProblems(bad);
    expect(problems).toContain("openAPIV3Schema.a: uses anyOf");
    expect(problems).toContain("openAPIV3Schema.a: has no type");
    expect(problems).toContain("openAPIV3Schema.b: has no description");
    expect(problems).toContain("openAPIV3Schema: has both properties and additionalProperties");
  });

  it("gives Release the printer columns, short names and category users rely on", () => {
    const release = generateCrds()["golive.dev_releases.yaml"]!;
    const spec = release.spec as { names: { shortNames: string[]; categories: string[] }; versions: { additionalPrinterColumns: { name: string }[]; subresources?: unknown }[] };
    expect(spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toEqual(["Application", "Version", "Phase", "Gates", "Weight", "Message", "Age"]);
    expect(spec.names.categories).toEqual(["golive"]);
    expect(spec.names.shortNames.length).toBeGreaterThan(0);
    expect(spec.versions[0]!.subresources).toEqual({ status: {} });
  });

  it("makes evidence immutable in the API server and keys named lists by name", () => {
    const evidence = JSON.stringify(generateCrds()["golive.dev_releaseevidences.yaml"]);
    expect(evidence).toContain('"rule":"self == oldSelf"');
    const release = rootSchema(generateCrds()["golive.dev_releases.yaml"]!) as { properties: { spec: { properties: { strategy: { properties: { steps: JsonSchema } } } } } };
    const steps = release.properties.spec.properties.strategy.properties.steps;
    expect(steps["x-kubernetes-list-type"]).toBe("map");
    expect(steps["x-kubernetes-list-map-keys"]).toEqual(["name"]);
  });
});
