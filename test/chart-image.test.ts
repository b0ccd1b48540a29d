// The container image and the kubectl plugin. There is no container runtime here, so the
// Dockerfile is checked logically: its stages, what it copies (against .dockerignore and the
// compiled sources), that the runtime imports only production dependencies, and that it runs as
// the non-root user the chart expects. The plugin runs under the real kubectl.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { tempDir } from "./services/common.js";

const root = join(import.meta.dirname, "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile instructions by stage (line continuations joined, comments dropped). */
function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const out: Stage[] = [];
  for (const line of lines) {
    const [, op = "", args = ""] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === "FROM") {
      const [, from = "", name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      out.push({ from, ...(name ? { name } : {}), instructions: [] });
    } else if (out.length) out.at(-1)!.instructions.push({ op: op.toUpperCase(), args });
  }
  return out;
}

/** .dockerignore semantics (the subset used): the last matching pattern decides, "!" re-includes. */
function dockerIgnored(path: string, patterns: string[]): boolean {
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*\//g, "\uE000")
        .replace(/\*\*/g, "\uE001")
        .replace(/\*/g, "[^/]*")
        .replace(/\uE000/g, "(?:.*/)?")
        .replace(/\uE001/g, ".*")}(?:/.*)?$`,
    );
  let ignored = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (toRegex(negated ? p.slice(1) : p).test(path)) ignored = !negated;
  }
  return ignored;
}

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("the Dockerfile (checked logically: no container runtime here)", () => {
  const dockerfile = stages(read("Dockerfile"));
  const ignore = read(".dockerignore").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const [build, deps, final] = dockerfile;

  it("has a build stage, a production-dependencies stage and a small non-root final stage", () => {
    expect(dockerfile.map((s) => s.name ?? s.from)).toEqual(["build", "deps", "${RUNTIME_IMAGE}"]);
    expect(read("Dockerfile")).toMatch(/^ARG RUNTIME_IMAGE=gcr\.io\/distroless\/nodejs20-debian12:nonroot$/m);
    const runs = (s: Stage | undefined) => s!.instructions.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");
    expect(runs(build)).toMatch(/npm ci --ignore-scripts/);
    expect(runs(build)).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(runs(deps)).toMatch(/npm ci --omit=dev --ignore-scripts/);
    // The final stage has no shell to RUN anything, takes node_modules only from deps, and runs
    // as the user the chart's securityContext names.
    expect(final!.instructions.filter((i) => i.op === "RUN")).toEqual([]);
    const copies = final!.instructions.filter((i) => i.op === "COPY").map((i) => i.args);
    expect(copies.find((c) => c.includes("node_modules"))).toMatch(/^--from=deps /);
    expect(copies.find((c) => / \/src\/dist /.test(c))).toMatch(/^--from=build /);
    const user = final!.instructions.filter((i) => i.op === "USER").at(-1)?.args;
    expect(user).toBe("65532:65532");
    const chartUser = read("charts/golive/templates/_helpers.tpl").match(/runAsUser: (\d+)/)?.[1];
    expect(user?.split(":")[0]).toBe(chartUser);
    expect(final!.instructions.find((i) => i.op === "ENTRYPOINT")?.args).toBe('["/nodejs/bin/node", "/app/bin/golive.js"]');
  });

  it("copies every source the build compiles, and .dockerignore lets exactly those in", () => {
    const compiled = (JSON.parse(read("tsconfig.build.json")) as { include: string[] }).include;
    const copiedFromContext = dockerfile.flatMap((s) => s.instructions.filter((i) => i.op === "COPY" && !i.args.includes("--from=")).flatMap((i) => i.args.replace(/--\S+/g, "").trim().split(/\s+/).slice(0, -1)));
    for (const dir of compiled) expect(copiedFromContext, `tsconfig.build.json compiles ${dir}/`).toContain(dir);
    for (const src of copiedFromContext) {
      expect(existsSync(join(root, src)), `${src} exists`).toBe(true);
      const paths = statSync(join(root, src)).isDirectory() ? files(src).filter((f) => !f.endsWith(".test.ts") && !f.includes("/testdata/")) : [src];
      const ignored = paths.filter((p) => dockerIgnored(p, ignore));
      expect(ignored, `${src} reaches the build context`).toEqual([]);
    }
    for (const outside of ["node_modules/zod/package.json", "test/chart.test.ts", "charts/golive/Chart.yaml", ".git/HEAD", "webhook/decide.test.ts", "examples/release.yaml"]) expect(dockerIgnored(outside, ignore), outside).toBe(true);
  });

  it("runs on production dependencies only: compiled code imports nothing from devDependencies", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const compiled = (JSON.parse(read("tsconfig.build.json")) as { include: string[] }).include;
    const runtimeImports = new Map<string, string>();
    for (const file of compiled.flatMap(files).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      const text = read(file);
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith(".") || spec.startsWith("node:")) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        runtimeImports.set(name, file);
      }
    }
    const missing = [...runtimeImports].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
    expect([...runtimeImports.keys()]).toContain("@kubernetes/client-node");
  });

  it("keeps the root filesystem read-only: the chart mounts every path golive writes", () => {
    const config = read("settings/config.ts");
    const auditDefault = /auditFile: z\.string\(\)\.default\("([^"]+)"\)/.exec(config)?.[1];
    expect(auditDefault).toBe("/var/lib/golive/audit.jsonl");
    const template = read("charts/golive/templates/operator-deployment.yaml");
    expect(template).toMatch(/mountPath: \/var\/lib\/golive/);
    expect(template).toMatch(/mountPath: \/tmp/);
    expect(read("charts/golive/templates/webhook-deployment.yaml")).toMatch(/mountPath: \/tmp/);
    expect(read("charts/golive/templates/_helpers.tpl")).toMatch(/readOnlyRootFilesystem: true/);
  });
});

describe("kubectl golive (a kubectl plugin)", () => {
  const home = tempDir("plugin");
  afterAll(() => home.remove());
  const kubectlBinary = () => (inject("binDir") ? join(inject("binDir"), "kubectl") : (process.env.GOLIVE_KUBECTL ?? "kubectl"));
  const kubectl = (args: string[], pathDirs: string[]) =>
    spawnSync(kubectlBinary(), args, { cwd: home.path, encoding: "utf8", env: { PATH: [...pathDirs, "/usr/local/bin", "/usr/bin", "/bin"].join(":"), HOME: home.path, KUBECONFIG: join(home.path, "none") } });

  it("is an executable kubectl-golive", () => {
    expect(statSync(join(root, "bin", "kubectl-golive")).mode & 0o111).toBe(0o111);
  });

  it("runs `kubectl golive --help` with bin/ on PATH", () => {
    const r = kubectl(["golive", "--help"], [join(root, "bin"), join(process.execPath, "..")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: golive \[options\] \[command\]/);
    for (const command of ["evidence", "approve", "gates", "validate", "operator", "webhook"]) expect(r.stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
  });

  it("is found by `kubectl plugin list` and works through a symlink elsewhere on PATH, passing arguments and exit codes", () => {
    const bin = join(home.path, "bin");
    mkdirSync(bin);
    symlinkSync(join(root, "bin", "kubectl-golive"), join(bin, "kubectl-golive"));
    const dirs = [bin, join(process.execPath, "..")];
    const list = kubectl(["plugin", "list"], dirs);
    expect(list.stdout).toContain(join(bin, "kubectl-golive"));
    const valid = kubectl(["golive", "validate", "-f", join(root, "examples", "release.yaml")], dirs);
    expect(valid.stdout).toMatch(/1 golive\.dev object\(s\) valid/);
    expect(valid.status).toBe(0);
    writeFileSync(join(home.path, "bad.yaml"), "apiVersion: golive.dev/v1alpha1\nkind: Release\nmetadata: {name: bad}\nspec: {}\n");
    const invalid = kubectl(["golive", "validate", "-f", "bad.yaml"], dirs);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/bad\.yaml#1 Release\/bad: spec\.application/);
  });
});
