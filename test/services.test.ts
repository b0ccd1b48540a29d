// The services the integration tests build on, started for real on loopback: Prometheus scraping
// a metrics endpoint and evaluating rules, promtool, an OCI registry with and without the
// referrers API, cosign signing and verifying in both signature formats, and helm.
import { createServer, type Server } from "node:http";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createHash, createPublicKey } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { kubectl, useNamespace } from "./support/cluster.js";
import { until } from "./support/wait.js";
import { tempDir } from "./services/common.js";
import { generateKeyPair, sign, verify, type KeyPair } from "./services/cosign.js";
import { helm, helmResult } from "./services/helm.js";
import { checkRules, startPrometheus, type Prometheus } from "./services/prometheus.js";
import { getBlob, getManifest, listFallbackReferrers, listReferrers, listTags, MediaTypes, pushTestImage, startRegistry, type Registry, type TestImage } from "./services/registry.js";

const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await f();
  console.log(`[services] ${what} in ${Date.now() - start} ms`);
  return result;
}

describe("Prometheus", () => {
  let app: Server;
  let appUrl = "";
  let value = 42;
  let prometheus: Prometheus;

  beforeAll(async () => {
    app = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader("content-type", "text/plain; version=0.0.4");
      res.end(`# HELP golive_test_value A value the test sets.\n# TYPE golive_test_value gauge\ngolive_test_value{app="demo"} ${value}\n`);
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/metrics`;
    prometheus = await timed("Prometheus ready", () => startPrometheus({
      targets: [{ job: "demo", urls: [appUrl] }],
      rules: "groups:\n- name: demo\n  rules:\n  - record: golive:test_value:doubled\n    expr: golive_test_value * 2\n",
    }));
  });
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((r) => app?.close(r));
  });

  it("scrapes a metrics endpoint on loopback and answers instant queries", async () => {
    expect(await timed("first scrape visible", () => prometheus.waitForValue('golive_test_value{job="demo"}'))).toBe(42);
    expect(await prometheus.query('up{job="demo"}')).toBe(1);
    expect(await prometheus.query('golive_test_value{job="nope"}')).toBeUndefined();
    const samples = await prometheus.queryAll("golive_test_value");
    expect(samples).toEqual([{ labels: { __name__: "golive_test_value", app: "demo", instance: new URL(appUrl).host, job: "demo" }, value: 42 }]);
    value = 7;
    expect(await prometheus.waitForValue("golive_test_value", { until: (v) => v === 7 })).toBe(7);
  });

  it("evaluates the rule file, and reloads a new one", async () => {
    expect(await prometheus.waitForValue("golive:test_value:doubled", { until: (v) => v === value * 2 })).toBe(value * 2);
    await prometheus.reload({ rules: "groups:\n- name: demo\n  rules:\n  - record: golive:test_value:tripled\n    expr: golive_test_value * 3\n" });
    expect(await prometheus.waitForValue("golive:test_value:tripled")).toBe(value * 3);
    await expect(prometheus.reload({ rules: "groups:\n- name: broken\n  rules:\n  - record: x\n    expr: sum(\n" })).rejects.toThrow(/reloading Prometheus: HTTP 500/);
    await expect(prometheus.query("sum(")).rejects.toThrow(/bad_data/);
  });

  it("fails fast with Prometheus' log when it cannot start, leaving nothing behind", async () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith("golive-prometheus-"));
    const start = startPrometheus({ targets: [], rules: "groups:\n- name: broken\n  rules:\n  - record: x\n    expr: sum(\n" });
    await expect(start).rejects.toThrow(/prometheus exited while waiting for .*\/-\/ready:\n[^]*parse error/);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith("golive-prometheus-"))).toEqual(before);
  });

  it("promtool accepts a good rule file and rejects a bad one", () => {
    const good = checkRules("groups:\n- name: slo\n  rules:\n  - alert: HighErrorRate\n    expr: rate(http_requests_total{code=~\"5..\"}[5m]) > 0.1\n    for: 1m\n");
    expect(good.output).toMatch(/SUCCESS: 1 rules found/);
    expect(good.ok).toBe(true);
    const bad = checkRules("groups:\n- name: slo\n  rules:\n  - alert: Broken\n    expr: rate(http_requests_total[5m] > 0.1\n");
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/FAILED/);
    expect(bad.output).toMatch(/rules\.yml/);
  });
});

describe("OCI registry", () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await timed("registry ready", () => startRegistry());
  });
  afterAll(() => registry?.stop());

  it("accepts a pushed image and serves its manifest back with the same digest", async () => {
    const image = await pushTestImage(registry.host, "golive/demo", "1.0.0");
    expect(image.reference).toBe(`${registry.host}/golive/demo@${image.digest}`);
    for (const ref of ["1.0.0", image.digest]) {
      const served = await getManifest(registry.host, "golive/demo", ref);
      expect(served?.digest).toBe(image.digest);
      expect(served?.computedDigest).toBe(image.digest);
      expect(served?.mediaType).toBe(MediaTypes.imageManifest);
      expect(served?.bytes.equals(image.manifest)).toBe(true);
    }
    const manifest = (await getManifest(registry.host, "golive/demo", image.digest))!.json as { config: { digest: string }; layers: { digest: string }[] };
    const config = JSON.parse((await getBlob(registry.host, "golive/demo", manifest.config.digest)).toString()) as { os: string; rootfs: { diff_ids: string[] } };
    expect(config.os).toBe("linux");
    expect(manifest.layers).toHaveLength(1);
    expect(await listTags(registry.host, "golive/demo")).toEqual(["1.0.0"]);
    expect(await listReferrers(registry.host, "golive/demo", image.digest)).toEqual([]);
    expect(await getManifest(registry.host, "golive/demo", "missing")).toBeUndefined();
    // The registry logs each request after answering it, through a pipe: the line may trail the response.
    await until("the manifest PUT in the registry's log", () => (/PUT \/v2\/golive\/demo\/manifests\/1\.0\.0 201/.test(registry.log()) ? true : undefined), 5_000, 50);
  });

  it("without the referrers API answers it with 404", async () => {
    const plain = await startRegistry({ referrers: false });
    try {
      const image = await pushTestImage(plain.host, "golive/demo", "1.0.0");
      expect(await listReferrers(plain.host, "golive/demo", image.digest)).toBeUndefined();
      expect((await getManifest(plain.host, "golive/demo", "1.0.0"))?.digest).toBe(image.digest);
    } finally {
      await plain.stop();
    }
  });
});

describe.each([
  { referrers: true, label: "with the referrers API" },
  { referrers: false, label: "without the referrers API (tag-schema fallback)" },
])("cosign on a registry $label", ({ referrers }) => {
  const keysDir = tempDir("cosign-keys");
  let registry: Registry;
  let keys: KeyPair;
  let otherKeys: KeyPair;
  let legacy: TestImage;
  let bundle: TestImage;
  const repo = "golive/signed";

  beforeAll(async () => {
    registry = await startRegistry({ referrers });
    mkdirSync(join(keysDir.path, "other"));
    [keys, otherKeys] = await Promise.all([generateKeyPair(keysDir.path, "test-password"), generateKeyPair(join(keysDir.path, "other"), "other-password")]);
    [legacy, bundle] = [await pushTestImage(registry.host, repo, "legacy"), await pushTestImage(registry.host, repo, "bundle")];
  });
  afterAll(async () => {
    await registry?.stop();
    keysDir.remove();
  });

  it("signs in the legacy format: a simple-signing manifest tagged sha256-<hex>.sig", async () => {
    await timed("cosign sign (legacy)", () => sign(legacy.reference, keys.privateKey, { password: "test-password", format: "legacy", annotations: { "golive.dev/release": "demo-1" } }));
    const tag = `${legacy.digest.replace(":", "-")}.sig`;
    expect(await listTags(registry.host, repo)).toContain(tag);
    const sig = await getManifest(registry.host, repo, tag);
    expect(sig?.mediaType).toBe(MediaTypes.imageManifest);
    const m = sig!.json as { config: { mediaType: string }; layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    expect(m.config.mediaType).toBe(MediaTypes.imageConfig);
    expect(m.layers).toHaveLength(1);
    const layer = m.layers[0]!;
    expect(layer.mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
    expect(layer.annotations["dev.cosignproject.cosign/signature"]).toMatch(/^[A-Za-z0-9+/=]+$/);
    const payload = JSON.parse((await getBlob(registry.host, repo, layer.digest)).toString()) as { critical: unknown; optional: unknown };
    expect(payload).toEqual({
      critical: { identity: { "docker-reference": `${registry.host}/${repo}` }, image: { "docker-manifest-digest": legacy.digest }, type: "cosign container image signature" },
      optional: { "golive.dev/release": "demo-1" },
    });
    // The legacy format does not use referrers at all.
    expect(await listReferrers(registry.host, repo, legacy.digest)).toEqual(referrers ? [] : undefined);
  });

  it("signs in the Sigstore bundle format: a referrer of the image", async () => {
    await timed("cosign sign (bundle)", () => sign(bundle.reference, keys.privateKey, { password: "test-password", format: "bundle" }));
    const fallbackTag = bundle.digest.replace(":", "-");
    const listed = referrers ? await listReferrers(registry.host, repo, bundle.digest) : await listFallbackReferrers(registry.host, repo, bundle.digest);
    expect(listed).toHaveLength(1);
    const desc = listed![0]!;
    expect(desc).toMatchObject({ mediaType: MediaTypes.imageManifest, artifactType: BUNDLE_MEDIA_TYPE });
    if (referrers) {
      // Filtering by artifactType works, and the index carries the manifest's annotations.
      expect(await listReferrers(registry.host, repo, bundle.digest, BUNDLE_MEDIA_TYPE)).toHaveLength(1);
      expect(await listReferrers(registry.host, repo, bundle.digest, "application/x-other")).toEqual([]);
      expect(desc.annotations).toMatchObject({ "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1" });
      expect(await listTags(registry.host, repo)).not.toContain(fallbackTag);
    } else {
      expect(await listTags(registry.host, repo)).toContain(fallbackTag);
      expect((await getManifest(registry.host, repo, fallbackTag))?.mediaType).toBe(MediaTypes.imageIndex);
    }
    const m = (await getManifest(registry.host, repo, desc.digest))!.json as {
      artifactType: string;
      config: { mediaType: string };
      layers: { mediaType: string; digest: string }[];
      subject: { digest: string; mediaType: string };
    };
    expect(m.artifactType).toBe(BUNDLE_MEDIA_TYPE);
    expect(m.config.mediaType).toBe("application/vnd.oci.empty.v1+json");
    expect(m.subject).toMatchObject({ digest: bundle.digest, mediaType: MediaTypes.imageManifest });
    expect(m.layers.map((l) => l.mediaType)).toEqual([BUNDLE_MEDIA_TYPE]);
    const b = JSON.parse((await getBlob(registry.host, repo, m.layers[0]!.digest)).toString()) as {
      mediaType: string;
      verificationMaterial: { publicKey: { hint: string }; tlogEntries?: unknown[] };
      dsseEnvelope: { payloadType: string; payload: string; signatures: { sig: string }[] };
    };
    expect(b.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(b.verificationMaterial.tlogEntries ?? []).toEqual([]);
    // The key hint is base64(sha256(DER SubjectPublicKeyInfo)) of the signing key.
    const der = createPublicKey(readFileSync(keys.publicKey, "utf8")).export({ type: "spki", format: "der" });
    expect(b.verificationMaterial.publicKey.hint).toBe(createHash("sha256").update(der).digest("base64"));
    expect(b.dsseEnvelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(b.dsseEnvelope.signatures).toHaveLength(1);
    const statement = JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString()) as unknown;
    expect(statement).toMatchObject({ _type: "https://in-toto.io/Statement/v1", predicateType: "https://sigstore.dev/cosign/sign/v1", subject: [{ digest: { sha256: bundle.digest.slice("sha256:".length) } }] });
    // No legacy .sig tag for this image.
    expect(await listTags(registry.host, repo)).not.toContain(`${fallbackTag}.sig`);
  });

  it("verifies each format with the right key, and rejects another key or the other format", async () => {
    const good = await timed("cosign verify (legacy)", () => verify(legacy.reference, keys.publicKey, { format: "legacy" }));
    expect(good.output).toMatch(/The signatures were verified against the specified public key/);
    expect(good.ok).toBe(true);
    const goodBundle = await timed("cosign verify (bundle)", () => verify(bundle.reference, keys.publicKey, { format: "bundle" }));
    expect(goodBundle.output).toMatch(/The signatures were verified against the specified public key/);
    expect(goodBundle.ok).toBe(true);

    for (const [image, format] of [[legacy, "legacy"], [bundle, "bundle"]] as const) {
      const wrongKey = await verify(image.reference, otherKeys.publicKey, { format });
      expect(wrongKey.ok).toBe(false);
      expect(wrongKey.output).toMatch(/no matching signatures|invalid signature|failed to verify/i);
    }
    // An image signed in one format does not pass as the other.
    expect((await verify(bundle.reference, keys.publicKey, { format: "legacy" })).ok).toBe(false);
    const legacyAsBundle = await verify(legacy.reference, keys.publicKey, { format: "bundle" });
    expect(legacyAsBundle.ok).toBe(false);
    expect(legacyAsBundle.output).toMatch(/not a bundle signature/);
    // An unsigned image fails.
    const unsigned = await pushTestImage(registry.host, repo, "unsigned");
    expect((await verify(unsigned.reference, keys.publicKey, { format: "legacy" })).ok).toBe(false);
    expect((await verify(unsigned.reference, keys.publicKey, { format: "bundle" })).ok).toBe(false);
  });
});

describe("helm", () => {
  const ns = useNamespace("helm");
  const chartDir = tempDir("helm-chart");
  afterAll(() => chartDir.remove());

  beforeAll(() => {
    const chart = join(chartDir.path, "demo");
    mkdirSync(join(chart, "templates"), { recursive: true });
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.2.3\"\n");
    writeFileSync(join(chart, "values.yaml"), "greeting: hello\n");
    writeFileSync(join(chart, "templates", "configmap.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n  labels:\n    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n");
  });

  it("runs helm version, with its config, cache and data in a temp dir", async () => {
    const out = await timed("helm version", () => helm(["version", "--short"]));
    expect(out.trim()).toMatch(/^v3\.\d+\.\d+/);
    const home = tempDir("helm-home-test");
    try {
      const env = await helm(["env"], { home: home.path });
      expect(env).toContain(`HELM_CONFIG_HOME="${join(home.path, "config", "helm")}"`);
      expect(env).toContain(`HELM_CACHE_HOME="${join(home.path, "cache", "helm")}"`);
      expect(env).toContain(`HELM_DATA_HOME="${join(home.path, "data", "helm")}"`);
    } finally {
      home.remove();
    }
  });

  it("renders a chart with helm template", async () => {
    const out = await helm(["template", "rel", join(chartDir.path, "demo"), "--set", "greeting=bonjour"]);
    expect(out).toMatch(/name: rel-config/);
    expect(out).toMatch(/greeting: "bonjour"/);
    expect(out).toMatch(/app\.kubernetes\.io\/version: "1\.2\.3"/);
    const lint = await helmResult(["lint", join(chartDir.path, "demo")]);
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("installs into the test cluster with --kubeconfig", async () => {
    await helm(["install", "rel", join(chartDir.path, "demo"), "--namespace", ns.name, "--wait", "--timeout=60s"], { kubeconfig: inject("kubeconfig") });
    expect(kubectl(["get", "configmap", "rel-config", "-n", ns.name, "-o", "jsonpath={.data.greeting}"])).toBe("hello");
    expect(await helm(["list", "--namespace", ns.name, "--short"], { kubeconfig: inject("kubeconfig") })).toMatch(/^rel$/m);
  });
});
