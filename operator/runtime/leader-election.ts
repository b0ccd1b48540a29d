// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the
// lease is free or expired, renew every retry period, and give up leadership when renewal has
// failed for the renew deadline (the caller then stops working, usually by exiting).
import { KubeError, type KubeClient } from "./kube-client.js";

interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  now?: () => Date;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (e: unknown) => void;
}

/** Pure: may `identity` take or keep the lease at `now`? */
export function canAcquire(lease: Lease["spec"] | undefined, identity: string, now: Date): boolean {
  if (!lease?.holderIdentity || lease.holderIdentity === identity) return true;
  const renewed = lease.renewTime ? Date.parse(lease.renewTime) : 0;
  return renewed + (lease.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
}

const microTime = (d: Date) => d.toISOString().replace("Z", "000Z");

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private readonly now: () => Date;

  constructor(
    private readonly client: KubeClient,
    private readonly o: LeaderElectionOptions,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stop; a leader releases the lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      try {
        const lease = await this.read();
        if (lease?.spec.holderIdentity === this.o.identity) {
          await this.client.replace(this.path(), { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: microTime(this.now()) } });
        }
      } catch (e) {
        this.o.onError?.(e);
      }
    }
  }

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases${name === undefined ? `/${this.o.name}` : ""}`;
  }

  private async read(): Promise<Lease | undefined> {
    try {
      return await this.client.get<Lease>(this.path());
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return undefined;
      throw e;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const lease = await this.read();
    const spec: Lease["spec"] = { holderIdentity: this.o.identity, leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000), renewTime: microTime(now) };
    if (!lease) {
      await this.client.create(this.path(""), { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.o.name, namespace: this.o.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
      return true;
    }
    if (!canAcquire(lease.spec, this.o.identity, now)) return false;
    const takeover = lease.spec.holderIdentity !== this.o.identity;
    // replace carries resourceVersion: if someone else wrote the lease meanwhile, we get 409 and lose the race.
    await this.client.replace(this.path(), {
      ...lease,
      spec: { ...lease.spec, ...spec, acquireTime: takeover ? microTime(now) : lease.spec.acquireTime, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (takeover ? 1 : 0) },
    });
    return true;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
      if (held) this.lastRenew = Date.now();
    } catch (e) {
      if (!(e instanceof KubeError && e.code === 409)) this.o.onError?.(e);
    }
    if (held && !this.leading) {
      this.leading = true;
      this.o.onStartedLeading();
    } else if (this.leading && !held && Date.now() - this.lastRenew > this.o.renewDeadlineMs) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.o.retryPeriodMs);
      this.timer.unref();
    }
  }
}
