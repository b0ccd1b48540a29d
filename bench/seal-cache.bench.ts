// What the seal cache buys admission: checking an already-verified digest (a cache hit, memory
// only) against a full verification against a real registry on loopback, in the same run.
//
//   npx tsx bench/seal-cache.bench.ts [--iterations 200]
//
// Starts the test registry (test/services/registry.ts), pushes two images, seals one with golive
// (legacy .sig) and signs the other with the real cosign (Sigstore bundle, referrers API), then
// measures. Prints medians and the ratio; no pass/fail on timing.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TrustedKey } from "../gates/dsse.js";
import { publicKeyOf } from "../gates/trusted-keys.js";
import { requireDigest } from "../images/reference.js";
import { RegistryClient } from "../images/registry-client.js";
import { sealImage } from "../images/seal.js";
import { SealCache } from "../images/seal-cache.js";
import { verifyImageSeal } from "../images/verify.js";
import { generateKeyPair, sign } from "../test/services/cosign.js";
import { pushTestImage, startRegistry } from "../test/services/registry.js";

const arg = process.argv.indexOf("--iterations");
const ITERATIONS = arg > 0 ? Number(process.argv[arg + 1]) : 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

const registry = await startRegistry({ referrers: true });
const keysDir = mkdtempSync(join(tmpdir(), "golive-bench-keys-"));
try {
  const golive = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const cosignKeys = await generateKeyPair(keysDir, "bench");
  const cosignPublic = publicKeyOf({ name: "cosign", publicKey: readFileSync(cosignKeys.publicKey, "utf8") });
  if (typeof cosignPublic === "string") throw new Error(cosignPublic);
  const keys: TrustedKey[] = [
    { name: "golive", key: golive.publicKey },
    { name: "cosign", key: cosignPublic },
  ];

  const client = new RegistryClient();
  const legacy = requireDigest((await pushTestImage(registry.host, "bench/app", "legacy")).reference);
  await sealImage(client, legacy, golive.privateKey);
  const bundleImage = await pushTestImage(registry.host, "bench/app", "bundle");
  await sign(bundleImage.reference, cosignKeys.privateKey, { password: "bench", format: "bundle" });
  const bundle = requireDigest(bundleImage.reference);

  // Full verification: every call goes to the registry (manifest, signature artifacts, blobs).
  const cold: Record<string, number[]> = { "legacy-sig": [], "sigstore-bundle": [] };
  for (let i = 0; i < 10; i++) await verifyImageSeal(client, legacy, keys); // warm up connections and JIT
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [format, image] of [["legacy-sig", legacy], ["sigstore-bundle", bundle]] as const) {
      const t = nowNs();
      const verdict = await verifyImageSeal(client, image, keys);
      cold[format]!.push(Number(nowNs() - t) / 1e6);
      if (!verdict.sealed || verdict.format !== format) throw new Error(`expected ${format} to be sealed: ${JSON.stringify(verdict)}`);
    }
  }

  // Cache hit: what admission does for a digest the operator already verified.
  const cache = new SealCache({ verify: (image, k) => verifyImageSeal(client, image, k) });
  await cache.verify(legacy.name, legacy.digest, keys);
  const BATCH = 10_000;
  const hits: number[] = [];
  const freshArrayHits: number[] = [];
  for (let i = 0; i < 200; i++) {
    let t = nowNs();
    for (let j = 0; j < BATCH; j++) if (!cache.peek(legacy.name, legacy.digest, keys)?.sealed) throw new Error("cache miss");
    hits.push(Number(nowNs() - t) / BATCH / 1e3);
    // A new key array each time (as imageKeys(policy.spec.signers) returns): the key-set id is rebuilt.
    t = nowNs();
    for (let j = 0; j < BATCH; j++) if (!cache.peek(legacy.name, legacy.digest, [...keys])?.sealed) throw new Error("cache miss");
    freshArrayHits.push(Number(nowNs() - t) / BATCH / 1e3);
  }

  const hitUs = median(hits);
  const coldLegacyMs = median(cold["legacy-sig"]!);
  const coldBundleMs = median(cold["sigstore-bundle"]!);
  console.log(`seal cache bench (registry on loopback ${registry.host}, Node ${process.version}, ${ITERATIONS} full verifications per format)`);
  console.log(`  cache hit (peek, same key array):   median ${hitUs.toFixed(3)} µs`);
  console.log(`  cache hit (peek, fresh key array):  median ${median(freshArrayHits).toFixed(3)} µs`);
  console.log(`  full verification, legacy .sig:      median ${coldLegacyMs.toFixed(2)} ms`);
  console.log(`  full verification, Sigstore bundle:  median ${coldBundleMs.toFixed(2)} ms`);
  console.log(`  ratio full/hit: legacy ${Math.round((coldLegacyMs * 1000) / hitUs).toLocaleString("en")}x, bundle ${Math.round((coldBundleMs * 1000) / hitUs).toLocaleString("en")}x`);
} finally {
  await registry.stop();
  rmSync(keysDir, { recursive: true, force: true });
}
