// TLS self-management. The CA and serving certificate live in one Secret (golive-webhook-tls
// in golive's namespace) that every replica loads, so all replicas serve the same certificate:
// the first to find it absent creates it (a create race is settled by AlreadyExists), and
// rotations are conditional replaces (a race is settled by the resourceVersion conflict);
// losers simply load the winner's Secret. Serving certificates rotate well before expiry; a new
// CA is first added to the caBundle beside the old one and served from only after an overlap,
// so the API server trusts every certificate it can be shown. Swapping uses
// server.setSecureContext: connections in flight are never dropped.
import type { Logger } from "pino";
import { certificateInfo, createCa, issuedBy, issueServingCertificate, splitPem, type PemPair } from "./certificates.js";

export const TLS_SECRET_NAME = "golive-webhook-tls";

export interface TlsBundle {
  caCert: string;
  caKey: string;
  /** Every CA the API server should trust: the current one and, during a CA rotation, the previous. */
  caBundle: string;
  cert: string;
  key: string;
  /** When caBundle last gained a CA (ISO time): serving from that CA waits for the overlap. */
  bundleSince?: string;
}

export interface StoredTls {
  bundle: TlsBundle;
  resourceVersion: string;
}

/** Where the bundle is kept (a Secret; memory in unit tests). */
export interface TlsSecretStore {
  read(): Promise<StoredTls | undefined>;
  /** Create if absent; false when another replica created it first. */
  create(bundle: TlsBundle): Promise<boolean>;
  /** Replace if unchanged since read (resourceVersion); false on a conflict. */
  replace(bundle: TlsBundle, resourceVersion: string): Promise<boolean>;
}

export interface TlsPolicy {
  dnsNames: readonly string[];
  ips: readonly string[];
  caValidityMs: number;
  certValidityMs: number;
  /** Rotate the CA when less than this is left. */
  caRenewBeforeMs: number;
  /** Rotate the serving certificate when less than this is left. */
  certRenewBeforeMs: number;
  /** How long a new CA sits in the caBundle before a certificate it issued is served. */
  caOverlapMs: number;
}

const DAY = 86_400_000;

export function defaultTlsPolicy(dnsNames: readonly string[], ips: readonly string[] = []): TlsPolicy {
  return { dnsNames, ips, caValidityMs: 10 * 365 * DAY, certValidityMs: 365 * DAY, caRenewBeforeMs: 365 * DAY, certRenewBeforeMs: 120 * DAY, caOverlapMs: 10 * 60_000 };
}

/** The DNS names the API server uses for a webhook Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export type TlsPlan =
  | { kind: "keep" }
  | { kind: "create"; reason: string }
  | { kind: "rotate-ca"; reason: string }
  | { kind: "reissue"; reason: string }
  | { kind: "prune"; reason: string }
  | { kind: "wait"; reason: string };

/** What to do with the stored bundle at `now`. Pure. */
export function planTls(stored: TlsBundle | undefined, now: Date, policy: TlsPolicy): TlsPlan {
  if (!stored) return { kind: "create", reason: "no certificate yet" };
  let ca;
  let cert;
  try {
    ca = certificateInfo(stored.caCert);
    cert = certificateInfo(stored.cert);
  } catch (e) {
    return { kind: "create", reason: `the stored certificate cannot be read (${(e as Error).message})` };
  }
  const t = now.getTime();
  if (!ca.isCa || t >= ca.notAfter.getTime()) return { kind: "create", reason: `the CA expired at ${ca.notAfter.toISOString()}` };
  if (ca.notAfter.getTime() - t < policy.caRenewBeforeMs) return { kind: "rotate-ca", reason: `the CA expires at ${ca.notAfter.toISOString()}` };
  const certLeft = cert.notAfter.getTime() - t;
  if (!issuedBy(stored.cert, stored.caCert)) {
    const since = stored.bundleSince ? Date.parse(stored.bundleSince) : NaN;
    const overlapDone = Number.isNaN(since) || t - since >= policy.caOverlapMs;
    if (overlapDone || certLeft < policy.caOverlapMs) return { kind: "reissue", reason: "the CA changed and the caBundle has carried the new CA long enough" };
    return { kind: "wait", reason: `the new CA is in the caBundle since ${stored.bundleSince}; serving from it after the overlap` };
  }
  if (certLeft < policy.certRenewBeforeMs) return { kind: "reissue", reason: `the serving certificate expires at ${cert.notAfter.toISOString()}` };
  const missing = [...policy.dnsNames.filter((n) => !cert.dnsNames.includes(n)), ...policy.ips.filter((ip) => !cert.ips.includes(ip))];
  if (missing.length) return { kind: "reissue", reason: `the serving certificate does not name ${missing.join(", ")}` };
  const bundle = splitPem(stored.caBundle);
  if (!bundle.some((c) => c.trim() === stored.caCert.trim())) return { kind: "prune", reason: "the caBundle lacks the current CA" };
  if (bundle.some((c) => certificateInfo(c).notAfter.getTime() <= t)) return { kind: "prune", reason: "the caBundle holds an expired CA" };
  return { kind: "keep" };
}

