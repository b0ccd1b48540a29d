// Starts the operator's /audit endpoint (operator/audit/endpoint.ts): TLS from the given PEM files
// (a cert-manager or chart-made Secret), or, without them, a certificate made at start and valid
// for a day (its fingerprint logged: clients must then pin it or skip verification knowingly).
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { createCa, issueServingCertificate } from "../../webhook/certificates.js";
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
}

export async function startAuditEndpoint(o: AuditEndpointOptions): Promise<{ port: number; close(): Promise<void> }> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--audit-port ${o.port}: use a TCP port (0-65535)`);
  if (Boolean(o.certFile) !== Boolean(o.keyFile)) throw new Error("--audit-tls-cert and --audit-tls-key go together: give both, or neither for a certificate made at start");
  let tls: { cert: string; key: string };
  if (o.certFile && o.keyFile) tls = { cert: readFileSync(o.certFile, "utf8"), key: readFileSync(o.keyFile, "utf8") };
  else {
    const ca = await createCa("golive-audit", 24 * 3600_000);
    tls = await issueServingCertificate(ca, { dnsNames: ["localhost", process.env.POD_NAME ?? "golive-operator"], ips: ["127.0.0.1"], validityMs: 24 * 3600_000 });
    const fingerprint = createHash("sha256").update(new X509Certificate(tls.cert).raw).digest("hex");
    o.log.warn({ sha256: fingerprint }, "audit endpoint: no --audit-tls-cert given; serving a certificate made at start");
  }
  const client = new KubeClient(loadKubeConfig(o.kubeconfig));
  const s = await startAuditServer({ dir: dirname(o.auditFile), port: o.port, tls, authorize: kubeAuthorizer(client), log: o.log });
  return {
    port: s.port,
    close: async () => {
      await s.close();
      client.close();
    },
  };
}
