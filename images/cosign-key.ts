// cosign's own private key files ("ENCRYPTED SIGSTORE PRIVATE KEY", formerly "ENCRYPTED COSIGN
// PRIVATE KEY", as `cosign generate-key-pair` writes them), so teams can seal with the key they
// already have. The PEM body is JSON (go-securesystemslib's encrypted format):
//
//   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<base64>"},
//    "cipher":{"name":"nacl/secretbox","nonce":"<base64, 24 bytes>"},"ciphertext":"<base64>"}
//
// key = scrypt(password, salt, N, r, p, 32 bytes); plaintext = NaCl secretbox open (XSalsa20 +
// Poly1305) of the ciphertext = the private key as PKCS#8 DER. Node's crypto has scrypt but not
// XSalsa20-Poly1305, so the secretbox is implemented here, from the NaCl specification
// (Bernstein, "Cryptography in NaCl"); a wrong password fails the Poly1305 check.
import { createPrivateKey, scryptSync, timingSafeEqual, type KeyObject } from "node:crypto";
import { z } from "zod";
import { decodeBase64 } from "../gates/dsse.js";

const COSIGN_PEM = /-----BEGIN (ENCRYPTED (?:SIGSTORE|COSIGN) PRIVATE KEY)-----([\s\S]*?)-----END \1-----/;

export function isCosignPrivateKey(pem: string): boolean {
  return COSIGN_PEM.test(pem);
}

const Encrypted = z.object({
  kdf: z.object({ name: z.literal("scrypt"), params: z.object({ N: z.int().min(2).max(1 << 22), r: z.int().min(1).max(32), p: z.int().min(1).max(16) }), salt: z.string() }),
  cipher: z.object({ name: z.literal("nacl/secretbox"), nonce: z.string() }),
  ciphertext: z.string(),
});

/** Decrypt a cosign.key with its password; throws with a precise message (a wrong password included). */
export function decryptCosignKey(pem: string, password: string): KeyObject {
  const m = COSIGN_PEM.exec(pem);
  if (!m) throw new Error("not a cosign private key (no ENCRYPTED SIGSTORE PRIVATE KEY block)");
  const body = decodeBase64((m[2] ?? "").replace(/\s+/g, ""));
  if (!body) throw new Error("the cosign key's PEM body is not base64");
  let parsed: z.infer<typeof Encrypted>;
  try {
    parsed = Encrypted.parse(JSON.parse(body.toString("utf8")));
  } catch (e) {
    throw new Error(`the cosign key is not in the format cosign writes (scrypt + nacl/secretbox): ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const salt = decodeBase64(parsed.kdf.salt);
  const nonce = decodeBase64(parsed.cipher.nonce);
  const box = decodeBase64(parsed.ciphertext);
  if (!salt || !nonce || nonce.length !== 24 || !box || box.length < 16) throw new Error("the cosign key's salt, nonce or ciphertext is malformed");
  const { N, r, p } = parsed.kdf.params;
  const key = scryptSync(Buffer.from(password, "utf8"), salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  const der = secretboxOpen(box, nonce, key);
  if (!der) throw new Error("cannot decrypt the cosign key: wrong password (COSIGN_PASSWORD)");
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}

// --- NaCl secretbox: XSalsa20 stream cipher + Poly1305 one-time authenticator ---

function rotl(v: number, c: number): number {
  return ((v << c) | (v >>> (32 - c))) >>> 0;
}

/** The Salsa20/20 rounds over x, in place. */
function rounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number) => {
    x[b]! ^= rotl((x[a]! + x[d]!) >>> 0, 7);
    x[c]! ^= rotl((x[b]! + x[a]!) >>> 0, 9);
    x[d]! ^= rotl((x[c]! + x[b]!) >>> 0, 13);
    x[a]! ^= rotl((x[d]! + x[c]!) >>> 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

/** The Salsa20 input block: constants, a 32-byte key and 16 bytes of nonce/counter. */
function block(key: Buffer, sixteen: Buffer): Uint32Array {
  const s = new Uint32Array(16);
  // "expand 32-byte k"
  s[0] = 0x61707865;
  s[5] = 0x3320646e;
  s[10] = 0x79622d32;
  s[15] = 0x6b206574;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = key.readUInt32LE(4 * i);
    s[11 + i] = key.readUInt32LE(16 + 4 * i);
    s[6 + i] = sixteen.readUInt32LE(4 * i);
  }
  return s;
}

function hsalsa20(key: Buffer, nonce16: Buffer): Buffer {
  const x = block(key, nonce16);
  rounds(x);
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((idx, i) => out.writeUInt32LE(x[idx]!, 4 * i));
  return out;
}

/** `length` bytes of the XSalsa20 keystream for a 24-byte nonce. */
function xsalsa20Stream(key: Buffer, nonce: Buffer, length: number): Buffer {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  const input = Buffer.alloc(16);
  nonce.copy(input, 0, 16, 24);
  for (let counter = 0; counter * 64 < length; counter++) {
    input.writeUInt32LE(counter >>> 0, 8);
    input.writeUInt32LE(Math.floor(counter / 2 ** 32), 12);
    const s = block(subkey, input);
    const x = s.slice();
    rounds(x);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i]! + s[i]!) >>> 0, counter * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

function leToBigInt(bytes: Buffer): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function poly1305(message: Buffer, key: Buffer): Buffer {
  const p = (1n << 130n) - 5n;
  const r = leToBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leToBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const chunk = message.subarray(i, i + 16);
    acc = ((acc + leToBigInt(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

/** NaCl crypto_secretbox_open: box = 16-byte Poly1305 tag || ciphertext; undefined when the tag does not match. */
export function secretboxOpen(box: Buffer, nonce: Buffer, key: Buffer): Buffer | undefined {
  const stream = xsalsa20Stream(key, nonce, 32 + box.length - 16);
  const tag = box.subarray(0, 16);
  const ciphertext = box.subarray(16);
  if (!timingSafeEqual(poly1305(ciphertext, stream.subarray(0, 32)), tag)) return undefined;
  const plain = Buffer.alloc(ciphertext.length);
  for (let i = 0; i < ciphertext.length; i++) plain[i] = ciphertext[i]! ^ stream[32 + i]!;
  return plain;
}
