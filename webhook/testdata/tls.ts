// What TLS tests read from a running server: the fingerprint of the certificate it serves.
import { connect } from "node:tls";
import { fingerprint } from "../serving-tls.js";

export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (!raw) reject(new Error("no certificate served"));
      else resolve(fingerprint(raw.toString()));
    });
    socket.on("error", reject);
  });
}
