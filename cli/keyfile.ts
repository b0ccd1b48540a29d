import type { KeyObject } from "node:crypto";
import { KeyFileError, readPrivateKey as readKey } from "../settings/keyfile.js";
import { CliError } from "./errors.js";

/** Read a PEM private key (settings/keyfile.ts); an unusable one is a CLI error with its reason. */
export function readPrivateKey(path: string): KeyObject {
  try {
    return readKey(path);
  } catch (e) {
    if (e instanceof KeyFileError) throw new CliError(e.message);
    throw e;
  }
}
