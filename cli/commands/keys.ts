import { generateKeyPairSync } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { keyIdOf } from "../../gates/dsse.js";
import { CliError } from "../errors.js";

const KINDS = { "ecdsa-p256": () => generateKeyPairSync("ec", { namedCurve: "P-256" }), ed25519: () => generateKeyPairSync("ed25519"), rsa: () => generateKeyPairSync("rsa", { modulusLength: 3072 }) } as const;

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("Manage signing keys");
  keys
    .command("generate")
    .description("Generate a key pair: <prefix>.key (private, mode 0600, encrypted when GOLIVE_KEY_PASSWORD is set) and <prefix>.pub")
    .option("--type <type>", `key type: ${Object.keys(KINDS).join(", ")}`, "ecdsa-p256")
    .option("--out <prefix>", "file name prefix", "golive")
    .option("--force", "overwrite existing files")
    .action((opts: { type: string; out: string; force?: boolean }) => {
      const make = KINDS[opts.type as keyof typeof KINDS];
      if (!make) throw new CliError(`unknown key type "${opts.type}"; use one of ${Object.keys(KINDS).join(", ")}`);
      const [priv, pub] = [`${opts.out}.key`, `${opts.out}.pub`];
      for (const f of [priv, pub]) if (existsSync(f) && !opts.force) throw new CliError(`${f} exists; choose another --out or pass --force`);
      const { privateKey, publicKey } = make();
      const password = process.env.GOLIVE_KEY_PASSWORD;
      const pem = privateKey.export(password ? { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: password } : { type: "pkcs8", format: "pem" });
      writeFileSync(priv, pem, { mode: 0o600 });
      const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
      writeFileSync(pub, publicPem);
      process.stdout.write(`wrote ${priv} and ${pub} (key id ${keyIdOf(publicKey)})\nAdd the public key to a ReleasePolicy's spec.signers:\n${publicPem}`);
    });
}
