import { describe, expect, it } from "vitest";
import { detectFormat, parseEvidenceFile, type EvidenceFormat, type EvidenceParseError } from "./index.js";
import { fixture, fixtureText, HUNDRED_MIB, millisecondsOf, parseErrorOf } from "./test-helpers.js";

const FIXTURES: [string, EvidenceFormat, string][] = [
  ["vitest-junit.xml", "junit", "junit"],
  ["jest-junit.xml", "junit", "junit"],
  ["surefire-TEST-com.example.policy.PolicyServiceTest.xml", "junit", "junit"],
  ["pytest-junit.xml", "junit", "junit"],
  ["eslint.sarif", "sarif", "sarif"],
  ["codeql-trivy.sarif", "sarif", "sarif"],
  ["k6-summary-export.json", "k6", "k6"],
  ["k6-handle-summary.json", "k6", "k6"],
  ["jmeter-results.jtl", "jmeter", "jmeter"],
  ["cyclonedx-1.6.json", "cyclonedx", "cyclonedx"],
  ["spdx-2.3.json", "spdx", "spdx"],
  ["defects.json", "defects-json", "defects"],
  ["defects.csv", "defects-csv", "defects"],
  // made by the real tools (testdata/regenerate.sh)
  ["pytest/junit.xml", "junit", "junit"],
  ["jest/junit.xml", "junit", "junit"],
  ["vitest/junit.xml", "junit", "junit"],
  ["go-junit-report/junit.xml", "junit", "junit"],
  ["surefire/TEST-com.example.quote.PremiumTest.xml", "junit", "junit"],
  ["k6/summary-export.json", "k6", "k6"],
  ["k6/handle-summary.json", "k6", "k6"],
  ["cyclonedx-npm/bom.json", "cyclonedx", "cyclonedx"],
  ["cyclonedx-py/bom-1.7.json", "cyclonedx", "cyclonedx"],
  ["syft/cyclonedx.json", "cyclonedx", "cyclonedx"],
  ["syft/spdx.json", "spdx", "spdx"],
];

const ALL_FORMATS: EvidenceFormat[] = ["junit", "sarif", "k6", "jmeter", "cyclonedx", "spdx", "defects-json", "defects-csv"];

