// The signed verification summary on the release's image in a REAL OCI registry, checked by the
// REAL cosign v3 binary: `golive report attest` attaches it as a cosign attestation, `cosign
// verify-attestation --key --type https://slsa.dev/verification_summary/v1` accepts it, and a byte
// changed in it is refused by cosign and by `golive report verify IMAGE`; exit codes 0/1/2/3.
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { Release } from "../api/index.js";
import { DSSE_LAYER_MEDIA_TYPE } from "../images/attestation.js";
import { ImageManifest, MediaType } from "../images/oci.js";
import { VSA_PREDICATE_TYPE } from "../report/summary.js";
import { atAfter, EXAMPLES, evidenceFiles, RELEASED, RELEASED_NAME, resignedEvidence, tmp } from "../report/testkit.js";

/** The sample's evidence is re-signed for the test image with its own issuedAt: judge it after that. */
const AT = atAfter(evidenceFiles());
import { createLogger } from "../cli/log.js";
import { SummaryPublisher } from "../operator/summary/publish.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import { cosign } from "./services/cosign.js";
import { kubeConfig, kubectl, kubectlResult, useNamespace } from "./support/cluster.js";
import { getBlob, getManifest, pushBlob, pushManifest, pushTestImage, startRegistry, type Registry, type TestImage } from "./services/registry.js";
import { runGolive } from "./support/golive-cli.js";

const REPO = "insurance/underwriting-api";
const mark = Math.random().toString(16).slice(2, 10);
const ns = useNamespace("report-attest", { "golive.dev/report-attest-test": mark });
const dir = tmp();
let registry: Registry;
let image: TestImage;
let files: string[];
const keys = { key: join(dir, "golive.key"), pub: join(dir, "golive.pub"), otherPub: join(dir, "other.pub") };

const golive = runGolive;

const verifyAttestation = (ref: string, pub: string) =>
  cosign(["verify-attestation", `--key=${pub}`, `--type=${VSA_PREDICATE_TYPE}`, "--insecure-ignore-tlog=true", "--allow-http-registry=true", "--allow-insecure-registry=true", ref]);

