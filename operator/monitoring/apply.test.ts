// What counts as "unchanged" when deciding whether to send an enrollment object again: pure.
import { describe, expect, it } from "vitest";
import { containsFields } from "./apply.js";

describe("containsFields", () => {
  const service = { spec: { clusterIP: "None", selector: { "golive.dev/release": "r" }, ports: [{ name: "metrics", port: 9090, targetPort: "metrics" }] } };

  it("ignores what the API server added", () => {
    const served = { spec: { ...service.spec, clusterIPs: ["None"], sessionAffinity: "None", ports: [{ name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" }] }, status: {} };
    expect(containsFields(served, service)).toBe(true);
  });

  it("sees an edited, removed or added list element", () => {
    expect(containsFields({ spec: { ...service.spec, selector: { "golive.dev/release": "other" } } }, service)).toBe(false);
    expect(containsFields({ spec: { ...service.spec, ports: [] } }, service)).toBe(false);
    expect(containsFields({ spec: { ...service.spec, ports: [...service.spec.ports, { name: "x", port: 1 }] } }, service)).toBe(false);
    expect(containsFields({ spec: { groups: [{ rules: [{ expr: "vector(0) > 1" }] }] } }, { spec: { groups: [{ rules: [{ expr: "x > 480" }] }] } })).toBe(false);
    expect(containsFields(undefined, { a: 1 })).toBe(false);
  });
});
