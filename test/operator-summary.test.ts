// The operator's signed verification summary (issue 17) through the real kube-apiserver: the
// statement golive report --sign-key embeds, signed with the operator's key when a release is
// Approved, Released or RolledBack, stored in ConfigMap <release>-golive-summary, verified offline
// against the public key; a byte changed in it is refused, and a restarted operator does not sign again.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { Release, ReleaseEvidence, ReleasePolicy } from "../api/index.js";
import { SummaryPublisher, summaryConfigMapName } from "../operator/summary/publish.js";
import { verifySummaryEnvelope } from "../operator/summary/verify.js";
import { KubeClient } from "../operator/runtime/kube-client.js";
import { AT, FIXTURE, RELEASED, RELEASED_NAME, RELEASED_VERSION } from "../report/testkit.js";
import { kubeConfig, kubectl, useNamespace } from "./support/cluster.js";

const ns = useNamespace("summary");
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519").publicKey;
const client = new KubeClient(kubeConfig());
afterAll(() => client.close());

const sample = Release.parse(parse(readFileSync(RELEASED, "utf8")));
const release = { ...sample, metadata: { ...sample.metadata, namespace: ns.name, uid: "0b7c6f0e-summary-test" } };
// The report's fixture: a Release, its policy and evidence exported from a real rollout.
const policy = ReleasePolicy.parse(parse(readFileSync(join(FIXTURE, "policy.yaml"), "utf8")));
const evidence = parseAllDocuments(readFileSync(join(FIXTURE, "evidence.yaml"), "utf8"))
  .map((d) => d.toJS() as unknown)
  .filter((d) => d !== null)
  .map((d) => ReleaseEvidence.parse(d));
const publisher = () => new SummaryPublisher({ client, key: privateKey, log: pino({ level: "silent" }) });
const stored = (key: string): string => kubectl(["-n", ns.name, "get", "configmap", summaryConfigMapName(release.metadata.name), "-o", `jsonpath={.data.${key.replace(/\./g, "\\.")}}`]);

describe("signed verification summary kept beside the release", () => {
  it("at Released: signed, stored, verifiable with the operator's public key, PASSED for the sample", async () => {
    const p = publisher();
    const out = await p.ensure(release, release.status!, policy, evidence, AT);
    expect(out).toMatchObject([{ phase: "Released", configMap: `${ns.name}/${RELEASED_NAME}-golive-summary`, verdict: "PASSED", digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    const text = stored("Released.dsse.json");
    expect(verifySummaryEnvelope(text, publicKey)).toMatchObject({ ok: true, result: "PASSED", subject: expect.stringContaining(`underwriting-api@${RELEASED_VERSION}`), resource: `golive.dev/release/${ns.name}/${RELEASED_NAME}`, policy: `golive.dev/releasepolicy/${policy.metadata.name}` });
    expect(verifySummaryEnvelope(text, other)).toMatchObject({ ok: false, reason: expect.stringContaining("the signature does not verify") });
    // One byte of the signed payload changed: refused.
    const env = JSON.parse(text) as { payload: string };
    const bytes = Buffer.from(env.payload, "base64");
    bytes[bytes.indexOf("PASSED")] = "F".charCodeAt(0);
    expect(verifySummaryEnvelope(JSON.stringify({ ...env, payload: bytes.toString("base64") }), publicKey)).toMatchObject({ ok: false, reason: expect.stringContaining("the signature does not verify") });
    // The same pass again, and a restarted operator: nothing signed again.
    expect(await p.ensure(release, release.status!, policy, evidence, AT)).toEqual([]);
    expect(await publisher().ensure(release, release.status!, policy, evidence, new Date(AT.getTime() + 60_000))).toEqual([]);
    expect(stored("Released.dsse.json")).toBe(text);
  });

  it("once a Released release is signed off (4.3 l): a SignedOff summary beside the Released one, which stays as it was", async () => {
    const before = stored("Released.dsse.json");
    const signed = { ...release.status!, conditions: [...(release.status!.conditions ?? []), { type: "SignedOff", status: "True" as const, reason: "SignedOff", message: "go-live-closure: Closing approved by business-owner (owner)", lastTransitionTime: AT.toISOString() }] };
    const out = await publisher().ensure(release, signed, policy, evidence, AT);
    expect(out).toMatchObject([{ phase: "SignedOff", verdict: "PASSED" }]);
    expect(verifySummaryEnvelope(stored("SignedOff.dsse.json"), publicKey)).toMatchObject({ ok: true, result: "PASSED" });
    expect(stored("Released.dsse.json")).toBe(before);
  });

  it("at RolledBack: a second key in the same ConfigMap, FAILED; phases without a summary sign nothing", async () => {
    const p = publisher();
    expect(await p.ensure(release, { ...release.status!, phase: "Progressing" }, policy, evidence, AT)).toEqual([]);
    const out = await p.ensure(release, { ...release.status!, phase: "RolledBack" }, policy, evidence, AT);
    expect(out).toMatchObject([{ phase: "RolledBack", verdict: "FAILED" }]);
    expect(verifySummaryEnvelope(stored("RolledBack.dsse.json"), publicKey)).toMatchObject({ ok: true, result: "FAILED" });
    expect(stored("Released.dsse.json")).not.toBe("");
  });
});
