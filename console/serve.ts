// Starts the console: watches (informers) of Releases and ReleaseEvidence in every namespace, the viewer checks, and
// the HTTPS server. TLS from webhook/serving-tls.ts: PEM files or a certificate made at start, kept
// fresh while the console runs (a renewed Secret served, a made-at-start one replaced before it expires).
import type { Logger } from "pino";
import type { Release, ReleaseEvidence } from "../api/index.js";
import { loadKubeConfig } from "../operator/manager.js";
import { Informer } from "../operator/runtime/informer.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { keepServingTls, servingTls, type ServingTlsOptions } from "../webhook/serving-tls.js";
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

export function consoleTlsOptions(o: Pick<ConsoleOptions, "certFile" | "keyFile" | "dnsNames" | "log">): ServingTlsOptions {
  return { name: "console", flags: { cert: "--tls-cert", key: "--tls-key" }, certFile: o.certFile, keyFile: o.keyFile, dnsNames: o.dnsNames, log: o.log };
}

export async function startConsole(o: ConsoleOptions): Promise<{ port: number; close(): Promise<void> }> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port ${o.port}: use a TCP port (0-65535)`);
  const tlsOptions = consoleTlsOptions(o);
  const tls = await servingTls(tlsOptions);
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
  const stopTls = keepServingTls(server.server, tls, tlsOptions);
  return {
    port: server.port,
    close: async () => {
      stopTls();
      await server.close();
      await Promise.all([informer.stop(), evidence.stop()]);
      client.close();
    },
  };
}
