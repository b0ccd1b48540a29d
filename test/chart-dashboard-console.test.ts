// The chart's optional parts for release managers, rendered with the real helm binary: the
// Grafana dashboard of golive's release and delivery series (every series it queries is one the
// operator exports: a renamed metric fails here), and the console Deployment behind TLS with
// its own least-privilege ServiceAccount. Both are off by default.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { deliveryDashboardFile } from "../operator/delivery/dashboard.js";
import { DeliveryMetrics } from "../operator/delivery/metrics.js";
import { helm, helmResult } from "./services/helm.js";
import { seriesNames } from "./support/promql.js";

const chart = join(import.meta.dirname, "..", "charts", "golive");
type Doc = Record<string, any>;
const docsOf = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter((d) => d && typeof d === "object");
const render = async (...set: string[]) => docsOf(await helm(["template", "golive", chart, "-n", "golive-system", ...set.flatMap((s) => ["--set", s])]));

/** The names the operator's release and delivery collectors register, from a live registry. */
function exportedNames(): Set<string> {
  const registry = new Registry();
  new DeliveryMetrics(registry, { releases: () => [], evidence: () => [] });
  return new Set(registry.getMetricsAsArray().map((m) => m.name));
}

describe("the Grafana dashboard in the chart", () => {
  it("is off by default; on, a ConfigMap labelled for the Grafana sidecar holds the dashboard the generator writes", async () => {
    expect((await render()).filter((d) => d.kind === "ConfigMap" && d.metadata.labels?.grafana_dashboard)).toEqual([]);
    const docs = await render("grafanaDashboard.enabled=true", "grafanaDashboard.namespace=monitoring");
    const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "golive-dashboard")!;
    expect(cm.metadata).toMatchObject({ namespace: "monitoring", labels: { grafana_dashboard: "1" } });
    // The chart ships what `npm run dashboards` writes: regenerate after changing the dashboard.
    expect(readFileSync(join(chart, "dashboards", "golive-releases.json"), "utf8"), "run npm run dashboards").toBe(deliveryDashboardFile());
    expect(JSON.parse(cm.data["golive-releases.json"] as string)).toEqual(JSON.parse(deliveryDashboardFile()));
  });

  it("queries only series the operator exports, and every one of them", async () => {
    const cm = (await render("grafanaDashboard.enabled=true")).find((d) => d.kind === "ConfigMap" && d.metadata.name === "golive-dashboard")!;
    const dashboard = JSON.parse(cm.data["golive-releases.json"] as string) as Doc;
    const exprs = [...(dashboard.panels as Doc[]).flatMap((p) => ((p.targets ?? []) as Doc[]).map((t) => t.expr as string)), ...(dashboard.templating.list as Doc[]).filter((v) => v.type === "query").map((v) => v.query.query as string)];
    const exported = exportedNames();
    expect(exported.size).toBe(7);
    const queried = new Set(exprs.flatMap(seriesNames));
    for (const name of queried) expect(exported, `the dashboard queries ${name}, which the operator does not export`).toContain(name);
    expect([...exported].filter((n) => !queried.has(n)), "exported but not on the dashboard").toEqual([]);
    // The check itself sees a drifted name.
    expect(seriesNames('max by (release) (golive_release_canary_weights{release_namespace=~"$namespace"})')).toEqual(["golive_release_canary_weights"]);
  });

  it("refuses a namespace that is not one", async () => {
    const r = await helmResult(["template", "golive", chart, "--set", "grafanaDashboard.namespace=Not_A_Namespace"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("at '/grafanaDashboard/namespace': 'Not_A_Namespace' does not match pattern");
  });
});

describe("the console in the chart", () => {
  const consoleDocs = (docs: Doc[]) => docs.filter((d) => d.metadata?.labels?.["app.kubernetes.io/component"] === "console");

  it("renders nothing by default", async () => {
    expect(consoleDocs(await render()).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([]);
  });

  it("on: a Deployment serving HTTPS with its own ServiceAccount, a Service, and exactly the least RBAC", async () => {
    const docs = consoleDocs(await render("console.enabled=true"));
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(["ClusterRole/golive-console", "ClusterRoleBinding/golive-console", "Deployment/golive-console", "NetworkPolicy/golive-console", "Service/golive-console", "ServiceAccount/golive-console"]);
    const role = docs.find((d) => d.kind === "ClusterRole")!;
    expect(role.rules).toEqual([
      { apiGroups: ["golive.dev"], resources: ["releases", "releaseevidences", "releasepolicies"], verbs: ["list", "watch"] },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
      { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
      { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
    ]);
    const binding = docs.find((d) => d.kind === "ClusterRoleBinding")!;
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "golive-console" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "golive-console", namespace: "golive-system" }]);
    // No other Role or binding names the console's ServiceAccount.
    const all = await render("console.enabled=true");
    const bound = all.filter((d) => /RoleBinding$/.test(d.kind as string) && (d.subjects as Doc[] | undefined)?.some((x) => x.name === "golive-console"));
    expect(bound.map((d) => String(d.metadata.name))).toEqual(["golive-console"]);

    const deployment = docs.find((d) => d.kind === "Deployment")!;
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe("golive-console");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    const c = pod.containers[0] as Doc;
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(c.args).toEqual(["console", "--port=8443", "--log-level=info", "--namespace=golive-system", "--dns-name", "golive-console", "golive-console.golive-system.svc"]);
    expect(c.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "https", scheme: "HTTPS" });
    const service = docs.find((d) => d.kind === "Service")!;
    expect(service.spec.ports).toEqual([{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }]);
    const policy = docs.find((d) => d.kind === "NetworkPolicy")!;
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: "https", protocol: "TCP" }] }]);
  });

  it("serves a TLS Secret's pair when one is named, and refuses a port or name outside the schema", async () => {
    const deployment = consoleDocs(await render("console.enabled=true", "console.tls.secretName=golive-console-tls")).find((d) => d.kind === "Deployment")!;
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].args).toEqual(["console", "--port=8443", "--log-level=info", "--namespace=golive-system", "--tls-cert=/etc/golive/console-tls/tls.crt", "--tls-key=/etc/golive/console-tls/tls.key"]);
    expect(pod.volumes).toContainEqual({ name: "console-tls", secret: { secretName: "golive-console-tls" } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "console-tls", mountPath: "/etc/golive/console-tls", readOnly: true });
    for (const [set, where] of [["console.port=80", "/console/port"], ["console.tls.secretName=Bad_Name", "/console/tls/secretName"], ["console.enable=true", "/console"]] as const) {
      const r = await helmResult(["template", "golive", chart, "--set", set]);
      expect(r.status, set).not.toBe(0);
      expect(r.stderr, set).toContain(`at '${where}'`);
    }
  });

  it("takes the --requestheader-* flags from console.requestHeader, mounting only the front-proxy CA; headers without a CA are refused", async () => {
    const off = consoleDocs(await render("console.enabled=true")).find((d) => d.kind === "Deployment")!;
    expect((off.spec.template.spec.containers[0].args as string[]).some((a) => a.startsWith("--requestheader"))).toBe(false);
    const docs = consoleDocs(await render("console.enabled=true", "console.requestHeader.clientCAConfigMap=front-proxy-ca", "console.requestHeader.clientCAKey=requestheader-client-ca-file", "console.requestHeader.allowedNames={front-proxy,aggregator}", "console.requestHeader.usernameHeaders={X-Forwarded-User}", "console.requestHeader.groupHeaders={X-Forwarded-Groups,X-Remote-Group}"));
    const pod = docs.find((d) => d.kind === "Deployment")!.spec.template.spec;
    expect((pod.containers[0].args as string[]).filter((a) => a.startsWith("--requestheader"))).toEqual([
      "--requestheader-client-ca-file=/etc/golive/requestheader-ca/ca.crt",
      "--requestheader-allowed-names=front-proxy",
      "--requestheader-allowed-names=aggregator",
      "--requestheader-username-headers=X-Forwarded-User",
      "--requestheader-group-headers=X-Forwarded-Groups",
      "--requestheader-group-headers=X-Remote-Group",
    ]);
    expect(pod.volumes).toContainEqual({ name: "requestheader-ca", configMap: { name: "front-proxy-ca", items: [{ key: "requestheader-client-ca-file", path: "ca.crt" }] } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "requestheader-ca", mountPath: "/etc/golive/requestheader-ca", readOnly: true });
    // The flags parse as the CLI reads them: repeated flags accumulate and replace the defaults.
    const { Command } = await import("commander");
    const { registerConsole } = await import("../cli/commands/console.js");
    const program = new Command().exitOverride();
    registerConsole(program);
    const cmd = program.commands.find((c) => c.name() === "console")!;
    cmd.action(() => undefined);
    await program.parseAsync(["node", "golive", ...(pod.containers[0].args as string[])]);
    expect(cmd.opts()).toMatchObject({ requestheaderClientCaFile: "/etc/golive/requestheader-ca/ca.crt", requestheaderAllowedNames: ["front-proxy", "aggregator"], requestheaderUsernameHeaders: ["X-Forwarded-User"], requestheaderGroupHeaders: ["X-Forwarded-Groups", "X-Remote-Group"], namespace: "golive-system", dnsName: ["golive-console", "golive-console.golive-system.svc"] });
    const bare = await helmResult(["template", "golive", chart, "--set", "console.enabled=true", "--set", "console.requestHeader.allowedNames={front-proxy}"]);
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain("console.requestHeader: allowedNames and the headers need clientCAConfigMap");
    const badHeader = await helmResult(["template", "golive", chart, "--set", "console.enabled=true", "--set", "console.requestHeader.usernameHeaders={X User}"]);
    expect(badHeader.stderr).toContain("at '/console/requestHeader/usernameHeaders/0'");
  });

  it("with console.audit: the operator's /audit Service as URL, only the CA of its certificate mounted, egress to it; refused without a CA it could verify", async () => {
    const docs = await render("console.enabled=true", "console.audit.enabled=true", "operator.auditEndpoint.tlsSecretName=golive-audit-tls", "networkPolicy.egress.enabled=true");
    const pod = consoleDocs(docs).find((d) => d.kind === "Deployment")!.spec.template.spec;
    expect((pod.containers[0].args as string[]).filter((a) => a.startsWith("--audit"))).toEqual(["--audit-url=https://golive-operator-audit.golive-system.svc:8444/audit", "--audit-ca-file=/etc/golive/audit-ca/ca.crt"]);
    // The operator's serving key shares that Secret: only ca.crt is projected into the console.
    expect(pod.volumes).toContainEqual({ name: "audit-ca", secret: { secretName: "golive-audit-tls", items: [{ key: "ca.crt", path: "ca.crt" }] } });
    expect(docs.some((d) => d.kind === "Service" && d.metadata.name === "golive-operator-audit")).toBe(true);
    const egress = consoleDocs(docs).find((d) => d.kind === "NetworkPolicy")!.spec.egress as Doc[];
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "golive", "app.kubernetes.io/instance": "golive", "app.kubernetes.io/component": "operator" } } }], ports: [{ port: 8444, protocol: "TCP" }] });
    // Still no right of its own to the trail: viewers' tokens are asked.
    const bound = docs.filter((d) => /RoleBinding$/.test(d.kind as string) && (d.subjects as Doc[] | undefined)?.some((x) => x.name === "golive-console"));
    expect(bound.map((d) => String(d.roleRef.name))).toEqual(["golive-console"]);
    const own = consoleDocs(await render("console.enabled=true", "console.audit.enabled=true", "console.audit.url=https://audit.example/audit", "console.audit.caSecretName=audit-ca", "console.audit.caKey=root.pem"));
    const ownPod = own.find((d) => d.kind === "Deployment")!.spec.template.spec;
    expect((ownPod.containers[0].args as string[]).filter((a) => a.startsWith("--audit"))).toEqual(["--audit-url=https://audit.example/audit", "--audit-ca-file=/etc/golive/audit-ca/ca.crt"]);
    expect(ownPod.volumes).toContainEqual({ name: "audit-ca", secret: { secretName: "audit-ca", items: [{ key: "root.pem", path: "ca.crt" }] } });
    const noCa = await helmResult(["template", "golive", chart, "--set", "console.enabled=true", "--set", "console.audit.enabled=true"]);
    expect(noCa.status).not.toBe(0);
    expect(noCa.stderr).toContain("the console sends a viewer's token only to a certificate it can verify");
    const noEndpoint = await helmResult(["template", "golive", chart, "--set", "console.enabled=true", "--set", "console.audit.enabled=true", "--set", "operator.auditEndpoint.enabled=false"]);
    expect(noEndpoint.stderr).toContain("console.audit.enabled needs operator.auditEndpoint.enabled, or console.audit.url");
    const plain = await helmResult(["template", "golive", chart, "--set", "console.enabled=true", "--set", "console.audit.url=http://audit.example/audit"]);
    expect(plain.stderr).toContain("at '/console/audit/url'");
  });
});
