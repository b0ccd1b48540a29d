// A real OCI registry on loopback (plain HTTP): test/cluster/go/registry, an in-memory registry
// built on cuelabs.dev/go/oci/ociregistry that implements the OCI distribution spec v1.1 including
// the referrers API. `referrers: false` makes it answer that API with 404, as registries without
// OCI 1.1 support do, so clients use the referrers tag schema (sha256-<hex> tags) instead.
//
// pushTestImage writes a small, real OCI image (config + one gzipped tar layer + manifest) over
// the registry's HTTP API, no Docker needed; digests are computed from the bytes pushed.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { startComponent, waitFor } from "../cluster/processes.js";
import { cachedBinaryDir, httpOk, Owned } from "./common.js";

export const MediaTypes = {
  imageIndex: "application/vnd.oci.image.index.v1+json",
  imageManifest: "application/vnd.oci.image.manifest.v1+json",
  imageConfig: "application/vnd.oci.image.config.v1+json",
  layerTarGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface RegistryOptions {
  /** Serve the OCI 1.1 referrers API (default true). */
  referrers?: boolean;
  /** Refuse to move or delete tags (default false). */
  immutableTags?: boolean;
}

export interface Registry {
  /** "127.0.0.1:PORT", for image references: `${host}/repo:tag`. */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  referrers: boolean;
  /** The registry's log so far: one "METHOD /path status bytes" line per request. */
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const referrers = opts.referrers ?? true;
  const binary = join(cachedBinaryDir("registry"), "oci-registry");
  const owned = new Owned("registry");
  try {
    const logFile = join(owned.dir, "registry.log");
    // Port 0: the registry binds a free port itself and logs it, so there is no race for it.
    const args = ["-address=127.0.0.1:0", ...(referrers ? [] : ["-disable-referrers"]), ...(opts.immutableTags ? ["-immutable-tags"] : [])];
    const c = owned.add(startComponent("oci-registry", binary, args, logFile));
    let host = "";
    await waitFor("the registry to listen", () => {
      host = /serving on (127\.0\.0\.1:\d+)/.exec(readFileSync(logFile, "utf8"))?.[1] ?? "";
      return host !== "";
    }, { timeoutMs: 15_000, component: c });
    const url = `http://${host}`;
    await waitFor(`${url}/v2/`, () => httpOk(`${url}/v2/`), { timeoutMs: 15_000, component: c });
    let finalLog: string | undefined;
    owned.beforeRemove = () => (finalLog = readFileSync(logFile, "utf8"));
    return { host, url, referrers, log: () => finalLog ?? readFileSync(logFile, "utf8"), stop: () => owned.stop() };
  } catch (e) {
    await owned.stop();
    throw e;
  }
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A one-file ustar archive (no compression). */
export function tarOneFile(name: string, content: Uint8Array, mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
  field(0, 100, name);
  field(100, 8, octal(mode, 8));
  field(108, 8, octal(0, 8)); // uid
  field(116, 8, octal(0, 8)); // gid
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12)); // mtime: the epoch, so the layer is reproducible
  field(148, 8, "        "); // checksum placeholder: spaces while summing
  field(156, 1, "0"); // regular file
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  field(265, 32, "root");
  field(297, 32, "root");
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** Uploads a blob (monolithic POST then PUT) unless the registry already has it; returns its digest. */
export async function pushBlob(host: string, repo: string, bytes: Buffer): Promise<string> {
  const base = `http://${host}/v2/${repo}`;
  const digest = sha256Digest(bytes);
  const head = await fetch(`${base}/blobs/${digest}`, { method: "HEAD" });
  if (head.ok) return digest;
  const start = await fetch(`${base}/blobs/uploads/`, { method: "POST" });
  await start.arrayBuffer();
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) throw new Error(`starting a blob upload to ${base}: HTTP ${start.status}`);
  const put = new URL(location, `http://${host}/`);
  put.searchParams.set("digest", digest);
  const res = await fetch(put, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: bytes });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`uploading blob ${digest} to ${base}: HTTP ${res.status} ${body}`);
  return digest;
}

/** PUTs a manifest under `reference` (a tag or its digest) and checks the registry computed the same digest. */
export async function pushManifest(host: string, repo: string, reference: string, manifest: Buffer, mediaType: string): Promise<string> {
  const digest = sha256Digest(manifest);
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { method: "PUT", headers: { "content-type": mediaType }, body: manifest });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`pushing manifest ${repo}:${reference}: HTTP ${res.status} ${body}`);
  const served = res.headers.get("docker-content-digest");
  if (served !== null && served !== digest) throw new Error(`registry says manifest digest ${served}, computed ${digest}`);
  return digest;
}

