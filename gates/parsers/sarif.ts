// SARIF 2.1.0 logs from security scanners (SAST, DAST, configuration checks) and linters.
//
// Severity, the first of these that the result or its rule carries (result before rule):
//   1. properties["security-severity"], a CVSS-like score 0.0-10.0 (GitHub code scanning; CodeQL,
//      Trivy): >= 9 critical, >= 7 high, >= 4 medium, > 0 low, 0 none;
//   2. properties.severity or properties.issue_severity, a word (bandit writes issue_severity
//      HIGH/MEDIUM/LOW on each result): critical, high, medium (or moderate), low, info/none;
//   3. a tag in properties.tags that is such a word (gosec tags each rule "HIGH", "MEDIUM" or
//      "LOW" and writes level "error" for its MEDIUM findings);
//   4. the SARIF level: error -> high, warning -> medium, note -> low, none -> none. The level is
//      result.level, else the rule's defaultConfiguration.level, else "warning" (SARIF's default;
//      "none" when the result's kind is not "fail").
// Each finding records which one decided (`severityFrom`).
//
// Not counted as findings: results of kind pass, notApplicable or informational; results
// suppressed in the source or by the tool (counted in `suppressed`: every suppression's status
// is absent or "accepted"; one under review or rejected keeps the finding); and results whose
// baselineState is "absent" (fixed since the baseline).
//
// A run is incomplete (the scan did not run, or not all of it) when it names no tool, has no
// results array, an invocation says executionSuccessful: false, or an invocation carries an
// error-level tool execution or configuration notification (bandit reports a file it cannot
// parse that way, with executionSuccessful: true). `runs` says, per run, which tool ran, how
// many rules it lists and how many results it wrote, and why it is incomplete.
//
// Each finding gets a fingerprint, "sha256:<hex>", for a Waiver to name: the hash of the rule
// id, the location (artifact uri and region: start and end line and column, or the logical
// location) and the tool's own fingerprints or partialFingerprints. The location is always
// part of it: a tool's fingerprint alone is not an identity (semgrep OSS writes the placeholder
// "requires login" on every result), so a waiver never covers a finding somewhere else.
import { categoryOfAutomationId, categoryOfTool, type ScanCategory } from "../scan-category.js";
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

export type SeveritySource = "security-severity" | "properties.severity" | "tags" | "level";

export interface SecurityFinding {
  ruleId: string;
  severity: FindingSeverity;
  /** What decided the severity (see the header). */
  severityFrom: SeveritySource;
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
  /** Per run: the tool, how many rules it lists, how many results it wrote (null: none written) and, when incomplete, why. */
  runs: SecurityRunSummary[];
  /** What a finding's fingerprint is made of; "rule+location+tool" since the location became part of it. */
  fingerprintBasis: "rule+location+tool";
}