function liveBundle(pems: readonly string[], now: Date): string {
  const seen = new Set<string>();
  return pems
    .filter((p) => {
      const k = p.trim();
      if (seen.has(k)) return false;
      seen.add(k);
      try {
        return certificateInfo(p).notAfter.getTime() > now.getTime();
      } catch {
        return false;
      }
    })
    .map((p) => (p.endsWith("\n") ? p : `${p}\n`))
    .join("");
}

/** Carry out a plan: the bundle to store. */
export async function buildTls(plan: Exclude<TlsPlan, { kind: "keep" } | { kind: "wait" }>, stored: TlsBundle | undefined, now: Date, policy: TlsPolicy): Promise<TlsBundle> {
  const serving = (ca: PemPair) => issueServingCertificate(ca, { dnsNames: policy.dnsNames, ips: policy.ips, validityMs: policy.certValidityMs, now });
  if (plan.kind === "create" || !stored) {
    const ca = await createCa("golive-webhook-ca", policy.caValidityMs, now);
    const cert = await serving(ca);
    return { caCert: ca.cert, caKey: ca.key, caBundle: liveBundle([ca.cert], now), cert: cert.cert, key: cert.key, bundleSince: now.toISOString() };
  }
  if (plan.kind === "rotate-ca") {
    const ca = await createCa("golive-webhook-ca", policy.caValidityMs, now);
    // Keep serving the old CA's certificate until the new CA has been trusted for the overlap.
    return { ...stored, caCert: ca.cert, caKey: ca.key, caBundle: liveBundle([ca.cert, ...splitPem(stored.caBundle)], now), bundleSince: now.toISOString() };
  }
  const caBundle = liveBundle([stored.caCert, ...splitPem(stored.caBundle)], now);
  if (plan.kind === "prune") return { ...stored, caBundle };
  const cert = await serving({ cert: stored.caCert, key: stored.caKey });
  return { ...stored, caBundle, cert: cert.cert, key: cert.key };
}

export interface TlsMaterial {
  cert: string;
  key: string;
  caBundle: string;
}

export interface TlsManagerOptions {
  store: TlsSecretStore;
  policy: TlsPolicy;
  log: Logger;
  now?: () => Date;
  /** Put the caBundle into the ValidatingWebhookConfiguration; "absent" when there is none to patch yet. */
  publishCaBundle?: (caBundle: string) => Promise<"patched" | "unchanged" | "absent">;
  /** Serve this certificate from now on. */
  onCertificate: (material: TlsMaterial) => void;
}

