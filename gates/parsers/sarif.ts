// SARIF 2.1.0 logs from security scanners (SAST, DAST, configuration checks) and linters.
//
// Severity follows GitHub code scanning: a numeric properties["security-severity"] (0.0-10.0,
// as a string) on the result, else on its rule, maps to critical (>= 9), high (>= 7),
// medium (>= 4), low (> 0) or none (0). Without one, the SARIF level decides: error -> high,
// warning -> medium, note -> low, none -> none. The level is result.level, else the rule's
// defaultConfiguration.level, else "warning" (SARIF's default; "none" when the result's kind is
// not "fail").
//
// Not counted as findings: results of kind pass, notApplicable or informational; results
// suppressed in the source or by the tool (counted in `suppressed`: every suppression's status
// is absent or "accepted"; one under review or rejected keeps the finding); and results whose
// baselineState is "absent" (fixed since the baseline).
//
// Each finding gets a stable fingerprint, "sha256:<hex>", so a Waiver can name it: the hash of
// the rule id and the result's fingerprints, else its partialFingerprints, else its first
// location's uri and startLine.
import { createHash } from "node:crypto";
import { z } from "zod";
import { EvidenceParseError } from "./errors.js";
import { isJsonObject, parseJsonEvidence } from "./json-input.js";
import { rejectOtherEvidenceKind } from "./json-kind.js";
import { capList, countOf, resolveLimits, type ParseLimits } from "./limits.js";
import { decodeEvidenceText, quoteValue, type EvidenceContent } from "./text-input.js";
import { parseWithSchema } from "./zod-issues.js";

export type FindingSeverity = "critical" | "high" | "medium" | "low" | "none";
export type SarifLevel = "none" | "note" | "warning" | "error";

export interface SecurityFinding {
  ruleId: string;
  severity: FindingSeverity;
  /** "uri:startLine", the uri alone, a logical location, or "(no location)". */
  location: string;
  fingerprint: string;
}

export interface SecurityRuleSummary {
  ruleId: string;
  /** The most severe of the rule's findings. */
  severity: FindingSeverity;
  count: number;
}

export interface SecurityScanSummary {
  format: "sarif";
  /** "name@version" (or "name") of each run's driver, de-duplicated. */
  tools: string[];
  findings: Record<FindingSeverity, number>;
  byLevel: Record<SarifLevel, number>;
  /** Most severe first, then most frequent. */
  rules: SecurityRuleSummary[];
  rulesTruncated: boolean;
  /** Most severe first, in file order within a severity. */
  findingsList: SecurityFinding[];
  findingsListTruncated: boolean;
  /** Results suppressed in the source or by the tool; not in the counts above. */
  suppressed: number;
  /** Runs that produced no results array or report an unsuccessful execution: an empty scan there proves nothing. */
  incompleteRuns: number;
}

export type SarifParseOptions = ParseLimits;

const SEVERITY_ORDER: readonly FindingSeverity[] = ["none", "low", "medium", "high", "critical"];
const LEVEL_SEVERITY: Record<SarifLevel, FindingSeverity> = { error: "high", warning: "medium", note: "low", none: "none" };
const NOT_FINDINGS = new Set(["pass", "notApplicable", "informational"]);

const Level = z.enum(["none", "note", "warning", "error"]);
const PropertyBag = z.record(z.string(), z.unknown());
const ReportingDescriptor = z.object({
  id: z.string(),
  defaultConfiguration: z.object({ level: Level.optional() }).optional(),
  properties: PropertyBag.optional(),
});
const ToolComponent = z.object({
  name: z.string(),
  version: z.string().optional(),
  semanticVersion: z.string().optional(),
  rules: z.array(ReportingDescriptor).optional(),
});
const ArtifactLocation = z.object({ uri: z.string().optional(), index: z.int().min(-1).optional() });
const Location = z.object({
  physicalLocation: z
    .object({
      artifactLocation: ArtifactLocation.optional(),
      region: z.object({ startLine: z.int().min(1).optional() }).optional(),
    })
    .optional(),
  logicalLocations: z.array(z.object({ name: z.string().optional(), fullyQualifiedName: z.string().optional() })).optional(),
});
const StringMap = z.record(z.string(), z.string());
const Result = z.object({
  ruleId: z.string().optional(),
  ruleIndex: z.int().min(-1).optional(),
  rule: z
    .object({
      id: z.string().optional(),
      index: z.int().min(-1).optional(),
      toolComponent: z.object({ index: z.int().min(-1).optional() }).optional(),
    })
    .optional(),
  kind: z.enum(["notApplicable", "pass", "fail", "review", "open", "informational"]).optional(),
  level: Level.optional(),
  locations: z.array(Location).optional(),
  fingerprints: StringMap.optional(),
  partialFingerprints: StringMap.optional(),
  suppressions: z.array(z.object({ status: z.enum(["accepted", "underReview", "rejected"]).optional() })).optional(),
  baselineState: z.enum(["new", "unchanged", "updated", "absent"]).optional(),
  properties: PropertyBag.optional(),
});
const Run = z.object({
  tool: z.object({ driver: ToolComponent, extensions: z.array(ToolComponent).optional() }),
  results: z.array(Result).nullable().optional(),
  artifacts: z.array(z.object({ location: ArtifactLocation.optional() })).optional(),
  invocations: z.array(z.object({ executionSuccessful: z.boolean() })).optional(),
});
const SarifLog = z.object({ version: z.literal("2.1.0"), runs: z.array(Run) });

