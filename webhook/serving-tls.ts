// The TLS pair of golive's long-running HTTPS endpoints other than the webhook (the console, the
// operator's /audit): from PEM files (a cert-manager or chart-made Secret) or, without them, a
// certificate made at start, valid for a day, its SHA-256 fingerprint logged so a client can pin
// it. keepServingTls looks at the pair every minute: a changed pair of files (a renewed Secret, as
// the kubelet updates the mount) is served from then on; a certificate made at start is replaced
// before it runs out. Connections in flight keep theirs (server.setSecureContext).
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:https";
import type { Logger } from "pino";
import { createCa, issueServingCertificate } from "./certificates.js";

export type PemPair = { cert: string; key: string };

export interface ServingTlsOptions {
  /** Who serves (in log lines and errors): "console", "audit endpoint". */
  name: string;
  /** The flags' names, for the error when only one is given. */
  flags: { cert: string; key: string };
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** DNS names for a certificate made at start (besides localhost and 127.0.0.1). */
  dnsNames?: string[] | undefined;
  /** PEM CA(s) whose client certificates the server verifies (the console's front-proxy CA), kept across renewals. */
  clientCa?: string | undefined;
  log: Logger;
}

/** How often the pair is looked at. */
export const TLS_CHECK_INTERVAL_MS = 60_000;
/** A certificate made at start is replaced when less than this is left of it. */
export const RENEW_BEFORE_MS = 6 * 3600_000;
const MADE_AT_START_VALIDITY_MS = 24 * 3600_000;

export function fingerprint(cert: string): string {
  return createHash("sha256").update(new X509Certificate(cert).raw).digest("hex");
}

export async function servingTls(o: ServingTlsOptions): Promise<PemPair> {
  if (Boolean(o.certFile) !== Boolean(o.keyFile)) throw new Error(`${o.flags.cert} and ${o.flags.key} go together: give both, or neither for a certificate made at start`);
  if (o.certFile && o.keyFile) return { cert: readFileSync(o.certFile, "utf8"), key: readFileSync(o.keyFile, "utf8") };
  const ca = await createCa(`golive-${o.name.replace(/\s+/g, "-")}`, MADE_AT_START_VALIDITY_MS);
  const tls = await issueServingCertificate(ca, { dnsNames: ["localhost", ...(o.dnsNames ?? [])], ips: ["127.0.0.1"], validityMs: MADE_AT_START_VALIDITY_MS });
  o.log.warn({ sha256: fingerprint(tls.cert) }, `${o.name}: no ${o.flags.cert} given; serving a certificate made at start (valid for a day)`);
  return tls;
}

/**
 * What to do with the serving certificate now (pure): keep it, or serve `next`. Files: the pair
 * read now, when it differs. Made at start: a new one when it runs out soon.
 */
export function tlsUpdate(current: PemPair, o: { fromFiles: boolean; read?: PemPair | undefined; now: Date }): "keep" | "renew" | PemPair {
  if (o.fromFiles) {
    const read = o.read;
    if (!read || (read.cert === current.cert && read.key === current.key)) return "keep";
    return read;
  }
  return Date.parse(new X509Certificate(current.cert).validTo) - o.now.getTime() < RENEW_BEFORE_MS ? "renew" : "keep";
}

/** Looks at the pair every minute and serves a new one when tlsUpdate says so; returns the stop. */
export function keepServingTls(server: Server, served: PemPair, o: ServingTlsOptions, intervalMs = TLS_CHECK_INTERVAL_MS): () => void {
  let current = served;
  const fromFiles = Boolean(o.certFile && o.keyFile);
  const refresh = async () => {
    let read: PemPair | undefined;
    if (fromFiles) {
      try {
        read = { cert: readFileSync(o.certFile!, "utf8"), key: readFileSync(o.keyFile!, "utf8") };
      } catch (e) {
        // Mid-update of a mounted Secret: the old pair stays until the next look.
        o.log.warn({ err: e }, `${o.name}: could not read the TLS files; serving the certificate it has`);
      }
    }
    const next = tlsUpdate(current, { fromFiles, read, now: new Date() });
    if (next === "keep") return;
    const pair = next === "renew" ? await servingTls({ ...o, certFile: undefined, keyFile: undefined }) : next;
    try {
      server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2", ...(o.clientCa ? { ca: o.clientCa } : {}) });
      current = pair;
      o.log.info({ sha256: fingerprint(pair.cert) }, `${o.name}: serving a new TLS certificate`);
    } catch (e) {
      o.log.error({ err: e }, `${o.name}: the new TLS certificate and key do not go together; serving the one it has`);
    }
  };
  const timer = setInterval(() => void refresh().catch((e: unknown) => o.log.error({ err: e }, `${o.name}: TLS refresh failed`)), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
