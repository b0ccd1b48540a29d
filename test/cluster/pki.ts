// The control plane's own PKI, made fresh for every run: a CA, the API server's serving
// certificate (127.0.0.1 SAN), an admin client certificate in system:masters, and the
// service-account signing key pair.
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface KeyPair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: KeyPair;
  apiserver: KeyPair;
  admin: KeyPair;
  serviceAccount: { publicKey: string; privateKey: string };
}

const DAY_MS = 86_400_000;

function serial(): string {
  return forge.util.bytesToHex(forge.random.getBytesSync(16)).replace(/^[89a-f]/, "1");
}

export function issueCertificate(opts: {
  commonName: string;
  organization?: string;
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey };
  isCa?: boolean;
  dnsNames?: string[];
  ips?: string[];
  usage: "ca" | "server" | "client";
  days?: number;
}): { pem: KeyPair; cert: forge.pki.Certificate; key: forge.pki.PrivateKey } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + (opts.days ?? 2) * DAY_MS);
  const subject = [{ name: "commonName", value: opts.commonName }, ...(opts.organization ? [{ name: "organizationName", value: opts.organization }] : [])];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [{ name: "basicConstraints", cA: opts.usage === "ca", critical: true }];
  if (opts.usage === "ca") extensions.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  else extensions.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true }, { name: "extKeyUsage", serverAuth: opts.usage === "server", clientAuth: opts.usage === "client" });
  const altNames = [...(opts.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(opts.ips ?? []).map((ip) => ({ type: 7, ip }))];
  if (altNames.length) extensions.push({ name: "subjectAltName", altNames });
  extensions.push({ name: "subjectKeyIdentifier" });
  cert.setExtensions(extensions);
  cert.sign((opts.issuer?.key ?? keys.privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { pem: { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) }, cert, key: keys.privateKey };
}

export function createClusterPki(): ClusterPki {
  const ca = issueCertificate({ commonName: "golive-test-ca", usage: "ca" });
  const issuer = { cert: ca.cert, key: ca.key };
  const apiserver = issueCertificate({
    commonName: "kube-apiserver",
    issuer,
    usage: "server",
    dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
    ips: ["127.0.0.1", "10.96.0.1"],
  });
  const admin = issueCertificate({ commonName: "golive-test-admin", organization: "system:masters", issuer, usage: "client" });
  const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    ca: ca.pem,
    apiserver: apiserver.pem,
    admin: admin.pem,
    serviceAccount: { publicKey: sa.publicKey.export({ type: "spki", format: "pem" }).toString(), privateKey: sa.privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
  };
}
