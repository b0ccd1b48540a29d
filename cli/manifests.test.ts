import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_MANIFEST_BYTES, readManifests, validateManifest } from "./manifests.js";

const dir = mkdtempSync(join(tmpdir(), "golive-manifests-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("readManifests", () => {
  it("refuses an alias bomb with a clear error", () => {
    const levels = ["a: &a [x,x,x,x,x,x,x,x,x]"];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    const p = file("bomb.yaml", levels.join("\n"));
    expect(() => readManifests([p])).toThrow(/bomb\.yaml \(document 1\): .*alias/i);
  });

  it("refuses a file over the size limit", () => {
    const p = file("big.yaml", "a: " + "x".repeat(MAX_MANIFEST_BYTES));
    expect(() => readManifests([p])).toThrow(/over the 4194304-byte limit/);
  });

  it("reports syntax errors with the file and document", () => {
    const p = file("broken.yaml", "kind: Release\n---\nkind: [unclosed\n");
    expect(() => readManifests([p])).toThrow(/broken\.yaml \(document 2\)/);
  });

  it("refuses a document that is not an object", () => {
    const p = file("list.yaml", "- a\n- b\n");
    expect(() => readManifests([p])).toThrow(/expected a Kubernetes object/);
  });

  it("names schema problems with their path", () => {
    const p = file("release.yaml", "apiVersion: golive.dev/v1alpha1\nkind: Release\nmetadata: {name: r}\nspec: {application: App, version: '1'}\n");
    const problems = readManifests([p]).flatMap(validateManifest).join("\n");
    expect(problems).toMatch(/Release\/r: spec\.application: must be a DNS-1123 label/);
    expect(problems).toMatch(/spec\.workloads/);
  });

  it("ignores kinds that are not golive's and empty documents", () => {
    const p = file("mixed.yaml", "---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
    const manifests = readManifests([p]);
    expect(manifests).toHaveLength(1);
    expect(validateManifest(manifests[0]!)).toEqual([]);
  });
});
