// JR/T 0179 8.3 at the trail's bound (audit/bound.ts): while the audit writer says it cannot take
// another record, a decision it would record (in a governed namespace) is refused with its
// reason; requests it would not record (other namespaces) are answered as usual.
import { request as httpsRequest } from "node:https";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa, issueServingCertificate, type PemPair } from "./certificates.js";
import { fixtureView, request as admissionRequest, workload } from "./testdata/fixtures.js";
import { startWebhookServer, type WebhookServer } from "./server.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const REFUSAL = "golive cannot write its audit trail /var/lib/golive/audit.webhook-a.jsonl (ENOSPC) and holds 9 record(s) in memory, its bound";
let ca: PemPair;
let server: WebhookServer;
let refusal: string | undefined;
const recorded: string[] = [];

function review(request: unknown): Promise<{ allowed: boolean; status?: { code: number; message: string } }> {
  const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port: server.port, path: "/validate", method: "POST", ca: ca.cert, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve((JSON.parse(text) as { response: { allowed: boolean; status?: { code: number; message: string } } }).response));
    });
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  ca = await createCa("test-ca", 86_400_000);
  const leaf = await issueServingCertificate(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"], validityMs: 86_400_000 });
  server = await startWebhookServer({ view: fixtureView(NOW), log: pino({ level: "silent" }), port: 0, host: "127.0.0.1", budgetMs: 1_500, certificate: leaf, onDecision: (e) => void recorded.push(e.result), auditRefusal: () => refusal });
});
afterAll(() => server.close());

describe("admission at the audit trail's bound", () => {
  it("admits as usual below the bound, refuses governed decisions at it, and admits again once the trail is written", async () => {
    const governed = () => admissionRequest(workload("Deployment"));
    expect((await review(governed())).allowed).toBe(true);
    refusal = REFUSAL;
    const refused = await review(governed());
    expect(refused.allowed).toBe(false);
    expect(refused.status).toMatchObject({ code: 503, message: REFUSAL });
    // Not a governed namespace: nothing would be recorded, so nothing is refused.
    expect((await review(admissionRequest(workload("Deployment", { namespace: "kube-system" }), { namespace: "kube-system" }))).allowed).toBe(true);
    refusal = undefined;
    expect((await review(governed())).allowed).toBe(true);
    expect(recorded).toEqual(["allowed", "denied", "allowed"]);
  });
});
