// The webhook's coverage check against a real API server: a ValidatingWebhookConfiguration with
// scopes (as the chart renders from webhook.scopes), a policy that governs a namespace none of
// them selects, and the check that reads the configuration, logs the fix and sets the gauge.
import { Writable } from "node:stream";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import type { ReleasePolicy } from "../api/index.js";
import { webhookConfiguration } from "../webhook/configuration.js";
import { CoverageMonitor } from "../webhook/coverage.js";
import { MemoryStore } from "../webhook/memory-view.js";
import { kubeConfig, kubectlAsync, useNamespace } from "./support/cluster.js";

const ns = useNamespace("coverage");
const NAME = `golive-coverage-${process.pid}`;
// A scope no namespace has: the configuration sends nothing anywhere, so it can never get in the way.
const scopeLabel = `golive.dev/coverage-test-${process.pid}`;

afterAll(async () => {
  await kubectlAsync(["delete", "validatingwebhookconfiguration", NAME, "--ignore-not-found"]);
});

describe("the webhook's coverage check", () => {
  it("names a governed namespace no webhook scope selects, with the fix, and exports it", async () => {
    const configuration = webhookConfiguration({ name: NAME, ownNamespace: "golive-system", client: { url: "https://127.0.0.1:1/validate" }, scopes: [{ name: "level3", selector: { matchLabels: { [scopeLabel]: "level3" } } }] });
    const created = await kubectlAsync(["create", "-f", "-"], JSON.stringify({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", ...configuration }));
    expect(created.stderr).toBe("");
    const namespace = JSON.parse((await kubectlAsync(["get", "namespace", ns.name, "-o", "json"])).stdout) as { metadata: { name: string; labels: Record<string, string> } };
    const policy = { apiVersion: "golive.dev/v1alpha1", kind: "ReleasePolicy", metadata: { name: "claims-level2" }, spec: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns.name } } } } as unknown as ReleasePolicy;
    let logged = "";
    const log = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _e, done) => ((logged += chunk.toString()), done()) }));
    const registry = new Registry();
    const monitor = new CoverageMonitor({ kubeConfig: kubeConfig(), view: { ownNamespace: "golive-system", namespaces: new MemoryStore([namespace]), policies: new MemoryStore([policy]) }, configurationName: NAME, registry, log });

    expect(await monitor.check()).toEqual([{ namespace: ns.name, policy: "claims-level2" }]);
    expect(logged).toContain(`workloads in 1 governed namespace(s) are not sent to golive for admission: ${ns.name} (ReleasePolicy claims-level2). No webhook of ValidatingWebhookConfiguration ${NAME} selects them`);
    expect(await registry.metrics()).toContain(`golive_webhook_uncovered_namespaces{namespace="${ns.name}",policy="claims-level2"} 1`);

    // The namespace gets the scope's label: covered, and the gauge clears.
    namespace.metadata.labels[scopeLabel] = "level3";
    expect(await monitor.check()).toEqual([]);
    expect(await registry.metrics()).not.toContain(`namespace="${ns.name}"`);
    expect(logged).toContain("every governed namespace is sent to golive for admission again");

    // The configuration deleted: nothing is sent to golive any more, every governed namespace is named.
    await kubectlAsync(["delete", "validatingwebhookconfiguration", NAME]);
    expect(await monitor.check()).toEqual([{ namespace: ns.name, policy: "claims-level2" }]);
    expect(logged).toContain(`ValidatingWebhookConfiguration ${NAME} does not exist: reinstall it (helm upgrade, or golive webhook --install-configuration)`);
  });
});
