// Starts the operator's /audit endpoint (operator/audit/endpoint.ts). TLS from
// webhook/serving-tls.ts: the given PEM files (a cert-manager or chart-made Secret) or a
// certificate made at start (its fingerprint logged: clients must then pin it or skip
// verification knowingly), kept fresh while the operator runs: a renewed Secret is served, a
// made-at-start certificate is replaced before its day runs out.
import { dirname } from "node:path";
import type { Logger } from "pino";
import { keepServingTls, servingTls, type ServingTlsOptions } from "../../webhook/serving-tls.js";
import { KubeClient } from "../runtime/kube-client.js";
import { loadKubeConfig } from "../manager.js";
import { kubeAuthorizer, startAuditServer } from "./endpoint.js";

export interface AuditEndpointOptions {
  auditFile: string;
  kubeconfig?: string | undefined;
  port: number;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  log: Logger;
  /** How often the served pair is checked for renewal (default TLS_CHECK_INTERVAL_MS, a minute). */
  tlsCheckIntervalMs?: number | undefined;
}

export function auditTlsOptions(o: Pick<AuditEndpointOptions, "certFile" | "keyFile" | "log">): ServingTlsOptions {
  return { name: "audit endpoint", flags: { cert: "--audit-tls-cert", key: "--audit-tls-key" }, certFile: o.certFile, keyFile: o.keyFile, dnsNames: [process.env.POD_NAME ?? "golive-operator"], log: o.log };
}

export async function startAuditEndpoint(o: AuditEndpointOptions): Promise<{ port: number; close(): Promise<void> }> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--audit-port ${o.port}: use a TCP port (0-65535)`);
  const tlsOptions = auditTlsOptions(o);
  const tls = await servingTls(tlsOptions);
  const client = new KubeClient(loadKubeConfig(o.kubeconfig));
  const s = await startAuditServer({ dir: dirname(o.auditFile), port: o.port, tls, authorize: kubeAuthorizer(client), log: o.log });
  const stopTls = keepServingTls(s.server, tls, tlsOptions, o.tlsCheckIntervalMs);
  return {
    port: s.port,
    close: async () => {
      stopTls();
      await s.close();
      client.close();
    },
  };
}
