// The reason shown for an unreachable DR target: the kind of failure in golive's words, never
// the error's own text (it may carry a URL with credentials or a server's answer).
import { describe, expect, it } from "vitest";
import { KubeError } from "../runtime/kube-client.js";
import { DrConfigError, scrubbedReason } from "./observe.js";

describe("scrubbedReason", () => {
  it("names a timeout, an HTTP error, a connection failure or a configuration problem, nothing else", () => {
    expect(scrubbedReason(new KubeError(0, "Timeout", "GET /api/v1/namespaces/x timed out after 1000 ms"))).toBe("timed out");
    expect(scrubbedReason(new KubeError(403, "Forbidden", "secrets is forbidden: User token-abc"))).toBe("HTTP 403 Forbidden");
    expect(scrubbedReason(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }))).toBe("connection failed (ECONNREFUSED)");
    expect(scrubbedReason(new DrConfigError("Secret golive-system/dr-east-kubeconfig has no key kubeconfig"))).toBe("Secret golive-system/dr-east-kubeconfig has no key kubeconfig");
    expect(scrubbedReason(new Error("https://user:pass@dr.example/ said no"))).toBe("cannot read the DR cluster");
  });
});
