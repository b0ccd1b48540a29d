// Starts the console: watches (informers) of Releases and ReleaseEvidence in every namespace, the viewer checks, and
// the HTTPS server. TLS comes from the given PEM files (a cert-manager or chart-made Secret) or,
// without them, a certificate made at start and valid for a day (its SHA-256 fingerprint is
// logged so a browser's warning can be checked against it). A long-running console (the chart's
// Deployment) keeps serving: the PEM files are read again every minute and a changed pair (a
// renewed cert-manager Secret, as the kubelet updates the mount) is served from then on; a
// certificate made at start is replaced by a new one before it expires. Connections in flight
// keep theirs (server.setSecureContext).
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { Release, ReleaseEvidence } from "../api/index.js";
import { loadKubeConfig } from "../operator/manager.js";
import { Informer } from "../operator/runtime/informer.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { createCa, issueServingCertificate } from "../webhook/certificates.js";
import { kubeReviewer, ViewerAccess } from "./access.js";
import { startConsoleServer } from "./server.js";

export interface ConsoleOptions {
  port: number;
  host?: string | undefined;
  kubeconfig?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** DNS names for a certificate made at start (besides localhost and 127.0.0.1). */
  dnsNames?: string[];
  log: Logger;
}

export async function consoleTls(o: Pick<ConsoleOptions, "certFile" | "keyFile" | "dnsNames" | "log">): Promise<{ cert: string; key: string }> {
  if (Boolean(o.certFile) !== Boolean(o.keyFile)) throw new Error("--tls-cert and --tls-key go together: give both, or neither for a certificate made at start");
  if (o.certFile && o.keyFile) return { cert: readFileSync(o.certFile, "utf8"), key: readFileSync(o.keyFile, "utf8") };
  const ca = await createCa("golive-console", 24 * 3600_000);
  const tls = await issueServingCertificate(ca, { dnsNames: ["localhost", ...(o.dnsNames ?? [])], ips: ["127.0.0.1"], validityMs: 24 * 3600_000 });
  const fingerprint = createHash("sha256").update(new X509Certificate(tls.cert).raw).digest("hex");
  o.log.warn({ sha256: fingerprint }, "console: no --tls-cert given; serving a certificate made at start (valid for a day)");
  return tls;
}

/** How often the console looks at its certificate. */
export const TLS_CHECK_INTERVAL_MS = 60_000;
/** A certificate made at start is replaced when less than this is left of it. */
export const RENEW_BEFORE_MS = 6 * 3600_000;

/**
 * What to do with the serving certificate now (pure): keep it, or serve `next`. Files: the pair
 * read now, when it differs and holds together. Made at start: a new one when it runs out soon.
 */
export function tlsUpdate(current: { cert: string; key: string }, o: { fromFiles: boolean; read?: { cert: string; key: string } | undefined; now: Date }): "keep" | "renew" | { cert: string; key: string } {
  if (o.fromFiles) {
    const read = o.read;
    if (!read || (read.cert === current.cert && read.key === current.key)) return "keep";
    return read;
  }
  return Date.parse(new X509Certificate(current.cert).validTo) - o.now.getTime() < RENEW_BEFORE_MS ? "renew" : "keep";
}

export async function startConsole(o: ConsoleOptions): Promise<{ port: number; close(): Promise<void> }> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port ${o.port}: use a TCP port (0-65535)`);
  const tls = await consoleTls(o);
  const client = new KubeClient(loadKubeConfig(o.kubeconfig));
  const informer = new Informer<Release & { metadata: { namespace?: string } }>(client, "/apis/golive.dev/v1alpha1/releases", { onError: (e, what) => o.log.warn({ err: e }, `console: ${what}`) });
  const listeners: (() => void)[] = [];
  informer.on((event) => {
    if (event !== "resync") for (const l of listeners) l();
  });
  // Evidence only for the delivery page's lead time (first evidence → Released).
  const evidence = new Informer<ReleaseEvidence>(client, "/apis/golive.dev/v1alpha1/releaseevidences", { onError: (e, what) => o.log.warn({ err: e }, `console: ${what}`) });
  await Promise.all([informer.start(), evidence.start()]);
  const server = await startConsoleServer({
    port: o.port,
    ...(o.host ? { host: o.host } : {}),
    tls,
    evidence: { list: () => evidence.list() },
    access: new ViewerAccess(kubeReviewer(client)),
    log: o.log,
    releases: { list: () => informer.list(), get: (ns, name) => informer.get(ns, name), onChange: (fn) => listeners.push(fn) },
  });
  let current = tls;
  const fromFiles = Boolean(o.certFile && o.keyFile);
  const refresh = async () => {
    let read: { cert: string; key: string } | undefined;
    if (fromFiles) {
      try {
        read = { cert: readFileSync(o.certFile!, "utf8"), key: readFileSync(o.keyFile!, "utf8") };
      } catch (e) {
        // Mid-update of a mounted Secret: the old pair stays until the next look.
        o.log.warn({ err: e }, "console: could not read the TLS files; serving the certificate it has");
      }
    }
    const next = tlsUpdate(current, { fromFiles, read, now: new Date() });
    if (next === "keep") return;
    const pair = next === "renew" ? await consoleTls({ dnsNames: o.dnsNames ?? [], log: o.log }) : next;
    try {
      server.server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2" });
      current = pair;
      o.log.info({ sha256: createHash("sha256").update(new X509Certificate(pair.cert).raw).digest("hex") }, "console: serving a new TLS certificate");
    } catch (e) {
      o.log.error({ err: e }, "console: the new TLS certificate and key do not go together; serving the one it has");
    }
  };
  const timer = setInterval(() => void refresh().catch((e: unknown) => o.log.error({ err: e }, "console: TLS refresh failed")), TLS_CHECK_INTERVAL_MS);
  timer.unref();
  return {
    port: server.port,
    close: async () => {
      clearInterval(timer);
      await server.close();
      await Promise.all([informer.stop(), evidence.stop()]);
      client.close();
    },
  };
}
