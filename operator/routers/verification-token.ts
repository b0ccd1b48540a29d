// The value verification users send (4.6 c, 8.5). Routes are read by many (the namespace's view
// role, Gateway and ingress controllers, GitOps tools diffing them), so the configured secret is
// never written into an HTTPRoute, an Ingress or a Job: what is written is a token derived per
// release, HMAC-SHA256 keyed by the secret over the release's uid and plan digest. A reader of the
// route learns only that token: it opens the verification route of this one release while it is
// verifying, and tells nothing of the secret or of any other release's token. Whoever may read
// the Secret derives it too (`golive status RELEASE --verification-token`). Pure.
import { createHmac } from "node:crypto";
import type { Release } from "../../api/index.js";
import { planDigest } from "../../gates/statement.js";
import type { VerificationMatch } from "./types.js";

/** Domain separation: a token for this purpose only, and a version should the derivation change. */
const CONTEXT = "golive.dev/verification-token/v1";

export function deriveVerificationToken(secret: string, releaseUid: string, plan: string): string {
  return createHmac("sha256", secret).update(`${CONTEXT}\n${releaseUid}\n${plan}`).digest("hex");
}

/** The token of a release in the cluster (its uid and its plan digest, as `sha256:<hex>`). */
export function verificationTokenOf(secret: string, release: Pick<Release, "metadata" | "spec">): string {
  const uid = release.metadata.uid;
  if (!uid) throw new Error(`Release ${release.metadata.name} has no uid: the verification token is derived from the uid of the Release as the cluster holds it`);
  return deriveVerificationToken(secret, uid, `sha256:${planDigest(release.spec)}`);
}

/** What a verification user sends, for the router the release uses (ingress-nginx matches a cookie by name). */
export function verificationRequestHeader(match: VerificationMatch, nginx: boolean): string {
  if (match.header) return `${match.header}: ${match.value}`;
  return nginx ? `Cookie: ${match.cookie ?? ""}-${match.value}=always` : `Cookie: ${match.cookie ?? ""}=${match.value}`;
}
