// The webhook's TLS self-management against the real API server: replicas agree on one
// certificate kept in a Secret, the caBundle is published into the configuration, and
// certificates (serving and CA) rotate while admission requests flow, with zero failures.
import { randomBytes } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { connect } from "node:tls";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateInfo, splitPem } from "../webhook/certificates.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import { CONFIG_DATA, DIGEST, fixturePolicy, fixtureRelease, GOVERNED_LABEL, IMAGE, policySpec, approvedStatus, RELEASE, workload, request as admissionRequest } from "../webhook/testdata/fixtures.js";
import { applyConfiguration, caBundlePublisher, secretTlsStore } from "../webhook/kube.js";
import { MemoryView } from "../webhook/memory-view.js";
import { startWebhookServer, type WebhookServer } from "../webhook/server.js";
import { TlsManager, type TlsMaterial, type TlsPolicy } from "../webhook/tls.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";

const id = randomBytes(3).toString("hex");
const TEST_LABEL = "golive.dev/webhook-tls-test";
const own = useNamespace("golive-tls");
const gov = useNamespace("tls-gov", { [TEST_LABEL]: id, [GOVERNED_LABEL]: id });
const configurationName = `golive-webhook-tls-test-${id}`;
const policyName = `tls-${id}`;
const log = pino({ level: process.env.GOLIVE_TEST_LOG ?? "silent" });

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectlAsync(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function items(args: string[]): Promise<any[]> {
  const out = JSON.parse(await ok(["get", ...args, "-o", "json"])) as { items?: any[] };
  return out.items ?? [out];
}

const SECOND = 1_000;

describe("webhook TLS on a real API server", () => {
  afterAll(async () => {
    await kubectlAsync(["delete", "validatingwebhookconfiguration", configurationName, "--ignore-not-found"]);
    await kubectlAsync(["delete", "releasepolicy", policyName, "--ignore-not-found"]);
  });

  it("several replicas starting together agree on one certificate in one Secret", async () => {
    const kc = kubeConfig();
    const policy: TlsPolicy = { dnsNames: ["golive-webhook.golive.svc"], ips: [], caValidityMs: 86_400_000, certValidityMs: 3_600_000, caRenewBeforeMs: 60_000, certRenewBeforeMs: 60_000, caOverlapMs: 1_000 };
    const served: TlsMaterial[] = [];
    const replicas = [0, 1, 2, 3].map(() => new TlsManager({ store: secretTlsStore(kc, own.name, "agree-tls"), policy, log, onCertificate: (m) => served.push(m) }));
    await Promise.all(replicas.map((r) => r.sync()));
    expect(served).toHaveLength(4);
    expect(new Set(served.map((m) => m.cert)).size).toBe(1);
    const secret = JSON.parse(await ok(["get", "secret", "agree-tls", "-n", own.name, "-o", "json"]));
    expect(secret.type).toBe("kubernetes.io/tls");
    expect(Buffer.from(secret.data["tls.crt"], "base64").toString()).toBe(served[0]!.cert);
    expect(secret.metadata.resourceVersion).toBeDefined();
    // Every replica loading again changes nothing: no write without a reason.
    await Promise.all(replicas.map((r) => r.sync()));
    expect((await items(["secret", "agree-tls", "-n", own.name]))[0].metadata.resourceVersion).toBe(secret.metadata.resourceVersion);
  });

  describe("rotation while requests flow", () => {
    let server: WebhookServer;
    let tls: TlsManager;
    const serials = new Set<string>();
    const cas = new Set<string>();

    beforeAll(async () => {
      const kc = kubeConfig();
      const admin = (await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).trim();
      const now = new Date();
      await ok(["apply", "--server-side", "-f", "-"], JSON.stringify(fixturePolicy(policyName, policySpec(id))));
      await ok(["apply", "-f", "-"], JSON.stringify(fixtureRelease(now, { namespace: gov.name, status: null })));
      await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: gov.name }, data: CONFIG_DATA }));
      const view = new MemoryView({ operatorIdentity: admin, ownNamespace: own.name });
      view.seals.sealed(IMAGE, DIGEST);
      // Short lives: the serving certificate rotates every ~4 s and the CA once during the run.
      const policy: TlsPolicy = { dnsNames: ["localhost"], ips: ["127.0.0.1"], caValidityMs: 40 * SECOND, certValidityMs: 12 * SECOND, caRenewBeforeMs: 28 * SECOND, certRenewBeforeMs: 8 * SECOND, caOverlapMs: 3 * SECOND };
      let first: TlsMaterial | undefined;
      tls = new TlsManager({
        store: secretTlsStore(kc, own.name),
        policy,
        log,
        publishCaBundle: caBundlePublisher(kc, configurationName),
        onCertificate: (m) => {
          serials.add(certificateInfo(m.cert).serial);
          for (const ca of splitPem(m.caBundle)) cas.add(certificateInfo(ca).serial);
          if (server) server.setCertificate(m);
          else first = m;
        },
      });
      await tls.sync();
      server = await startWebhookServer({ view, log, port: 0, host: "127.0.0.1", budgetMs: 8_000, certificate: first! });
      await ok(["patch", "release", RELEASE, "-n", gov.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: approvedStatus(new Date()) })]);
      const [namespaces, policies, releases, configMaps] = await Promise.all([items(["namespaces", gov.name]), items(["releasepolicies"]), items(["releases", "-n", gov.name]), items(["configmaps", "-n", gov.name])]);
      view.namespaces.replace(namespaces);
      view.policies.replace(policies);
      view.releases.replace(releases);
      view.configMaps.replace(configMaps);
      await applyConfiguration(kc, webhookConfiguration({ name: configurationName, ownNamespace: own.name, client: { url: `https://127.0.0.1:${server.port}/validate` }, timeoutSeconds: 10, scopes: [{ name: `tls${id}`, selector: { matchLabels: { [TEST_LABEL]: id } } }] }));
      await tls.republish();
      for (let i = 0; ; i++) {
        const r = await kubectlAsync(["create", "--dry-run=server", "-o", "name", "-f", "-"], JSON.stringify(workload("Pod", { namespace: gov.name, release: null })));
        if (r.stderr.includes(`tls${id}.golive.dev`)) break;
        if (i > 80) throw new Error(`the webhook never took effect: ${r.stderr}`);
        await new Promise((res) => setTimeout(res, 250));
      }
      tls.start(500);
    });

    afterAll(async () => {
      tls?.stop();
      await server?.close();
    });

    it("rotates serving certificates and the CA with zero failed requests", async () => {
      const pod = JSON.stringify(workload("Pod", { namespace: gov.name }));
      const failures: string[] = [];
      let throughApiServer = 0;
      let direct = 0;
      const deadline = Date.now() + 24 * SECOND;
      // The API server's own calls (it keeps connections alive and handshakes when it opens one).
      const viaApiServer = async () => {
        while (Date.now() < deadline) {
          const r = await kubectlAsync(["create", "--dry-run=server", "-o", "name", "-f", "-"], pod);
          throughApiServer++;
          if (r.status !== 0) failures.push(`kubectl: ${r.stderr.trim()}`);
        }
      };
      // Fresh TLS connections, trusting what the webhook published as its caBundle.
      const review = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: admissionRequest(workload("Pod", { namespace: gov.name }), { uid: "direct" }) });
      const viaFreshConnections = async () => {
        while (Date.now() < deadline) {
          const ca = tls.current!.caBundle;
          const outcome = await new Promise<string>((resolve) => {
            const req = httpsRequest({ host: "127.0.0.1", port: server.port, path: "/validate", method: "POST", ca, agent: false, headers: { "content-type": "application/json" } }, (res) => {
              let body = "";
              res.on("data", (c: Buffer) => (body += c.toString()));
              res.on("end", () => resolve(res.statusCode === 200 && (JSON.parse(body) as { response: { allowed: boolean } }).response.allowed ? "ok" : `HTTP ${res.statusCode}: ${body}`));
            });
            req.on("error", (e) => resolve(e.message));
            req.end(review);
          });
          direct++;
          if (outcome !== "ok") failures.push(`direct: ${outcome}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      // Count handshakes: the webhook closes connections made before a swap after their next
      // answer, so the API server handshakes again with each new certificate.
      let handshakes = 0;
      const onHandshake = () => handshakes++;
      server.server.on("secureConnection", onHandshake);
      await Promise.all([viaApiServer(), viaApiServer(), viaApiServer(), viaFreshConnections(), viaFreshConnections()]);
      server.server.off("secureConnection", onHandshake);
      const peer = await new Promise<string>((resolve, reject) => {
        const s = connect({ host: "127.0.0.1", port: server.port, ca: tls.current!.caBundle, servername: "localhost" }, () => {
          resolve(s.getPeerX509Certificate()!.serialNumber);
          s.end();
        });
        s.on("error", reject);
      });
      expect(failures).toEqual([]);
      expect(throughApiServer).toBeGreaterThan(30);
      expect(direct).toBeGreaterThan(50);
      expect(handshakes).toBeGreaterThan(direct); // the API server's connections moved too
      expect(serials.size).toBeGreaterThanOrEqual(4); // the first certificate and at least three rotations
      expect(cas.size).toBeGreaterThanOrEqual(2); // and a CA rotation
      expect(serials.has(peer)).toBe(true);
      console.log(`rotation under load: ${serials.size} serving certificates, ${cas.size} CAs, ${throughApiServer} requests through kube-apiserver, ${direct} on fresh connections, ${handshakes - direct} API server handshakes, ${failures.length} failed`);
    });
  });
});
