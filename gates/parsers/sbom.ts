// SBOMs as configuration baselines (JR/T 0179 4.4 a): CycloneDX JSON 1.4-1.7 and SPDX JSON
// 2.2/2.3. XML and tag-value forms are refused with a message saying how to get JSON.
//
// subject     CycloneDX metadata.component; SPDX: the package(s) the document DESCRIBES
//             (documentDescribes, or a DESCRIBES / DESCRIBED_BY relationship), as name@version.
// components  CycloneDX components, nested ones included (depth-first, document order);
//             SPDX packages other than the described ones, so both formats count the
//             dependencies of the subject rather than the subject itself.
//             purl: CycloneDX purl; SPDX externalRefs entry with referenceType "purl".
//             type: CycloneDX type; SPDX primaryPackagePurpose (2.3), lower-cased.
import { z } from "zod";
import { EvidenceParseError } from "./errors.js";
import { isJsonObject, parseJsonEvidence } from "./json-input.js";
import { rejectOtherEvidenceKind } from "./json-kind.js";
import { capList, resolveLimits, type ParseLimits } from "./limits.js";
import { decodeEvidenceText, quoteValue, type EvidenceContent } from "./text-input.js";
import { parseWithSchema } from "./zod-issues.js";

export interface SbomComponent {
  name: string;
  version: string | null;
  type: string | null;
  purl: string | null;
}

export interface ConfigurationBaselineSummary {
  format: "cyclonedx" | "spdx";
  /** "1.6" for CycloneDX, "2.3" for SPDX. */
  specVersion: string;
  /** The product the SBOM describes, "name@version" (or "name"), when the document says. */
  subject: string | null;
  componentCount: number;
  components: SbomComponent[];
  componentsTruncated: boolean;
}

export interface SbomParseOptions extends ParseLimits {
  /** Most components listed in the summary (all are counted). Default 2000. */
  maxComponents?: number;
}

const CYCLONEDX_VERSIONS = ["1.4", "1.5", "1.6", "1.7"] as const;
const SPDX_VERSIONS = ["SPDX-2.2", "SPDX-2.3"] as const;
const DEFAULT_MAX_COMPONENTS = 2000;

const CycloneDxComponent = z.object({
  type: z.string(),
  name: z.string(),
  version: z.string().optional(),
  purl: z.string().optional(),
  // Nested components are validated one by one as they are walked, with their own path.
  components: z.array(z.unknown()).optional(),
});
type CycloneDxComponentT = z.infer<typeof CycloneDxComponent>;

const CycloneDxBom = z.object({
  bomFormat: z.literal("CycloneDX"),
  specVersion: z.enum(CYCLONEDX_VERSIONS),
  metadata: z.object({ component: CycloneDxComponent.optional() }).optional(),
  components: z.array(z.unknown()).optional(),
});

const SpdxPackage = z.object({
  SPDXID: z.string(),
  name: z.string(),
  versionInfo: z.string().optional(),
  primaryPackagePurpose: z.string().optional(),
  externalRefs: z.array(z.object({ referenceType: z.string(), referenceLocator: z.string() })).optional(),
});

const SpdxDocument = z.object({
  spdxVersion: z.enum(SPDX_VERSIONS),
  SPDXID: z.literal("SPDXRef-DOCUMENT"),
  documentDescribes: z.array(z.string()).optional(),
  packages: z.array(SpdxPackage).optional(),
  relationships: z.array(z.object({ spdxElementId: z.string(), relationshipType: z.string(), relatedSpdxElement: z.string() })).optional(),
});

function nameAtVersion(name: string, version: string | null): string {
  return version === null ? name : `${name}@${version}`;
}

/** SPDX writes NOASSERTION / NONE where a value is unknown; the summary says null instead. */
function known(value: string | undefined): string | null {
  return value === undefined || value === "" || value === "NOASSERTION" || value === "NONE" ? null : value;
}

function maxComponentsOf(options: SbomParseOptions | undefined, format: "cyclonedx" | "spdx" | "sbom"): number {
  const max = options?.maxComponents ?? DEFAULT_MAX_COMPONENTS;
  if (!Number.isSafeInteger(max) || max < 1) throw new EvidenceParseError(format, `option maxComponents is ${String(max)}, expected a positive whole number`);
  return max;
}