export interface SecurityRunSummary {
  tool: string;
  rules: number;
  results: number | null;
  incomplete?: string;
  /** sast, dast or config: from the run's automationDetails.id, else from a well-known tool (see ../scan-category.ts). */
  category?: ScanCategory;
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
      region: z
        .object({ startLine: z.int().min(1).optional(), startColumn: z.int().min(1).optional(), endLine: z.int().min(1).optional(), endColumn: z.int().min(1).optional() })
        .optional(),
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
const Notification = z.object({ level: Level.optional(), message: z.object({ text: z.string().optional() }).optional(), locations: z.array(Location).optional() });
const Run = z.object({
  tool: z.object({ driver: ToolComponent, extensions: z.array(ToolComponent).optional() }).optional(),
  automationDetails: z.object({ id: z.string().optional() }).optional(),
  results: z.array(Result).nullable().optional(),
  artifacts: z.array(z.object({ location: ArtifactLocation.optional() })).optional(),
  invocations: z
    .array(
      z.object({
        executionSuccessful: z.boolean(),
        exitCode: z.int().optional(),
        toolExecutionNotifications: z.array(Notification).optional(),
        toolConfigurationNotifications: z.array(Notification).optional(),
      }),
    )
    .optional(),
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
    const tool = run.tool;
    const components = tool ? [{ component: tool.driver, path: `${runPath}.tool.driver` }, ...(tool.extensions ?? []).map((component, i) => ({ component, path: `${runPath}.tool.extensions[${i}]` }))] : [];
    for (const { component, path } of components) {
      (component.rules ?? []).forEach((rule, i) => {
        if (!this.byId.has(rule.id)) this.byId.set(rule.id, { rule, path: `${path}.rules[${i}]` });
      });
    }
  }

  resolve(result: ResultT, resultPath: string): LocatedRule | undefined {
    const tool = this.run.tool;
    if (tool === undefined) return undefined;
    const componentIndex = result.rule?.toolComponent?.index ?? -1;
    const component = componentIndex === -1 ? tool.driver : tool.extensions?.[componentIndex];
    const componentPath = componentIndex === -1 ? `${this.runPath}.tool.driver` : `${this.runPath}.tool.extensions[${componentIndex}]`;
    if (component === undefined) {
      throw new EvidenceParseError("sarif", `${resultPath}.rule.toolComponent.index is ${componentIndex}, but ${this.runPath}.tool.extensions has ${countOf(tool.extensions?.length ?? 0, "entry", "entries")}`);
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

interface FindingLocation {
  /** The artifact uri, or the logical location's name, or "". */
  uri: string;
  /** "startLine:startColumn-endLine:endColumn", the parts the tool wrote. */
  region: string;
  text: string;
}

function locationOf(run: RunT, result: ResultT): FindingLocation {
  const location = result.locations?.[0];
  const artifact = location?.physicalLocation?.artifactLocation;
  const uri = artifact?.uri ?? (artifact?.index !== undefined && artifact.index >= 0 ? run.artifacts?.[artifact.index]?.location?.uri : undefined);
  const r = location?.physicalLocation?.region;
  const region = r ? `${r.startLine ?? ""}:${r.startColumn ?? ""}-${r.endLine ?? ""}:${r.endColumn ?? ""}` : "";
  if (uri !== undefined) return { uri, region, text: r?.startLine === undefined ? uri : `${uri}:${r.startLine}` };
  const logical = location?.logicalLocations?.[0];
  const name = logical?.fullyQualifiedName ?? logical?.name;
  return { uri: name ?? "", region: "", text: name ?? "(no location)" };
}

function canonicalPairs(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${map[key]}`)
    .join("\n");
}

/** Rule id + location + the tool's fingerprints: never the tool's fingerprint alone (see the header). */
function fingerprintOf(ruleId: string, result: ResultT, location: FindingLocation): string {
  const tool =
    result.fingerprints && Object.keys(result.fingerprints).length > 0
      ? `fingerprints\n${canonicalPairs(result.fingerprints)}`
      : result.partialFingerprints && Object.keys(result.partialFingerprints).length > 0
        ? `partialFingerprints\n${canonicalPairs(result.partialFingerprints)}`
        : "none";
  const basis = `finding/v2\n${ruleId}\n${location.uri}\n${location.region}\n${tool}`;
  return `sha256:${createHash("sha256").update(basis).digest("hex")}`;
}

const SEVERITY_WORDS: Record<string, FindingSeverity> = { critical: "critical", high: "high", medium: "medium", moderate: "medium", low: "low", info: "none", informational: "none", none: "none" };

/** properties.severity / issue_severity as a severity word; undefined when absent or not one. */
function severityWord(properties: Record<string, unknown> | undefined): FindingSeverity | undefined {
  for (const key of ["severity", "issue_severity"]) {
    const raw = properties?.[key];
    if (typeof raw === "string" && SEVERITY_WORDS[raw.trim().toLowerCase()]) return SEVERITY_WORDS[raw.trim().toLowerCase()];
  }
  return undefined;
}

/** A tag that is a severity word (gosec: "HIGH", "MEDIUM", "LOW"); undefined unless exactly one kind is there. */
function severityTag(properties: Record<string, unknown> | undefined): FindingSeverity | undefined {
  const tags = properties?.["tags"];
  if (!Array.isArray(tags)) return undefined;
  const found = new Set(tags.flatMap((t) => (typeof t === "string" && SEVERITY_WORDS[t.trim().toLowerCase()] ? [SEVERITY_WORDS[t.trim().toLowerCase()]!] : [])));
  return found.size === 1 ? [...found][0] : undefined;
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

/** Why a run proves less than a clean scan, or undefined when it ran to completion. */
function incompleteBecause(run: RunT, runPath: string): string | undefined {
  if (run.tool === undefined) return `${runPath} names no tool`;
  if (run.results === null || run.results === undefined) return `${runPath} has no results array (the tool did not finish)`;
  const failedInvocation = run.invocations?.find((i) => !i.executionSuccessful);
  if (failedInvocation) return `${runPath} reports executionSuccessful: false${failedInvocation.exitCode === undefined ? "" : ` (exit code ${failedInvocation.exitCode})`}`;
  for (const invocation of run.invocations ?? []) {
    const error = [...(invocation.toolExecutionNotifications ?? []), ...(invocation.toolConfigurationNotifications ?? [])].find((n) => n.level === "error");
    const where = error?.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
    if (error) return `${runPath} reports an error: ${JSON.stringify((error.message?.text ?? "(no message)").slice(0, 200))}${where === undefined ? "" : ` in ${where}`}`;
  }
  return undefined;
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

  const runs: SecurityRunSummary[] = [];
  log.runs.forEach((run, runIndex) => {
    const runPath = `runs[${runIndex}]`;
    const driver = run.tool?.driver;
    const toolVersion = driver?.version ?? driver?.semanticVersion;
    const tool = driver === undefined ? "(no tool)" : toolVersion === undefined ? driver.name : `${driver.name}@${toolVersion}`;
    if (driver !== undefined) tools.add(tool);
    const incomplete = incompleteBecause(run, runPath);
    if (incomplete !== undefined) incompleteRuns++;
    const ruleCount = [driver, ...(run.tool?.extensions ?? [])].reduce((n, c) => n + (c?.rules?.length ?? 0), 0);
    const category = categoryOfAutomationId(run.automationDetails?.id) ?? categoryOfTool(tool);
    runs.push({ tool, rules: ruleCount, results: run.results?.length ?? null, ...(incomplete === undefined ? {} : { incomplete }), ...(category === undefined ? {} : { category }) });
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
      const ruleProperties = located?.rule.properties;
      const score = securityScore(result.properties, resultPath) ?? (located ? securityScore(ruleProperties, located.path) : undefined);
      const word = severityWord(result.properties) ?? severityWord(ruleProperties);
      const tag = severityTag(result.properties) ?? severityTag(ruleProperties);
      const [severity, severityFrom]: [FindingSeverity, SeveritySource] =
        score !== undefined ? [severityFromScore(score), "security-severity"] : word ? [word, "properties.severity"] : tag ? [tag, "tags"] : [LEVEL_SEVERITY[level], "level"];
      findings[severity]++;
      byLevel[level]++;

      const rule = rules.get(ruleId) ?? { ruleId, severity, count: 0 };
      rule.count++;
      if (SEVERITY_ORDER.indexOf(severity) > SEVERITY_ORDER.indexOf(rule.severity)) rule.severity = severity;
      rules.set(ruleId, rule);

      const location = locationOf(run, result);
      list.push({ ruleId, severity, severityFrom, location: location.text, fingerprint: fingerprintOf(ruleId, result, location) });
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
    runs,
    fingerprintBasis: "rule+location+tool",
  };
}
