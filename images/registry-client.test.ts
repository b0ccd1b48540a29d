// The registry client's protocol handling (auth flows, retries, caps, timeouts, redirects) against
// small loopback HTTP servers that misbehave on purpose; the real registry is in test/images.test.ts.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CredentialStore } from "./credentials.js";
import { digestOf, MANIFEST_ACCEPT } from "./oci.js";
import { parseChallenge, parseRetryAfter, RegistryClient, RegistryError } from "./registry-client.js";

type Handler = (req: IncomingMessage, res: ServerResponse, host: string) => void;
const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(handler: Handler): Promise<{ host: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  let host = "";
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, host);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { host, requests };
}

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {}, layers: [] }));
const repo = (host: string) => ({ registry: host, repository: "team/app" });
const creds = (host: string, entry: object) => new CredentialStore().addDockerConfig(JSON.stringify({ auths: { [host]: entry } }));
const noSleep = (delays: number[]) => (ms: number) => {
  delays.push(ms);
  return Promise.resolve();
};

async function kindOf(p: Promise<unknown>): Promise<{ kind: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RegistryError) return { kind: e.kind, message: e.message };
    throw e;
  }
  throw new Error("expected a RegistryError");
}

describe("RegistryClient", () => {
  it("asks for every manifest type and computes the digest from the bytes, never from the header", async () => {
    const { host, requests } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "docker-content-digest": `sha256:${"0".repeat(64)}` });
      res.end(manifest);
    });
    const client = new RegistryClient();
    const got = await client.getManifest(repo(host), "v1");
    expect(got).toMatchObject({ digest: digestOf(manifest), mediaType: "application/vnd.oci.image.manifest.v1+json" });
    expect(requests[0]!.headers.accept).toBe(MANIFEST_ACCEPT.join(", "));
    expect(requests[0]!.url).toBe("/v2/team/app/manifests/v1");
    // Fetched by digest, bytes that hash to something else are refused.
    expect(await kindOf(client.getManifest(repo(host), `sha256:${"0".repeat(64)}`))).toMatchObject({ kind: "DigestMismatch", message: expect.stringMatching(/hashes to sha256:.*the registry is broken or the content was tampered with/) });
    expect(await kindOf(client.getBlob(repo(host), `sha256:${"0".repeat(64)}`, { maxBytes: 1 << 20 }))).toMatchObject({ kind: "DigestMismatch" });
  });

  it("caps bodies, with or without a Content-Length", async () => {
    const { host } = await serve((req, res) => {
      const big = Buffer.alloc(5000, 0x20);
      if (req.url!.endsWith("chunked")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(big.subarray(0, 2500));
        res.end(big.subarray(2500));
      } else {
        res.writeHead(200, { "content-length": String(big.length) });
        res.end(big);
      }
    });
    const client = new RegistryClient({ maxManifestBytes: 4096 });
    expect(await kindOf(client.getManifest(repo(host), "sized"))).toMatchObject({ kind: "TooLarge", message: expect.stringMatching(/5000 bytes, over the 4096-byte limit/) });
    expect(await kindOf(client.getManifest(repo(host), "chunked"))).toMatchObject({ kind: "TooLarge", message: expect.stringMatching(/over the 4096-byte limit/) });
  });

  it("runs the Docker token flow with credentials, and reuses the token", async () => {
    const tokenRequests: IncomingMessage[] = [];
    const { host } = await serve((req, res, self) => {
      if (req.url!.startsWith("/token")) {
        tokenRequests.push(req);
        const ok = req.headers.authorization === `Basic ${Buffer.from("ci:pw").toString("base64")}`;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
        return res.end(ok ? JSON.stringify({ token: "t0k3n", expires_in: 300 }) : "{}");
      }
      if (req.headers.authorization !== "Bearer t0k3n") {
        res.writeHead(401, { "www-authenticate": `Bearer realm="http://${self}/token",service="registry.test",scope="repository:team/app:pull"` });
        return res.end();
      }
      res.writeHead(200);
      res.end(manifest);
    });
    const client = new RegistryClient({ credentials: creds(host, { username: "ci", password: "pw" }) });
    expect(await client.getManifest(repo(host), "v1")).toBeDefined();
    expect(await client.getManifest(repo(host), "v2")).toBeDefined();
    expect(tokenRequests).toHaveLength(1);
    const url = new URL(tokenRequests[0]!.url!, "http://x");
    expect(url.searchParams.get("service")).toBe("registry.test");
    expect(url.searchParams.getAll("scope")).toEqual(["repository:team/app:pull"]);

    const wrong = new RegistryClient({ credentials: creds(host, { username: "ci", password: "nope" }) });
    expect(await kindOf(wrong.getManifest(repo(host), "v1"))).toMatchObject({ kind: "Auth", message: expect.stringMatching(/token endpoint refused the credentials \(HTTP 401\)/) });
    const anonymous = new RegistryClient();
    expect(await kindOf(anonymous.getManifest(repo(host), "v1"))).toMatchObject({ kind: "Auth", message: expect.stringMatching(/refused anonymous access/) });
  });

  it("exchanges an identity token (OAuth2 refresh token) at the token endpoint", async () => {
    let form = "";
    const { host } = await serve((req, res, self) => {
      if (req.url!.startsWith("/token")) {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          form = body;
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: "from-refresh" }));
        });
        return;
      }
      if (req.headers.authorization !== "Bearer from-refresh") {
        res.writeHead(401, { "www-authenticate": `Bearer realm="http://${self}/token",service="svc"` });
        return res.end();
      }
      res.writeHead(200);
      res.end(manifest);
    });
    const client = new RegistryClient({ credentials: creds(host, { identitytoken: "refresh-123" }) });
    expect(await client.getManifest(repo(host), "v1")).toBeDefined();
    expect(Object.fromEntries(new URLSearchParams(form))).toMatchObject({ grant_type: "refresh_token", refresh_token: "refresh-123", service: "svc", scope: "repository:team/app:pull" });
  });

  it("answers a Basic challenge with the credential, and says when there is none", async () => {
    const { host } = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from("u:p").toString("base64")}`) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="registry"' });
        return res.end();
      }
      res.writeHead(200);
      res.end(manifest);
    });
    expect(await new RegistryClient({ credentials: creds(host, { auth: Buffer.from("u:p").toString("base64") }) }).getManifest(repo(host), "v1")).toBeDefined();
    expect(await kindOf(new RegistryClient().getManifest(repo(host), "v1"))).toMatchObject({ kind: "Auth", message: expect.stringMatching(/requires credentials \(Basic\) and none are configured/) });
  });

  it("classifies 403 as Auth and 404 as absent", async () => {
    const { host } = await serve((req, res) => {
      res.writeHead(req.url!.includes("denied") ? 403 : 404);
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    });
    const client = new RegistryClient();
    expect(await kindOf(client.getManifest(repo(host), "denied"))).toMatchObject({ kind: "Auth", message: expect.stringMatching(/access denied \(HTTP 403\)/) });
    expect(await client.getManifest(repo(host), "missing")).toBeUndefined();
    expect(await client.getReferrers(repo(host), `sha256:${"1".repeat(64)}`)).toBeUndefined();
  });

  it("retries 429 honouring Retry-After, and gives up as Throttled when it is beyond the budget", async () => {
    let n = 0;
    const { host } = await serve((req, res) => {
      if (req.url!.includes("long")) {
        res.writeHead(429, { "retry-after": "30" });
        return res.end();
      }
      if (n++ < 1) {
        res.writeHead(429, { "retry-after": "1" });
        return res.end();
      }
      res.writeHead(200);
      res.end(manifest);
    });
    const delays: number[] = [];
    const client = new RegistryClient({ sleep: noSleep(delays) });
    expect(await client.getManifest(repo(host), "v1")).toBeDefined();
    expect(delays).toEqual([1000]);
    expect(await kindOf(client.getManifest(repo(host), "long"))).toMatchObject({ kind: "Throttled", message: expect.stringMatching(/HTTP 429 after 1 attempt, Retry-After 30 s is beyond the budget/) });
  });

  it("retries 5xx with exponential backoff and full jitter, then reports RegistryDown", async () => {
    const { host, requests } = await serve((_req, res) => {
      res.writeHead(503);
      res.end("down");
    });
    const delays: number[] = [];
    const client = new RegistryClient({ sleep: noSleep(delays), random: () => 1, backoffMs: 200, maxAttempts: 3 });
    expect(await kindOf(client.getManifest(repo(host), "v1"))).toMatchObject({ kind: "RegistryDown", message: expect.stringMatching(/HTTP 503 after 3 attempts/) });
    expect(requests).toHaveLength(3);
    expect(delays).toEqual([200, 400]);
  });

  it("reports an unreachable registry as RegistryDown, quickly", async () => {
    const free = await serve(() => undefined);
    servers.pop()!.close();
    const started = Date.now();
    expect(await kindOf(new RegistryClient({ backoffMs: 50 }).getManifest(repo(free.host), "v1"))).toMatchObject({ kind: "RegistryDown", message: expect.stringMatching(/cannot reach .* \(ECONNREFUSED\) after 3 attempts/) });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("reports a registry that accepts connections and never answers as Timeout", async () => {
    const sockets: Socket[] = [];
    const tcp = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    servers.push({ close: () => (sockets.forEach((s) => s.destroy()), tcp.close()) });
    const host = `127.0.0.1:${(tcp.address() as { port: number }).port}`;
    const started = Date.now();
    expect(await kindOf(new RegistryClient({ requestTimeoutMs: 300 }).getManifest(repo(host), "v1"))).toMatchObject({ kind: "Timeout", message: expect.stringMatching(/no answer within 300 ms/) });
    expect(Date.now() - started).toBeLessThan(2000);
    // The caller's deadline is a timeout too.
    expect(await kindOf(new RegistryClient({ requestTimeoutMs: 5000 }).getManifest(repo(host), "v1", { signal: AbortSignal.timeout(200) }))).toMatchObject({ kind: "Timeout", message: expect.stringMatching(/deadline passed/) });
  });

  it("follows redirects but never sends Authorization to another origin", async () => {
    const cdn = await serve((_req, res) => {
      res.writeHead(200);
      res.end("blob");
    });
    const { host } = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from("u:p").toString("base64")}`) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="r"' });
        return res.end();
      }
      res.writeHead(307, { location: `http://${cdn.host}/storage/blob?sig=1` });
      res.end();
    });
    const client = new RegistryClient({ credentials: creds(host, { username: "u", password: "p" }) });
    expect((await client.getBlob(repo(host), digestOf("blob"), { maxBytes: 100 }))?.toString()).toBe("blob");
    expect(cdn.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("lists referrers, filtering by artifactType itself", async () => {
    const d = (n: string, artifactType?: string) => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${n.repeat(64)}`, size: 1, ...(artifactType ? { artifactType } : {}) });
    const { host } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.index.v1+json" });
      res.end(JSON.stringify({ schemaVersion: 2, manifests: [d("1", "a/b"), d("2", "c/d"), d("3")] }));
    });
    const client = new RegistryClient();
    expect(await client.getReferrers(repo(host), `sha256:${"9".repeat(64)}`)).toHaveLength(3);
    expect((await client.getReferrers(repo(host), `sha256:${"9".repeat(64)}`, { artifactType: "c/d" }))?.map((x) => x.digest)).toEqual([`sha256:${"2".repeat(64)}`]);
  });

  it("parses challenges and Retry-After", () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" },
    });
    expect(parseChallenge('Basic realm="a \\"quoted\\" realm"')).toEqual({ scheme: "basic", params: { realm: 'a "quoted" realm' } });
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