describe("detectFormat", () => {
  it.each(FIXTURES)("recognises %s by its content alone", (name, format) => {
    expect(detectFormat("upload.bin", fixture(name))).toBe(format);
    expect(detectFormat("upload.bin", fixtureText(name))).toBe(format);
  });

  it("routes recognisable unsupported variants to the parser that explains them", () => {
    expect(detectFormat("r.jtl", '<?xml version="1.0"?>\n<testResults version="1.2">')).toBe("jmeter");
    expect(detectFormat("b.xml", '<?xml version="1.0"?><!-- syft --><bom xmlns="http://cyclonedx.org/schema/bom/1.5">')).toBe("cyclonedx");
    expect(detectFormat("s.spdx", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n")).toBe("spdx");
  });

  it("falls back to the file name when the content does not say", () => {
    expect(detectFormat("scan.sarif", "{}")).toBe("sarif");
    expect(detectFormat("bom.cdx.json", "{}")).toBe("cyclonedx");
    expect(detectFormat("results.jtl", "nonsense")).toBe("jmeter");
    expect(detectFormat("TEST-x.xml", "<unknown/>")).toBe("junit");
    expect(detectFormat("notes.txt", "hello")).toBeUndefined();
    expect(detectFormat("data.json", '{"hello": 1}')).toBeUndefined();
  });

  it("lets the content win over a misleading name", () => {
    expect(detectFormat("report.sarif", fixture("cyclonedx-1.6.json"))).toBe("cyclonedx");
  });

  it("looks only at the start of a large file", () => {
    const big = `{"version": "2.1.0", "runs": [${'{"tool":{"driver":{"name":"x"}},"results":[]},'.repeat(50_000)}{"tool":{"driver":{"name":"x"}}}]}`;
    expect(millisecondsOf(() => detectFormat("x", big))).toBeLessThan(200);
    expect(detectFormat("x", big)).toBe("sarif");
  });
});

describe("parseEvidenceFile", () => {
  it.each(FIXTURES)("parses %s with kind auto", (name, _format, summaryFormat) => {
    expect(parseEvidenceFile("auto", fixture(name), { filename: name }).format).toBe(summaryFormat);
  });

  it("parses with an explicit kind and passes options through", () => {
    const summary = parseEvidenceFile("k6", fixture("k6-handle-summary.json"), { capacityPrefix: "http_reqs" });
    expect(summary.capacityMetrics).toEqual({ http_reqs: 99.979 });
    expect(parseEvidenceFile("cyclonedx", fixture("cyclonedx-1.6.json"), { maxComponents: 2 }).components).toHaveLength(2);
  });

  it("says when it cannot tell the format, and refuses unknown kinds", () => {
    const error = parseErrorOf(() => parseEvidenceFile("auto", "hello", { filename: "notes.txt" }));
    expect(error.format).toBe("evidence");
    expect(error.message).toBe("Evidence: cannot tell the format of notes.txt from its content or name; name it explicitly as one of junit, sarif, k6, jmeter, cyclonedx, spdx, defects-json, defects-csv");
    expect(parseErrorOf(() => parseEvidenceFile("xlsx" as "auto", "x")).message).toMatch(/^Evidence: unknown kind "xlsx"/);
  });

  it("produces small JSON-serialisable summaries for every fixture", () => {
    for (const [name] of FIXTURES) {
      const summary = parseEvidenceFile("auto", fixture(name), { filename: name });
      const json = JSON.stringify(summary);
      expect(JSON.parse(json)).toEqual(summary);
      expect(json.length).toBeLessThan(4096);
    }
  });
});

describe("every parser refuses hostile input the same way", () => {
  it.each(ALL_FORMATS)("%s: refuses a 100 MiB string and a 100 MiB buffer by size, fast", (format) => {
    const text = " ".repeat(HUNDRED_MIB + 1);
    const bytes = new Uint8Array(HUNDRED_MIB);
    for (const input of [text, bytes]) {
      let error: EvidenceParseError | undefined;
      expect(millisecondsOf(() => (error = parseErrorOf(() => parseEvidenceFile(format, input))))).toBeLessThan(500);
      expect(error?.format).toBe(format);
      expect(error?.message).toMatch(/input is (at least )?10485760\d bytes \(100\.0 MiB\), over the limit of 52428800 bytes/);
    }
  });

  it.each(ALL_FORMATS)("%s: refuses empty, UTF-16 and invalid UTF-8 input", (format) => {
    expect(parseErrorOf(() => parseEvidenceFile(format, "")).message).toMatch(/input is empty/);
    expect(parseErrorOf(() => parseEvidenceFile(format, new Uint8Array([0xef, 0xbb, 0xbf, 0x20, 0x0a]))).message).toMatch(/input is empty/);
    expect(parseErrorOf(() => parseEvidenceFile(format, new Uint8Array([0xff, 0xfe, 0x7b, 0x00]))).message).toMatch(/UTF-16 encoded .* re-save it as UTF-8/);
    expect(parseErrorOf(() => parseEvidenceFile(format, new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]))).message).toMatch(/not valid UTF-8/);
  });

  it.each(ALL_FORMATS)("%s: honours a custom maxBytes", (format) => {
    expect(parseErrorOf(() => parseEvidenceFile(format, "x".repeat(101), { maxBytes: 100 })).message).toMatch(/input is at least 101 bytes, over the limit of 100 bytes/);
  });

  const FOREIGN: [EvidenceFormat, string, RegExp][] = [
    ["junit", "defects.csv", /^JUnit XML: input is not XML: it starts with "id,severity,priority,sta…"$/],
    ["sarif", "jest-junit.xml", /^SARIF: input is not JSON: it starts with "<\?xml/],
    ["k6", "jmeter-results.jtl", /^k6 summary: input is not JSON: it starts with "timeStamp,elapsed,label,…"$/],
    ["jmeter", "pytest-junit.xml", /^JMeter CSV: this is an XML document, not CSV$/],
    ["cyclonedx", "jest-junit.xml", /^CycloneDX: this is an XML document, not a JSON SBOM$/],
    ["spdx", "defects.csv", /^SPDX: input is not JSON: it starts with "id,/],
    ["defects-json", "defects.csv", /^Defect list \(JSON\): input is not JSON/],
    ["defects-csv", "defects.json", /^Defect list \(CSV\): this is a JSON document, not CSV$/],
  ];

  it.each(FOREIGN)("%s: refuses %s, saying what it is", (format, name, message) => {
    const error = parseErrorOf(() => parseEvidenceFile(format, fixture(name)));
    expect(error.format).toBe(format);
    expect(error.message).toMatch(message);
  });
});