/** Keeps this replica serving the Secret's certificate, creating and rotating it when due. */
export class TlsManager {
  private served: TlsMaterial | undefined;
  private published: string | undefined;
  private unpublishable = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: TlsManagerOptions) {}

  get loaded(): boolean {
    return this.served !== undefined;
  }

  get current(): TlsMaterial | undefined {
    return this.served;
  }

  /** Load (creating or rotating when due) and serve; resolves once a certificate is served. */
  async sync(): Promise<void> {
    // One sync at a time in this process.
    if (this.running) return this.running;
    this.running = this.syncOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const now = (this.o.now ?? (() => new Date()))();
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.o.store.read();
      const plan = planTls(stored?.bundle, now, this.o.policy);
      if (plan.kind === "keep" || plan.kind === "wait") {
        await this.apply(stored!.bundle);
        return;
      }
      const next = await buildTls(plan, stored?.bundle, now, this.o.policy);
      const written = stored ? await this.o.store.replace(next, stored.resourceVersion) : await this.o.store.create(next);
      if (written) {
        this.o.log.info({ secret: TLS_SECRET_NAME, action: plan.kind, serial: certificateInfo(next.cert).serial }, `webhook certificate: ${plan.kind}: ${plan.reason}`);
        await this.apply(next);
        return;
      }
      // Another replica wrote first: load what it wrote.
      this.o.log.debug({ action: plan.kind }, "webhook certificate written by another replica; loading it");
    }
    throw new Error(`could not settle the webhook certificate in Secret ${TLS_SECRET_NAME} after 5 conflicting attempts`);
  }

  private async apply(bundle: TlsBundle): Promise<void> {
    if (this.o.publishCaBundle && this.published !== bundle.caBundle) {
      try {
        // "absent": no configuration to patch yet (nothing calls this webhook); try again next time.
        this.unpublishable = (await this.o.publishCaBundle(bundle.caBundle)) === "absent";
        if (!this.unpublishable) this.published = bundle.caBundle;
      } catch (e) {
        this.o.log.warn({ err: e }, "could not publish the caBundle to the ValidatingWebhookConfiguration; retrying at the next check");
      }
    }
    if (this.served?.cert === bundle.cert && this.served.key === bundle.key && this.served.caBundle === bundle.caBundle) return;
    // Never serve a certificate the API server has not been told to trust (the very first one
    // is served regardless: nothing calls a webhook whose caBundle was never published).
    const trusted = !this.o.publishCaBundle || !this.served || this.unpublishable || (this.published !== undefined && splitPem(this.published).some((ca) => issuedBy(bundle.cert, ca)));
    if (!trusted) {
      this.o.log.warn("not serving the new certificate yet: its CA is not in the published caBundle");
      return;
    }
    const changed = this.served?.cert !== bundle.cert;
    this.served = { cert: bundle.cert, key: bundle.key, caBundle: bundle.caBundle };
    if (changed) {
      const info = certificateInfo(bundle.cert);
      this.o.log.info({ serial: info.serial, notAfter: info.notAfter.toISOString() }, "serving the webhook certificate");
      this.o.onCertificate(this.served);
    }
  }

  /** Publish the caBundle again at the next sync (the configuration was just (re)created). */
  republish(): Promise<void> {
    this.published = undefined;
    return this.sync();
  }

  /** Check every interval (jittered) until stop(). */
  start(intervalMs: number): void {
    const schedule = () => {
      if (this.stopped) return;
      const jitter = intervalMs * (0.9 + Math.random() * 0.2);
      this.timer = setTimeout(() => {
        this.sync()
          .catch((e: unknown) => this.o.log.warn({ err: e }, "webhook certificate check failed; retrying"))
          .finally(schedule);
      }, jitter);
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** A store in memory, for unit tests and single-process use. */
export class MemoryTlsStore implements TlsSecretStore {
  private value: StoredTls | undefined;
  private version = 0;

  read(): Promise<StoredTls | undefined> {
    return Promise.resolve(this.value && { bundle: { ...this.value.bundle }, resourceVersion: this.value.resourceVersion });
  }

  create(bundle: TlsBundle): Promise<boolean> {
    if (this.value) return Promise.resolve(false);
    this.value = { bundle, resourceVersion: String(++this.version) };
    return Promise.resolve(true);
  }

  replace(bundle: TlsBundle, resourceVersion: string): Promise<boolean> {
    if (!this.value || this.value.resourceVersion !== resourceVersion) return Promise.resolve(false);
    this.value = { bundle, resourceVersion: String(++this.version) };
    return Promise.resolve(true);
  }
}
