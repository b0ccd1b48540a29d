import { describe, expect, it } from "vitest";
import { parseCycloneDx, parseSbom, parseSpdx } from "./sbom.js";
import { fixture, HUNDRED_MIB, millisecondsOf, parseErrorOf } from "./test-helpers.js";

const bom = (extra: Record<string, unknown>) => JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.5", version: 1, ...extra });
const spdx = (extra: Record<string, unknown>) => JSON.stringify({ spdxVersion: "SPDX-2.2", SPDXID: "SPDXRef-DOCUMENT", name: "doc", ...extra });

describe("parseCycloneDx", () => {
  it("summarises a CycloneDX 1.6 SBOM, nested components included, in document order", () => {
    const summary = parseCycloneDx(fixture("cyclonedx-1.6.json"));
    expect(summary).toMatchObject({ format: "cyclonedx", specVersion: "1.6", subject: "registry.example.com/policy-service@2.4.0", componentCount: 8, componentsTruncated: false });
    expect(summary.components.map((c) => `${c.type} ${c.name}@${c.version ?? "-"}`)).toEqual([
      "library express@4.19.2",
      "library qs@6.11.0",
      "library pino@8.19.0",
      "library rating-client@3.1.4",
      "library zlib1g@1:1.2.13.dfsg-1",
      "library openssl@3.0.11-1~deb12u2",
      "operating-system debian@12",
      "file /app/config/rates-2024.csv@-",
    ]);
    expect(summary.components[0]).toEqual({ name: "express", version: "4.19.2", type: "library", purl: "pkg:npm/express@4.19.2" });
    expect(summary.components[7]).toEqual({ name: "/app/config/rates-2024.csv", version: null, type: "file", purl: null });
  });

  it("caps the component list but counts every component", () => {
    const components = Array.from({ length: 2500 }, (_, i) => ({ type: "library", name: `lib-${i}`, version: "1.0.0" }));
    const summary = parseCycloneDx(bom({ components }));
    expect(summary.componentCount).toBe(2500);
    expect(summary.components).toHaveLength(2000);
    expect(summary.componentsTruncated).toBe(true);
    expect(parseCycloneDx(bom({ components }), { maxComponents: 10 }).components).toHaveLength(10);
  });

  it("has no subject when metadata.component is absent", () => {
    expect(parseCycloneDx(bom({ components: [] })).subject).toBeNull();
  });

  it("names the path of an invalid nested component", () => {
    const components = [{ type: "library", name: "a", components: [{ type: "library", name: "b" }, { type: "library", version: "1" }] }];
    expect(parseErrorOf(() => parseCycloneDx(bom({ components }))).message).toBe("CycloneDX: components[0].components[1].name is missing, expected a string");
  });

  it("refuses unsupported spec versions, XML and other documents", () => {
    expect(parseErrorOf(() => parseCycloneDx(JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.3" }))).message).toBe(
      'CycloneDX: specVersion is "1.3", expected one of 1.4, 1.5, 1.6, 1.7; regenerate the SBOM with a current tool',
    );
    expect(parseErrorOf(() => parseCycloneDx('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>')).message).toBe(
      "CycloneDX: this is a CycloneDX XML SBOM; only JSON is supported, so export it as JSON (e.g. syft -o cyclonedx-json, cyclonedx-npm --output-format JSON)",
    );
    expect(parseErrorOf(() => parseCycloneDx(fixture("spdx-2.3.json"))).message).toBe("CycloneDX: this looks like an SPDX SBOM, not a CycloneDX SBOM; parse it as spdx instead");
    expect(parseErrorOf(() => parseCycloneDx(fixture("eslint.sarif"))).message).toBe("CycloneDX: this looks like a SARIF log, not a CycloneDX SBOM; parse it as sarif instead");
    expect(parseErrorOf(() => parseCycloneDx('{"name": "x"}')).message).toBe('CycloneDX: bomFormat is missing, expected "CycloneDX"');
  });

  it("refuses deeply nested components, malformed JSON, empty and oversized input", () => {
    let nested: Record<string, unknown> = { type: "library", name: "leaf" };
    for (let i = 0; i < 40; i++) nested = { type: "library", name: `level-${i}`, components: [nested] };
    expect(parseErrorOf(() => parseCycloneDx(bom({ components: [nested] }))).message).toMatch(/^CycloneDX: JSON nests deeper than 64 levels/);
    expect(parseCycloneDx(bom({ components: [nested] }), { maxDepth: 100 }).componentCount).toBe(41);
    expect(parseErrorOf(() => parseCycloneDx('{"bomFormat": "CycloneDX",}')).message).toBe('CycloneDX: not valid JSON at line 1, column 27: unexpected "}", expected a property name in double quotes');
    expect(parseErrorOf(() => parseCycloneDx(" ")).message).toMatch(/^CycloneDX: input is empty/);
    expect(millisecondsOf(() => parseErrorOf(() => parseCycloneDx("{".repeat(HUNDRED_MIB))))).toBeLessThan(500);
  });
});

describe("parseSpdx", () => {
  it("summarises an SPDX 2.3 SBOM written by syft, leaving the described package out of the components", () => {
    expect(parseSpdx(fixture("spdx-2.3.json"))).toEqual({
      format: "spdx",
      specVersion: "2.3",
      subject: "registry.example.com/policy-service@2.4.0",
      componentCount: 3,
      components: [
        { name: "express", version: "4.19.2", type: "library", purl: "pkg:npm/express@4.19.2" },
        { name: "zlib1g", version: "1:1.2.13.dfsg-1", type: "library", purl: "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12" },
        { name: "legacy-rating-jar", version: null, type: null, purl: null },
      ],
      componentsTruncated: false,
    });
  });

  it("reads SPDX 2.2 documentDescribes and DESCRIBED_BY relationships", () => {
    const packages = [
      { SPDXID: "SPDXRef-app", name: "claims-api", versionInfo: "1.2.0" },
      { SPDXID: "SPDXRef-lib", name: "jackson-databind", versionInfo: "2.16.1" },
      { SPDXID: "SPDXRef-tool", name: "batch-runner" },
    ];
    expect(parseSpdx(spdx({ documentDescribes: ["SPDXRef-app"], packages }))).toMatchObject({ specVersion: "2.2", subject: "claims-api@1.2.0", componentCount: 2 });
    const describedBy = [{ spdxElementId: "SPDXRef-tool", relationshipType: "DESCRIBED_BY", relatedSpdxElement: "SPDXRef-DOCUMENT" }];
    expect(parseSpdx(spdx({ relationships: describedBy, packages })).subject).toBe("batch-runner");
    expect(parseSpdx(spdx({ packages })).subject).toBeNull();
  });

  it("refuses unsupported versions, tag-value documents and invalid packages", () => {
    expect(parseErrorOf(() => parseSpdx(spdx({ spdxVersion: "SPDX-2.1" }))).message).toBe('SPDX: spdxVersion is "SPDX-2.1", expected one of SPDX-2.2, SPDX-2.3; regenerate the SBOM with a current tool');
    expect(parseErrorOf(() => parseSpdx("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n")).message).toMatch(/^SPDX: this is an SPDX tag-value document; only SPDX JSON is supported/);
    expect(parseErrorOf(() => parseSpdx(spdx({ packages: [{ SPDXID: "SPDXRef-a", name: 7 }] }))).message).toBe("SPDX: packages[0].name is 7, expected a string");
    expect(parseErrorOf(() => parseSpdx(spdx({ SPDXID: "SPDXRef-other" }))).message).toBe('SPDX: SPDXID is "SPDXRef-other", expected "SPDXRef-DOCUMENT"');
  });
});

describe("parseSbom", () => {
  it("detects CycloneDX and SPDX", () => {
    expect(parseSbom(fixture("cyclonedx-1.6.json")).format).toBe("cyclonedx");
    expect(parseSbom(fixture("spdx-2.3.json")).format).toBe("spdx");
  });

  it("says what else the document is", () => {
    expect(parseErrorOf(() => parseSbom(fixture("k6-summary-export.json"))).message).toBe("SBOM: this looks like a k6 end-of-test summary, not an SBOM; parse it as k6 instead");
    expect(parseErrorOf(() => parseSbom('{"hello": "world"}')).message).toBe('SBOM: neither CycloneDX (no "bomFormat": "CycloneDX") nor SPDX (no "spdxVersion")');
    expect(parseErrorOf(() => parseSbom("{}", { maxComponents: -1 })).message).toBe("SBOM: option maxComponents is -1, expected a positive whole number");
  });
});