beforeAll(async () => {
  registry = await startRegistry();
  image = await pushTestImage(registry.host, REPO, "2.4.1");
  for (const [priv, pub] of [[keys.key, keys.pub], [undefined, keys.otherPub]] as const) {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    if (priv) writeFileSync(priv, pair.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(pub, pair.publicKey.export({ type: "spki", format: "pem" }));
  }
  // The sample release, its sealed image now the one pushed to the test registry; the sample's
  // evidence signed again for it (evidence signs the artifact digest, images included).
  const doc = parse(readFileSync(RELEASED, "utf8")) as { spec: { images: { name: string; digest: string }[] }; status: { seals: { image: string; digest: string }[] } };
  doc.spec.images = [{ name: `${registry.host}/${REPO}`, digest: image.digest }];
  doc.status.seals = doc.status.seals.map((s) => ({ ...s, image: `${registry.host}/${REPO}`, digest: image.digest }));
  const release = Release.parse(doc);
  writeFileSync(join(dir, "release.yaml"), stringify(doc));
  writeFileSync(join(dir, "evidence.yaml"), resignedEvidence(release).map((e) => stringify(e)).join("---\n"));
  files = [join(dir, "release.yaml"), join(EXAMPLES, "policy.yaml"), join(dir, "evidence.yaml")];
}, 120_000);
afterAll(async () => {
  kubectlResult(["delete", "releasepolicy", `report-attest-${mark}`, "--wait=false"]);
  await registry?.stop();
});

describe("golive report attest and verify IMAGE, with the real registry and cosign", () => {
  it("attaches the summary as a cosign attestation that cosign verify-attestation and golive report verify accept; another key is refused by both", async () => {
    const attested = await golive(["report", "attest", RELEASED_NAME, "-f", ...files, "--sign-key", keys.key, "--at", AT.toISOString()]);
    expect(attested.code, attested.err).toBe(0);
    expect(attested.out).toContain(`signed now with ${keys.key}: PASSED`);
    expect(attested.out).toContain(`attested ${registry.host}/${REPO}@${image.digest}: ${registry.host}/${REPO}:${image.digest.replace(":", "-")}.att`);

    const ok = await verifyAttestation(image.reference, keys.pub);
    expect(ok.status, `${ok.stdout}${ok.stderr}`).toBe(0);
    // cosign prints each verified envelope; its statement is golive's summary for this image.
    const envelope = JSON.parse(ok.stdout.trim().split("\n")[0]!) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as { predicateType: string; subject: { name: string; digest: { sha256: string } }[]; predicate: { verificationResult: string; verifier: { id: string } } };
    expect(statement.predicateType).toBe(VSA_PREDICATE_TYPE);
    expect(statement.predicate).toMatchObject({ verificationResult: "PASSED", verifier: { id: "https://golive.dev/verifier" } });
    expect(statement.subject).toContainEqual({ name: `${registry.host}/${REPO}`, digest: { sha256: image.digest.slice(7) } });

    const mine = await golive(["report", "verify", image.reference, "--key", keys.pub]);
    expect(mine.code, mine.err).toBe(0);
    expect(mine.out).toMatch(/signed by the key \(sha256:[0-9a-f]{64}\): PASSED for underwriting-api@2\.4\.2 \(policy golive\.dev\/releasepolicy\/insurance-level3, JR\/T 0179-2019 protection level 3/);

    expect((await verifyAttestation(image.reference, keys.otherPub)).status).not.toBe(0);
    const other = await golive(["report", "verify", image.reference, "--key", keys.otherPub]);
    expect(other.code).toBe(1);
    expect(other.err).toContain("does not verify with the given key");
  }, 180_000);

  it("attaching again replaces golive's earlier summary and keeps other attestations", async () => {
    const again = await golive(["report", "attest", RELEASED_NAME, "-f", ...files, "--sign-key", keys.key]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain("replacing 1 earlier summary");
    const att = ImageManifest.parse((await getManifest(registry.host, REPO, `${image.digest.replace(":", "-")}.att`))!.json);
    expect(att.layers.map((l) => [l.mediaType, l.annotations?.predicateType])).toEqual([[DSSE_LAYER_MEDIA_TYPE, VSA_PREDICATE_TYPE]]);
  }, 60_000);

  it("a byte changed in the attached summary is refused by cosign and by golive report verify (exit 1)", async () => {
    const tampered = await pushTestImage(registry.host, REPO, "2.4.1-tampered");
    // The release's summary for `tampered`: attach, then change one byte of the signed statement.
    const doc = parse(readFileSync(join(dir, "release.yaml"), "utf8")) as { spec: { images: { name: string; digest: string }[] } };
    doc.spec.images = [{ name: `${registry.host}/${REPO}`, digest: tampered.digest }];
    const tdir = tmp();
    writeFileSync(join(tdir, "release.yaml"), stringify(doc));
    const attested = await golive(["report", "attest", RELEASED_NAME, "-f", join(tdir, "release.yaml"), join(EXAMPLES, "policy.yaml"), join(dir, "evidence.yaml"), "--sign-key", keys.key]);
    expect(attested.code, attested.err).toBe(0);
    expect((await verifyAttestation(tampered.reference, keys.pub)).status).toBe(0);

    const tag = `${tampered.digest.replace(":", "-")}.att`;
    const manifest = ImageManifest.parse((await getManifest(registry.host, REPO, tag))!.json);
    const layer = manifest.layers[0]!;
    const envelope = JSON.parse((await getBlob(registry.host, REPO, layer.digest)).toString()) as { payload: string };
    const payload = Buffer.from(envelope.payload, "base64");
    const at = payload.indexOf("golive.dev/verifier");
    expect(at).toBeGreaterThan(0);
    payload[at] = "G".charCodeAt(0); // one byte
    envelope.payload = payload.toString("base64");
    const forged = Buffer.from(JSON.stringify(envelope));
    const forgedDigest = await pushBlob(registry.host, REPO, forged);
    await pushManifest(registry.host, REPO, tag, Buffer.from(JSON.stringify({ ...manifest, layers: [{ ...layer, digest: forgedDigest, size: forged.length }] })), MediaType.ociManifest);

    const byCosign = await verifyAttestation(tampered.reference, keys.pub);
    expect(byCosign.status, byCosign.stdout).not.toBe(0);
    const byGolive = await golive(["report", "verify", tampered.reference, "--key", keys.pub]);
    expect(byGolive.code).toBe(1);
    expect(byGolive.err).toMatch(/no attached verification summary verifies:\n {2}attestation sha256:[0-9a-f]{64}: its signature does not verify with the given key/);
    // The untouched image still verifies.
    expect((await golive(["report", "verify", image.reference, "--key", keys.pub])).code).toBe(0);
  }, 180_000);

  it("exit codes: 1 nothing attached or no such image, 2 usage, 3 registry unreachable", async () => {
    const bare = await pushTestImage(registry.host, REPO, "unattested");
    const none = await golive(["report", "verify", bare.reference, "--key", keys.pub]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("no verification summary (https://slsa.dev/verification_summary/v1) is attached; attach one with golive report attest RELEASE");
    const missing = await golive(["report", "verify", `${registry.host}/${REPO}@sha256:${"0".repeat(64)}`, "--key", keys.pub]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("NotFound");
    expect((await golive(["report", "verify", image.reference])).code).toBe(2);
    const neither = await golive(["report", "verify", "no-such-report.html", "--key", keys.pub]);
    expect(neither.code).toBe(2);
    expect(neither.err).toContain("no such file, and not an image pinned by digest");
    expect((await golive(["report", "attest", RELEASED_NAME, "-f", ...files])).code).toBe(2);
    const down = await golive(["report", "verify", `127.0.0.1:1/${REPO}@${image.digest}`, "--key", keys.pub, "--timeout", "500"]);
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/registry trouble, not a verdict: RegistryDown: cannot reach 127\.0\.0\.1:1/);
  }, 60_000);

  it("without --sign-key, attaches the summary the operator signed and keeps beside the release (ConfigMap RELEASE-golive-summary)", async () => {
    // The release in the API server, with the status from the real rollout; the operator's own
    // publisher (operator/summary/publish.ts) signs and stores its summary as it does at Released.
    const release = Release.parse({ ...(parse(readFileSync(join(dir, "release.yaml"), "utf8")) as object), metadata: { name: RELEASED_NAME, namespace: ns.name } });
    const { status, ...manifest } = release;
    kubectl(["apply", "-n", ns.name, "-f", "-"], JSON.stringify(manifest));
    kubectl(["patch", "release", RELEASED_NAME, "-n", ns.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
    const evidence = readFileSync(join(dir, "evidence.yaml"), "utf8").split("---\n").map((d) => ReleaseEvidence.parse(parse(d)));
    // The policy governing the namespace (attest reads the release's inputs from the cluster).
    const doc = parse(readFileSync(join(EXAMPLES, "policy.yaml"), "utf8")) as { metadata: { name: string }; spec: Record<string, unknown> };
    doc.metadata.name = `report-attest-${mark}`;
    doc.spec.namespaceSelector = { matchLabels: { "golive.dev/report-attest-test": mark } };
    kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const policy = ReleasePolicy.parse(doc);
    const publisher = new SummaryPublisher({ client: new KubeClient(kubeConfig()), key: createPrivateKey(readFileSync(keys.key, "utf8")), log: createLogger("silent") });
    const published = await publisher.ensure(release, status!, policy, evidence, AT);
    expect(published).toMatchObject([{ phase: "Released", verdict: "PASSED" }]);

    const r = await golive(["report", "attest", RELEASED_NAME, "-n", ns.name, "--kubeconfig", inject("kubeconfig")]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`verification summary: ${ns.name}/${RELEASED_NAME}-golive-summary Released.dsse.json (signed by the operator)`);
    expect(r.out).toContain(`attested ${registry.host}/${REPO}@${image.digest}`);
    expect(r.out).toContain("replacing 1 earlier summary");
    // What is attached now is byte for byte the envelope the operator stored.
    const stored = JSON.parse(kubectl(["get", "configmap", `${RELEASED_NAME}-golive-summary`, "-n", ns.name, "-o", "json"])) as { data: Record<string, string> };
    const att = ImageManifest.parse((await getManifest(registry.host, REPO, `${image.digest.replace(":", "-")}.att`))!.json);
    expect(JSON.parse((await getBlob(registry.host, REPO, att.layers[0]!.digest)).toString())).toEqual(JSON.parse(stored.data["Released.dsse.json"]!));
    expect((await verifyAttestation(image.reference, keys.pub)).status).toBe(0);
    expect((await golive(["report", "verify", image.reference, "--key", keys.pub])).code).toBe(0);
  }, 180_000);
});
