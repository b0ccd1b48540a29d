// Which parser a file needs, from its content first and its name second, so
// `golive evidence create --file report.xml` works without a --format flag. Only the first
// 64 KiB are looked at; the chosen parser does the real validation. Files that are recognisably
// the wrong variant (JMeter XML, CycloneDX XML, SPDX tag-value) are still routed to the parser
// of their family, whose error message says how to produce the supported form.
import type { EvidenceFormat } from "./errors.js";
import { guessJsonEvidenceKind } from "./json-kind.js";
import type { EvidenceContent } from "./text-input.js";

const SNIFF_LENGTH = 64 * 1024;

const XML_ROOTS: Record<string, EvidenceFormat> = { testsuites: "junit", testsuite: "junit", testResults: "jmeter", bom: "cyclonedx" };

const EXTENSIONS: [RegExp, EvidenceFormat][] = [
  [/\.sarif(\.json)?$/i, "sarif"],
  [/\.(cdx|bom)\.(json|xml)$/i, "cyclonedx"],
  [/\.spdx(\.json)?$/i, "spdx"],
  [/\.jtl$/i, "jmeter"],
  [/\.xml$/i, "junit"],
];

function headOf(content: EvidenceContent): { head: string; complete: boolean } {
  const complete = (typeof content === "string" ? content.length : content.byteLength) <= SNIFF_LENGTH;
  // A multi-byte character cut at the boundary decodes to U+FFFD, which is harmless here.
  const raw = typeof content === "string" ? content.slice(0, SNIFF_LENGTH) : new TextDecoder("utf-8").decode(content.subarray(0, SNIFF_LENGTH));
  return { head: raw.replace(/^\uFEFF/, "").trimStart(), complete };
}

function sniffXml(head: string): EvidenceFormat | undefined {
  const withoutComments = head.replace(/<!--[\s\S]*?-->/g, "");
  const root = /<(?![?!])(?:[\w.-]+:)?([A-Za-z_][\w.-]*)/.exec(withoutComments)?.[1];
  return root === undefined ? undefined : XML_ROOTS[root];
}

function sniffJson(head: string, complete: boolean): EvidenceFormat | undefined {
  if (/"\$schema"\s*:\s*"[^"]*sarif/i.test(head)) return "sarif";
  if (/"bomFormat"\s*:\s*"CycloneDX"/.test(head)) return "cyclonedx";
  if (/"spdxVersion"\s*:/.test(head)) return "spdx";
  if (/"version"\s*:\s*"2\.1\.0"/.test(head) && /"runs"\s*:/.test(head)) return "sarif";
  const firstLine = head.split("\n", 1)[0] ?? "";
  if (/"type"\s*:\s*"(Metric|Point)"/.test(firstLine) && /"metric"\s*:/.test(firstLine)) return "k6"; // --out json, refused by the k6 parser with a hint
  if (/"root_group"\s*:/.test(head) || (/"metrics"\s*:\s*\{/.test(head) && /"(http_reqs|http_req_duration|iterations|vus|checks)"\s*:/.test(head))) return "k6";
  if (head.startsWith("[") || /"defects"\s*:\s*\[/.test(head)) return "defects-json";
  if (!complete) return undefined;
  try {
    return guessJsonEvidenceKind(JSON.parse(head));
  } catch {
    return undefined;
  }
}

function sniffText(head: string): EvidenceFormat | undefined {
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  if (/\btimeStamp\b/.test(firstLine) && /\belapsed\b/.test(firstLine)) return "jmeter";
  const columns = firstLine.split(",").map((name) => name.trim().replace(/^"|"$/g, "").toLowerCase());
  if (["id", "severity", "status"].every((name) => columns.includes(name))) return "defects-csv";
  if (columns.includes("issue key") && columns.includes("created")) return "defects-csv"; // a Jira export
  if (/^(SPDXVersion|DocumentName)\s*:/m.test(head)) return "spdx";
  return undefined;
}

/** The format of an evidence file, or undefined when neither its content nor its name says. */
export function detectFormat(filename: string, content: EvidenceContent): EvidenceFormat | undefined {
  const { head, complete } = headOf(content);
  const first = head[0];
  const fromContent = first === "<" ? sniffXml(head) : first === "{" || first === "[" ? sniffJson(head, complete) : sniffText(head);
  return fromContent ?? EXTENSIONS.find(([pattern]) => pattern.test(filename))?.[1];
}
