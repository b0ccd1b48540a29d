// The files behind one `golive evidence create`: each --file is a file, a directory (its report
// files, e.g. Surefire's target/surefire-reports) or a glob (`*`, `?`, `**`), expanded here so
// a quoted pattern works the same as one the shell expanded. Every failure is a sentence that
// names the path and says what to do, never a bare errno.
import { readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import type { EvidenceType } from "../../api/index.js";
import { parserForType, type EvidenceFile } from "../../gates/summarise.js";
import { CliError } from "../errors.js";

/** Which files of a directory are reports of this type (first set that matches anything wins). */
function directoryPatterns(type: EvidenceType): { patterns: RegExp[]; describe: string }[] {
  const formats = parserForType(type);
  if (!formats) return [{ patterns: [/^[^.]/], describe: "files" }];
  if (formats.includes("junit")) return [
    { patterns: [/^TEST-.*\.xml$/], describe: "TEST-*.xml" },
    { patterns: [/\.xml$/i], describe: "*.xml" },
  ];
  if (formats.includes("sarif")) return [{ patterns: [/\.sarif(\.json)?$/i], describe: "*.sarif" }];
  if (formats.includes("k6")) return [{ patterns: [/\.json$/i, /\.jtl$/i, /\.csv$/i], describe: "*.json, *.jtl or *.csv" }];
  if (formats.includes("cyclonedx")) return [{ patterns: [/\.json$/i], describe: "*.json" }];
  return [{ patterns: [/\.json$/i, /\.csv$/i], describe: "*.json or *.csv" }];
}

export function describeError(path: string, e: unknown, doing: string): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new CliError(`${path} does not exist; check the path (it is read relative to ${process.cwd()})`);
  if (code === "EACCES" || code === "EPERM") return new CliError(`cannot ${doing} ${path}: permission denied; run as a user who may read it, or make it readable (chmod a+r)`);
  if (code === "ENOTDIR") return new CliError(`${path}: a part of the path is a file, not a directory`);
  return new CliError(`cannot ${doing} ${path}: ${(e as Error).message}`);
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw describeError(path, e, "read");
  }
}

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch (e) {
    throw describeError(path, e, "list");
  }
}

function filesOfDirectory(dir: string, type: EvidenceType): string[] {
  const names = listDirectory(dir).filter((name) => statOf(join(dir, name)).isFile());
  for (const { patterns } of directoryPatterns(type)) {
    const matching = names.filter((name) => patterns.some((p) => p.test(name)));
    if (matching.length > 0) return matching.map((name) => join(dir, name));
  }
  const wanted = directoryPatterns(type)
    .map((d) => d.describe)
    .join(" or ");
  const holds = names.length === 0 ? "it is empty" : `it holds ${names.slice(0, 10).join(", ")}${names.length > 10 ? `, and ${names.length - 10} more` : ""}`;
  throw new CliError(`directory ${dir} has no ${type} reports (no ${wanted} files; ${holds}); did the tests run, and is this the reports directory?`);
}

const GLOB_CHARS = /[*?[]/;

function segmentPattern(segment: string): RegExp {
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const end = segment.indexOf("]", i + 1);
      if (end === -1) source += "\\[";
      else {
        source += `[${segment.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  // A leading * does not match hidden files, as in a shell.
  return new RegExp(`^${segment.startsWith(".") ? "" : "(?!\\.)"}${source}$`);
}

/** Expand a glob against the file system: `*` and `?` within a name, `**` for any directories. */
export function expandGlob(pattern: string): string[] {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  let bases = [absolute ? "/" : "."];
  const parts = absolute ? segments.slice(1) : segments;
  parts.forEach((segment, index) => {
    const last = index === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (segment === "**") {
        const walk = (dir: string): void => {
          next.push(dir);
          for (const name of safeList(dir)) if (!name.startsWith(".") && isDirectory(join(dir, name))) walk(join(dir, name));
        };
        walk(base);
      } else if (!GLOB_CHARS.test(segment)) {
        next.push(join(base, segment));
      } else {
        const re = segmentPattern(segment);
        for (const name of safeList(base)) if (re.test(name) && (last || isDirectory(join(base, name)))) next.push(join(base, name));
      }
    }
    bases = next;
  });
  const files = [...new Set(bases)].filter((p) => exists(p) && !isDirectory(p));
  return files.map((p) => (absolute ? p : relative(".", p) || p)).sort();
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Expand every --file to the paths it names (directories and globs included), each once. */
export function expandFileArguments(args: readonly string[], type: EvidenceType): string[] {
  const paths: string[] = [];
  for (const arg of args) {
    if (arg.trim() === "") throw new CliError("--file was given an empty path");
    if (GLOB_CHARS.test(arg) && !exists(arg)) {
      const matched = expandGlob(arg);
      if (matched.length === 0) throw new CliError(`no file matches ${arg}; check the pattern (quoted patterns are expanded by golive: *, ? and ** are understood)`);
      paths.push(...matched);
      continue;
    }
    const stat = statOf(arg);
    if (stat.isDirectory()) paths.push(...filesOfDirectory(arg, type));
    else paths.push(arg);
  }
  const seen = new Set<string>();
  return paths.filter((p) => {
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      real = p;
    }
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/** Read the files of one evidence, with a clear message for each way reading can fail. */
export function readEvidenceFiles(args: readonly string[], type: EvidenceType): EvidenceFile[] {
  return expandFileArguments(args, type).map((path) => {
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch (e) {
      throw describeError(path, e, "read");
    }
    return { name: path.split(sep).join("/"), content };
  });
}
