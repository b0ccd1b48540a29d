// Reading manifests from files and folders, the way kubectl -f does, with limits: hostile YAML
// (alias bombs, huge files) gets a clear error instead of eating the process.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Manifest {
  source: string;
  value: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } & Record<string, unknown>;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

function manifestFiles(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new ManifestError(`${path}: no such file or directory`);
  if (!stat.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.isDirectory() || /\.(ya?ml|json)$/.test(e.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => manifestFiles(join(path, e.name)));
}

/** Parse every YAML/JSON document in the given files and folders (recursively). */
export function readManifests(paths: string[]): Manifest[] {
  const out: Manifest[] = [];
  for (const file of paths.flatMap(manifestFiles)) {
    const size = statSync(file).size;
    if (size > MAX_MANIFEST_BYTES) throw new ManifestError(`${file}: ${size} bytes is over the ${MAX_MANIFEST_BYTES}-byte limit for a manifest file`);
    const docs = parseAllDocuments(readFileSync(file, "utf8"), { prettyErrors: true });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      if (doc.errors.length > 0) throw new ManifestError(`${file} (document ${i + 1}): ${doc.errors[0]!.message}`);
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        throw new ManifestError(`${file} (document ${i + 1}): ${(e as Error).message}`);
      }
      if (value === null || value === undefined) return;
      if (typeof value !== "object" || Array.isArray(value)) throw new ManifestError(`${file} (document ${i + 1}): expected a Kubernetes object (a mapping with apiVersion and kind)`);
      out.push({ source: `${file}#${i + 1}`, value: value as Manifest["value"] });
    });
  }
  return out;
}

const SCHEMAS: Record<string, z.ZodType> = { Release, ReleasePolicy, ReleaseEvidence };

/** Schema problems of golive.dev objects, one line each; other kinds are left to the API server. */
export function validateManifest(m: Manifest): string[] {
  if (m.value.apiVersion?.split("/")[0] !== "golive.dev") return [];
  const schema = SCHEMAS[m.value.kind ?? ""];
  if (!schema) return [`${m.source}: unknown golive.dev kind "${m.value.kind}" (expected Release, ReleasePolicy or ReleaseEvidence)`];
  const result = schema.safeParse(m.value);
  if (result.success) return [];
  return result.error.issues.map((i) => `${m.source} ${m.value.kind}/${m.value.metadata?.name ?? "?"}: ${i.path.join(".") || "(root)"}: ${i.message}`);
}
