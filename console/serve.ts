// Starts the console: watches (informers) of Releases and ReleaseEvidence in every namespace, the viewer checks, and
// the HTTPS server. TLS from webhook/serving-tls.ts: PEM files or a certificate made at start, kept
// fresh while the console runs (a renewed Secret served, a made-at-start one replaced before it expires).
import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import { governingPolicy } from "../operator/release/gather.js";
import { httpsAuditFetch, ReleaseAudit } from "./audit.js";
import { loadKubeConfig } from "../operator/manager.js";
import { Informer } from "../operator/runtime/informer.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { keepServingTls, servingTls, type ServingTlsOptions } from "../webhook/serving-tls.js";
import { kubeReviewer, ViewerAccess } from "./access.js";
import { DEFAULT_GROUP_HEADERS, DEFAULT_USERNAME_HEADERS, type RequestHeaderOptions } from "./proxy-identity.js";
import { startConsoleServer } from "./server.js";

export interface ConsoleOptions {
  port: number;
  host?: string | undefined;
  kubeconfig?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** DNS names for a certificate made at start (besides localhost and 127.0.0.1). */
  dnsNames?: string[];
  /** Trust identity headers from an authenticating proxy whose client certificate this CA file's CA signed (off when unset). */
  requestHeaderClientCaFile?: string | undefined;
  /** Common names the proxy's certificate may have (empty: any the CA signed). */
  requestHeaderAllowedNames?: string[] | undefined;
  requestHeaderUsernameHeaders?: string[] | undefined;
  requestHeaderGroupHeaders?: string[] | undefined;
  /** https URL of the operator's GET /audit: release pages show the release's audit records, asked with the viewer's token. */
  auditUrl?: string | undefined;
  /** PEM file of the CA that signed the /audit certificate (default: the system's CAs). */
  auditCaFile?: string | undefined;
  /** golive's own namespace (never governed): no report there. */
  ownNamespace?: string | undefined;
  log: Logger;
}

/**
 * The same API server, authenticated as the viewer's bearer token and nothing else: the console's
 * own credentials (ServiceAccount token, client certificate, exec plugin) are not carried over.
 */
export function viewerKubeConfig(kc: KubeConfig, token: string): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the console's kubeconfig names no current cluster");
  const out = new KubeConfig();
  out.loadFromOptions({ clusters: [cluster], users: [{ name: "viewer", token }], contexts: [{ name: "viewer", cluster: cluster.name, user: "viewer" }], currentContext: "viewer" });
  return out;
}

function requestHeaderOptions(o: ConsoleOptions): RequestHeaderOptions | undefined {
  if (!o.requestHeaderClientCaFile) {
    if (o.requestHeaderAllowedNames?.length) throw new Error("--requestheader-allowed-names needs --requestheader-client-ca-file");
    return undefined;
  }
  return {
    clientCa: readFileSync(o.requestHeaderClientCaFile, "utf8"),
    allowedNames: o.requestHeaderAllowedNames ?? [],
    usernameHeaders: o.requestHeaderUsernameHeaders?.length ? o.requestHeaderUsernameHeaders : DEFAULT_USERNAME_HEADERS,
    groupHeaders: o.requestHeaderGroupHeaders?.length ? o.requestHeaderGroupHeaders : DEFAULT_GROUP_HEADERS,
  };
}

export function consoleTlsOptions(o: Pick<ConsoleOptions, "certFile" | "keyFile" | "dnsNames" | "log">): ServingTlsOptions {
  return { name: "console", flags: { cert: "--tls-cert", key: "--tls-key" }, certFile: o.certFile, keyFile: o.keyFile, dnsNames: o.dnsNames, log: o.log };
}

export async function startConsole(o: ConsoleOptions): Promise<{ port: number; close(): Promise<void> }> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port ${o.port}: use a TCP port (0-65535)`);
  const requestHeader = requestHeaderOptions(o);
  if (o.auditCaFile && !o.auditUrl) throw new Error("--audit-ca-file needs --audit-url");
  const audit = o.auditUrl ? new ReleaseAudit(httpsAuditFetch({ url: o.auditUrl, ca: o.auditCaFile ? readFileSync(o.auditCaFile, "utf8") : undefined })) : undefined;
  const tlsOptions = { ...consoleTlsOptions(o), clientCa: requestHeader?.clientCa };
  const tls = await servingTls(tlsOptions);
  const kc = loadKubeConfig(o.kubeconfig);
  const client = new KubeClient(kc);
  const informer = new Informer<Release & { metadata: { namespace?: string } }>(client, "/apis/golive.dev/v1alpha1/releases", { onError: (e, what) => o.log.warn({ err: e }, `console: ${what}`) });
  const listeners: (() => void)[] = [];
  informer.on((event) => {
    if (event !== "resync") for (const l of listeners) l();
  });
  // Evidence for the release page (signers, times, digests, approvals) and the delivery page's lead time.
  const evidence = new Informer<ReleaseEvidence>(client, "/apis/golive.dev/v1alpha1/releaseevidences", { onError: (e, what) => o.log.warn({ err: e }, `console: ${what}`) });
  evidence.on((event) => {
    if (event !== "resync") for (const l of listeners) l();
  });
  // The governing policy (and the namespace labels its selector reads), for the conformance report.
  const policies = new Informer<ReleasePolicy>(client, "/apis/golive.dev/v1alpha1/releasepolicies", { onError: (e, what) => o.log.warn({ err: e }, `console: ${what}`) });
  const namespaceObjects = new Informer<{ metadata: { name: string; labels?: Record<string, string> } }>(client, "/api/v1/namespaces", { onError: (e, what) => o.log.warn({ err: e }, `console: ${what}`) });
  await Promise.all([informer.start(), evidence.start(), policies.start(), namespaceObjects.start()]);
  const server = await startConsoleServer({
    port: o.port,
    ...(o.host ? { host: o.host } : {}),
    tls,
    evidence: { list: () => evidence.list() },
    ...(requestHeader ? { requestHeader } : {}),
    ...(audit ? { audit } : {}),
    policies: { governing: (ns) => governingPolicy({ policies, namespaces: namespaceObjects }, ns, o.ownNamespace ?? "") },
    createEvidenceAs: async (token, body) => {
      // One request, not retried on its own (a create is not idempotent), then the connection goes.
      const asViewer = new KubeClient(viewerKubeConfig(kc, token), 30_000, { attempts: 0, maxDelayMs: 0 });
      try {
        await asViewer.create(`/apis/golive.dev/v1alpha1/namespaces/${encodeURIComponent(body.metadata.namespace ?? "")}/releaseevidences`, body);
      } finally {
        asViewer.close();
      }
    },
    access: new ViewerAccess(kubeReviewer(client)),
    log: o.log,
    releases: { list: () => informer.list(), get: (ns, name) => informer.get(ns, name), onChange: (fn) => listeners.push(fn) },
  });
  const stopTls = keepServingTls(server.server, tls, tlsOptions);
  return {
    port: server.port,
    close: async () => {
      stopTls();
      await server.close();
      await Promise.all([informer.stop(), evidence.stop(), policies.stop(), namespaceObjects.stop()]);
      client.close();
    },
  };
}
