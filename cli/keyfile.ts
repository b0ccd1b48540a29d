import { readFileSync } from "node:fs";
import type { KeyObject } from "node:crypto";
import { loadPrivateKey } from "../gates/sign.js";
import { CliError } from "./errors.js";

/** Read a PEM private key; GOLIVE_KEY_PASSWORD unlocks an encrypted one. */
export function readPrivateKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return loadPrivateKey(pem, process.env.GOLIVE_KEY_PASSWORD);
  } catch (e) {
    throw new CliError(`${path} is not a usable private key: ${(e as Error).message}${/encrypt|passphrase/i.test((e as Error).message) ? " (set GOLIVE_KEY_PASSWORD)" : ""}`);
  }
}
