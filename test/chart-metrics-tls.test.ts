// /metrics over HTTPS in the chart (metricsTls, JR/T 0179 8.5), rendered with the real helm
// binary: off by default (plain http-metrics ports, as before); on, both Deployments get the
// settings settings/config.ts reads, every metrics port is https-metrics (Deployments, Services,
// NetworkPolicies), the operator's probes use scheme HTTPS, and the ServiceMonitor scrapes https.
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../settings/config.js";
import { helm, helmResult } from "./services/helm.js";

const chart = join(import.meta.dirname, "..", "charts", "golive");
type Doc = Record<string, any>;
const docsOf = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter((d) => d && typeof d === "object");
const render = async (...set: string[]) => docsOf(await helm(["template", "golive", chart, "-n", "golive-system", ...set.flatMap((s) => ["--set", s])]));
const get = (docs: Doc[], kind: string, name: string): Doc => {
  const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const container = (d: Doc): Doc => d.spec.template.spec.containers[0] as Doc;
/** The container's literal env as the process would see it. */
const envOf = (c: Doc): Record<string, string> => Object.fromEntries((c.env as Doc[]).filter((e) => typeof e.value === "string").map((e) => [e.name as string, e.value as string]));
const portNames = (d: Doc) => (container(d).ports as Doc[]).map((p) => p.name as string);
const probes = (d: Doc): Doc[] => ["livenessProbe", "readinessProbe", "startupProbe"].map((p) => (container(d)[p] as Doc).httpGet as Doc);
const policyPorts = (docs: Doc[], name: string) => (get(docs, "NetworkPolicy", name).spec.ingress as Doc[]).flatMap((r) => (r.ports as Doc[]).map((p) => p.port as string));

describe("/metrics over TLS in the chart", () => {
  it("is off by default: plain http-metrics ports and probes, no metrics TLS setting", async () => {
    const docs = await render("serviceMonitor.enabled=true");
    for (const name of ["golive-webhook", "golive-operator"]) {
      const d = get(docs, "Deployment", name);
      expect(portNames(d)).toContain("http-metrics");
      expect(envOf(container(d)).GOLIVE_METRICS_TLS).toBeUndefined();
      expect(loadConfig({}, envOf(container(d))).metricsTls).toBe(false);
    }
    expect(probes(get(docs, "Deployment", "golive-operator")).map((p) => p.scheme as unknown)).toEqual([undefined, undefined, undefined]);
    const monitor = get(docs, "ServiceMonitor", "golive-operator");
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: "http-metrics", path: "/metrics" });
    expect(monitor.spec.endpoints[0].scheme).toBeUndefined();
  });

  it("on: both processes serve https-metrics, the operator's probes use HTTPS, the ServiceMonitor scrapes https", async () => {
    const docs = await render("metricsTls.enabled=true", "serviceMonitor.enabled=true");
    for (const name of ["golive-webhook", "golive-operator"]) {
      const d = get(docs, "Deployment", name);
      expect(portNames(d)).toContain("https-metrics");
      expect(portNames(d)).not.toContain("http-metrics");
      const config = loadConfig({}, envOf(container(d)));
      expect(config).toMatchObject({ metricsTls: true });
      expect(config.metricsTlsCert).toBeUndefined();
      expect(policyPorts(docs, name)).toContain("https-metrics");
      expect(policyPorts(docs, name)).not.toContain("http-metrics");
      const monitor = get(docs, "ServiceMonitor", name);
      expect(monitor.spec.endpoints[0]).toMatchObject({ port: "https-metrics", scheme: "https", tlsConfig: { insecureSkipVerify: true } });
    }
    expect(probes(get(docs, "Deployment", "golive-operator"))).toEqual(Array(3).fill(expect.objectContaining({ port: "https-metrics", scheme: "HTTPS" })));
    // The webhook's probes have a port of their own, which stays plain HTTP.
    expect(probes(get(docs, "Deployment", "golive-webhook"))).toEqual(Array(3).fill(expect.objectContaining({ port: "http-health" })));
    expect(probes(get(docs, "Deployment", "golive-webhook")).map((p) => p.scheme as unknown)).toEqual([undefined, undefined, undefined]);
    expect((get(docs, "Service", "golive-webhook").spec.ports as Doc[]).find((p) => p.port === 8080)).toMatchObject({ name: "https-metrics", targetPort: "https-metrics" });
    expect((get(docs, "Service", "golive-operator-metrics").spec.ports as Doc[])[0]).toMatchObject({ name: "https-metrics", targetPort: "https-metrics" });
  });

  it("serves a named TLS Secret's pair and scrapes with the tlsConfig given", async () => {
    const docs = await render("metricsTls.enabled=true", "metricsTls.secretName=golive-metrics-tls", "serviceMonitor.enabled=true", "serviceMonitor.tlsConfig.ca.secret.name=golive-metrics-tls", "serviceMonitor.tlsConfig.ca.secret.key=ca.crt", "serviceMonitor.tlsConfig.serverName=golive-operator-metrics.golive-system.svc");
    for (const name of ["golive-webhook", "golive-operator"]) {
      const d = get(docs, "Deployment", name);
      const config = loadConfig({}, envOf(container(d)));
      expect(config).toMatchObject({ metricsTls: true, metricsTlsCert: "/etc/golive/metrics-tls/tls.crt", metricsTlsKey: "/etc/golive/metrics-tls/tls.key" });
      expect(container(d).volumeMounts).toContainEqual({ name: "metrics-tls", mountPath: "/etc/golive/metrics-tls", readOnly: true });
      expect(d.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ name: "metrics-tls", secret: expect.objectContaining({ secretName: "golive-metrics-tls", items: [{ key: "tls.crt", path: "tls.crt" }, { key: "tls.key", path: "tls.key" }] }) }));
      const endpoint = get(docs, "ServiceMonitor", name).spec.endpoints[0];
      expect(endpoint.tlsConfig).toEqual({ ca: { secret: { name: "golive-metrics-tls", key: "ca.crt" } }, serverName: "golive-operator-metrics.golive-system.svc" });
    }
    expect(await helm(["lint", "--strict", chart, "--set", "metricsTls.enabled=true", "--set", "metricsTls.secretName=golive-metrics-tls", "--set", "serviceMonitor.enabled=true"])).toMatch(/0 chart\(s\) failed/);
  });

  it("refuses a Secret name that is not one", async () => {
    const r = await helmResult(["template", "golive", chart, "--set", "metricsTls.secretName=Not_A_Secret"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/secretName/);
  });
});
