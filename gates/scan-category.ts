// Which kind of security test a SARIF scan is (8.6 a–c): white box (sast), black box (dast) or a
// configuration check (config). A declared category wins: `golive evidence create --category`
// signs it into the summary. Otherwise each run tells: its automationDetails.id (GitHub code
// scanning's "category", e.g. "dast/zap-nightly") when it starts with a category word, else its
// tool, when the tool is one of the well-known scanners below.
export const SCAN_CATEGORIES = ["sast", "dast", "config"] as const;
export type ScanCategory = (typeof SCAN_CATEGORIES)[number];

export const SCAN_CATEGORY_WORDS: Record<ScanCategory, string> = { sast: "white-box (SAST)", dast: "black-box (DAST)", config: "configuration" };

const TOOLS: Record<ScanCategory, readonly string[]> = {
  sast: ["codeql", "semgrep", "eslint", "sonarqube", "sonar", "bandit", "gosec", "spotbugs", "checkmarx", "fortify", "snyk code", "pmd", "brakeman"],
  dast: ["zap", "owasp zap", "zaproxy", "burp", "burp suite", "nuclei", "arachni", "nikto", "wapiti", "stackhawk"],
  config: ["checkov", "kics", "tfsec", "kube-score", "kubesec", "kube-bench", "kube-linter", "polaris", "terrascan", "hadolint", "trivy config"],
};

export function isScanCategory(value: unknown): value is ScanCategory {
  return typeof value === "string" && (SCAN_CATEGORIES as readonly string[]).includes(value);
}

/** The category an automationDetails.id names ("sast", "dast/zap", "config-k8s/"), if any. */
export function categoryOfAutomationId(id: string | undefined): ScanCategory | undefined {
  const m = /^(sast|dast|config)(?:$|[^a-z])/i.exec(id ?? "");
  return m ? (m[1]!.toLowerCase() as ScanCategory) : undefined;
}

/** The category of a well-known tool ("ESLint@9.1.0" is sast), if known. */
export function categoryOfTool(tool: string): ScanCategory | undefined {
  const name = tool.replace(/@[^@]*$/, "").trim().toLowerCase();
  return SCAN_CATEGORIES.find((c) => TOOLS[c].includes(name));
}

/** Categories one scan counts for: the declared one, else each run's. */
export function scanCategories(summary: { category?: unknown; runs?: readonly { tool: string; category?: string | undefined }[] | undefined; tools?: readonly string[] }): ScanCategory[] {
  if (isScanCategory(summary.category)) return [summary.category];
  const runs = summary.runs ?? (summary.tools ?? []).map((tool) => ({ tool, category: undefined }));
  const found = runs.map((r) => (isScanCategory(r.category) ? r.category : categoryOfTool(r.tool))).filter((c): c is ScanCategory => c !== undefined);
  return [...new Set(found)];
}
