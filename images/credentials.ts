// Registry credentials from Docker config files and Kubernetes image pull secrets.
//
// Formats read: `.dockerconfigjson` ({"auths": {KEY: ENTRY}}: ~/.docker/config.json and Secrets of
// type kubernetes.io/dockerconfigjson) and the legacy `.dockercfg` ({KEY: ENTRY}, Secrets of type
// kubernetes.io/dockercfg). ENTRY holds `auth` (base64 of "user:password") or `username` and
// `password`, and optionally `identitytoken` (an OAuth2 refresh token for the token endpoint) or
// `registrytoken` (a bearer token used as is). Credential helpers (credsStore, credHelpers) are
// not run: they are programs on a developer machine, not something an operator may execute.
//
// KEY matching follows the kubelet's keyring: "https://" and "http://" are dropped, a "/v1/" or
// "/v2/" path prefix is dropped, the host may use "*." label wildcards, the port must match, and a
// path in the key must be a path prefix of the repository. The most specific key (longest path)
// wins; among equally specific keys, the first given (pull secrets keep their order). Docker Hub's
// aliases (index.docker.io, registry-1.docker.io, docker.io) are one registry.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { decodeBase64 } from "../gates/dsse.js";
import { DEFAULT_REGISTRY } from "./reference.js";

export interface RegistryCredential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token, exchanged at the token endpoint. */
  identityToken?: string;
  /** A bearer token sent as is. */
  registryToken?: string;
}

interface Entry {
  host: string;
  path: string;
  credential: RegistryCredential;
}

export class CredentialError extends Error {
  override name = "CredentialError";
}

const AuthEntry = z.looseObject({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
  registrytoken: z.string().optional(),
});
const AuthMap = z.record(z.string(), AuthEntry);
const DockerConfig = z.looseObject({ auths: AuthMap.optional() });

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DEFAULT_REGISTRY : lower;
}

function parseKey(key: string): { host: string; path: string } {
  let rest = key.trim().replace(/^https?:\/\//i, "");
  const slash = rest.indexOf("/");
  let path = slash < 0 ? "" : rest.slice(slash + 1);
  rest = slash < 0 ? rest : rest.slice(0, slash);
  path = path.replace(/^v[12](?:\/|$)/, "").replace(/\/+$/, "");
  return { host: normalizeHost(rest), path };
}

function toCredential(source: string, key: string, entry: z.infer<typeof AuthEntry>): RegistryCredential {
  const credential: RegistryCredential = {};
  if (entry.auth) {
    const decoded = decodeBase64(entry.auth)?.toString("utf8");
    const colon = decoded?.indexOf(":") ?? -1;
    if (decoded === undefined || colon < 0) throw new CredentialError(`${source}: the "auth" of ${key} is not base64 of "user:password"`);
    credential.username = decoded.slice(0, colon);
    credential.password = decoded.slice(colon + 1);
  } else if (entry.username !== undefined || entry.password !== undefined) {
    credential.username = entry.username ?? "";
    credential.password = entry.password ?? "";
  }
  if (entry.identitytoken) credential.identityToken = entry.identitytoken;
  if (entry.registrytoken) credential.registryToken = entry.registrytoken;
  return credential;
}

/** A set of credentials, looked up by image registry and repository. */
export class CredentialStore {
  private readonly entries: Entry[] = [];

  /** Add the entries of a Docker config (`.dockerconfigjson` or legacy `.dockercfg`) given as JSON text. */
  addDockerConfig(json: string, source = "docker config"): this {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new CredentialError(`${source} is not JSON: ${(e as Error).message}`);
    }
    const config = DockerConfig.safeParse(value);
    if (!config.success) throw new CredentialError(`${source} is not a Docker config: ${config.error.issues[0]?.message ?? "invalid"}`);
    // Legacy .dockercfg: the auth map is the whole document.
    const auths = config.data.auths ?? AuthMap.safeParse(value).data ?? {};
    for (const [key, entry] of Object.entries(auths)) {
      if (key === "credsStore" || key === "credHelpers") continue;
      this.entries.push({ ...parseKey(key), credential: toCredential(source, key, entry) });
    }
    return this;
  }

  /** Add a Kubernetes image pull secret (types kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg). */
  addPullSecret(secret: { metadata?: { name?: string }; type?: string; data?: Record<string, string> }): this {
    const name = `Secret ${secret.metadata?.name ?? "?"}`;
    const raw = secret.data?.[".dockerconfigjson"] ?? secret.data?.[".dockercfg"];
    if (raw === undefined) throw new CredentialError(`${name} has no .dockerconfigjson or .dockercfg key (type ${secret.type ?? "unset"})`);
    const json = decodeBase64(raw);
    if (!json) throw new CredentialError(`${name}: the Docker config is not base64`);
    return this.addDockerConfig(json.toString("utf8"), name);
  }

  /** The credential for an image, or undefined (anonymous). */
  lookup(registry: string, repository: string): RegistryCredential | undefined {
    const host = normalizeHost(registry);
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (!hostMatches(e.host, host)) continue;
      if (e.path && repository !== e.path && !repository.startsWith(`${e.path}/`)) continue;
      if (!best || e.path.length > best.path.length) best = e;
    }
    return best?.credential;
  }

  get size(): number {
    return this.entries.length;
  }
}

/** Host glob match by labels ("*.example.com" matches "a.example.com"); ports must be equal. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.includes("*")) return false;
  const [pHost = "", pPort] = splitPort(pattern);
  const [hHost = "", hPort] = splitPort(host);
  if (pPort !== hPort) return false;
  const pLabels = pHost.split(".");
  const hLabels = hHost.split(".");
  if (pLabels.length !== hLabels.length) return false;
  return pLabels.every((p, i) => p === "*" || p === hLabels[i]);
}

function splitPort(host: string): [string, string | undefined] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host);
  return [m?.[1] ?? host, m?.[2]];
}

/**
 * Credentials from a Docker config file: `path`, else $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json. A missing default file is no credentials; a missing given file is an error.
 */
export function loadDockerConfig(path?: string, env: NodeJS.ProcessEnv = process.env): CredentialStore {
  const store = new CredentialStore();
  const file = path ?? join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (path === undefined && (e as NodeJS.ErrnoException).code === "ENOENT") return store;
    throw new CredentialError(`cannot read the registry credentials ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return store.addDockerConfig(text, file);
}
