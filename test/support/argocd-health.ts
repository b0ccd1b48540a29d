// Argo CD's reading of a Release: the shipped health check (gitops/argocd/.../health.lua) run by
// Debian's Lua interpreter the way Argo CD runs it (global obj, the chunk returns hs).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const argocd = join(import.meta.dirname, "..", "..", "gitops", "argocd");
export const healthLua = join(argocd, "resource_customizations", "golive.dev", "Release", "health.lua");
let work: string | undefined;
let inputs = 0;

function luaInterpreter(): string {
  for (const candidate of ["lua5.4", "lua"]) if (spawnSync(candidate, ["-v"]).status === 0) return candidate;
  throw new Error("no Lua interpreter: apt-get install -y lua5.4 (.ci/run does)");
}

/** A JSON-like value as a Lua 5.1 table constructor (null becomes nil, as in Argo CD). */
function toLua(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`not a JSON number: ${v}`);
    return String(v);
  }
  if (typeof v === "string") return `"${[...Buffer.from(v, "utf8")].map((b) => (b === 0x22 || b === 0x5c || b < 0x20 || b === 0x7f ? `\\${String(b).padStart(3, "0")}` : String.fromCharCode(b))).join("")}"`;
  if (Array.isArray(v)) return `{${v.map(toLua).join(", ")}}`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `[${toLua(k)}] = ${toLua(x)}`).join(", ")}}`;
}

/** Argo CD's health of one object: { status: Healthy | Progressing | Degraded | ..., message }. */
export function argoHealth(object: unknown): { status: string; message: string } {
  work ??= mkdtempSync(join(tmpdir(), "golive-argocd-health-"));
  const input = join(work, `input-${inputs++}.lua`);
  // Latin-1 keeps each byte of the UTF-8 encoding as written by toLua.
  writeFileSync(input, `return ${toLua(object)}\n`, "latin1");
  const r = spawnSync(luaInterpreter(), [join(argocd, "harness.lua"), healthLua, input], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the health check failed (exit ${r.status}): ${r.stderr}`);
  const [status = "", ...message] = r.stdout.replace(/\n$/, "").split("\n");
  return { status, message: message.join("\n") };
}
