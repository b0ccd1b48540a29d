// Who the viewer is and which namespaces' Releases they may read (8.1, 8.2). Kubernetes decides:
// the bearer token is checked with a TokenReview, and a namespace is readable only if a
// SubjectAccessReview says the user may `get releases.golive.dev` there (one cluster-wide review
// first: a cluster-wide reader needs no per-namespace reviews). Answers are kept for a short
// time per token so a page and its event stream do not cost a review each; a revoked right is
// honoured within that time, and every event stream is closed after it so it is re-checked.
import { createHash } from "node:crypto";
import type { KubeClient } from "../operator/runtime/kube-client.js";
import { transientReason } from "../operator/runtime/transient.js";

/**
 * Reviews have no side effects, so one that failed on the connection (a kept-alive socket the API
 * server closed meanwhile) is simply sent again once, rather than showing the viewer an error.
 */
async function retryOnce<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (transientReason(e) === undefined) throw e;
    return call();
  }
}

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The two questions the console asks the API server. */
export interface Reviewer {
  /** The token's user, or undefined when the token is not valid for this cluster. */
  authenticate(token: string): Promise<ReviewedUser | undefined>;
  /** Whether the user may get releases.golive.dev in the namespace ("" = in every namespace). */
  mayReadReleases(user: ReviewedUser, namespace: string): Promise<boolean>;
  /** Whether the user may list releaseevidences.golive.dev in the namespace: the release page shows evidence only then. */
  mayReadEvidence(user: ReviewedUser, namespace: string): Promise<boolean>;
  /** Whether the user may get the ReleasePolicy (cluster-scoped): the conformance report shows it. */
  mayReadPolicy(user: ReviewedUser, name: string): Promise<boolean>;
}

export function kubeReviewer(client: KubeClient): Reviewer {
  return {
    async authenticate(token) {
      const review = await retryOnce(() => client.create<{ status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } } }>("/apis/authentication.k8s.io/v1/tokenreviews", { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } }));
      const u = review.status?.user;
      if (!review.status?.authenticated || !u?.username) return undefined;
      return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups ?? [], ...(u.extra ? { extra: u.extra } : {}) };
    },
    mayReadReleases: (user, namespace) => may(client, user, "get", "releases", namespace),
    mayReadEvidence: (user, namespace) => may(client, user, "list", "releaseevidences", namespace),
    mayReadPolicy: (user, name) => may(client, user, "get", "releasepolicies", "", name),
  };
}

async function may(client: KubeClient, user: ReviewedUser, verb: string, resource: string, namespace: string, name?: string): Promise<boolean> {
  const access = await retryOnce(() => client.create<{ status?: { allowed?: boolean } }>("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: { user: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups ?? [], ...(user.extra ? { extra: user.extra } : {}), resourceAttributes: { group: "golive.dev", resource, verb, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) } },
  }));
  return access.status?.allowed === true;
}

/**
 * How the viewer proved who they are: a bearer token (checked with a TokenReview), or the user
 * and groups an authenticating proxy passed in headers over a connection whose client
 * certificate the front-proxy CA signed (console/proxy-identity.ts decides that).
 */
export type Credential = { token: string } | { proxied: ReviewedUser };

export interface Viewer {
  user: string;
  /** Every namespace (a cluster-wide reader) or exactly these. */
  readable: "all" | ReadonlySet<string>;
}

export const mayRead = (v: Viewer, namespace: string): boolean => v.readable === "all" || v.readable.has(namespace);

interface Cached {
  user: ReviewedUser | undefined;
  at: number;
  all?: boolean;
  namespaces: Map<string, boolean>;
  evidence: Map<string, boolean>;
  policies: Map<string, boolean>;
}

export class ViewerAccess {
  private readonly cache = new Map<string, Cached>();
  constructor(
    private readonly reviewer: Reviewer,
    readonly ttlMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The viewer behind the credential, with the namespaces among `namespaces` they may read; undefined for an invalid token. */
  async viewer(credential: Credential | string, namespaces: Iterable<string>): Promise<Viewer | undefined> {
    const c = await this.entry(typeof credential === "string" ? { token: credential } : credential);
    const user = c.user;
    if (!user) return undefined;
    c.all ??= await this.reviewer.mayReadReleases(user, "");
    if (c.all) return { user: user.username, readable: "all" };
    const readable = new Set<string>();
    for (const ns of namespaces) {
      let allowed = c.namespaces.get(ns);
      if (allowed === undefined) {
        allowed = await this.reviewer.mayReadReleases(user, ns);
        c.namespaces.set(ns, allowed);
      }
      if (allowed) readable.add(ns);
    }
    return { user: user.username, readable };
  }

  /** Whether the viewer may list ReleaseEvidence in the namespace (kept as long as the other answers). */
  async mayReadEvidence(credential: Credential, namespace: string): Promise<boolean> {
    const c = await this.entry(credential);
    if (!c.user) return false;
    let allowed = c.evidence.get(namespace);
    if (allowed === undefined) {
      allowed = await this.reviewer.mayReadEvidence(c.user, namespace);
      c.evidence.set(namespace, allowed);
    }
    return allowed;
  }

  /** Whether the viewer may get the named ReleasePolicy (kept as long as the other answers). */
  async mayReadPolicy(credential: Credential, name: string): Promise<boolean> {
    const c = await this.entry(credential);
    if (!c.user) return false;
    let allowed = c.policies.get(name);
    if (allowed === undefined) {
      allowed = await this.reviewer.mayReadPolicy(c.user, name);
      c.policies.set(name, allowed);
    }
    return allowed;
  }

  private async entry(credential: Credential): Promise<Cached> {
    // A proxied identity is keyed by everything that makes it up, so another group list is another viewer.
    const key = createHash("sha256")
      .update("token" in credential ? `token\n${credential.token}` : `proxy\n${JSON.stringify(credential.proxied)}`)
      .digest("hex");
    const t = this.now();
    let c = this.cache.get(key);
    if (!c || t - c.at > this.ttlMs) {
      c = { user: "token" in credential ? await this.reviewer.authenticate(credential.token) : credential.proxied, at: t, namespaces: new Map(), evidence: new Map(), policies: new Map() };
      this.prune(t);
      this.cache.set(key, c);
    }
    return c;
  }

  private prune(t: number): void {
    for (const [k, v] of this.cache) if (t - v.at > this.ttlMs) this.cache.delete(k);
  }
}