export interface TestImage {
  /** sha256:<hex> of the manifest bytes. */
  digest: string;
  /** host/repo@sha256:... — what to sign and deploy. */
  reference: string;
  /** host/repo:tag */
  tagReference: string;
  manifest: Buffer;
  mediaType: string;
}

/**
 * Pushes a tiny single-layer linux/amd64 OCI image whose one file /hello.txt holds `content`
 * (default: "hello from <repo>:<tag>", so different tags get different digests).
 */
export async function pushTestImage(host: string, repo: string, tag: string, opts: { content?: string } = {}): Promise<TestImage> {
  const tar = tarOneFile("hello.txt", Buffer.from(opts.content ?? `hello from ${repo}:${tag}\n`));
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["/bin/cat", "/hello.txt"], Labels: { "dev.golive.test": "true" } },
    rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
    history: [{ created_by: "golive test/services/registry.ts pushTestImage" }],
  }));
  const [configDigest, layerDigest] = [await pushBlob(host, repo, config), await pushBlob(host, repo, layer)];
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.imageManifest,
    config: { mediaType: MediaTypes.imageConfig, digest: configDigest, size: config.length },
    layers: [{ mediaType: MediaTypes.layerTarGzip, digest: layerDigest, size: layer.length }],
  }));
  const digest = await pushManifest(host, repo, tag, manifest, MediaTypes.imageManifest);
  return { digest, reference: `${host}/${repo}@${digest}`, tagReference: `${host}/${repo}:${tag}`, manifest, mediaType: MediaTypes.imageManifest };
}

export interface FetchedManifest {
  /** From the Docker-Content-Digest header. */
  digest: string | null;
  /** sha256 of the bytes served. */
  computedDigest: string;
  mediaType: string;
  bytes: Buffer;
  json: unknown;
}

const acceptAll = [MediaTypes.imageManifest, MediaTypes.imageIndex, "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json"].join(", ");

/** GETs a manifest by tag or digest; undefined on 404. */
export async function getManifest(host: string, repo: string, reference: string): Promise<FetchedManifest | undefined> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { headers: { accept: acceptAll } });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET manifest ${repo}:${reference}: HTTP ${res.status} ${bytes.toString()}`);
  return { digest: res.headers.get("docker-content-digest"), computedDigest: sha256Digest(bytes), mediaType: res.headers.get("content-type") ?? "", bytes, json: JSON.parse(bytes.toString()) };
}

/** GETs a blob's bytes, checking them against the digest. */
export async function getBlob(host: string, repo: string, digest: string): Promise<Buffer> {
  const res = await fetch(`http://${host}/v2/${repo}/blobs/${digest}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`GET blob ${repo}@${digest}: HTTP ${res.status}`);
  if (sha256Digest(bytes) !== digest) throw new Error(`blob ${digest} served with digest ${sha256Digest(bytes)}`);
  return bytes;
}

const TagList = z.object({ tags: z.array(z.string()).nullish() });

export async function listTags(host: string, repo: string): Promise<string[]> {
  const res = await fetch(`http://${host}/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`GET tags of ${repo}: HTTP ${res.status}`);
  return (TagList.parse(await res.json()).tags ?? []).sort();
}

const Descriptor = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  artifactType: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;
const Index = z.object({ manifests: z.array(Descriptor).nullish() });

/**
 * The referrers of `digest` from the referrers API, optionally filtered by artifactType;
 * undefined if the registry does not serve that API (404).
 */
export async function listReferrers(host: string, repo: string, digest: string, artifactType?: string): Promise<Descriptor[] | undefined> {
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
  const res = await fetch(`http://${host}/v2/${repo}/referrers/${digest}${query}`, { headers: { accept: MediaTypes.imageIndex } });
  const text = await res.text();
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET referrers of ${repo}@${digest}: HTTP ${res.status} ${text}`);
  return Index.parse(JSON.parse(text)).manifests ?? [];
}

/** The referrers tag schema fallback: the index tagged sha256-<hex> lists the referrers of sha256:<hex>. */
export async function listFallbackReferrers(host: string, repo: string, digest: string): Promise<Descriptor[] | undefined> {
  const index = await getManifest(host, repo, digest.replace(":", "-"));
  return index ? (Index.parse(index.json).manifests ?? []) : undefined;
}