function summariseCycloneDx(doc: unknown, maxComponents: number): ConfigurationBaselineSummary {
  const bom = parseWithSchema(CycloneDxBom, doc, "cyclonedx");
  const components: SbomComponent[] = [];
  // Iterative walk: nesting is bounded by maxDepth already, but a stack keeps it obviously safe.
  const pending: { raw: unknown; path: string }[] = (bom.components ?? []).map((raw, i) => ({ raw, path: `components[${i}]` })).reverse();
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const component: CycloneDxComponentT = parseWithSchema(CycloneDxComponent, next.raw, "cyclonedx", next.path);
    components.push({ name: component.name, version: component.version ?? null, type: component.type, purl: component.purl ?? null });
    const children = component.components ?? [];
    for (let i = children.length - 1; i >= 0; i--) pending.push({ raw: children[i], path: `${next.path}.components[${i}]` });
  }
  const main = bom.metadata?.component;
  const capped = capList(components, maxComponents);
  return {
    format: "cyclonedx",
    specVersion: bom.specVersion,
    subject: main === undefined ? null : nameAtVersion(main.name, main.version ?? null),
    componentCount: components.length,
    components: capped.items,
    componentsTruncated: capped.truncated,
  };
}

function summariseSpdx(doc: unknown, maxComponents: number): ConfigurationBaselineSummary {
  const spdx = parseWithSchema(SpdxDocument, doc, "spdx");
  const described = new Set(spdx.documentDescribes ?? []);
  for (const { spdxElementId, relationshipType, relatedSpdxElement } of spdx.relationships ?? []) {
    if (relationshipType === "DESCRIBES" && spdxElementId === "SPDXRef-DOCUMENT") described.add(relatedSpdxElement);
    if (relationshipType === "DESCRIBED_BY" && relatedSpdxElement === "SPDXRef-DOCUMENT") described.add(spdxElementId);
  }
  const packages = spdx.packages ?? [];
  const subjects = packages.filter((p) => described.has(p.SPDXID)).map((p) => nameAtVersion(p.name, known(p.versionInfo)));
  const components = packages
    .filter((p) => !described.has(p.SPDXID))
    .map((p) => ({
      name: p.name,
      version: known(p.versionInfo),
      type: p.primaryPackagePurpose === undefined ? null : p.primaryPackagePurpose.toLowerCase(),
      purl: p.externalRefs?.find((ref) => ref.referenceType === "purl")?.referenceLocator ?? null,
    }));
  const capped = capList(components, maxComponents);
  return {
    format: "spdx",
    specVersion: spdx.spdxVersion.replace(/^SPDX-/, ""),
    subject: subjects.length === 0 ? null : subjects.join(", "),
    componentCount: components.length,
    components: capped.items,
    componentsTruncated: capped.truncated,
  };
}

/** Refuse the XML and tag-value SBOM forms with a pointer to the JSON export. */
function refuseNonJson(text: string, format: "cyclonedx" | "spdx" | "sbom"): void {
  const start = text.trimStart();
  if (start.startsWith("<")) {
    const cycloneDxXml = /<bom\b/.test(start.slice(0, 4096));
    throw new EvidenceParseError(
      format,
      cycloneDxXml
        ? "this is a CycloneDX XML SBOM; only JSON is supported, so export it as JSON (e.g. syft -o cyclonedx-json, cyclonedx-npm --output-format JSON)"
        : "this is an XML document, not a JSON SBOM",
    );
  }
  if (/^(SPDXVersion|DocumentName|SPDXID)\s*:/m.test(start.slice(0, 4096))) {
    throw new EvidenceParseError(format, "this is an SPDX tag-value document; only SPDX JSON is supported, so export it as JSON (e.g. syft -o spdx-json)");
  }
}

function readSbomDocument(content: EvidenceContent, options: SbomParseOptions | undefined, format: "cyclonedx" | "spdx" | "sbom"): unknown {
  const limits = resolveLimits(format, options);
  const text = decodeEvidenceText(content, format, limits.maxBytes);
  refuseNonJson(text, format);
  return parseJsonEvidence(text, format, limits.maxDepth);
}

