// Identity from an authenticating proxy, the Kubernetes front-proxy model (kube-apiserver's
// --requestheader-client-ca-file, --requestheader-allowed-names, --requestheader-username-headers,
// --requestheader-group-headers): user and group headers count only on a connection whose client
// certificate the configured CA signed, with a common name among the allowed names (any, when
// none is configured). On any other connection the headers are ignored, so a browser cannot name
// itself; the viewer then needs a bearer token. Which namespaces a proxied viewer sees is still
// decided by SubjectAccessReviews. Pure apart from reading the socket's verified certificate.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ReviewedUser } from "./access.js";

export interface RequestHeaderOptions {
  /** PEM of the CA that signs the proxy's client certificate. */
  clientCa: string;
  /** Common names a proxy's certificate may have; empty: any the CA signed. */
  allowedNames: readonly string[];
  /** Headers naming the user, first non-empty wins (default X-Remote-User). */
  usernameHeaders: readonly string[];
  /** Headers naming groups, every value of each (default X-Remote-Group). */
  groupHeaders: readonly string[];
}

export const DEFAULT_USERNAME_HEADERS = ["X-Remote-User"];
export const DEFAULT_GROUP_HEADERS = ["X-Remote-Group"];

export interface PeerCertificate {
  authorized: boolean;
  commonName: string | undefined;
}

export function peerOf(req: IncomingMessage): PeerCertificate {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== "function") return { authorized: false, commonName: undefined };
  const cert = socket.getPeerCertificate();
  const cn = cert?.subject?.CN;
  return { authorized: socket.authorized === true, commonName: Array.isArray(cn) ? cn[0] : cn };
}

/** The proxied user, or undefined when the headers do not count (no proxy set up, no verified or allowed certificate, no user header). */
export function proxiedUser(peer: PeerCertificate, headers: IncomingMessage["headersDistinct"], o: RequestHeaderOptions | undefined): ReviewedUser | undefined {
  if (!o || !peer.authorized) return undefined;
  if (o.allowedNames.length && !(peer.commonName !== undefined && o.allowedNames.includes(peer.commonName))) return undefined;
  const values = (h: string) => (headers[h.toLowerCase()] ?? []).map((v) => v.trim()).filter(Boolean);
  const username = o.usernameHeaders.flatMap(values)[0];
  if (!username) return undefined;
  return { username, groups: [...new Set(o.groupHeaders.flatMap(values))] };
}
