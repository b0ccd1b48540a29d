// Key loading shared by the CLI and the long-running processes (the operator's evidence key,
// the webhook's checkpoint key): a PEM file, GOLIVE_KEY_PASSWORD for an encrypted one.
import { readFileSync } from "node:fs";
import type { KeyObject } from "node:crypto";
import { loadPrivateKey } from "../gates/sign.js";

/** A key file that cannot be read or used, with a message that says which and what to do. */
export class KeyFileError extends Error {}

/** Read a PEM private key; GOLIVE_KEY_PASSWORD unlocks an encrypted one. */
export function readPrivateKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new KeyFileError(`cannot read key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return loadPrivateKey(pem, process.env.GOLIVE_KEY_PASSWORD);
  } catch (e) {
    throw new KeyFileError(`${path} is not a usable private key: ${(e as Error).message}${/encrypt|passphrase/i.test((e as Error).message) ? " (set GOLIVE_KEY_PASSWORD)" : ""}`);
  }
}