/** How to ask each tool for a CycloneDX version golive reads. */
const CYCLONEDX_VERSION_HINT =
  "ask the tool for one: syft -o cyclonedx-json@1.6, cyclonedx-npm --spec-version 1.6, cyclonedx-py --spec-version 1.6";

function versionNumber(version: string): number[] {
  return version.replace(/^SPDX-/, "").split(".").map(Number);
}

function newerThanAll(version: string, supported: readonly string[]): boolean {
  const [major = NaN, minor = NaN] = versionNumber(version);
  const [topMajor = 0, topMinor = 0] = versionNumber(supported[supported.length - 1]!);
  return major > topMajor || (major === topMajor && minor > topMinor);
}

function checkSpecVersion(doc: Record<string, unknown>, format: "cyclonedx" | "spdx"): void {
  const key = format === "cyclonedx" ? "specVersion" : "spdxVersion";
  const supported: readonly string[] = format === "cyclonedx" ? CYCLONEDX_VERSIONS : SPDX_VERSIONS;
  const version = doc[key];
  if (typeof version === "string" && !supported.includes(version)) {
    if (newerThanAll(version, supported)) {
      const hint = format === "cyclonedx" ? CYCLONEDX_VERSION_HINT : "ask the tool for SPDX 2.3 JSON: syft -o spdx-json@2.3";
      throw new EvidenceParseError(format, `${key} is ${quoteValue(version)}, newer than golive reads (${supported.join(", ")}); ${hint}`);
    }
    throw new EvidenceParseError(format, `${key} is ${quoteValue(version)}, expected one of ${supported.join(", ")}; regenerate the SBOM with a current tool`);
  }
}

/** Summarise an SBOM, detecting CycloneDX (bomFormat) or SPDX (spdxVersion). */
export function parseSbom(content: EvidenceContent, options?: SbomParseOptions): ConfigurationBaselineSummary {
  const maxComponents = maxComponentsOf(options, "sbom");
  const doc = readSbomDocument(content, options, "sbom");
  if (isJsonObject(doc) && doc["bomFormat"] === "CycloneDX") {
    checkSpecVersion(doc, "cyclonedx");
    return summariseCycloneDx(doc, maxComponents);
  }
  if (isJsonObject(doc) && typeof doc["spdxVersion"] === "string") {
    checkSpecVersion(doc, "spdx");
    return summariseSpdx(doc, maxComponents);
  }
  rejectOtherEvidenceKind(doc, "sbom", "sbom");
  throw new EvidenceParseError("sbom", 'neither CycloneDX (no "bomFormat": "CycloneDX") nor SPDX (no "spdxVersion")');
}

/** Summarise a CycloneDX JSON SBOM; anything else is refused. */
export function parseCycloneDx(content: EvidenceContent, options?: SbomParseOptions): ConfigurationBaselineSummary {
  const maxComponents = maxComponentsOf(options, "cyclonedx");
  const doc = readSbomDocument(content, options, "cyclonedx");
  rejectOtherEvidenceKind(doc, "cyclonedx", "cyclonedx");
  if (!isJsonObject(doc) || doc["bomFormat"] !== "CycloneDX") {
    throw new EvidenceParseError("cyclonedx", `bomFormat is ${quoteValue(isJsonObject(doc) ? doc["bomFormat"] : undefined)}, expected "CycloneDX"`);
  }
  checkSpecVersion(doc, "cyclonedx");
  return summariseCycloneDx(doc, maxComponents);
}

/** Summarise an SPDX JSON SBOM; anything else is refused. */
export function parseSpdx(content: EvidenceContent, options?: SbomParseOptions): ConfigurationBaselineSummary {
  const maxComponents = maxComponentsOf(options, "spdx");
  const doc = readSbomDocument(content, options, "spdx");
  rejectOtherEvidenceKind(doc, "spdx", "spdx");
  if (!isJsonObject(doc) || typeof doc["spdxVersion"] !== "string") {
    throw new EvidenceParseError("spdx", `spdxVersion is ${quoteValue(isJsonObject(doc) ? doc["spdxVersion"] : undefined)}, expected "SPDX-2.2" or "SPDX-2.3"`);
  }
  checkSpecVersion(doc, "spdx");
  return summariseSpdx(doc, maxComponents);
}