type RunT = z.infer<typeof Run>;
type ResultT = z.infer<typeof Result>;
type RuleT = z.infer<typeof ReportingDescriptor>;
interface LocatedRule {
  rule: RuleT;
  path: string;
}

function severityFromScore(score: number): FindingSeverity {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "none";
}

/** properties["security-severity"] as a number, undefined when absent; anything else is an error. */
function securityScore(properties: Record<string, unknown> | undefined, path: string): number | undefined {
  const raw = properties?.["security-severity"];
  if (raw === undefined) return undefined;
  const score = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(score >= 0 && score <= 10)) {
    throw new EvidenceParseError(
      "sarif",
      `${path}.properties["security-severity"] is ${quoteValue(raw)}, expected a score from 0.0 to 10.0 written as a string, such as "7.5" (GitHub's convention)`,
    );
  }
  return score;
}

/** Finds the rule a result refers to: by index (in the driver or an extension), else by id. */
class RuleIndex {
  private readonly byId = new Map<string, LocatedRule>();

  constructor(
    private readonly run: RunT,
    private readonly runPath: string,
  ) {
    const components = [{ component: run.tool.driver, path: `${runPath}.tool.driver` }, ...(run.tool.extensions ?? []).map((component, i) => ({ component, path: `${runPath}.tool.extensions[${i}]` }))];
    for (const { component, path } of components) {
      (component.rules ?? []).forEach((rule, i) => {
        if (!this.byId.has(rule.id)) this.byId.set(rule.id, { rule, path: `${path}.rules[${i}]` });
      });
    }
  }

  resolve(result: ResultT, resultPath: string): LocatedRule | undefined {
    const componentIndex = result.rule?.toolComponent?.index ?? -1;
    const component = componentIndex === -1 ? this.run.tool.driver : this.run.tool.extensions?.[componentIndex];
    const componentPath = componentIndex === -1 ? `${this.runPath}.tool.driver` : `${this.runPath}.tool.extensions[${componentIndex}]`;
    if (component === undefined) {
      throw new EvidenceParseError("sarif", `${resultPath}.rule.toolComponent.index is ${componentIndex}, but ${this.runPath}.tool.extensions has ${countOf(this.run.tool.extensions?.length ?? 0, "entry", "entries")}`);
    }
    const ruleIndex = result.rule?.index ?? result.ruleIndex ?? -1;
    if (ruleIndex !== -1) {
      const rule = component.rules?.[ruleIndex];
      if (rule === undefined) {
        throw new EvidenceParseError("sarif", `${resultPath} refers to rule index ${ruleIndex}, but ${componentPath}.rules has ${countOf(component.rules?.length ?? 0, "entry", "entries")}`);
      }
      return { rule, path: `${componentPath}.rules[${ruleIndex}]` };
    }
    const id = result.ruleId ?? result.rule?.id;
    if (id === undefined) return undefined;
    // Hierarchical ids such as "CA2000/1" refer to the rule "CA2000".
    return this.byId.get(id) ?? this.byId.get(id.split("/")[0] ?? id);
  }
}

function locationOf(run: RunT, result: ResultT): { uri: string; startLine: number | undefined; text: string } {
  const location = result.locations?.[0];
  const artifact = location?.physicalLocation?.artifactLocation;
  const uri = artifact?.uri ?? (artifact?.index !== undefined && artifact.index >= 0 ? run.artifacts?.[artifact.index]?.location?.uri : undefined);
  const startLine = location?.physicalLocation?.region?.startLine;
  if (uri !== undefined) return { uri, startLine, text: startLine === undefined ? uri : `${uri}:${startLine}` };
  const logical = location?.logicalLocations?.[0];
  const name = logical?.fullyQualifiedName ?? logical?.name;
  return { uri: name ?? "", startLine: undefined, text: name ?? "(no location)" };
}

