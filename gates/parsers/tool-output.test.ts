// SBOMs and k6 output exactly as the real tools write them (testdata/<tool>/, made by
// testdata/regenerate.sh; versions in each VERSION file), and the precise refusals of inputs
// that are almost right: a newer spec, k6's metric stream, compressed files.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { detectFormat, parseCycloneDx, parseEvidenceFile, parseK6Summary, parseSbom, parseSpdx } from "./index.js";
import { fixture, fixtureText, parseErrorOf } from "./test-helpers.js";

const names = (components: { name: string; version: string | null }[]) => components.map((c) => `${c.name}@${c.version ?? "-"}`);

describe("CycloneDX from cyclonedx-npm 6, cyclonedx-py 7 and syft 1.57", () => {
  it.each([
    ["cyclonedx-npm/bom.json", "1.6"],
    ["cyclonedx-npm/bom-1.7.json", "1.7"],
  ])("cyclonedx-npm %s (spec %s): the package is the subject, its dependency the component", (file, spec) => {
    const summary = parseCycloneDx(fixture(file));
    expect(summary).toMatchObject({ specVersion: spec, subject: "golive-sbom-sample@1.0.0", componentCount: 1 });
    expect(names(summary.components)).toEqual(["ms@2.1.3"]);
  });

  it.each([
    ["cyclonedx-py/bom.json", "1.6"],
    ["cyclonedx-py/bom-1.7.json", "1.7"],
  ])("cyclonedx-py requirements %s (spec %s): no subject (a requirements file names none), every pin a component", (file, spec) => {
    const summary = parseSbom(fixture(file));
    expect(summary).toMatchObject({ format: "cyclonedx", specVersion: spec, subject: null, componentCount: 2 });
    expect(names(summary.components)).toEqual(["requests@2.32.3", "urllib3@2.2.3"]);
  });

  it("syft's default CycloneDX is 1.7, and lists the scanned project and its lock file among the components", () => {
    const summary = parseEvidenceFile("cyclonedx", fixture("syft/cyclonedx.json"));
    expect(detectFormat("cyclonedx.json", fixture("syft/cyclonedx.json"))).toBe("cyclonedx");
    expect(summary).toMatchObject({ format: "cyclonedx", specVersion: "1.7", subject: "golive-sbom-sample@1.0.0", componentCount: 3 });
    expect(names(summary.components)).toEqual(["golive-sbom-sample@1.0.0", "ms@2.1.3", "/package-lock.json@-"]);
  });

  it("syft's SPDX 2.3 JSON", () => {
    const summary = parseSpdx(fixture("syft/spdx.json"));
    expect(summary).toMatchObject({ specVersion: "2.3", subject: "golive-sbom-sample@1.0.0" });
    expect(names(summary.components)).toContain("ms@2.1.3");
  });

  it("refuses a newer CycloneDX saying which versions are read and how to ask each tool for one", () => {
    const newer = fixtureText("syft/cyclonedx.json").replace('"specVersion":"1.7"', '"specVersion":"1.8"');
    expect(parseErrorOf(() => parseCycloneDx(newer)).message).toBe(
      'CycloneDX: specVersion is "1.8", newer than golive reads (1.4, 1.5, 1.6, 1.7); ask the tool for one: syft -o cyclonedx-json@1.6, cyclonedx-npm --spec-version 1.6, cyclonedx-py --spec-version 1.6',
    );
    expect(parseErrorOf(() => parseSbom(JSON.stringify({ bomFormat: "CycloneDX", specVersion: "2.0" }))).message).toMatch(/newer than golive reads .*--spec-version 1\.6/);
    expect(parseErrorOf(() => parseSpdx(JSON.stringify({ spdxVersion: "SPDX-3.0", SPDXID: "SPDXRef-DOCUMENT" }))).message).toBe(
      'SPDX: spdxVersion is "SPDX-3.0", newer than golive reads (SPDX-2.2, SPDX-2.3); ask the tool for SPDX 2.3 JSON: syft -o spdx-json@2.3',
    );
  });
});

describe("k6 1.8", () => {
  it.each(["k6/summary-export.json", "k6/handle-summary.json"])("%s: the same run reads the same from both summary shapes", (file) => {
    const summary = parseK6Summary(fixture(file));
    expect(summary).toMatchObject({ requests: 20, errorRate: 0, capacityMetrics: { capacity_policies_issued: summary.throughputPerSecond } });
    expect(summary.latencyMs.p99).not.toBeNull();
  });

  it("recognises the --out json metric stream and says which output to use instead", () => {
    expect(detectFormat("out.json", fixture("k6/out.json"))).toBe("k6");
    const error = parseErrorOf(() => parseEvidenceFile("auto", fixture("k6/out.json"), { filename: "out.json" }));
    expect(error.message).toBe(
      "k6 summary: this is k6's --out json stream (one metric sample per line), not its end-of-test summary: use --summary-export or handleSummary, e.g. k6 run --summary-export=summary.json script.js",
    );
  });

  it("says an empty k6 file is empty", () => {
    expect(parseErrorOf(() => parseK6Summary(new Uint8Array())).message).toMatch(/^k6 summary: input is empty/);
  });
});

describe("compressed input", () => {
  it("says a gzip file must be decompressed first, whichever parser or auto detection gets it", () => {
    const gz = gzipSync(fixture("pytest/junit.xml"));
    expect(parseErrorOf(() => parseEvidenceFile("auto", gz, { filename: "junit.xml.gz" })).message).toMatch(/^Evidence: input is gzip-compressed: decompress it first/);
    expect(parseErrorOf(() => parseEvidenceFile("junit", gz)).message).toMatch(/^JUnit XML: input is gzip-compressed: decompress it first \(gunzip/);
    expect(parseErrorOf(() => parseEvidenceFile("defects-csv", gzipSync("id\n"))).message).toMatch(/gzip-compressed/);
  });

  it("says a zip archive must be extracted", () => {
    expect(parseErrorOf(() => parseEvidenceFile("sarif", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]))).message).toMatch(/^SARIF: input is a zip archive: extract it first/);
    expect(parseErrorOf(() => parseEvidenceFile("k6", new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0]))).message).toMatch(/^k6 summary: input is zstd-compressed: decompress it first/);
  });
});
