// cert-manager mode: the serving certificate is a mounted Secret (tls.crt, tls.key) that
// cert-manager renews and the kubelet swaps in place; its cainjector keeps the caBundle.
// Files are polled (inotify on kubelet's symlink swaps is unreliable) and a changed pair is
// swapped in without dropping connections.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { certificateInfo } from "./certificates.js";
import type { TlsMaterial } from "./tls.js";

export class CertDirSource {
  private served: TlsMaterial | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly onCertificate: (material: TlsMaterial) => void,
  ) {}

  get loaded(): boolean {
    return this.served !== undefined;
  }

  async load(): Promise<void> {
    const [cert, key, ca] = await Promise.all([
      readFile(join(this.dir, "tls.crt"), "utf8"),
      readFile(join(this.dir, "tls.key"), "utf8"),
      readFile(join(this.dir, "ca.crt"), "utf8").catch(() => ""),
    ]);
    if (this.served?.cert === cert && this.served.key === key) return;
    const info = certificateInfo(cert); // throws on a half-written file: keep serving the old pair
    this.served = { cert, key, caBundle: ca };
    this.log.info({ dir: this.dir, serial: info.serial, notAfter: info.notAfter.toISOString() }, "serving the certificate from the mounted directory");
    this.onCertificate(this.served);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.load().catch((e: unknown) => this.log.warn({ err: e, dir: this.dir }, "could not reload the mounted certificate; keeping the current one"));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
