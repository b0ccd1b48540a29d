import { describe, expect, it } from "vitest";
import { ConfigError, envName, flagName, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("uses defaults", () => {
    const c = loadConfig({}, {});
    expect(c.webhookPort).toBe(9443);
    expect(c.leaseDuration).toBe(15_000);
    expect(c.leaderElect).toBe(true);
  });

  it("lets flags override the environment", () => {
    const c = loadConfig({ webhookPort: "10443" }, { GOLIVE_WEBHOOK_PORT: "9444", GOLIVE_RENEW_DEADLINE: "5s" });
    expect(c.webhookPort).toBe(10443);
    expect(c.renewDeadline).toBe(5_000);
  });

  it("names the bad setting and the accepted values", () => {
    expect(() => loadConfig({}, { GOLIVE_LOG_LEVEL: "loud" })).toThrow(ConfigError);
    expect(() => loadConfig({}, { GOLIVE_LOG_LEVEL: "loud" })).toThrow(/--log-level \/ GOLIVE_LOG_LEVEL = "loud": .*one of fatal, error, warn, info, debug, trace, silent/);
    expect(() => loadConfig({ webhookPort: "99999" }, {})).toThrow(/--webhook-port \/ GOLIVE_WEBHOOK_PORT = "99999"/);
    expect(() => loadConfig({}, { GOLIVE_LEASE_DURATION: "soon" })).toThrow(/GOLIVE_LEASE_DURATION = "soon": must be a duration/);
  });

  it("reads the monitoring and evidence-signing settings the chart sets", () => {
    const c = loadConfig({}, { GOLIVE_PROMETHEUS_URL: "http://prometheus.monitoring:9090", GOLIVE_CAPACITY_REPORT_INTERVAL: "30m", GOLIVE_CAPACITY_HISTORY: "14d", GOLIVE_EVIDENCE_KEY: "/etc/golive/evidence-signer/key.pem" });
    expect(c).toMatchObject({ prometheusUrl: "http://prometheus.monitoring:9090", capacityReportInterval: 1_800_000, capacityHistory: 14 * 86_400_000, evidenceKey: "/etc/golive/evidence-signer/key.pem", evidenceSigner: "golive-operator" });
    expect(loadConfig({}, {}).capacityReportInterval).toBe(3_600_000);
    expect(() => loadConfig({ prometheusUrl: "prometheus:9090" }, {})).toThrow(/--prometheus-url \/ GOLIVE_PROMETHEUS_URL = "prometheus:9090"/);
  });

  it("derives names", () => {
    expect(envName("webhookTimeout")).toBe("GOLIVE_WEBHOOK_TIMEOUT");
    expect(flagName("webhookTimeout")).toBe("--webhook-timeout");
  });
});