function canonicalPairs(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${map[key]}`)
    .join("\n");
}

function fingerprintOf(ruleId: string, result: ResultT, location: { uri: string; startLine: number | undefined }): string {
  const basis =
    result.fingerprints && Object.keys(result.fingerprints).length > 0
      ? `fingerprints\n${ruleId}\n${canonicalPairs(result.fingerprints)}`
      : result.partialFingerprints && Object.keys(result.partialFingerprints).length > 0
        ? `partialFingerprints\n${ruleId}\n${canonicalPairs(result.partialFingerprints)}`
        : `location\n${ruleId}\n${location.uri}\n${location.startLine ?? ""}`;
  return `sha256:${createHash("sha256").update(basis).digest("hex")}`;
}

/** Suppressed when it has suppressions and none is still under review or rejected (as the SARIF SDK decides). */
function isSuppressed(result: ResultT): boolean {
  const suppressions = result.suppressions ?? [];
  return suppressions.length > 0 && suppressions.every((s) => s.status === undefined || s.status === "accepted");
}

function checkVersion(doc: unknown): void {
  rejectOtherEvidenceKind(doc, "sarif", "sarif");
  if (!isJsonObject(doc)) throw new EvidenceParseError("sarif", `expected a JSON object with "version": "2.1.0" and "runs"`);
  const version = doc["version"];
  if (version === undefined) throw new EvidenceParseError("sarif", `version is missing, expected "2.1.0"`);
  if (version !== "2.1.0") {
    throw new EvidenceParseError("sarif", `version is ${quoteValue(version)}, expected "2.1.0"; upgrade the scanner or convert the log to SARIF 2.1.0 (e.g. Sarif.Multitool convert)`);
  }
}

/** Summarise a SARIF 2.1.0 log: findings by severity and level, per rule, and a capped list with fingerprints. */
export function parseSarif(content: EvidenceContent, options?: SarifParseOptions): SecurityScanSummary {
  const limits = resolveLimits("sarif", options);
  const text = decodeEvidenceText(content, "sarif", limits.maxBytes);
  const doc = parseJsonEvidence(text, "sarif", limits.maxDepth);
  checkVersion(doc);
  const log = parseWithSchema(SarifLog, doc, "sarif");

  const tools = new Set<string>();
  const findings: Record<FindingSeverity, number> = { critical: 0, high: 0, medium: 0, low: 0, none: 0 };
  const byLevel: Record<SarifLevel, number> = { error: 0, warning: 0, note: 0, none: 0 };
  const rules = new Map<string, SecurityRuleSummary>();
  const list: SecurityFinding[] = [];
  let suppressed = 0;
  let incompleteRuns = 0;

  log.runs.forEach((run, runIndex) => {
    const runPath = `runs[${runIndex}]`;
    const { name, version, semanticVersion } = run.tool.driver;
    const toolVersion = version ?? semanticVersion;
    tools.add(toolVersion === undefined ? name : `${name}@${toolVersion}`);
    if (run.results === null || run.results === undefined || run.invocations?.some((invocation) => !invocation.executionSuccessful)) incompleteRuns++;
    const ruleIndex = new RuleIndex(run, runPath);

    (run.results ?? []).forEach((result, resultIndex) => {
      const resultPath = `${runPath}.results[${resultIndex}]`;
      if (NOT_FINDINGS.has(result.kind ?? "fail") || result.baselineState === "absent") return;
      if (isSuppressed(result)) {
        suppressed++;
        return;
      }
      const located = ruleIndex.resolve(result, resultPath);
      const ruleId = result.ruleId ?? result.rule?.id ?? located?.rule.id ?? "(no rule id)";
      const kind = result.kind ?? "fail";
      const level = result.level ?? (kind !== "fail" ? "none" : (located?.rule.defaultConfiguration?.level ?? "warning"));
      const score = securityScore(result.properties, resultPath) ?? (located ? securityScore(located.rule.properties, located.path) : undefined);
      const severity = score === undefined ? LEVEL_SEVERITY[level] : severityFromScore(score);
      findings[severity]++;
      byLevel[level]++;

      const rule = rules.get(ruleId) ?? { ruleId, severity, count: 0 };
      rule.count++;
      if (SEVERITY_ORDER.indexOf(severity) > SEVERITY_ORDER.indexOf(rule.severity)) rule.severity = severity;
      rules.set(ruleId, rule);

      const location = locationOf(run, result);
      list.push({ ruleId, severity, location: location.text, fingerprint: fingerprintOf(ruleId, result, location) });
    });
  });

  const bySeverity = (a: FindingSeverity, b: FindingSeverity): number => SEVERITY_ORDER.indexOf(b) - SEVERITY_ORDER.indexOf(a);
  const rulesCapped = capList(
    [...rules.values()].sort((a, b) => bySeverity(a.severity, b.severity) || b.count - a.count || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)),
    limits.maxListEntries,
  );
  // Array.prototype.sort is stable, so file order is kept within a severity.
  const listCapped = capList(
    list.sort((a, b) => bySeverity(a.severity, b.severity)),
    limits.maxListEntries,
  );
  return {
    format: "sarif",
    tools: [...tools],
    findings,
    byLevel,
    rules: rulesCapped.items,
    rulesTruncated: rulesCapped.truncated,
    findingsList: listCapped.items,
    findingsListTruncated: listCapped.truncated,
    suppressed,
    incompleteRuns,
  };
}
