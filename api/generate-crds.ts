// `npm run crds`: writes crds/*.yaml from the zod schemas. Never edit crds/ by hand.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrds } from "./render-crds.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "crds"), { recursive: true });
for (const [file, text] of Object.entries(renderCrds())) {
  writeFileSync(join(root, "crds", file), text);
  console.log(`wrote crds/${file}`);
}
