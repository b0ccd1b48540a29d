// Starts the console: watches (informers) of Releases and ReleaseEvidence in every namespace, the viewer checks, and
// the HTTPS server. TLS comes from the given PEM files (a cert-manager or chart-made Secret) or,
// without them, a certificate made at start and valid for a day (its SHA-256 fingerprint is
// logged so a browser's warning can be checked against it).
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
  return {
    port: server.port,
    close: async () => {
      await server.close();
      await Promise.all([informer.stop(), evidence.stop()]);
      client.close();
    },
  };
}
