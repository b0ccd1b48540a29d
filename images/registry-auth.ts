// Registry authentication: answer a 401's WWW-Authenticate challenge. Basic gets the configured
// credential; Bearer gets a token from the realm the registry names (the Docker token flow: GET
// with Basic credentials or anonymous, or an OAuth2 refresh-token POST for an identity token).
// Tokens are cached per registry and scope until shortly before they expire. Credentials are
// never sent over plain HTTP to a non-loopback host, and the token realm must be HTTPS.
import { z } from "zod";
import type { CredentialStore, RegistryCredential } from "./credentials.js";
import { networkCause, readCapped, RegistryError, type Repository } from "./http.js";

const MAX_TOKEN_BODY = 1024 * 1024;

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse a WWW-Authenticate header's first challenge: scheme then comma-separated auth-params. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? "";
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest)) !== null && p[0] !== "") params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  return { scheme: m[1]!.toLowerCase(), params };
}

const TokenResponse = z.looseObject({ token: z.string().optional(), access_token: z.string().optional(), expires_in: z.number().optional() });

export interface RegistryAuthOptions {
  credentials?: CredentialStore | undefined;
  timeoutMs: number;
  plainHttp: (host: string) => boolean;
}

export class RegistryAuth {
  private readonly tokens = new Map<string, { authorization: string; expiresAt: number }>();

  constructor(private readonly o: RegistryAuthOptions) {}

  credentialFor(repo: Repository): RegistryCredential | undefined {
    return this.o.credentials?.lookup(repo.registry, repo.repository);
  }

  /** A still-valid Authorization for this registry and scope, to send before being challenged. */
  cached(registry: string, scope: string): string | undefined {
    const hit = this.tokens.get(`${registry} ${scope}`);
    if (hit && hit.expiresAt > Date.now()) return hit.authorization;
    return undefined;
  }

  /** Answer a 401: Basic with the configured credential, or a token from the Bearer realm. */
  async authorize(repo: Repository, scope: string, challengeHeader: string, responseUrl: string, signal: AbortSignal | undefined): Promise<string> {
    const where = `${repo.registry}/${repo.repository}`;
    const challenge = parseChallenge(challengeHeader);
    const credential = this.credentialFor(repo);
    const secure = new URL(responseUrl).protocol === "https:" || this.o.plainHttp(repo.registry);
    if (challenge?.scheme === "basic") {
      if (!credential?.username && !credential?.password) throw new RegistryError("Auth", `${where}: the registry requires credentials (Basic) and none are configured for it (docker config or image pull secrets)`, 401);
      if (!secure) throw new RegistryError("Auth", `${where}: refusing to send credentials over plain HTTP`);
      const authorization = `Basic ${Buffer.from(`${credential.username ?? ""}:${credential.password ?? ""}`).toString("base64")}`;
      this.remember(repo.registry, scope, authorization, Number.POSITIVE_INFINITY);
      return authorization;
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) throw new RegistryError("Auth", `${where}: HTTP 401 without a usable WWW-Authenticate challenge`, 401);
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    const realm = new URL(challenge.params.realm);
    const hasSecret = Boolean(credential?.password || credential?.identityToken);
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && this.o.plainHttp(realm.host))) {
      throw new RegistryError("Auth", `${where}: the token realm ${realm.origin} is not HTTPS; refusing to use it`);
    }
    // The scope we need; a registry's own challenge scope is added (it may name more).
    const scopes = new Set([scope, ...(challenge.params.scope ? challenge.params.scope.split(" ") : [])]);
    const service = challenge.params.service;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const tokenSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let tokenRes: globalThis.Response;
    try {
      if (credential?.identityToken) {
        const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.identityToken, client_id: "golive", scope: [...scopes].join(" ") });
        if (service) form.set("service", service);
        tokenRes = await fetch(realm, { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "error", signal: tokenSignal });
      } else {
        if (service) realm.searchParams.set("service", service);
        for (const s of scopes) realm.searchParams.append("scope", s);
        const headers: Record<string, string> = {};
        if (hasSecret) headers.authorization = `Basic ${Buffer.from(`${credential?.username ?? ""}:${credential?.password ?? ""}`).toString("base64")}`;
        tokenRes = await fetch(realm, { headers, redirect: "error", signal: tokenSignal });
      }
    } catch (e) {
      if (timeout.aborted || signal?.aborted) throw new RegistryError("Timeout", `${where}: the token endpoint ${realm.origin} did not answer within ${this.o.timeoutMs} ms`);
      throw new RegistryError("RegistryDown", `${where}: cannot reach the token endpoint ${realm.origin} (${networkCause(e)})`);
    }
    let bytes: Buffer;
    try {
      bytes = await readCapped(tokenRes, MAX_TOKEN_BODY, repo.registry, realm.toString());
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw new RegistryError("Timeout", `${where}: the token endpoint ${realm.origin} did not finish its answer within ${this.o.timeoutMs} ms`);
    }
    if (tokenRes.status === 401 || tokenRes.status === 403) throw new RegistryError("Auth", `${where}: the token endpoint refused ${hasSecret ? "the credentials" : "anonymous access"} (HTTP ${tokenRes.status})`, tokenRes.status);
    if (tokenRes.status === 429) throw new RegistryError("Throttled", `${where}: the token endpoint throttles (HTTP 429)`, 429);
    if (tokenRes.status >= 500) throw new RegistryError("RegistryDown", `${where}: the token endpoint failed (HTTP ${tokenRes.status})`, tokenRes.status);
    if (tokenRes.status !== 200) throw new RegistryError("Auth", `${where}: the token endpoint answered HTTP ${tokenRes.status}`, tokenRes.status);
    let parsed: z.infer<typeof TokenResponse>;
    try {
      parsed = TokenResponse.parse(JSON.parse(bytes.toString("utf8")));
    } catch {
      throw new RegistryError("Auth", `${where}: the token endpoint's answer is not a token response`);
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new RegistryError("Auth", `${where}: the token endpoint's answer holds no token`);
    const authorization = `Bearer ${token}`;
    // Expire a little early so a token is never used at the edge of its life (default 60 s).
    this.remember(repo.registry, scope, authorization, Date.now() + Math.max(0, (parsed.expires_in ?? 60) - 10) * 1000);
    return authorization;
  }

  private remember(registry: string, scope: string, authorization: string, expiresAt: number): void {
    if (this.tokens.size > 1000) this.tokens.clear();
    this.tokens.set(`${registry} ${scope}`, { authorization, expiresAt });
  }
}
