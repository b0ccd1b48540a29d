// cosign.key decryption, against a key pair `cosign generate-key-pair` (v3.1.3) wrote with the
// password "pw" (a throwaway test key; it signs nothing anywhere).
import { createPublicKey, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptCosignKey, isCosignPrivateKey, secretboxOpen } from "./cosign-key.js";

const COSIGN_KEY = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
OCwicCI6MX0sInNhbHQiOiJBaHFOREhjaFdPbDBzVHNoaUtDdkJhNEZZUzlLZnNw
cXFoN1lCNDZ6ZmNRPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJWaGJHT1c3OVpVS1JaZTBQbGQwUzdXMlRrcEdKWnVxdSJ9LCJj
aXBoZXJ0ZXh0IjoiNVFqVWhkOHJjc1lrNncvYUM4MmdHK1NMdUJJWXAwams3NGxK
RFJIckYxK1hNa0prcC83aXhmTytVcnNkbzN3b0FrQ05RbWhuUHJmV1hnVnJnVjlD
a1EvMzl2U0dnTUVJZng1d1owNCt3OExDU2ZvUnd0cEFxZjJzdWtlY25vUEdDU21U
dDEwNG1aUlk3S203TkZSNW4wTmU4WUxLeERZK3BzS3RFMU9ReldEOURqSkk1UU8w
ekVaMDVhd1BjWUp3aUhWcFI0eFh2ZGFNcFE9PSJ9
-----END ENCRYPTED SIGSTORE PRIVATE KEY-----
`;
const COSIGN_PUB = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVCCk8YjbbVbhR9MQsQSquUC8s93f
xGXb7gyQYmeaeR/njAwRcklYI+nFa/2FeCdD4QyfUp/bYSf8wMYE5fTrTQ==
-----END PUBLIC KEY-----
`;

describe("cosign.key", () => {
  it("decrypts with the password to the private half of cosign.pub", () => {
    expect(isCosignPrivateKey(COSIGN_KEY)).toBe(true);
    const key = decryptCosignKey(COSIGN_KEY, "pw");
    expect(createPublicKey(key).export({ type: "spki", format: "pem" })).toBe(COSIGN_PUB);
    const sig = sign("sha256", Buffer.from("x"), key);
    expect(verify("sha256", Buffer.from("x"), createPublicKey(COSIGN_PUB), sig)).toBe(true);
  });

  it("refuses a wrong password and a tampered file, precisely", () => {
    expect(() => decryptCosignKey(COSIGN_KEY, "wrong")).toThrow(/wrong password \(COSIGN_PASSWORD\)/);
    expect(isCosignPrivateKey(COSIGN_PUB)).toBe(false);
    expect(() => decryptCosignKey(COSIGN_PUB, "pw")).toThrow(/not a cosign private key/);
    const garbled = COSIGN_KEY.replace(/(-----\n)(\S)/, (_m, a: string, c: string) => a + (c === "A" ? "B" : "A"));
    expect(() => decryptCosignKey(garbled, "pw")).toThrow();
  });

  it("authenticates the ciphertext (Poly1305): one flipped bit fails like a wrong password", () => {
    const body = COSIGN_KEY.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    const json = JSON.parse(Buffer.from(body, "base64").toString()) as { ciphertext: string };
    const box = Buffer.from(json.ciphertext, "base64");
    box[box.length - 1]! ^= 1;
    json.ciphertext = box.toString("base64");
    const pem = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(json)).toString("base64")}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    expect(() => decryptCosignKey(pem, "pw")).toThrow(/wrong password/);
    expect(secretboxOpen(Buffer.alloc(40, 7), Buffer.alloc(24), Buffer.alloc(32))).toBeUndefined();
  });
});
